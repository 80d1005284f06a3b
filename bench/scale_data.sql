-- The rows of bench/scale.py's databases (cerca_bench_10k, _100k, _1m), in SQL.
--
-- Run by bench/scale.py on a freshly migrated database, one step at a time
-- (each "-- step:" block is one transaction), with %(groups)s study groups,
-- as many events, %(users)s users and %(seed)s for setseed(). Foreign keys
-- are checked once at the end (step "check") rather than row by row; check,
-- unique and exclusion constraints are checked as the rows go in.
--
-- Where: cities of the gazetteer (places_city), weighted by population,
-- nine groups in ten in Latin America and Spain and the rest in the world's
-- cities of 100,000 people or more. Half the groups of a big city sit in one of
-- its neighbourhoods (places_locality, and the gazetteer's small places within
-- 12 km), the rest spread around the centre (a normal spread of 1 to 15 km,
-- wider for bigger cities). Names read "<topic> <neighbourhood or city>".

-- step: cities
SELECT setseed(%(seed)s);
CREATE TEMP TABLE bench_city ON COMMIT PRESERVE ROWS AS
WITH picked AS (
    SELECT c.geonameid, c.name, c.country_code, c.population, c.time_zone, c.location,
           c.country_code = ANY (%(home_countries)s) AS home
    FROM places_city AS c
    WHERE c.population >= 15000
      AND (c.country_code = ANY (%(home_countries)s) OR c.population >= 100000)
), weighted AS (
    SELECT p.*, p.population::float8 / sum(p.population) OVER (PARTITION BY p.home)
                * CASE WHEN p.home THEN 0.9 ELSE 0.1 END AS weight
    FROM picked AS p
)
SELECT row_number() OVER (ORDER BY geonameid) AS n, w.*,
       sum(weight) OVER (ORDER BY geonameid) AS upto,
       -- The spread of groups around the centre, in km: 1.4 for a town of
       -- 20,000, 8 for Bogotá, at most 15.
       least(15, 1 + sqrt(population) / 400) AS spread_km
FROM weighted AS w;
CREATE INDEX ON bench_city (upto);
CREATE TEMP TABLE bench_hood ON COMMIT PRESERVE ROWS AS
SELECT c.n, row_number() OVER (PARTITION BY c.n ORDER BY h.name) AS k, h.name, h.location
FROM bench_city AS c
CROSS JOIN LATERAL (
    SELECT l.name, l.location FROM places_locality AS l WHERE l.city_id = c.geonameid
    UNION
    SELECT s.name, s.location FROM places_city AS s
    WHERE c.population >= 300000 AND s.population < 15000
      AND ST_DWithin(s.location, c.location, 12000)
) AS h;
ALTER TABLE bench_city ADD COLUMN hoods int;
UPDATE bench_city AS c SET hoods = coalesce(
    (SELECT max(k) FROM bench_hood AS h WHERE h.n = c.n), 0);
CREATE INDEX ON bench_hood (n, k);
ANALYZE bench_city;
ANALYZE bench_hood;

-- step: topics
-- Forty topics; the first ones are the most common (topic n is picked with
-- probability falling like 1/sqrt(n)).
CREATE TEMP TABLE bench_topic ON COMMIT PRESERVE ROWS AS
SELECT t.n, t.slug, t.name_es, t.name_en FROM (VALUES
    (1, 'ingles', 'Inglés', 'English'), (2, 'python', 'Python', 'Python'),
    (3, 'calculo', 'Cálculo', 'Calculus'), (4, 'programacion', 'Programación', 'Programming'),
    (5, 'matematicas', 'Matemáticas', 'Mathematics'), (6, 'fisica', 'Física', 'Physics'),
    (7, 'frances', 'Francés', 'French'), (8, 'historia', 'Historia', 'History'),
    (9, 'quimica', 'Química', 'Chemistry'), (10, 'estadistica', 'Estadística', 'Statistics'),
    (11, 'economia', 'Economía', 'Economics'), (12, 'filosofia', 'Filosofía', 'Philosophy'),
    (13, 'derecho', 'Derecho', 'Law'), (14, 'biologia', 'Biología', 'Biology'),
    (15, 'aleman', 'Alemán', 'German'), (16, 'portugues', 'Portugués', 'Portuguese'),
    (17, 'javascript', 'JavaScript', 'JavaScript'), (18, 'datos', 'Ciencia de datos', 'Data science'),
    (19, 'algebra', 'Álgebra lineal', 'Linear algebra'), (20, 'ajedrez', 'Ajedrez', 'Chess'),
    (21, 'literatura', 'Literatura', 'Literature'), (22, 'escritura', 'Escritura creativa', 'Creative writing'),
    (23, 'astronomia', 'Astronomía', 'Astronomy'), (24, 'medicina', 'Medicina', 'Medicine'),
    (25, 'contabilidad', 'Contabilidad', 'Accounting'), (26, 'japones', 'Japonés', 'Japanese'),
    (27, 'musica', 'Teoría musical', 'Music theory'), (28, 'dibujo', 'Dibujo', 'Drawing'),
    (29, 'robotica', 'Robótica', 'Robotics'), (30, 'sql', 'Bases de datos', 'Databases'),
    (31, 'icfes', 'Preparación ICFES', 'ICFES preparation'), (32, 'oposiciones', 'Oposiciones', 'Civil service exams'),
    (33, 'psicologia', 'Psicología', 'Psychology'), (34, 'geografia', 'Geografía', 'Geography'),
    (35, 'sig', 'Sistemas de información geográfica', 'GIS'), (36, 'italiano', 'Italiano', 'Italian'),
    (37, 'mandarin', 'Chino mandarín', 'Mandarin Chinese'), (38, 'rust', 'Rust', 'Rust'),
    (39, 'marketing', 'Marketing digital', 'Digital marketing'), (40, 'quechua', 'Quechua', 'Quechua')
) AS t (n, slug, name_es, name_en);
INSERT INTO studygroups_topic (name_es, name_en, slug)
SELECT name_es, name_en, slug FROM bench_topic ORDER BY n
ON CONFLICT DO NOTHING;
ALTER TABLE bench_topic ADD COLUMN id bigint;
UPDATE bench_topic AS b SET id = t.id FROM studygroups_topic AS t WHERE t.slug = b.slug;

-- step: users
INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email,
                       is_staff, is_active, date_joined)
SELECT j, '!', false, 'bench' || j, 'Bench', 'User ' || j, 'bench' || j || '@example.org',
       false, true, now() - interval '3 years'
FROM generate_series(1, %(users)s) AS j;
SELECT setval(pg_get_serial_sequence('auth_user', 'id'), %(users)s);

-- step: places
-- One row per study group: its city, neighbourhood, point, topic and language.
CREATE UNLOGGED TABLE bench_seed AS
SELECT s.i, c.n AS city, c.name AS city_name, c.time_zone, c.home,
       coalesce(h.name, c.name) AS place,
       -- Box–Muller: a normal spread of spread_km (1 km around a neighbourhood).
       ST_X(coalesce(h.location, c.location)::geometry)
           + spread * sqrt(-2 * ln(1 - s.r4)) * cos(2 * pi() * s.r5)
             / (111.32 * greatest(0.1, cos(radians(ST_Y(c.location::geometry))))) AS lon,
       least(89, greatest(-89, ST_Y(coalesce(h.location, c.location)::geometry)
           + spread * sqrt(-2 * ln(1 - s.r4)) * sin(2 * pi() * s.r5) / 111.32)) AS lat,
       1 + floor(40 * s.r6 * s.r6)::int AS topic,
       CASE WHEN c.home AND s.r7 >= 0.1 THEN 'es' WHEN c.home THEN 'en'
            WHEN s.r7 < 0.8 THEN 'en' ELSE 'es' END AS language
FROM (
    SELECT i, random() AS r1, random() AS r2, random() AS r3, random() AS r4,
           random() AS r5, random() AS r6, random() AS r7
    FROM generate_series(1, %(groups)s) AS i
) AS s
CROSS JOIN LATERAL (
    SELECT * FROM bench_city WHERE upto >= s.r1 * (SELECT max(upto) FROM bench_city)
    ORDER BY upto LIMIT 1
) AS c
LEFT JOIN bench_hood AS h ON h.n = c.n AND s.r2 < 0.5 AND h.k = 1 + floor(s.r3 * c.hoods)
CROSS JOIN LATERAL (SELECT CASE WHEN h.name IS NULL THEN c.spread_km ELSE 1 END AS spread) AS sp;
-- Longitudes past the antimeridian come back on the other side.
UPDATE bench_seed SET lon = lon - 360 WHERE lon > 180;
UPDATE bench_seed SET lon = lon + 360 WHERE lon < -180;
ALTER TABLE bench_seed ADD PRIMARY KEY (i);
ANALYZE bench_seed;

-- step: study groups
INSERT INTO studygroups_studygroup (
    id, name, slug, description, language, is_online, join_policy, location, meeting_area,
    city, address, time_zone, capacity, created_at, updated_at
)
SELECT s.i, n.name,
       'g' || s.i || '-' || trim(BOTH '-' FROM regexp_replace(
           cerca_unaccent(lower(n.name)), '[^a-z0-9]+', '-', 'g')),
       CASE s.language
           WHEN 'es' THEN 'Nos reunimos para estudiar ' || lower(t.name_es) || ' en ' || s.place
                          || '. Todos los niveles son bienvenidos: trae tus preguntas.'
           ELSE 'We meet to study ' || t.name_en || ' in ' || s.place
                || '. All levels welcome: bring your questions.'
       END,
       s.language, random() < 0.05,
       CASE WHEN random() < 0.15 THEN 'approval' ELSE 'open' END,
       ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326)::geography,
       -- One group in ten covers a campus-sized square (about 1 km).
       CASE WHEN mod(s.i, 10) = 0 THEN ST_MakeEnvelope(
           s.lon - 0.005, s.lat - 0.005, s.lon + 0.005, s.lat + 0.005, 4326)::geography END,
       s.city_name,
       'Calle ' || mod(s.i, 97) + 1 || ' # ' || mod(s.i, 41) + 1 || '-' || mod(s.i, 13) + 1,
       s.time_zone, 5 + floor(random() * 46)::int, created, created + random() * (now() - created)
FROM bench_seed AS s
JOIN bench_topic AS t ON t.n = s.topic
CROSS JOIN LATERAL (
    SELECT CASE s.language WHEN 'es' THEN t.name_es ELSE t.name_en END || ' ' || s.place AS name,
           now() - random() * interval '3 years' - interval '1 hour' AS created
) AS n;
SELECT setval(pg_get_serial_sequence('studygroups_studygroup', 'id'), %(groups)s);

-- step: group topics
-- The name's topic, a second one for six groups in ten, a third for one in four.
INSERT INTO studygroups_studygroup_topics (studygroup_id, topic_id)
SELECT s.i, t.id
FROM bench_seed AS s
CROSS JOIN LATERAL (
    SELECT s.topic AS n
    UNION ALL
    SELECT 1 + mod(s.topic + floor(random() * 19)::int, 40) WHERE random() < 0.6
    UNION ALL
    SELECT 1 + mod(s.topic + 19 + floor(random() * 20)::int, 40) WHERE random() < 0.25
) AS extra
JOIN bench_topic AS t ON t.n = extra.n;

-- step: memberships
-- An organizer and 0 to 3 members per group, among %(users)s users.
INSERT INTO studygroups_membership (user_id, study_group_id, role, status, joined_at)
SELECT 1 + mod(mod(s.i::bigint * 7919, %(users)s) + k * (%(users)s / 4), %(users)s), s.i,
       CASE WHEN k = 0 THEN 'organizer' ELSE 'member' END, 'active', g.created_at
FROM bench_seed AS s
JOIN studygroups_studygroup AS g ON g.id = s.i
-- (0 * s.i: a random() that refers to the row is drawn again for each row)
CROSS JOIN LATERAL generate_series(0, floor(random() * 4 + 0 * s.i)::int) AS k;

-- step: venues
-- One venue for every 25 groups of a city (at least one), around its centre.
CREATE TEMP TABLE bench_city_venues ON COMMIT PRESERVE ROWS AS
SELECT city, count(*) AS groups, greatest(1, round(count(*) / 25.0))::int AS venues,
       sum(greatest(1, round(count(*) / 25.0))::int) OVER (ORDER BY city)
           - greatest(1, round(count(*) / 25.0))::int AS before
FROM bench_seed GROUP BY city;
CREATE INDEX ON bench_city_venues (city);
INSERT INTO meetups_venue (id, name, address, city, location, capacity, study_group_id,
                           created_at, updated_at)
SELECT v.before + j,
       (ARRAY['Biblioteca', 'Café', 'Coworking', 'Casa de la Cultura', 'Centro Cultural',
              'Salón Comunal', 'Auditorio', 'Librería'])[1 + mod(j, 8)]
           || ' ' || c.name || ' ' || j,
       'Carrera ' || mod(j * 7, 90) + 1 || ' # ' || mod(j * 3, 60) + 1 || '-' || mod(j, 30) + 1,
       c.name,
       ST_SetSRID(ST_MakePoint(
           ST_X(c.location::geometry) + c.spread_km * sqrt(-2 * ln(1 - random()))
               * cos(2 * pi() * random())
               / (111.32 * greatest(0.1, cos(radians(ST_Y(c.location::geometry))))),
           least(89, greatest(-89, ST_Y(c.location::geometry)
               + c.spread_km * sqrt(-2 * ln(1 - random())) * sin(2 * pi() * random()) / 111.32))
       ), 4326)::geography,
       20 + floor(random() * 181)::int, NULL, now() - interval '3 years', now()
FROM bench_city_venues AS v
JOIN bench_city AS c ON c.n = v.city
CROSS JOIN LATERAL generate_series(1, v.venues) AS j;
SELECT setval(pg_get_serial_sequence('meetups_venue', 'id'), (SELECT max(id) FROM meetups_venue));

-- step: events
-- One event per group in the next six weeks. Six in ten at a venue of the
-- group's city, in one of its six two-hour slots a day from 9:00 local time
-- (the k-th event booked there takes the k-th slot, so no venue is booked
-- twice; past the 252nd, an event meets at the group's point instead); the
-- others at the group's point, 1 to 3 hours from 9:00 to 20:00 local time.
-- One in ten is also online; three in a hundred are cancelled.
CREATE UNLOGGED TABLE bench_booking AS
SELECT s.i, v.before + 1 + floor(random() * v.venues)::int AS venue
FROM bench_seed AS s JOIN bench_city_venues AS v ON v.city = s.city
WHERE random() < 0.6;
CREATE UNLOGGED TABLE bench_slot AS
SELECT i, venue, row_number() OVER (PARTITION BY venue ORDER BY i) - 1 AS k FROM bench_booking;
DELETE FROM bench_slot WHERE k >= 252;
ALTER TABLE bench_slot ADD PRIMARY KEY (i);
INSERT INTO meetups_event (
    title, description, study_group_id, venue_id, location, online_url, during, time_zone,
    capacity, status, cancelled_at, cancellation_reason, created_at, updated_at
)
SELECT CASE s.language WHEN 'es' THEN 'Sesión de ' || g.name ELSE g.name || ' meetup' END,
       CASE s.language WHEN 'es' THEN 'Repasamos y resolvemos dudas juntos.'
            ELSE 'We review and solve questions together.' END,
       s.i, b.venue, coalesce(v.location, g.location),
       CASE WHEN random() < 0.1 THEN 'https://meet.example.org/' || g.slug ELSE '' END,
       tstzrange(w.starts, w.starts + w.hours * interval '1 hour', '[)'),
       s.time_zone,
       CASE WHEN v.id IS NULL THEN g.capacity ELSE least(g.capacity, v.capacity) END,
       CASE WHEN w.cancelled THEN 'cancelled' ELSE 'scheduled' END,
       CASE WHEN w.cancelled THEN now() END, '',
       now(), now()
FROM bench_seed AS s
JOIN studygroups_studygroup AS g ON g.id = s.i
LEFT JOIN bench_slot AS b ON b.i = s.i
LEFT JOIN meetups_venue AS v ON v.id = b.venue
CROSS JOIN LATERAL (
    SELECT (date_trunc('day', now() AT TIME ZONE s.time_zone)
            + CASE WHEN b.k IS NULL
                   THEN (1 + floor(random() * 42)) * interval '1 day'
                        + (9 + floor(random() * 12)) * interval '1 hour'
                   ELSE (1 + b.k / 6) * interval '1 day' + (9 + 2 * mod(b.k, 6)) * interval '1 hour'
              END) AT TIME ZONE s.time_zone AS starts,
           CASE WHEN b.k IS NULL THEN 1 + floor(random() * 3) ELSE 2 END AS hours,
           random() < 0.03 AS cancelled
) AS w;

-- step: check
-- The foreign keys skipped during the load (session_replication_role = replica):
-- each query must find nothing.
SELECT 'membership without user', count(*) FROM studygroups_membership AS m
    WHERE NOT EXISTS (SELECT FROM auth_user AS u WHERE u.id = m.user_id)
UNION ALL
SELECT 'membership without group', count(*) FROM studygroups_membership AS m
    WHERE NOT EXISTS (SELECT FROM studygroups_studygroup AS g WHERE g.id = m.study_group_id)
UNION ALL
SELECT 'group topic without group or topic', count(*) FROM studygroups_studygroup_topics AS x
    WHERE NOT EXISTS (SELECT FROM studygroups_studygroup AS g WHERE g.id = x.studygroup_id)
       OR NOT EXISTS (SELECT FROM studygroups_topic AS t WHERE t.id = x.topic_id)
UNION ALL
SELECT 'event without group or venue', count(*) FROM meetups_event AS e
    WHERE NOT EXISTS (SELECT FROM studygroups_studygroup AS g WHERE g.id = e.study_group_id)
       OR (e.venue_id IS NOT NULL
           AND NOT EXISTS (SELECT FROM meetups_venue AS v WHERE v.id = e.venue_id));

-- step: cleanup
DROP TABLE bench_seed, bench_booking, bench_slot;
