"""Cerca at a million: the API over 10k, 100k and 1M study groups and events,
beside raw SQL on the same database and pygeoapi on the same table.

Usage: `.venv/bin/python bench/scale.py [--sizes 10k,100k,1m] [--repeats N]
[--only near,list,events,bbox,offset,search,tiles,export] [--walk] [--timeout S]`
(a newcomer's first run: `--sizes 10k`, a few minutes).

For each size it builds, or reuses when present and of the right size, the
scratch database cerca_bench_<size> in the configured cluster: created from
the migrations (`manage.py migrate`, which also brings a reused one up to
date), then filled by bench/scale_data.sql with N study groups clustered
around the gazetteer's cities (by population, nine in ten in Latin America
and Spain), named "<topic> <neighbourhood or city>" from 40 topics, their
topics, organizers and members, venues (one per 25 groups of a city) and one
event per group in the coming six weeks; then VACUUM ANALYZE. The databases
are kept (`--rebuild` builds them again).

Then it serves the database with gunicorn (2 workers, DEBUG=0, a random
SECRET_KEY, no HTTPS redirect: production settings otherwise) and pygeoapi
(pinned in bench/pygeoapi-requirements.txt, installed into bench/.venv-pygeoapi,
its PostgreSQL provider on studygroups_studygroup, 2 gunicorn workers), and
times each case over HTTP, one request at a time, with interleaved repeats
after one warm-up: ours, then its baseline (the same answer built by one raw SQL
statement over psycopg2, or pygeoapi), then the next case. Figures are medians
(and p95 where there are 20 samples or more). A request slower than --timeout
is reported as "> 30 s (killed)": the client gives up, its query is cancelled
in the database, and the case is not repeated. Nothing asserts a time.

`--base-url URL` times an already running server instead (its database by
--database, default the configured one; nothing is built or served, and the
server's memory is not read unless --server-pid is given).
"""

import argparse
import http.client
import json
import math
import os
import re
import secrets
import signal
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
# Bump when bench/scale_data.sql changes what it builds: older databases are rebuilt.
DATA_FORMAT = 1
HOME_COUNTRIES = [
    "AR", "BO", "BR", "CL", "CO", "CR", "CU", "DO", "EC", "ES", "GT", "HN", "MX", "NI",
    "PA", "PE", "PR", "PY", "SV", "UY", "VE",
]
CITIES = {"Bogotá": (-74.0721, 4.7110), "Madrid": (-3.7038, 40.4168), "CDMX": (-99.1332, 19.4326)}
# [west, south, east, north]
BBOXES = {"Bogotá": (-74.25, 4.45, -73.95, 4.85), "Colombia": (-79.1, -4.3, -66.8, 12.5)}
PYGEOAPI_VENV = BENCH / ".venv-pygeoapi"
PYGEOAPI_REQUIREMENTS = BENCH / "pygeoapi-requirements.txt"
CASES = ("near", "list", "events", "bbox", "offset", "search", "tiles", "export")


class TimedOut(Exception):
    pass


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
        start = time.perf_counter()
        for statement in indexes.values():
            cursor.execute(statement)
        timings["indexes"] = time.perf_counter() - start
        start = time.perf_counter()
        cursor.execute("VACUUM ANALYZE")
        timings["vacuum analyze"] = time.perf_counter() - start
    connection.close()
    return timings


# Serving --------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn with 2 sync workers on a free port, stopped on exit."""

    def __init__(self, label, command, env, cwd, ready_path, timeout, port=None):
        self.label = label
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(
            prefix=f"bench-{label}-", suffix=".log", delete=False
        )
        self.process = subprocess.Popen(
            [*command, "--workers", "2", "--bind", f"127.0.0.1:{self.port}",
             # gunicorn's own limit stays above the client's, which gives up first.
             "--timeout", str(int(timeout) + 30)],
            cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if request(self.base_url + ready_path, 10)[1] == 200:
                    return
            except (OSError, TimedOut):
                pass
            time.sleep(0.5)
        self.stop()
        sys.exit(f"{label} did not start; its log:\n{Path(self.log.name).read_text()[-3000:]}")

    def workers(self):
        """The worker processes' pids."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class RunningServer(Server):
    """A gunicorn started by someone else, known by its master's pid."""

    def __init__(self, pid):
        self.process = type("Process", (), {"pid": pid})()


def memory_kib(pids):
    """{pid: (VmRSS, VmHWM)} in KiB, from /proc/<pid>/status."""
    result = {}
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        values = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, flags=re.M))
        result[pid] = (int(values.get("VmRSS", 0)), int(values.get("VmHWM", 0)))
    return result


STATIC_ROOT = []


def serve_cerca(url, name, timeout):
    """Cerca's production settings (DEBUG=0, WhiteNoise over collected static
    files, persistent connections), but plain HTTP: no TLS proxy in front."""
    env = {
        **os.environ,
        "DATABASE_URL": with_database(url, name, application_name="cerca-bench-server"),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
    }
    if not STATIC_ROOT:
        STATIC_ROOT.append(tempfile.mkdtemp(prefix="bench-static-"))
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input"],
            cwd=ROOT, env={**env, "STATIC_ROOT": STATIC_ROOT[0]}, check=True,
            capture_output=True,
        )
    env["STATIC_ROOT"] = STATIC_ROOT[0]
    return Server(
        "cerca", [sys.executable, "-m", "gunicorn", "geoconfig.wsgi"], env, ROOT,
        "/ogc/conformance", timeout,
    )


def pygeoapi_python():
    """bench/.venv-pygeoapi's python, with bench/pygeoapi-requirements.txt installed."""
    python = PYGEOAPI_VENV / "bin" / "python"
    stamp = PYGEOAPI_VENV / ".installed"
    wanted = PYGEOAPI_REQUIREMENTS.read_text()
    if not (stamp.exists() and stamp.read_text() == wanted):
        print("  installing pygeoapi into bench/.venv-pygeoapi...", flush=True)
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(PYGEOAPI_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-r", str(PYGEOAPI_REQUIREMENTS)],
            check=True,
        )
        stamp.write_text(wanted)
    return python


PYGEOAPI_VIEW = "bench_pygeoapi_studygroups"


def serve_pygeoapi(url, name, timeout):
    """pygeoapi's PostgreSQL provider over a view of studygroups_studygroup that
    has Cerca's list properties and the point as the geometry its GiST index is on."""
    python = pygeoapi_python()
    connection = connect(url, name)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP VIEW IF EXISTS {PYGEOAPI_VIEW}")
        cursor.execute(
            f"CREATE VIEW {PYGEOAPI_VIEW} AS SELECT g.id, {GROUP_COLUMNS}, "
            "g.location::geometry(Geometry, 4326) AS geom FROM studygroups_studygroup AS g"
        )
    connection.close()
    parts = urllib.parse.urlsplit(url)
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="bench-pygeoapi-"))
    config = folder / "pygeoapi.yml"
    values = {
        "port": port, "host": parts.hostname, "dbport": parts.port or 5432, "dbname": name,
        "user": urllib.parse.unquote(parts.username or ""),
        "password": urllib.parse.unquote(parts.password or ""), "table": PYGEOAPI_VIEW,
    }
    config.write_text(
        string.Template((BENCH / "pygeoapi.yml").read_text()).substitute(
            {key: json.dumps(value) if isinstance(value, str) else value
             for key, value in values.items()}
        )
    )
    openapi = folder / "openapi.yml"
    env = {**os.environ, "PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    subprocess.run(
        [str(python.parent / "pygeoapi"), "openapi", "generate", str(config),
         "--output-file", str(openapi)],
        env=env, check=True, capture_output=True,
    )
    return Server(
        "pygeoapi", [str(python), "-m", "gunicorn", "pygeoapi.flask_app:APP"], env, folder,
        "/conformance?f=json", timeout, port=port,
    )


# Raw SQL: the same answers built by one statement -----------------------------

# A study group's list properties, as the API's (studygroups.api.StudyGroupKind),
# for the view pygeoapi reads; GROUP_PROPERTIES below builds Cerca's JSON of them.
GROUP_COLUMNS = """
    g.name, g.slug, g.description, g.language, g.is_online, g.city, g.address, g.time_zone,
    g.join_policy, g.capacity,
    (SELECT count(*) FROM studygroups_membership AS m
     WHERE m.study_group_id = g.id AND m.status = 'active') AS member_count,
    ARRAY(SELECT t.slug FROM studygroups_studygroup_topics AS x
          JOIN studygroups_topic AS t ON t.id = x.topic_id
          WHERE x.studygroup_id = g.id ORDER BY t.slug) AS topics,
    ARRAY(SELECT coalesce(nullif(t.name_es, ''), t.name_en) FROM studygroups_studygroup_topics AS x
          JOIN studygroups_topic AS t ON t.id = x.topic_id
          WHERE x.studygroup_id = g.id ORDER BY t.slug) AS topic_names,
    ST_AsGeoJSON(g.meeting_area, 6)::json AS meeting_area, g.created_at, g.updated_at
"""
GROUP_FEATURE = """
    json_build_object(
        'type', 'Feature', 'id', g.id, 'geometry', ST_AsGeoJSON(g.location, 6)::json,
        'properties', json_build_object(
            'name', g.name, 'slug', g.slug, 'description', g.description,
            'language', g.language, 'is_online', g.is_online, 'city', g.city,
            'address', g.address, 'time_zone', g.time_zone, 'join_policy', g.join_policy,
            'capacity', g.capacity,
            'member_count', (SELECT count(*) FROM studygroups_membership AS m
                             WHERE m.study_group_id = g.id AND m.status = 'active'),
            'topics', ARRAY(SELECT t.slug FROM studygroups_studygroup_topics AS x
                            JOIN studygroups_topic AS t ON t.id = x.topic_id
                            WHERE x.studygroup_id = g.id ORDER BY t.slug),
            'topic_names', ARRAY(SELECT coalesce(nullif(t.name_es, ''), t.name_en)
                                 FROM studygroups_studygroup_topics AS x
                                 JOIN studygroups_topic AS t ON t.id = x.topic_id
                                 WHERE x.studygroup_id = g.id ORDER BY t.slug),
            'meeting_area', ST_AsGeoJSON(g.meeting_area, 6)::json,
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
        f"FROM ({source}) AS g"
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
        f"FROM studygroups_studygroup AS g {after}ORDER BY g.name, g.id LIMIT %(limit)s"
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
                   "FROM studygroups_studygroup AS g ORDER BY g.id) TO STDOUT",
    "events": f"COPY (SELECT {EVENT_FEATURE.format(extra='')} FROM meetups_event AS e "
              "LEFT JOIN studygroups_studygroup AS g ON g.id = e.study_group_id "
              "LEFT JOIN meetups_venue AS v ON v.id = e.venue_id ORDER BY e.id) TO STDOUT",
}


# Timing ---------------------------------------------------------------------


def request(url, timeout, sink=None):
    """GET ``url``: (seconds, status, body, headers). The body is kept unless
    ``sink`` is given, which is then called with each chunk. TimedOut after
    ``timeout`` seconds in all."""
    parts = urllib.parse.urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    start = time.perf_counter()
    chunks = []
    try:
        connection.request(
            "GET", target, headers={"Accept": "application/geo+json, application/json, */*"}
        )
        response = connection.getresponse()
        while chunk := response.read1(1 << 16):
            (sink or chunks.append)(chunk)
            if time.perf_counter() - start > timeout:
                raise TimedOut()
        return time.perf_counter() - start, response.status, b"".join(chunks), response.headers
    except (socket.timeout, TimeoutError):
        raise TimedOut()
    finally:
        connection.close()


def status_of(url, timeout):
    """The status of GET ``url``, without reading the body (the connection is closed)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        return connection.getresponse().status
    except (socket.timeout, TimeoutError):
        return "timed out"
    finally:
        connection.close()


class Judge:
    """Times requests to the servers and raw SQL on the database, killing what
    takes longer than ``timeout`` seconds."""

    def __init__(self, url, name, timeout):
        self.timeout = timeout
        self.connection = connect(url, name)
        with self.connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = %s", [int(timeout * 1000)])

    def http(self, url, sink=None, timeout=None):
        try:
            seconds, status, body, headers = request(url, timeout or self.timeout, sink)
        except TimedOut:
            self.cancel_server_queries()
            raise
        if status != 200:
            raise RuntimeError(f"GET {url} answered {status}: {body[:300]!r}")
        return seconds, body

    def sql(self, sql, params=None):
        start = time.perf_counter()
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(sql, params)
                rows = cursor.fetchall()
        except psycopg2.errors.QueryCanceled:
            raise TimedOut()
        return time.perf_counter() - start, rows

    def copy(self, sql, sink):
        """COPY ... TO STDOUT into ``sink`` (an object with write())."""
        start = time.perf_counter()
        with self.connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
            try:
                cursor.copy_expert(sql, sink)
            finally:
                cursor.execute("SET statement_timeout = %s", [int(self.timeout * 1000)])
        return time.perf_counter() - start

    def cancel_server_queries(self):
        """Cancel what the servers we started still run after the client gave up
        (PostgreSQL would otherwise finish the query for nobody)."""
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_cancel_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND application_name IN ('cerca-bench-server', 'pygeoapi')"
            )
        time.sleep(0.5)


class Case:
    """One question, asked of ours and of its baselines: {method: callable}.
    Each callable returns (seconds, what it answered, for checking)."""

    def __init__(self, section, label, methods, weight=1, check=None):
        self.section = section
        self.label = label
        self.methods = methods
        self.weight = weight  # repeats multiplied by this (cheap cases: for a p95)
        self.check = check  # callable({method: answer}) -> a note, or None
        self.samples = {method: [] for method in methods}
        self.killed = set()
        self.failed = {}
        self.answers = {}
        self.notes = []


def measure(cases, repeats):
    """One warm-up each, then the repeats interleaved: every case's methods in turn."""
    for case in cases:
        for method, call in case.methods.items():
            try:
                case.answers[method] = call()[1]
            except TimedOut:
                case.killed.add(method)
            except Exception as error:  # a broken endpoint is reported, not fatal
                case.failed[method] = str(error)[:200]
        if case.check and not (case.killed | set(case.failed)):
            note = case.check(case.answers)
            if note:
                case.notes.append(note)
    for round_ in range(repeats * max(case.weight for case in cases)):
        for case in cases:
            if round_ >= repeats * case.weight:
                continue
            for method, call in case.methods.items():
                if method in case.killed or method in case.failed:
                    continue
                try:
                    case.samples[method].append(call()[0])
                except TimedOut:
                    case.killed.add(method)


def p95(samples):
    """The 95th percentile (nearest rank), or None for fewer than 20 samples."""
    if len(samples) < 20:
        return None
    return sorted(samples)[math.ceil(0.95 * len(samples)) - 1]


def duration(seconds):
    if seconds is None:
        return ""
    if seconds >= 10:
        return f"{seconds:.1f} s"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{1000 * seconds:.1f} ms"


def figure(case, method, timeout):
    """(median text, p95 text, median seconds or None)."""
    if method in case.failed:
        return "failed", "", None
    if method in case.killed:
        return f"> {timeout:g} s (killed)", "", None
    if not case.samples[method]:
        return "-", "", None
    median = statistics.median(case.samples[method])
    return duration(median), duration(p95(case.samples[method])), median


def print_cases(cases, timeout):
    print(
        f"  {'case':<44} {'ours':>20} {'p95':>9}  {'baseline':<22} {'median':>20} "
        f"{'p95':>9} {'ours/base':>9}"
    )
    section = None
    for case in cases:
        if case.section != section:
            section = case.section
            print(f"  [{section}]")
        methods = list(case.methods)
        ours_text, ours_p95, ours = figure(case, methods[0], timeout)
        baselines = methods[1:] or [None]
        for index, method in enumerate(baselines):
            label = case.label if index == 0 else ""
            head = f"  {label:<44} {ours_text if index == 0 else '':>20} " \
                   f"{ours_p95 if index == 0 else '':>9}"
            if method is None:
                print(head)
                continue
            text, base_p95, base = figure(case, method, timeout)
            ratio = f"{ours / base:.1f}x" if ours and base else ""
            print(f"{head}  {method:<22} {text:>20} {base_p95:>9} {ratio:>9}")
        for note in case.notes + [f"{m}: {e}" for m, e in case.failed.items()]:
            print(f"      note: {note}")


# The cases ------------------------------------------------------------------


def feature_ids(body):
    """The ids of a FeatureCollection's features (JSON text or bytes)."""
    return [feature.get("id") for feature in json.loads(body)["features"]]


def same_ids(ordered=True):
    def check(answers):
        methods = list(answers)
        ids = {method: feature_ids(answers[method]) for method in methods}
        first = ids[methods[0]]
        for method in methods[1:]:
            other = ids[method]
            if (first != other) if ordered else (set(first) != set(other)):
                return (
                    f"{methods[0]} returned {len(first)} features, {method} {len(other)}"
                    + ("" if len(first) != len(other) else ", not the same ones in the same order")
                )
        return f"{len(first):,} features each"
    return check


def tile_of(lon, lat, z):
    """The (x, y) of the web-mercator tile at zoom ``z`` holding lon, lat."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def next_link(body):
    collection = json.loads(body)
    for link in collection.get("links", []):
        if link.get("rel") == "next":
            return link["href"]
    return None


def cursor_parameters(href, asked):
    """The query parameters of a next link that are neither offset nor asked for."""
    if not href:
        return []
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(href).query))
    return sorted(set(query) - {"offset"} - set(asked))


def http_call(judge, url):
    return lambda: judge.http(url)


def sql_call(judge, sql, params, decode=True):
    def call():
        seconds, rows = judge.sql(sql, params)
        return seconds, rows[0][0] if decode else rows
    return call


def build_cases(judge, base, pygeoapi, groups, only, probes):
    """The cases of the selected sections, in the order they are printed."""
    cases = []
    if "near" in only:
        for city, (lon, lat) in CITIES.items():
            params = {"lon": lon, "lat": lat, "radius_m": 25_000, "limit": 100}
            cases.append(Case(
                "near me: study groups within 25 km, nearest first, limit 100",
                f"near {city}",
                {
                    "ours": http_call(
                        judge, f"{base}/api/studygroups/?near={lon},{lat}&radius_km=25&limit=100"
                    ),
                    "raw SQL (KNN, json_agg)": sql_call(judge, near_groups_sql(), params),
                },
                weight=4,
                check=same_ids(ordered=False),
            ))
    if "list" in only:
        cases.append(Case(
            "default list",
            "/api/studygroups/?limit=100 (by name)",
            {
                "ours": http_call(judge, f"{base}/api/studygroups/?limit=100"),
                "raw SQL (ORDER BY name)": sql_call(
                    judge, list_groups_sql(), {"offset": 0, "limit": 100}
                ),
            },
            check=same_ids(),
        ))
    if "events" in only:
        lon, lat = CITIES["Bogotá"]
        cases.append(Case(
            "events: upcoming within 25 km, nearest first, limit 100",
            "events near Bogotá",
            {
                "ours": http_call(
                    judge, f"{base}/api/events/?near={lon},{lat}&radius_km=25&limit=100"
                ),
                "raw SQL (KNN, json_agg)": sql_call(
                    judge, near_events_sql(),
                    {"lon": lon, "lat": lat, "radius_m": 25_000, "limit": 100},
                ),
            },
            weight=2,
            check=same_ids(ordered=False),
        ))
    if "bbox" in only:
        for place, box in BBOXES.items():
            params = dict(zip(("west", "south", "east", "north"), box), limit=1000)
            bbox = ",".join(str(value) for value in box)
            methods = {
                "ours": http_call(
                    judge, f"{base}/ogc/collections/studygroups/items?bbox={bbox}&limit=1000"
                ),
                "raw SQL page": sql_call(judge, bbox_groups_sql(), params),
                "raw SQL count(*)": sql_call(judge, BBOX_COUNT_SQL, params),
            }
            if pygeoapi:
                methods["pygeoapi 0.21"] = http_call(
                    judge, f"{pygeoapi}/collections/studygroups/items?bbox={bbox}&limit=1000&f=json"
                )

            def check(answers):
                ids = {m: feature_ids(answers[m]) for m in answers if m != "raw SQL count(*)"}
                counts = ", ".join(f"{m} {len(i):,}" for m, i in ids.items())
                matched = answers["raw SQL count(*)"]
                same = len({tuple(i) for i in ids.values()}) == 1
                return (f"features: {counts} ({'the same' if same else 'NOT the same'}); "
                        f"{matched:,} in the box")

            cases.append(Case(
                "OGC API bbox page: 1,000 features, by id, with numberMatched",
                f"{place} bbox", methods, check=check,
            ))
    if "offset" in only:
        offset = groups * 9 // 10
        cases.append(Case(
            f"deep pages: offset {offset:,} (nine tenths in), limit 100",
            f"/api/studygroups/?offset={offset:,}",
            {
                "ours": http_call(judge, f"{base}/api/studygroups/?limit=100&offset={offset}"),
                "raw SQL (OFFSET, by name)": sql_call(
                    judge, list_groups_sql(), {"offset": offset, "limit": 100}
                ),
            },
            check=same_ids(),
        ))
        cases.append(Case(
            f"deep pages: offset {offset:,} (nine tenths in), limit 100",
            f"/ogc/.../items?offset={offset:,}",
            {
                "ours": http_call(
                    judge, f"{base}/ogc/collections/studygroups/items?limit=100&offset={offset}"
                ),
                "raw SQL (OFFSET, by id)": sql_call(
                    judge, list_groups_sql("g.id"), {"offset": offset, "limit": 100}
                ),
            },
            check=same_ids(),
        ))
        if probes.get("cursor"):
            label, href = probes["cursor"]
            cases.append(Case(
                f"deep pages: offset {offset:,} (nine tenths in), limit 100",
                label, {"ours": http_call(judge, href)},
            ))
    if "search" in only:
        lon, lat = CITIES["Bogotá"]
        for text in ("python", "pyton"):
            for near in (False, True):
                url = f"{base}/api/studygroups/?q={text}&limit=100"
                if near:
                    url += f"&near={lon},{lat}&radius_km=25"
                params = {"q": "python", "lon": lon, "lat": lat, "radius_m": 25_000, "limit": 100}
                cases.append(Case(
                    "search: q, limit 100 (baseline: full text of 'python' on the GIN index)",
                    f"q={text}" + (" near Bogotá" if near else ""),
                    {
                        "ours": http_call(judge, url),
                        "raw SQL (full text)": sql_call(judge, search_groups_sql(near), params),
                    },
                    check=lambda answers: (
                        f"ours {len(feature_ids(answers['ours'])):,} features, raw "
                        f"{len(feature_ids(answers['raw SQL (full text)'])):,}"
                    ),
                ))
    if "tiles" in only and probes.get("tiles"):
        for z in (3, 8, 14):
            x, y = tile_of(*CITIES["Bogotá"], z)
            methods = {
                "ours": http_call(judge, f"{base}/tiles/studygroups/{z}/{x}/{y}.mvt"),
                "bare ST_AsMVT": sql_call(judge, TILE_SQL, {"z": z, "x": x, "y": y}),
            }
            cases.append(Case(
                "vector tiles around Bogotá (baseline: every point, unclustered)",
                f"/tiles/studygroups/{z}/{x}/{y}.mvt", methods,
                weight=2,
                check=lambda answers: (
                    f"ours {len(answers['ours']):,} bytes, bare "
                    f"{len(bytes(answers['bare ST_AsMVT'] or b'')):,} bytes"
                ),
            ))
    return cases


def probe(judge, base, groups, only):
    """What the server offers: cursors (a next link with a parameter of its own),
    tiles and exports. {name: finding}, and lines to print."""
    found, lines = {}, []
    if "offset" in only:
        seconds, body = judge.http(f"{base}/api/studygroups/?limit=100")
        href = next_link(body)
        names = cursor_parameters(href, {"limit"})
        if names:
            found["cursor"] = (f"2nd page by cursor ({', '.join(names)})", href)
            lines.append(f"cursors: offered ({', '.join(names)} in the next link)")
            # A deep cursor, if the page at the offset links to the next one by cursor.
            offset = groups * 9 // 10
            try:
                deep = next_link(
                    judge.http(f"{base}/api/studygroups/?limit=100&offset={offset}")[1]
                )
            except (TimedOut, RuntimeError):
                deep = None
            if cursor_parameters(deep, {"limit"}):
                found["cursor"] = (f"page {offset + 100:,} by cursor", deep)
        else:
            lines.append("cursors: not offered (the next link pages by offset)")
    if "tiles" in only:
        x, y = tile_of(*CITIES["Bogotá"], 8)
        status = status_of(f"{base}/tiles/studygroups/8/{x}/{y}.mvt", judge.timeout)
        found["tiles"] = status == 200
        if status != 200:
            lines.append(f"tiles: not available (/tiles/studygroups/8/{x}/{y}.mvt: {status})")
    return found, lines


# Exports and the walk -------------------------------------------------------

EXPORTS = {
    "studygroups": "/api/studygroups/export.geojson",
    "events": "/api/events/export.geojson",
}


class Counter:
    """A sink that counts bytes and features and keeps nothing."""

    def __init__(self):
        self.bytes = 0
        self.features = 0
        self.tail = b""

    def __call__(self, chunk):
        if isinstance(chunk, str):
            chunk = chunk.encode()
        self.bytes += len(chunk)
        # '"Feature"' may straddle two chunks: count over the joint.
        joined = self.tail + chunk
        self.features += joined.count(b'"Feature"') - self.tail.count(b'"Feature"')
        self.tail = chunk[-16:]

    write = __call__


def measure_exports(judge, base, server, repeats, timeout):
    """Each export in full, ours beside COPY of the same features; lines to print."""
    lines = []
    for name, path in EXPORTS.items():
        status = status_of(f"{base}{path}", judge.timeout)
        if status == 404:
            lines.append(f"  {path}: not available (404)")
            continue
        ours, raw, counted = [], [], {}
        killed = False
        before = memory_kib(server.workers()) if server else {}
        for _ in range(repeats):
            sink = Counter()
            try:
                ours.append(judge.http(f"{base}{path}", sink=sink, timeout=timeout)[0])
            except TimedOut:
                killed = True
                break
            except RuntimeError as error:
                lines.append(f"  {path}: {error}")
                killed = None
                break
            counted["ours"] = sink
            copy_sink = Counter()
            raw.append(judge.copy(EXPORT_SQL[name], copy_sink))
            counted["raw"] = copy_sink
        if killed is None:
            continue
        after = memory_kib(server.workers()) if server else {}
        text = f"> {timeout:g} s (killed)" if killed else duration(statistics.median(ours))
        size = (f"{counted['ours'].bytes / 2**20:,.0f} MiB, {counted['ours'].features:,} "
                "features" if "ours" in counted else "")
        raw_text = (f"COPY of the same features {duration(statistics.median(raw))} "
                    f"({counted['raw'].bytes / 2**20:,.0f} MiB)" if raw else "")
        lines.append(f"  {path}: {text} ({size}; median of {len(ours)}); {raw_text}")
        if after:
            peak = max(hwm for rss, hwm in after.values())
            idle = max(rss for rss, hwm in before.values()) if before else 0
            lines.append(
                f"    server worker peak RSS (VmHWM): {peak / 1024:,.0f} MiB "
                f"(largest worker RSS before the exports {idle / 1024:,.0f} MiB)"
            )
        else:
            lines.append("    server memory: unknown (not our server; give --server-pid)")
    return lines


def walk(judge, base, budget):
    """Follow next links from /api/studygroups/?limit=10000 to the end, beside a raw
    keyset walk; lines to print."""
    lines = []
    start = time.perf_counter()
    url, pages, features, times = f"{base}/api/studygroups/?limit=10000", 0, 0, []
    stopped = ""
    while url:
        if time.perf_counter() - start > budget:
            stopped = f", stopped by --walk-budget {budget:g} s"
            break
        try:
            seconds, body = judge.http(url)
        except TimedOut:
            stopped = f", page {pages + 1} killed after {judge.timeout:g} s"
            break
        times.append(seconds)
        pages += 1
        features += len(json.loads(body)["features"])
        url = next_link(body)
    total = time.perf_counter() - start
    slowest = duration(max(times)) if times else "-"
    lines.append(
        f"  ours: {pages} pages, {features:,} features in {duration(total)}"
        f" (median page {duration(statistics.median(times)) if times else '-'}, "
        f"slowest {slowest}){stopped}"
    )
    start = time.perf_counter()
    rows, pages, features = [(None, None)], 0, 0
    params = {"limit": 10_000}
    while True:
        first = pages == 0
        if not first:
            params.update(id=rows[-1][0], name=rows[-1][1])
        rows = judge.sql(walk_groups_sql(first), params)[1]
        if not rows:
            break
        pages += 1
        features += len(rows)
    lines.append(
        f"  raw SQL keyset on (name, id): {pages} pages, {features:,} features in "
        f"{duration(time.perf_counter() - start)}"
    )
    return lines


# The run --------------------------------------------------------------------


def human_bytes(count):
    return f"{count / 2**30:.1f} GiB" if count >= 2**30 else f"{count / 2**20:,.0f} MiB"


def run_size(args, url, label, groups, only):
    """Build (or reuse), serve and time one size; returns its cases."""
    name = f"cerca_bench_{label}"
    servers = []
    if args.base_url:
        name = args.database or urllib.parse.urlsplit(url).path.lstrip("/")
        built = f"the running server at {args.base_url}"
    else:
        reused, timings, size = build(url, name, groups, rebuild=args.rebuild)
        migrated = timings.pop("migrate (reused database)", None)
        steps = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in timings.items())
        built = (
            (f"reused (migrate {migrated:.0f} s); it was built" if reused else "built")
            + f" in {sum(timings.values()):.0f} s ({steps}); {human_bytes(size)} on disk"
        )
    judge = Judge(url, name, args.timeout)
    (groups_found, events_found, venues, topics), = judge.sql(
        "SELECT (SELECT count(*) FROM studygroups_studygroup), (SELECT count(*) FROM "
        "meetups_event), (SELECT count(*) FROM meetups_venue), (SELECT count(*) FROM "
        "studygroups_studygroup_topics)"
    )[1]
    print(
        f"\n{name}: {groups_found:,} study groups ({topics:,} group topics), "
        f"{events_found:,} events, {venues:,} venues; {built}",
        flush=True,
    )
    try:
        if args.base_url:
            base, pygeoapi = args.base_url.rstrip("/"), None
            server = RunningServer(args.server_pid) if args.server_pid else None
        else:
            server = serve_cerca(url, name, args.timeout)
            servers.append(server)
            base = server.base_url
            pygeoapi = None
            if "bbox" in only and not args.no_pygeoapi:
                servers.append(serve_pygeoapi(url, name, args.timeout))
                pygeoapi = servers[-1].base_url
        probes, lines = probe(judge, base, groups_found, only)
        cases = build_cases(judge, base, pygeoapi, groups_found, only, probes)
        if cases:
            measure(cases, args.repeats)
        print(
            f"  ours: gunicorn, 2 sync workers, DEBUG=0; medians of {args.repeats} "
            f"interleaved repeats after one warm-up (near me x4, events and tiles x2); "
            f"p95 where 20 samples or more; ours/base: how many times the baseline's time"
        )
        for line in lines:
            print(f"  {line}")
        print_cases(cases, args.timeout)
        for case in cases:
            if "pygeoapi 0.21" in case.samples and case.samples["ours"] and case.samples[
                    "pygeoapi 0.21"]:
                ratio = statistics.median(case.samples["pygeoapi 0.21"]) / statistics.median(
                    case.samples["ours"])
                print(f"  throughput, {case.label}: ours / pygeoapi = {ratio:.2f}x "
                      "(features per second, one client)")
        if "export" in only:
            print("  [whole exports: one client, streamed and counted, not kept]")
            for line in measure_exports(judge, base, server, args.export_repeats,
                                        args.export_timeout):
                print(line)
        if args.walk:
            print("  [the whole layer through next links, limit 10,000]")
            for line in walk(judge, base, args.walk_budget):
                print(line)
        return cases
    finally:
        for server in servers:
            server.stop()


def print_growth(results, timeout):
    """Each case's medians across the sizes, and how they grew."""
    labels = list(results)
    if len(labels) < 2:
        return
    print(f"\nGrowth from {labels[0]} to {labels[-1]} (medians; each size in its own run above)")
    print(f"  {'case':<44} {'method':<24} " + " ".join(f"{label:>12}" for label in labels)
          + f" {'growth':>8}")
    first = {(case.label, method): case for case in results[labels[0]] for method in case.methods}
    for (case_label, method), _ in first.items():
        row, values = [], []
        for label in labels:
            match = [case for case in results[label] if case.label.split("=")[0] ==
                     case_label.split("=")[0] and method in case.methods]
            if not match:
                row.append(f"{'-':>12}")
                values.append(None)
                continue
            text, _, median = figure(match[0], method, timeout)
            row.append(f"{text[:12]:>12}")
            values.append(median)
        growth = (f"{values[-1] / values[0]:.0f}x" if values[0] and values[-1] else "")
        print(f"  {case_label[:44]:<44} {method[:24]:<24} " + " ".join(row) + f" {growth:>8}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k,1m", help="of 10k, 100k, 1m")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", default=",".join(CASES), help=f"of {', '.join(CASES)}")
    parser.add_argument("--timeout", type=float, default=30, help="seconds per request")
    parser.add_argument("--walk", action="store_true", help="also walk the whole layer")
    parser.add_argument("--walk-budget", type=float, default=1200, help="seconds")
    parser.add_argument("--export-repeats", type=int, default=3)
    parser.add_argument("--export-timeout", type=float, default=600, help="seconds")
    parser.add_argument("--rebuild", action="store_true", help="build the databases again")
    parser.add_argument("--no-pygeoapi", action="store_true")
    parser.add_argument("--base-url", help="time this running server instead")
    parser.add_argument("--database", help="with --base-url: its database's name")
    parser.add_argument("--server-pid", type=int, help="with --base-url: its gunicorn master")
    args = parser.parse_args()
    only = set(args.only.split(","))
    if only - set(CASES):
        parser.error(f"--only: unknown {', '.join(sorted(only - set(CASES)))}")
    labels = [label.strip().lower() for label in args.sizes.split(",")]
    if set(labels) - set(SIZES):
        parser.error(f"--sizes: of {', '.join(SIZES)}")
    if args.base_url:
        labels = labels[:1]
    url = database_url()
    print(
        f"Cerca at scale ({time.strftime('%F %H:%M %Z')}, {os.cpu_count()} cores): "
        f"{', '.join(labels)}; timeout {args.timeout:g} s per request"
    )
    results = {}
    for label in labels:
        results[label] = run_size(args, url, label, SIZES[label], only)
    print_growth(results, args.timeout)


if __name__ == "__main__":
    main()
