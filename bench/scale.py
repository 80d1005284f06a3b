"""Cerca at a million: the API over 10k, 100k and 1M study groups and events,
beside raw SQL on the same database and pygeoapi on the same table.

Usage: `.venv/bin/python bench/scale.py [--sizes 10k,100k,1m] [--repeats N]
[--only near,list,events,bbox,offset,search,tiles,export,collections] [--walk]
[--timeout S]`
(a newcomer's first run: `--sizes 10k`, a few minutes).

For each size it builds, or reuses when present and of the right size, the
scratch database cerca_bench_<size> in the configured cluster: created from
the migrations (`manage.py migrate`, which also brings a reused one up to
date), then filled by bench/scale_data.sql with N study groups clustered
around the gazetteer's cities (by population, nine in ten in Latin America
and Spain), named "<topic> <neighbourhood or city>" from 40 topics, their
topics, organizers and members, venues (one per 25 groups of a city) and one
event per group in the coming six weeks (foreign keys checked once at the
end; the tables' own triggers, which keep the tiles' cells, fire as for any
write); then VACUUM ANALYZE. The databases
are kept (`--rebuild` builds them again).

Then it serves the database with gunicorn (2 sync workers; DEBUG=0, a random
SECRET_KEY, static files collected for WhiteNoise: production settings, but
plain HTTP with no HTTPS redirect) and pygeoapi (pinned in
bench/pygeoapi-requirements.txt, installed into bench/.venv-pygeoapi, its
PostgreSQL provider on a view of studygroups_studygroup with the same
properties, 2 gunicorn workers), and times each case over HTTP, one request at
a time, with interleaved repeats after one warm-up: ours, then its baselines
(the same answer built by one raw SQL statement over psycopg2, or pygeoapi),
then the next case. Figures are medians (and p95 where there are 20 samples or
more). A request slower than --timeout is reported as "> 30 s (killed)": the
client gives up, the server's query is cancelled in the database, and the
case is not repeated. Nothing asserts a time. Tiles (/tiles/) and exports
(/api/<kind>/export.geojson) are timed only where the server has them, and
pages by cursor where its next links carry one. `--walk` also follows the next
links through the whole layer at limit 10,000 (slow: minutes at 1M), beside a
raw keyset walk, and then times the page nine tenths in by its cursor. The
OGC collections' documents (their extents) are timed beside the same extents
by raw SQL over every row (ST_Extent, min/max) and from indexes only, and
checked: each box must hold every row.

`--base-url URL` times an already running server instead (its database by
--database, default the configured one; nothing is built or served, and the
server's memory is not read unless --server-pid is given).
"""

import argparse
import json
import math
import os
import re
import statistics
import time
import urllib.parse
from datetime import datetime

import psycopg2
from scale_db import (
    BBOX_COUNT_SQL,
    EXPORT_SQL,
    EXTENT_TABLES,
    TILE_SQL,
    bbox_groups_sql,
    build,
    connect,
    database_url,
    extents_indexed_sql,
    extents_scan_sql,
    list_groups_sql,
    near_events_sql,
    near_groups_sql,
    search_events_sql,
    search_groups_sql,
    walk_groups_sql,
)
from scale_servers import (
    RunningServer,
    TimedOut,
    memory_kib,
    request,
    serve_cerca,
    serve_pygeoapi,
    status_of,
)

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
CITIES = {"Bogotá": (-74.0721, 4.7110), "Madrid": (-3.7038, 40.4168), "CDMX": (-99.1332, 19.4326)}
# [west, south, east, north]
BBOXES = {"Bogotá": (-74.25, 4.45, -73.95, 4.85), "Colombia": (-79.1, -4.3, -66.8, 12.5)}
CASES = ("near", "list", "events", "bbox", "offset", "search", "tiles", "export", "collections")


# Timing ---------------------------------------------------------------------


class HTTPError(RuntimeError):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


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
            raise HTTPError(status, f"GET {url} answered {status}: {body[:300]!r}")
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
        self.errors = {}  # failures in the repeats, {method: [error]}
        self.answers = {}
        self.notes = []


def measure(cases, repeats):
    """One warm-up each, then the repeats interleaved: every case's methods in turn."""
    for case in cases:
        for method, call in case.methods.items():
            for attempt in range(3):
                try:
                    case.answers[method] = call()[1]
                    case.failed.pop(method, None)
                    break
                except TimedOut:
                    case.killed.add(method)
                    break
                except Exception as error:  # a broken endpoint is reported, not fatal
                    # Tried again: a shared cluster may be out of connections for a moment.
                    case.failed[method] = str(error)[:200]
                    time.sleep(2)
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
                except Exception as error:
                    # Tried once more at once: the repeat keeps its place in the round.
                    try:
                        case.samples[method].append(call()[0])
                    except Exception:
                        pass
                    case.errors.setdefault(method, []).append(str(error)[:120])


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
        status = re.search(r" answered (\d+):", case.failed[method])
        return (f"HTTP {status[1]}" if status else "failed"), "", None
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
        errors = [f"{m} failed {len(e)} time(s) (tried again at once), first: {e[0]}"
                  for m, e in case.errors.items()]
        for note in case.notes + errors + [f"{m}: {e}" for m, e in case.failed.items()]:
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
        note = f"{len(first):,} features each"
        properties = {
            method: set(json.loads(answers[method])["features"][0]["properties"])
            for method in methods if ids[method]
        }
        for method in methods[1:]:
            if method in properties and properties[method] != properties[methods[0]]:
                ours, other = properties[methods[0]], properties[method]
                note += (f"; properties differ: only ours {sorted(ours - other)}, "
                         f"only {method} {sorted(other - ours)}")
        return note
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
        # python: a word stemmed alike in Spanish and English; historia: two
        # stems ('histori', 'historia'); pyton: a typo, whose baseline looks
        # for python. Then the upcoming events' q.
        searches = [("studygroups", "python", False), ("studygroups", "python", True),
                    ("studygroups", "historia", False), ("studygroups", "pyton", False),
                    ("studygroups", "pyton", True), ("events", "python", False)]
        for kind, text, near in searches:
            url = f"{base}/api/{kind}/?q={text}&limit=100"
            if near:
                url += f"&near={lon},{lat}&radius_km=25"
            raw = "python" if text == "pyton" else text
            params = {"q": raw, "lon": lon, "lat": lat, "radius_m": 25_000, "limit": 100}
            sql = search_events_sql() if kind == "events" else search_groups_sql(near)
            cases.append(Case(
                "search: q, limit 100 (baseline: full text of the word, 'python' for "
                "the typo, on the GIN index)",
                ("events " if kind == "events" else "") + f"q={text}"
                + (" near Bogotá" if near else ""),
                {
                    "ours": http_call(judge, url),
                    "raw SQL (full text)": sql_call(judge, sql, params),
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
    if "collections" in only:
        for names in (tuple(EXTENT_TABLES), *((name,) for name in EXTENT_TABLES)):
            path = "/ogc/collections" + (f"/{names[0]}" if len(names) == 1 else "")
            cases.append(Case(
                "OGC API collections: spatial and temporal extents (QGIS asks on connect)",
                path,
                {
                    "ours": http_call(judge, f"{base}{path}"),
                    "raw SQL, every row": sql_call(judge, extents_scan_sql(names), None),
                    "raw SQL, indexes only": sql_call(judge, extents_indexed_sql(names), None),
                },
                check=extents_check,
            ))
    return cases


def extents_check(answers):
    """Whether our extents contain every row (the exact ones over every row),
    by how much they are wider, and whether the events' interval is the same."""
    ours = json.loads(answers["ours"])
    exact = json.loads(answers["raw SQL, every row"])
    notes, widest = [], 0.0
    for collection in ours.get("collections", [ours]):
        name = collection["id"]
        bbox = collection["extent"]["spatial"]["bbox"][0]
        box = exact.get(name)
        if box is None:
            continue
        if box[0] is None:
            notes.append(f"{name}: no row has a location")
            continue
        inside = bbox[0] <= box[0] and bbox[1] <= box[1] and bbox[2] >= box[2] \
            and bbox[3] >= box[3]
        if not inside:
            notes.append(f"{name}: {bbox} does NOT contain every row ({box})")
        widest = max(widest, box[0] - bbox[0], box[1] - bbox[1], bbox[2] - box[2],
                     bbox[3] - box[3])
        temporal = collection["extent"].get("temporal")
        if temporal and "events_interval" in exact:
            asked = [value and datetime.fromisoformat(value)
                     for value in temporal["interval"][0]]
            expected = [value and datetime.fromisoformat(value)
                        for value in exact["events_interval"]]
            if asked != expected:
                notes.append(f"{name}: interval {asked} is not {expected}")
    same = json.loads(answers["raw SQL, indexes only"]) == exact
    return "; ".join(notes) or (
        f"every extent contains every row, at most {widest:.1e} degrees wider than "
        f"ST_Extent; raw SQL on the indexes {'equals' if same else 'DIFFERS from'} "
        "the scan"
    )


def probe(judge, base, groups, only):
    """What the server offers: cursors (a next link with a parameter of its own),
    tiles and exports. {name: finding}, and lines to print."""
    found, lines = {}, []
    if "offset" in only:
        try:
            href = next_link(judge.http(f"{base}/api/studygroups/?limit=100")[1])
        except (TimedOut, RuntimeError) as error:
            href = None
            lines.append(f"cursors: the probe failed ({str(error)[:100] or 'timed out'})")
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


def walk(judge, base, budget, groups, repeats):
    """Follow next links from /api/studygroups/?limit=10000 to the end, beside a raw
    keyset walk; then, if the next links carry cursors, time the page nine tenths
    in by its cursor beside the raw keyset page there. Lines to print."""
    lines = []
    deep_at = groups * 9 // 10
    start = time.perf_counter()
    url, pages, features, times = f"{base}/api/studygroups/?limit=10000", 0, 0, []
    stopped, deep = "", None
    while url:
        if time.perf_counter() - start > budget:
            stopped = f", stopped by --walk-budget {budget:g} s"
            break
        try:
            seconds, body = judge.http(url)
        except TimedOut:
            stopped = f", page {pages + 1} killed after {judge.timeout:g} s"
            break
        except HTTPError as error:
            stopped = f", page {pages + 1} answered {error.status}"
            break
        times.append(seconds)
        pages += 1
        features += len(json.loads(body)["features"])
        url = next_link(body)
        if deep is None and features >= deep_at and cursor_parameters(url, {"limit"}):
            deep = url
    total = time.perf_counter() - start
    slowest = duration(max(times)) if times else "-"
    lines.append(
        f"  ours: {pages} page(s), {features:,} features in {duration(total)}"
        f" (median page {duration(statistics.median(times)) if times else '-'}, "
        f"slowest {slowest}){stopped}"
    )
    start = time.perf_counter()
    rows, pages, features, deep_key = [(None, None)], 0, 0, None
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
        if deep_key is None and features >= deep_at:
            deep_key = {"id": rows[-1][0], "name": rows[-1][1], "limit": 10_000}
    lines.append(
        f"  raw SQL keyset on (name, id), without an index on them: {pages} page(s), "
        f"{features:,} features in {duration(time.perf_counter() - start)}"
    )
    if deep and deep_key:
        ours, raw = [], []
        for _ in range(repeats):
            ours.append(judge.http(deep)[0])
            raw.append(judge.sql(walk_groups_sql(False), deep_key)[0])
        lines.append(
            f"  the 10,000 after the {deep_at:,}th by cursor: ours "
            f"{duration(statistics.median(ours))}, raw SQL keyset "
            f"{duration(statistics.median(raw))} (medians of {repeats})"
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
            for line in walk(judge, base, args.walk_budget, groups_found, args.repeats):
                print(line)
        return cases
    finally:
        judge.connection.close()
        for server in servers:
            server.stop()


def same_case(label, other):
    """Whether two labels name the same case at two sizes (offsets differ)."""
    return re.sub(r"[\d,]+", "N", label) == re.sub(r"[\d,]+", "N", other)


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
        row, values, lower = [], [], False
        for label in labels:
            # The same label if there is one (tiles differ only in numbers),
            # else the case whose numbers differ with the size (offsets).
            match = [case for case in results[label] if case.label == case_label
                     and method in case.methods] or [
                case for case in results[label] if same_case(case.label, case_label)
                and method in case.methods]
            if not match:
                row.append(f"{'-':>12}")
                values.append(None)
                continue
            text, _, median = figure(match[0], method, timeout)
            killed = method in match[0].killed
            row.append(f"{f'> {timeout:g} s' if killed else text:>12}")
            values.append(timeout if killed else median)
            lower = killed
        ratio = values[-1] / values[0] if values[0] and values[-1] else None
        growth = (f"{'>' if lower else ''}{ratio:.{0 if ratio >= 10 else 1}f}x"
                  if ratio else "")
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
