-- The community of bench/community.py's databases, in SQL, added to a copy of
-- one of bench/scale.py's (cerca_bench_<size>, whose %(users)s users,
-- %(groups)s study groups and as many upcoming events it keeps).
--
-- Run one step at a time (each "-- step:" block is one transaction), with
-- %(past_events)s, %(group_threads)s, %(event_threads)s and %(reports)s
-- scaled to the size, and %(password)s, the hash of the heavy users' password.
-- The rows chosen for the bench (the heavy member and organizer, the popular
-- group and its events) are recorded in the table bench_community.
--
-- What it adds:
-- - profiles for one user in five (a display name; one in fifty hides from
--   member lists);
-- - %(past_events)s past events of random groups (in person at the group's
--   point or online), and RSVPs on every event: 0 to 4 each (85%% going,
--   8%% not going, 7%% waitlisted);
-- - a heavy member: a member of 550 groups, asking to join 50 more, with
--   3,000 RSVPs to upcoming events (one in ten waitlisted behind ten others)
--   and 2,000 to past ones;
-- - a heavy organizer: organizes 400 groups, with 3,000 requests to join
--   them and 2,000 upcoming in-person events without a venue;
-- - the popular group (the organizer's first; the member belongs): 30,000
--   members; its next event with 20,000 answers (5,000 going, 3,000
--   waitlisted) and a past event with 60 photos;
-- - threads on %(group_threads)s groups and %(event_threads)s events with 1 to 8
--   posts each and replies under three in ten; the popular group's thread
--   with 40,000 posts (three pinned) and 27,000 replies (3,000 under the
--   newest post), the popular event's with 20,000 posts and 12,000 replies;
-- - 1 to 3 photos on each past event;
-- - %(reports)s reports about groups and posts (a fifth of them open), and
--   300 open ones about the heavy organizer's groups.

-- step: people
CREATE TABLE bench_community (name text PRIMARY KEY, id bigint NOT NULL);
INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email,
                       is_staff, is_active, date_joined)
VALUES
    (%(users)s + 1, %(password)s, false, 'bench-heavy-member', 'Heavy', 'Member',
     'heavy-member@example.org', false, true, now() - interval '3 years'),
    (%(users)s + 2, %(password)s, false, 'bench-heavy-organizer', 'Heavy', 'Organizer',
     'heavy-organizer@example.org', true, true, now() - interval '3 years'),
    (%(users)s + 3, %(password)s, true, 'bench-community-moderator', 'Bench', 'Moderator',
     'moderator@example.org', true, true, now() - interval '3 years');
SELECT setval(pg_get_serial_sequence('auth_user', 'id'), %(users)s + 3);
INSERT INTO bench_community VALUES
    ('member', %(users)s + 1), ('organizer', %(users)s + 2), ('moderator', %(users)s + 3);
INSERT INTO studygroups_memberprofile (
    home_location, alert_radius_km, calendar_token, user_id, language, notify_digest,
    notify_event_nearby, notify_event_updates, notify_group_nearby, notify_membership,
    notify_reminders, bio, display_name, hidden_from_member_lists, avatar, notify_posts
)
SELECT NULL, 10, md5('calendar' || u) || md5('token' || u), u, 'es', true, true, true, true,
       true, true, '', 'Persona ' || u, mod(u, 50) = 0, '', true
FROM generate_series(5, %(users)s, 5) AS u;

-- step: past events
INSERT INTO meetups_event (
    title, description, study_group_id, venue_id, location, online_url, during, time_zone,
    capacity, status, cancellation_reason, created_at, updated_at
)
SELECT 'Sesión pasada de ' || g.name, 'Repasamos y resolvemos dudas juntos.', g.id, NULL,
       g.location,
       CASE WHEN g.location IS NULL THEN 'https://meet.example.org/' || g.slug ELSE '' END,
       tstzrange(x.starts, x.starts + interval '2 hours', '[)'),
       coalesce(nullif(g.time_zone, ''), 'UTC'), g.capacity, 'scheduled', '',
       x.starts - interval '14 days', x.starts
FROM (
    SELECT 1 + floor(random() * %(groups)s)::bigint AS group_id,
           now() - interval '1 day' - random() * interval '730 days' AS starts
    FROM generate_series(1, %(past_events)s)
) AS x
JOIN studygroups_studygroup AS g ON g.id = x.group_id;

-- step: rsvps
INSERT INTO meetups_rsvp (status, created_at, updated_at, event_id, user_id)
SELECT CASE WHEN r.r < 0.85 THEN 'yes' WHEN r.r < 0.93 THEN 'no' ELSE 'waitlist' END,
       least(e.created_at, now()) - interval '7 days',
       least(e.created_at, now()) - interval '7 days' + r.r * interval '6 days',
       e.id, 1 + mod(e.id * 7919 + k * 24989, %(users)s)
FROM meetups_event AS e
-- (0 * e.id: a random() that refers to the row is drawn again for each row)
CROSS JOIN LATERAL generate_series(1, floor(random() * 5 + 0 * e.id)::int) AS k
CROSS JOIN LATERAL (SELECT random() + 0 * k AS r) AS r;

-- step: heavy member
INSERT INTO studygroups_membership (user_id, study_group_id, role, status, joined_at)
SELECT %(users)s + 1, 1 + mod(j * 1777, %(groups)s), 'member',
       CASE WHEN j > 550 THEN 'pending' ELSE 'active' END,
       now() - random() * interval '2 years'
FROM generate_series(1, 600) AS j;
UPDATE studygroups_studygroup SET join_policy = 'approval'
WHERE id IN (SELECT study_group_id FROM studygroups_membership
             WHERE user_id = %(users)s + 1 AND status = 'pending');
INSERT INTO meetups_rsvp (status, created_at, updated_at, event_id, user_id)
SELECT CASE WHEN mod(j, 10) = 0 THEN 'waitlist' WHEN mod(j, 15) = 1 THEN 'no' ELSE 'yes' END,
       now() - interval '20 days', now() - interval '10 days' + j * interval '1 second',
       e.id, %(users)s + 1
FROM generate_series(1, 3000) AS j
JOIN meetups_event AS e ON e.id = 1 + mod(j * 3331, %(groups)s) AND upper(e.during) > now()
ON CONFLICT DO NOTHING;
INSERT INTO meetups_rsvp (status, created_at, updated_at, event_id, user_id)
SELECT CASE WHEN mod(e.id, 12) = 0 THEN 'no' ELSE 'yes' END,
       lower(e.during) - interval '7 days', lower(e.during) - interval '6 days',
       e.id, %(users)s + 1
FROM (SELECT id, during FROM meetups_event WHERE id > %(groups)s AND upper(during) < now()
      ORDER BY id LIMIT 2000) AS e
ON CONFLICT DO NOTHING;
-- Ten others wait ahead of each of the heavy member's waitlisted answers.
INSERT INTO meetups_rsvp (status, created_at, updated_at, event_id, user_id)
SELECT 'waitlist', r.created_at, r.updated_at - k * interval '1 minute', r.event_id,
       1 + mod(r.event_id * 31 + k * 7, %(users)s)
FROM meetups_rsvp AS r CROSS JOIN generate_series(1, 10) AS k
WHERE r.user_id = %(users)s + 1 AND r.status = 'waitlist'
ON CONFLICT DO NOTHING;

-- step: heavy organizer
INSERT INTO bench_community
SELECT 'group', min(g.id) FROM studygroups_studygroup AS g
JOIN meetups_event AS e ON e.study_group_id = g.id AND e.status = 'scheduled'
                       AND upper(e.during) > now()
WHERE g.location IS NOT NULL AND NOT g.is_online;
CREATE UNLOGGED TABLE bench_organized AS
SELECT DISTINCT ON (id) id, j FROM (
    SELECT id, 0 AS j FROM bench_community WHERE name = 'group'
    UNION ALL
    SELECT 1 + mod(j * 2903 + 17, %(groups)s), j FROM generate_series(1, 399) AS j
) AS o ORDER BY id, j;
INSERT INTO studygroups_membership (user_id, study_group_id, role, status, joined_at)
SELECT %(users)s + 2, id, 'organizer', 'active', now() - interval '2 years' FROM bench_organized
ON CONFLICT (user_id, study_group_id) DO UPDATE SET role = 'organizer', status = 'active';
UPDATE studygroups_studygroup SET join_policy = 'approval'
WHERE id IN (SELECT id FROM bench_organized WHERE mod(j, 2) = 0);
INSERT INTO studygroups_membership (user_id, study_group_id, role, status, joined_at)
SELECT 1 + mod(k * 7919 + 13, %(users)s), o.id, 'member', 'pending',
       now() - random() * interval '90 days'
FROM generate_series(1, 3000) AS k JOIN bench_organized AS o ON o.j = mod(k, 200) * 2
ON CONFLICT DO NOTHING;
INSERT INTO meetups_event (
    title, description, study_group_id, venue_id, location, online_url, during, time_zone,
    capacity, status, cancellation_reason, created_at, updated_at
)
SELECT 'Taller de ' || g.name, 'Falta elegir el lugar.', g.id, NULL, g.location, '',
       tstzrange(now() + k * interval '29 minutes', now() + k * interval '29 minutes'
                 + interval '2 hours', '[)'),
       coalesce(nullif(g.time_zone, ''), 'UTC'), g.capacity, 'scheduled', '', now(), now()
FROM generate_series(1, 2000) AS k
JOIN bench_organized AS o ON o.j = mod(k, 400)
JOIN studygroups_studygroup AS g ON g.id = o.id AND g.location IS NOT NULL;

-- step: popular group
INSERT INTO studygroups_membership (user_id, study_group_id, role, status, joined_at)
SELECT 1 + mod(k * 7, %(users)s), c.id, 'member', 'active',
       now() - interval '3 years' + k * interval '50 minutes'
FROM bench_community AS c CROSS JOIN generate_series(1, least(30000, %(users)s - 10)) AS k
WHERE c.name = 'group'
ON CONFLICT DO NOTHING;
INSERT INTO studygroups_membership (user_id, study_group_id, role, status, joined_at)
SELECT %(users)s + 1, id, 'member', 'active', now() - interval '1 year'
FROM bench_community WHERE name = 'group'
ON CONFLICT (user_id, study_group_id) DO UPDATE SET status = 'active';
UPDATE studygroups_studygroup SET capacity = 50000
WHERE id = (SELECT id FROM bench_community WHERE name = 'group');
INSERT INTO bench_community
SELECT 'event', min(e.id) FROM meetups_event AS e
WHERE e.study_group_id = (SELECT id FROM bench_community WHERE name = 'group')
  AND e.status = 'scheduled' AND upper(e.during) > now();
UPDATE meetups_event SET capacity = 5000
WHERE id = (SELECT id FROM bench_community WHERE name = 'event');
INSERT INTO meetups_rsvp (status, created_at, updated_at, event_id, user_id)
SELECT CASE WHEN k <= 5000 THEN 'yes' WHEN k <= 8000 THEN 'waitlist' ELSE 'no' END,
       now() - interval '30 days', now() - interval '30 days' + k * interval '1 minute',
       c.id, 1 + mod(k * 7, %(users)s)
FROM bench_community AS c CROSS JOIN generate_series(1, least(20000, %(users)s - 10)) AS k
WHERE c.name = 'event'
ON CONFLICT DO NOTHING;
INSERT INTO meetups_rsvp (status, created_at, updated_at, event_id, user_id)
SELECT 'yes', now() - interval '40 days', now() - interval '40 days', id, %(users)s + 1
FROM bench_community WHERE name = 'event'
ON CONFLICT (user_id, event_id) DO UPDATE SET status = 'yes';
-- A past event of the popular group, with 5,000 who went and 60 photos.
INSERT INTO meetups_event (
    title, description, study_group_id, venue_id, location, online_url, during, time_zone,
    capacity, status, cancellation_reason, created_at, updated_at
)
SELECT 'Gran sesión de ' || g.name, 'La sesión del año.', g.id, NULL, g.location, '',
       tstzrange(now() - interval '10 days', now() - interval '10 days' + interval '3 hours',
                 '[)'),
       coalesce(nullif(g.time_zone, ''), 'UTC'), 6000, 'scheduled', '',
       now() - interval '40 days', now() - interval '10 days'
FROM studygroups_studygroup AS g WHERE g.id = (SELECT id FROM bench_community WHERE name = 'group');
INSERT INTO bench_community
SELECT 'past_event', max(id) FROM meetups_event
WHERE study_group_id = (SELECT id FROM bench_community WHERE name = 'group');
INSERT INTO meetups_rsvp (status, created_at, updated_at, event_id, user_id)
SELECT 'yes', now() - interval '30 days', now() - interval '30 days' + k * interval '1 minute',
       c.id, CASE WHEN k = 1 THEN %(users)s + 1 ELSE 1 + mod(k * 11, %(users)s) END
FROM bench_community AS c CROSS JOIN generate_series(1, least(5000, %(users)s - 10)) AS k
WHERE c.name = 'past_event'
ON CONFLICT DO NOTHING;
INSERT INTO meetups_eventphoto (image, caption, created_at, event_id, uploader_id)
SELECT 'events/' || c.id || '/bench-' || k || '.jpg',
       CASE WHEN mod(k, 3) = 0 THEN 'Foto ' || k ELSE '' END,
       now() - interval '10 days' + k * interval '5 minutes', c.id, 1 + mod(k * 11, %(users)s)
FROM bench_community AS c CROSS JOIN generate_series(1, 60) AS k
WHERE c.name = 'past_event';

-- step: threads
INSERT INTO studygroups_thread (created_at, study_group_id, event_id)
SELECT now() - interval '2 years', id, NULL FROM bench_community WHERE name = 'group';
INSERT INTO studygroups_thread (created_at, study_group_id, event_id)
SELECT now() - interval '1 year', NULL, id FROM bench_community
WHERE name IN ('event', 'past_event');
INSERT INTO bench_community
SELECT 'group_thread', t.id FROM studygroups_thread AS t
JOIN bench_community AS c ON c.name = 'group' AND t.study_group_id = c.id;
INSERT INTO bench_community
SELECT 'event_thread', t.id FROM studygroups_thread AS t
JOIN bench_community AS c ON c.name = 'event' AND t.event_id = c.id;
INSERT INTO studygroups_thread (created_at, study_group_id, event_id)
SELECT DISTINCT ON (g) now() - interval '2 years', g, NULL::bigint
FROM (SELECT 1 + floor(random() * %(groups)s)::bigint AS g
      FROM generate_series(1, %(group_threads)s)) AS x
ON CONFLICT DO NOTHING;
INSERT INTO studygroups_thread (created_at, study_group_id, event_id)
SELECT DISTINCT ON (e.id) now() - interval '1 year', NULL::bigint, e.id
FROM (SELECT 1 + floor(random() * (SELECT max(id) FROM meetups_event))::bigint AS e
      FROM generate_series(1, %(event_threads)s)) AS x
JOIN meetups_event AS e ON e.id = x.e
ON CONFLICT DO NOTHING;

-- step: posts
-- 1 to 8 posts in each thread but the popular two; 2%% deleted by their
-- author, 2%% removed by an organizer.
INSERT INTO studygroups_post (body, pinned, status, removed_at, created_at, author_id,
                              parent_id, removed_by_id, thread_id)
SELECT CASE WHEN p.r < 0.02 THEN ''
            ELSE 'Mensaje ' || k || ': ¿alguien tiene los apuntes de la última sesión?' END,
       false,
       CASE WHEN p.r < 0.02 THEN 'deleted' WHEN p.r < 0.04 THEN 'removed' ELSE 'visible' END,
       CASE WHEN p.r < 0.04 THEN now() END,
       now() - p.r * interval '700 days', 1 + mod(t.id * 131 + k * 7, %(users)s), NULL, NULL,
       t.id
FROM studygroups_thread AS t
CROSS JOIN LATERAL generate_series(1, floor(random() * 8 + 1 + 0 * t.id)::int) AS k
CROSS JOIN LATERAL (SELECT random() + 0 * k AS r) AS p
WHERE t.id NOT IN (SELECT id FROM bench_community WHERE name IN ('group_thread', 'event_thread'));
-- The popular threads: newest first, the k-th post k × 25 minutes ago.
INSERT INTO studygroups_post (body, pinned, status, removed_at, created_at, author_id,
                              parent_id, removed_by_id, thread_id)
SELECT 'Mensaje ' || k || ' del grupo: nos vemos en la próxima sesión.',
       k IN (100, 5000, 20000), 'visible', NULL, now() - k * interval '25 minutes',
       1 + mod(k * 7, %(users)s), NULL, NULL, c.id
FROM bench_community AS c CROSS JOIN generate_series(1, 40000) AS k
WHERE c.name = 'group_thread';
INSERT INTO studygroups_post (body, pinned, status, removed_at, created_at, author_id,
                              parent_id, removed_by_id, thread_id)
SELECT 'Mensaje ' || k || ' del evento: ¿quién lleva los marcadores?',
       k = 50, 'visible', NULL, now() - k * interval '25 minutes',
       1 + mod(k * 7, %(users)s), NULL, NULL, c.id
FROM bench_community AS c CROSS JOIN generate_series(1, 20000) AS k
WHERE c.name = 'event_thread';

-- step: replies
-- Replies under three posts in ten of the other threads, 1 to 4 each.
INSERT INTO studygroups_post (body, pinned, status, removed_at, created_at, author_id,
                              parent_id, removed_by_id, thread_id)
SELECT 'Respuesta ' || k || ': yo los tengo, te los paso.', false, 'visible', NULL,
       p.created_at + (now() - p.created_at) * k / 5, 1 + mod(p.id * 17 + k * 3, %(users)s),
       p.id, NULL, p.thread_id
FROM studygroups_post AS p
CROSS JOIN LATERAL generate_series(1, floor(random() * 4 + 1 + 0 * p.id)::int) AS k
WHERE p.parent_id IS NULL AND p.status <> 'deleted' AND mod(p.id * 7, 10) < 3
  AND p.thread_id NOT IN (SELECT id FROM bench_community
                          WHERE name IN ('group_thread', 'event_thread'));
-- The popular threads: 3,000 (group) or 2,000 (event) replies under the
-- newest post, 200 under each other post of the first page (group), and 20
-- (group) or 10 (event) under one post in forty (group) or twenty (event).
INSERT INTO studygroups_post (body, pinned, status, removed_at, created_at, author_id,
                              parent_id, removed_by_id, thread_id)
SELECT 'Respuesta ' || k || ': de acuerdo.', false, 'visible', NULL,
       p.created_at + (now() - p.created_at) * k / (n.replies + 1),
       1 + mod(p.id * 17 + k * 3, %(users)s), p.id, NULL, p.thread_id
FROM (
    SELECT p.*, row_number() OVER (PARTITION BY p.thread_id ORDER BY p.created_at DESC) AS rank,
           c.name AS thread_name
    FROM studygroups_post AS p
    JOIN bench_community AS c ON c.id = p.thread_id
                             AND c.name IN ('group_thread', 'event_thread')
    WHERE p.parent_id IS NULL
) AS p
CROSS JOIN LATERAL (
    SELECT CASE WHEN p.rank = 1 AND p.thread_name = 'group_thread' THEN 3000
                WHEN p.rank = 1 THEN 2000
                WHEN p.rank <= 20 AND p.thread_name = 'group_thread' THEN 200
                WHEN mod(p.rank, 40) = 0 AND p.thread_name = 'group_thread' THEN 20
                WHEN mod(p.rank, 20) = 0 AND p.thread_name = 'event_thread' THEN 10
                ELSE 0 END AS replies
) AS n
CROSS JOIN LATERAL generate_series(1, n.replies) AS k;

-- step: photos
-- 1 to 3 photos on each past event (the generated ones, whose ids follow
-- the upcoming events').
INSERT INTO meetups_eventphoto (image, caption, created_at, event_id, uploader_id)
SELECT 'events/' || e.id || '/bench-' || k || '.jpg',
       CASE WHEN mod(k, 2) = 0 THEN 'Foto ' || k ELSE '' END,
       upper(e.during) + k * interval '1 hour', e.id, 1 + mod(e.id * 7919 + k, %(users)s)
FROM meetups_event AS e
CROSS JOIN LATERAL generate_series(1, floor(random() * 3 + 1 + 0 * e.id)::int) AS k
WHERE e.id > %(groups)s AND upper(e.during) < now() - interval '1 day'
  AND e.id <> (SELECT id FROM bench_community WHERE name = 'past_event');

-- step: reports
INSERT INTO studygroups_report (kind, object_id, reason, details, state, created_at,
                                resolved_at, content_type_id, reporter_id, study_group_id)
SELECT 'group', x.g, (ARRAY['spam', 'harassment', 'inappropriate', 'misleading', 'other'])
                         [1 + floor(x.r * 5)::int],
       '', s.state, x.created, CASE WHEN s.state <> 'open' THEN x.created + interval '1 day' END,
       (SELECT id FROM django_content_type
        WHERE app_label = 'studygroups' AND model = 'studygroup'),
       x.reporter, x.g
FROM (
    SELECT 1 + floor(random() * %(groups)s)::bigint AS g, random() AS r,
           now() - random() * interval '2 years' AS created,
           1 + floor(random() * %(users)s)::int AS reporter
    FROM generate_series(1, %(reports)s / 2)
) AS x
CROSS JOIN LATERAL (
    SELECT CASE WHEN x.r < 0.2 THEN 'open' WHEN x.r < 0.7 THEN 'dismissed'
                ELSE 'actioned' END AS state
) AS s
ON CONFLICT DO NOTHING;
INSERT INTO studygroups_report (kind, object_id, reason, details, state, created_at,
                                resolved_at, content_type_id, reporter_id, study_group_id)
SELECT 'post', p.id, 'spam', 'Publicidad.', s.state, x.created,
       CASE WHEN s.state <> 'open' THEN x.created + interval '1 day' END,
       (SELECT id FROM django_content_type WHERE app_label = 'studygroups' AND model = 'post'),
       x.reporter, coalesce(t.study_group_id, e.study_group_id)
FROM (
    SELECT 1 + floor(random() * (SELECT max(id) FROM studygroups_post))::bigint AS post,
           random() AS r, now() - random() * interval '2 years' AS created,
           1 + floor(random() * %(users)s)::int AS reporter
    FROM generate_series(1, %(reports)s / 2)
) AS x
JOIN studygroups_post AS p ON p.id = x.post
JOIN studygroups_thread AS t ON t.id = p.thread_id
LEFT JOIN meetups_event AS e ON e.id = t.event_id
CROSS JOIN LATERAL (
    SELECT CASE WHEN x.r < 0.2 THEN 'open' WHEN x.r < 0.7 THEN 'dismissed'
                ELSE 'actioned' END AS state
) AS s
ON CONFLICT DO NOTHING;
INSERT INTO studygroups_report (kind, object_id, reason, details, state, created_at,
                                resolved_at, content_type_id, reporter_id, study_group_id)
SELECT 'group', o.id, 'other', 'Revisar.', 'open', now() - k * interval '1 hour', NULL,
       (SELECT id FROM django_content_type
        WHERE app_label = 'studygroups' AND model = 'studygroup'),
       1 + mod(k * 97, %(users)s), o.id
FROM generate_series(1, 300) AS k JOIN bench_organized AS o ON o.j = mod(k, 400)
ON CONFLICT DO NOTHING;

-- step: cleanup
DROP TABLE bench_organized;
