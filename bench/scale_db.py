"""bench/scale.py's databases: cerca_bench_<size>, built from the migrations and
bench/scale_data.sql, and the raw SQL that answers each case in one statement."""

import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
# Bump when bench/scale_data.sql changes what it builds: older databases are rebuilt.
DATA_FORMAT = 2
HOME_COUNTRIES = [
    "AR", "BO", "BR", "CL", "CO", "CR", "CU", "DO", "EC", "ES", "GT", "HN", "MX", "NI",
    "PA", "PE", "PR", "PY", "SV", "UY", "VE",
]


# Building -------------------------------------------------------------------


def database_url():
    """The configured DATABASE_URL: the environment's, else the local cluster's (.local/env)."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    env_file = ROOT / ".local" / "env"
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            if line.startswith("DATABASE_URL="):
                return line.split("=", 1)[1].strip()
    sys.exit("Set DATABASE_URL (or run `make db`, which writes .local/env).")


def with_database(url, name, **query):
    """``url`` naming database ``name`` (and extra query parameters)."""
    parts = urllib.parse.urlsplit(url)
    params = dict(urllib.parse.parse_qsl(parts.query))
    params.update(query)
    return urllib.parse.urlunsplit(
        parts._replace(path=f"/{name}", query=urllib.parse.urlencode(params))
    )


def connect(url, name=None):
    """A psycopg2 connection (autocommit) to ``url``'s database, or to ``name``."""
    parts = urllib.parse.urlsplit(url)
    connection = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=urllib.parse.unquote(parts.username or ""),
        password=urllib.parse.unquote(parts.password or ""),
        dbname=name or parts.path.lstrip("/"),
        application_name="cerca-bench-scale",
    )
    connection.autocommit = True
    return connection


def marker(cursor, name):
    """What bench/scale.py wrote on database ``name`` when it finished building it."""
    cursor.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
        [name],
    )
    row = cursor.fetchone()
    if row is None:
        return None
    try:
        return json.loads(row[0] or "")
    except ValueError:
        return {}


def migrate(url):
    """``manage.py migrate`` on the database of ``url``; seconds it took."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "DEBUG": "1"},
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.exit(f"migrate failed:\n{result.stdout}\n{result.stderr}")
    return time.perf_counter() - start


def sql_steps():
    """[(name, SQL)] of bench/scale_data.sql, split at its "-- step:" lines."""
    steps = []
    for block in re.split(r"^-- step: ", (BENCH / "scale_data.sql").read_text(), flags=re.M)[1:]:
        name, _, sql = block.partition("\n")
        steps.append((name.strip(), sql))
    return steps


LOADED_TABLES = (
    "studygroups_studygroup",
    "studygroups_studygroup_topics",
    "studygroups_membership",
    "meetups_venue",
    "meetups_event",
)


def plain_indexes(cursor):
    """{name: CREATE INDEX statement} of the loaded tables' indexes that back no constraint."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes AS i
        JOIN pg_class AS c ON c.relname = i.indexname AND c.relkind = 'i'
        WHERE i.schemaname = 'public' AND i.tablename = ANY (%s)
          AND NOT EXISTS (SELECT FROM pg_constraint AS k WHERE k.conindid = c.oid)
        """,
        [list(LOADED_TABLES)],
    )
    return dict(cursor.fetchall())


def own_triggers(cursor):
    """[(table, trigger)] of the loaded tables' own triggers (the tile cells' and
    versions'), not those PostgreSQL makes for constraints, nor the group
    summaries' (they do not fire during the load)."""
    cursor.execute(
        """
        SELECT c.relname, t.tgname FROM pg_trigger AS t JOIN pg_class AS c ON c.oid = t.tgrelid
        WHERE c.relname = ANY (%s) AND NOT t.tgisinternal
          -- The group summaries' triggers would recompute every group's summary
          -- after each step: fill() saves them all once, after the load.
          AND t.tgname NOT LIKE '%%summaries%%'
        ORDER BY 1, 2
        """,
        [list(LOADED_TABLES)],
    )
    return cursor.fetchall()


def build(url, name, groups, rebuild=False):
    """Create, migrate and fill database ``name`` unless it is there with ``groups``
    groups; {step: seconds} of what was done, and its size in bytes."""
    admin = connect(url)
    timings = {}
    with admin.cursor() as cursor:
        found = marker(cursor, name)
        wanted = {"groups": groups, "events": groups, "format": DATA_FORMAT}
        reuse = (
            not rebuild and found is not None
            and {key: found.get(key) for key in wanted} == wanted
        )
        target = with_database(url, name)
        if reuse:
            timings["migrate (reused database)"] = migrate(target)
            timings.update(found.get("built_s", {}))
        else:
            print(f"  building {name} ({groups:,} study groups and events)...", flush=True)
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
            timings["migrate"] = migrate(target)
            timings.update(fill(target, groups))
            built = {key: round(value, 1) for key, value in timings.items()}
            cursor.execute(
                f'COMMENT ON DATABASE "{name}" IS %s',
                [json.dumps({**wanted, "built_s": built, "built_at": time.strftime("%F %T")})],
            )
        cursor.execute("SELECT pg_database_size(%s)", [name])
        (size,) = cursor.fetchone()
    admin.close()
    return reuse, timings, size


def fill(url, groups):
    """Run bench/scale_data.sql's steps, with the big tables' plain indexes built
    after the load; {step: seconds}."""
    connection = connect(url)
    params = {
        "groups": groups,
        "users": max(100, groups // 10),
        "seed": 0.2026,
        "home_countries": HOME_COUNTRIES,
    }
    timings = {}
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SET work_mem = '64MB'")
        # Foreign keys are checked by the step "check" at the end instead of
        # row by row (they are triggers; check and exclusion constraints still hold).
        # The tables' own triggers (tile cells, versions) still fire, as they
        # do for any write: they are made ALWAYS triggers for the load.
        triggers = own_triggers(cursor)
        for table, trigger in triggers:
            cursor.execute(f'ALTER TABLE "{table}" ENABLE ALWAYS TRIGGER "{trigger}"')
        cursor.execute("SET session_replication_role = replica")
        indexes = plain_indexes(cursor)
        for index in indexes:
            cursor.execute(f'DROP INDEX "{index}"')
        for step, sql in sql_steps():
            start = time.perf_counter()
            connection.autocommit = False
            cursor.execute(sql, params)
            rows = cursor.fetchall() if step == "check" else []
            connection.commit()
            connection.autocommit = True
            timings[step] = time.perf_counter() - start
            broken = [f"{what}: {count}" for what, count in rows if count]
            if broken:
                sys.exit(f"The generated rows break foreign keys: {', '.join(broken)}")
        cursor.execute("SET session_replication_role = DEFAULT")
        for table, trigger in triggers:
            cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER "{trigger}"')
        start = time.perf_counter()
        for statement in indexes.values():
            cursor.execute(statement)
        timings["indexes"] = time.perf_counter() - start
        # Each group's summary (studygroups migration 0031), once the indexes
        # its counts read are there: one INSERT, as the migration does.
        start = time.perf_counter()
        cursor.execute(
            "SELECT studygroups_save_summaries(ARRAY(SELECT id FROM studygroups_studygroup))"
        )
        timings["group summaries"] = time.perf_counter() - start
        start = time.perf_counter()
        cursor.execute("VACUUM ANALYZE")
        timings["vacuum analyze"] = time.perf_counter() - start
    connection.close()
    return timings


# Raw SQL: the same answers built by one statement -----------------------------

# A study group's list properties, as the API's (studygroups.api.StudyGroupKind;
# lists carry points only: whether a group has a meeting area, not the polygon),
# for the view pygeoapi reads; GROUP_FEATURE below builds the same as Cerca's JSON.
# Both read the members' count and the topics from the group's summary row, as
# Cerca does: the view by a lookup in each row it returns (a join in the view
# would be made for every row in the box before pygeoapi's LIMIT), GROUP_FEATURE
# by a join (s, GROUP_SUMMARY_JOIN) on the rows of a page already cut.
GROUP_SUMMARY_JOIN = "LEFT JOIN studygroups_groupsummary AS s ON s.study_group_id = g.id"
GROUP_COLUMNS = """
    g.name, g.slug, g.description, g.language, g.is_online, g.city, g.address, g.time_zone,
    g.join_policy, g.capacity,
    coalesce((SELECT s.member_count FROM studygroups_groupsummary AS s
              WHERE s.study_group_id = g.id), 0) AS member_count,
    coalesce((SELECT s.topic_slugs FROM studygroups_groupsummary AS s
              WHERE s.study_group_id = g.id), '{}') AS topics,
    coalesce((SELECT s.topic_names_es FROM studygroups_groupsummary AS s
              WHERE s.study_group_id = g.id), '{}') AS topic_names,
    g.meeting_area IS NOT NULL AS has_meeting_area, g.created_at, g.updated_at
"""
GROUP_FEATURE = """
    json_build_object(
        'type', 'Feature', 'id', g.id, 'geometry', ST_AsGeoJSON(g.location, 6)::json,
        'properties', json_build_object(
            'name', g.name, 'slug', g.slug, 'description', g.description,
            'language', g.language, 'is_online', g.is_online, 'city', g.city,
            'address', g.address, 'time_zone', g.time_zone, 'join_policy', g.join_policy,
            'capacity', g.capacity,
            'member_count', coalesce(s.member_count, 0),
            'topics', coalesce(s.topic_slugs, '{{}}'),
            'topic_names', coalesce(s.topic_names_es, '{{}}'),
            'has_meeting_area', g.meeting_area IS NOT NULL,
            'created_at', g.created_at, 'updated_at', g.updated_at{extra}))
"""
EVENT_FEATURE = """
    json_build_object(
        'type', 'Feature', 'id', e.id, 'geometry', ST_AsGeoJSON(e.location, 6)::json,
        'properties', json_build_object(
            'title', e.title, 'description', e.description, 'start', lower(e.during),
            'end', upper(e.during), 'time_zone', e.time_zone, 'status', e.status,
            'cancellation_reason', e.cancellation_reason, 'capacity', e.capacity,
            'going_count', (SELECT count(*) FROM meetups_rsvp AS r
                            WHERE r.event_id = e.id AND r.status = 'yes'),
            'online_url', e.online_url, 'study_group', e.study_group_id,
            'study_group_name', g.name, 'venue', e.venue_id, 'venue_name', v.name,
            'city', coalesce(v.city, g.city), 'created_at', e.created_at,
            'updated_at', e.updated_at{extra}))
"""
POINT = "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography"
DISTANCE = ", 'distance_m', round(ST_Distance({table}.location, " + POINT + ")::numeric, 1)"


def near_groups_sql():
    source = (
        f"SELECT g.*, g.location <-> {POINT} AS knn FROM studygroups_studygroup AS g "
        f"WHERE ST_DWithin(g.location, {POINT}, %(radius_m)s) "
        f"ORDER BY g.location <-> {POINT} LIMIT %(limit)s"
    )
    return collection_of_groups(source, "g.knn", DISTANCE.format(table="g"))


def collection_of_groups(source, order, extra=""):
    """A FeatureCollection's JSON text of the groups of ``source`` (a subquery), in ``order``."""
    feature = GROUP_FEATURE.format(extra=extra)
    return (
        "SELECT json_build_object('type', 'FeatureCollection', 'features', "
        f"coalesce(json_agg({feature} ORDER BY {order}), '[]'))::text "
        f"FROM ({source}) AS g {GROUP_SUMMARY_JOIN}"
    )


def list_groups_sql(order="g.name, g.id"):
    source = (
        f"SELECT g.* FROM studygroups_studygroup AS g ORDER BY {order} "
        "OFFSET %(offset)s LIMIT %(limit)s"
    )
    return collection_of_groups(source, order)


def bbox_groups_sql():
    source = (
        "SELECT g.* FROM studygroups_studygroup AS g WHERE ST_Intersects("
        "g.location::geometry(Geometry, 4326), "
        "ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326)) "
        "ORDER BY g.id LIMIT %(limit)s"
    )
    return collection_of_groups(source, "g.id")


BBOX_COUNT_SQL = (
    "SELECT count(*) FROM studygroups_studygroup AS g WHERE ST_Intersects("
    "g.location::geometry(Geometry, 4326), "
    "ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326))"
)
TSQUERY = (
    "(websearch_to_tsquery('spanish', cerca_unaccent(lower(%(q)s))) "
    "|| websearch_to_tsquery('english', cerca_unaccent(lower(%(q)s))))"
)


def search_groups_sql(near):
    where = f"g.search_vector @@ {TSQUERY}"
    if near:
        where += f" AND ST_DWithin(g.location, {POINT}, %(radius_m)s)"
    source = (
        f"SELECT g.*, ts_rank(g.search_vector, {TSQUERY}) AS rank "
        f"FROM studygroups_studygroup AS g WHERE {where} ORDER BY rank DESC, g.id LIMIT %(limit)s"
    )
    return collection_of_groups(source, "g.rank DESC, g.id")


def search_events_sql():
    """The upcoming events matching %(q)s in full text, by ts_rank, as raw SQL."""
    source = (
        f"SELECT e.*, ts_rank(e.search_vector, {TSQUERY}) AS rank FROM meetups_event AS e "
        f"WHERE e.status = 'scheduled' AND e.during && tstzrange(now(), NULL) "
        f"AND e.search_vector @@ {TSQUERY} ORDER BY rank DESC, e.id LIMIT %(limit)s"
    )
    feature = EVENT_FEATURE.format(extra="")
    return (
        "SELECT json_build_object('type', 'FeatureCollection', 'features', "
        f"coalesce(json_agg({feature} ORDER BY e.rank DESC, e.id), '[]'))::text "
        f"FROM ({source}) AS e "
        "LEFT JOIN studygroups_studygroup AS g ON g.id = e.study_group_id "
        "LEFT JOIN meetups_venue AS v ON v.id = e.venue_id"
    )


def near_events_sql():
    source = (
        f"SELECT e.*, e.location <-> {POINT} AS knn FROM meetups_event AS e "
        f"WHERE e.status = 'scheduled' AND e.during && tstzrange(now(), NULL) "
        f"AND ST_DWithin(e.location, {POINT}, %(radius_m)s) "
        f"ORDER BY e.location <-> {POINT} LIMIT %(limit)s"
    )
    feature = EVENT_FEATURE.format(extra=DISTANCE.format(table="e"))
    return (
        "SELECT json_build_object('type', 'FeatureCollection', 'features', "
        f"coalesce(json_agg({feature} ORDER BY e.knn), '[]'))::text "
        f"FROM ({source}) AS e "
        "LEFT JOIN studygroups_studygroup AS g ON g.id = e.study_group_id "
        "LEFT JOIN meetups_venue AS v ON v.id = e.venue_id"
    )


def walk_groups_sql(first):
    """A page of the whole layer by keyset on (name, id), as raw SQL."""
    after = "" if first else "WHERE (g.name, g.id) > (%(name)s, %(id)s) "
    return (
        f"SELECT g.id, g.name, {GROUP_FEATURE.format(extra='')}::text "
        f"FROM studygroups_studygroup AS g {GROUP_SUMMARY_JOIN} {after}"
        "ORDER BY g.name, g.id LIMIT %(limit)s"
    )


TILE_SQL = """
    SELECT ST_AsMVT(t, 'studygroups', 4096, 'geom') FROM (
        SELECT g.id, g.name, ST_AsMVTGeom(
            ST_Transform(g.location::geometry(Geometry, 4326), 3857),
            ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4096, 64, true) AS geom
        FROM studygroups_studygroup AS g
        WHERE g.location::geometry(Geometry, 4326)
              && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096), 4326)
    ) AS t
"""
EXPORT_SQL = {
    "studygroups": f"COPY (SELECT {GROUP_FEATURE.format(extra='')} "
                   f"FROM studygroups_studygroup AS g {GROUP_SUMMARY_JOIN} "
                   "ORDER BY g.id) TO STDOUT",
    "events": f"COPY (SELECT {EVENT_FEATURE.format(extra='')} FROM meetups_event AS e "
              "LEFT JOIN studygroups_studygroup AS g ON g.id = e.study_group_id "
              "LEFT JOIN meetups_venue AS v ON v.id = e.venue_id ORDER BY e.id) TO STDOUT",
}

# The collections' extents (/ogc/collections): each table's lon/lat box and the
# events' first start and last end, as JSON text {name: [west, south, east,
# north]} plus "events_interval": [start, end].
EXTENT_TABLES = {
    "studygroups": "studygroups_studygroup",
    "events": "meetups_event",
    "venues": "meetups_venue",
}


def extents_scan_sql(names=tuple(EXTENT_TABLES)):
    """Exact, over every row: ST_Extent, min(lower(during)) and max(upper(during))."""
    members = []
    for name in names:
        members.append(
            f"'{name}', (SELECT json_build_array(ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)) "
            f"FROM (SELECT ST_Extent(location::geometry) AS b FROM {EXTENT_TABLES[name]}) AS x)"
        )
    if "events" in names:
        members.append(
            "'events_interval', (SELECT json_build_array(min(lower(during)), max(upper(during))) "
            "FROM meetups_event)"
        )
    return f"SELECT json_build_object({', '.join(members)})::text"


# A line just beyond each edge of the lon/lat plane: the row nearest to it
# (KNN on the location::geometry GiST index) lies on that edge of the extent.
EDGE_LINES = (
    ("ST_X", "LINESTRING(-181 -1000, -181 1000)"),
    ("ST_Y", "LINESTRING(-1000 -91, 1000 -91)"),
    ("ST_X", "LINESTRING(181 -1000, 181 1000)"),
    ("ST_Y", "LINESTRING(-1000 91, 1000 91)"),
)


def extents_indexed_sql(names=tuple(EXTENT_TABLES)):
    """The same answer from indexes only: four KNN probes of each table's
    geometry GiST index, the start B-tree, and the time range's GiST index."""
    members = []
    for name in names:
        edges = ", ".join(
            f"(SELECT {coordinate}(location::geometry) FROM {EXTENT_TABLES[name]} "
            "WHERE location IS NOT NULL ORDER BY location::geometry(Geometry, 4326) "
            f"<-> 'SRID=4326;{line}'::geometry LIMIT 1)"
            for coordinate, line in EDGE_LINES
        )
        members.append(f"'{name}', json_build_array({edges})")
    if "events" in names:
        members.append(
            "'events_interval', json_build_array((SELECT min(lower(during)) FROM meetups_event), "
            "(SELECT greatest(l.upper, (SELECT max(upper(e.during)) FROM meetups_event AS e "
            "WHERE e.during && tstzrange(l.upper, NULL))) FROM (SELECT upper(during) "
            "FROM meetups_event ORDER BY lower(during) DESC LIMIT 1) AS l))"
        )
    return f"SELECT json_build_object({', '.join(members)})::text"
