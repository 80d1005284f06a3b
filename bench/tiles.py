"""How long a vector tile takes with 1,000,000 study groups and 1,000,000 events.

Usage: `.venv/bin/python bench/tiles.py [--rows N] [--rounds R] [--keep|--reuse]
[--unfiltered]` (with DEBUG=1). `--keep` keeps the scratch database; `--reuse`
times a kept one; `--unfiltered` leaves out the filtered tiles (slow at low zoom).

Creates a scratch database (cerca_bench_tiles) beside the configured one and
migrates it (so the gazetteer is there), then fills it with N in-person study
groups and N events (default 1,000,000 each) around the GeoNames cities of
Latin America and Spain, each city drawn with a weight of its population and
each point scattered around it (a normal spread that grows with the city),
named like "Python Medellín 4711". Events run from half a year ago to a year
ahead, one in twenty cancelled. The tables' indexes and tile triggers are off
for the load; the indexes are built again and the tile cells counted from
scratch after it (``cerca_tile_rebuild``), as a bulk load would.

Then, for zooms 3, 8, 12 and 14, it takes the tiles holding the most rows
(and, at zoom 3, every occupied one) and times, for each layer, with no
filter and with `q=python`, the median and 95th percentile over the tiles of:

  - endpoint: GET /tiles/<layer>/<z>/<x>/<y>.mvt through Django's test client;
  - raw SQL: only the one statement places.tiles runs for the tile.

Prints the tile sizes beside them. Django's query log is off (as in
production). Drops the scratch database unless --keep.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

COUNTRIES = ["AR", "BO", "BR", "CL", "CO", "CR", "CU", "DO", "EC", "ES", "GT", "HN", "MX",
             "NI", "PA", "PE", "PR", "PY", "SV", "UY", "VE"]
TOPICS = ["Python", "Cálculo", "Historia", "Inglés", "Derecho", "Química", "Economía",
          "Física", "Filosofía", "Estadística"]
ZOOMS = [3, 8, 12, 14]
TILES_PER_ZOOM = 20
DB_NAME = "cerca_bench_tiles"


def big_table_indexes(cursor, table):
    """{name: CREATE INDEX statement} of the table's indexes but those of its keys and
    constraints."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes AS i
        JOIN pg_class AS c ON c.relname = i.indexname
        JOIN pg_index AS x ON x.indexrelid = c.oid
        WHERE i.tablename = %s AND NOT x.indisprimary AND NOT x.indisunique
          AND NOT EXISTS (SELECT 1 FROM pg_constraint AS k WHERE k.conindid = x.indexrelid)
        """,
        [table],
    )
    return dict(cursor.fetchall())


# Points around cities drawn by population: the cumulative population picks the
# city (an index lookup per row), a Box-Muller normal scatters the point.
POINTS = """
    SELECT g.i, c.name AS city, c.lon + g.dx * c.spread AS lon,
           greatest(least(c.lat + g.dy * c.spread, 84), -84) AS lat
    FROM (
        SELECT i, random() * (SELECT max(upto) FROM bench_city) AS r,
               sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS dx,
               sqrt(-2 * ln(1 - random())) * sin(2 * pi() * random()) AS dy
        FROM generate_series(1, %(rows)s) AS i
    ) AS g
    CROSS JOIN LATERAL (
        SELECT * FROM bench_city WHERE upto >= g.r ORDER BY upto LIMIT 1
    ) AS c
"""


def fill(connection, rows):
    """Insert the groups and events in SQL, indexes and tile triggers off; then
    build the indexes and count the tile cells."""
    timings = {}
    tables = ("studygroups_studygroup", "meetups_event")
    with connection.cursor() as cursor:
        indexes = {}
        for table in tables:
            indexes[table] = big_table_indexes(cursor, table)
            for name in indexes[table]:
                cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute("SELECT setseed(0.2026)")
        cursor.execute(
            """
            CREATE TEMPORARY TABLE bench_city AS
            SELECT name, ST_X(location::geometry) AS lon, ST_Y(location::geometry) AS lat,
                   -- about 3 km for a town, 25 km for a city of ten million
                   0.02 + 0.2 * sqrt(population / 1e7) AS spread,
                   (sum(population) OVER (ORDER BY id))::float8 AS upto
            FROM places_city WHERE country_code = ANY(%s);
            CREATE INDEX ON bench_city (upto);
            ANALYZE bench_city;
            """,
            [COUNTRIES],
        )
        start = time.perf_counter()
        cursor.execute(
            f"""
            INSERT INTO studygroups_studygroup (
                name, slug, description, language, is_online, location, city, address,
                capacity, time_zone, join_policy, created_at, updated_at
            )
            SELECT topics[1 + i %% array_length(topics, 1)] || ' ' || p.city || ' ' || i,
                   'bench-tile-' || i, '', 'es', false,
                   ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)::geography,
                   p.city, '', 20, 'UTC', 'open', now(), now()
            FROM ({POINTS}) AS p, (SELECT %(topics)s::text[] AS topics) AS t
            """,
            {"rows": rows, "topics": TOPICS},
        )
        timings["groups"] = time.perf_counter() - start
        start = time.perf_counter()
        cursor.execute(
            f"""
            INSERT INTO meetups_event (
                title, description, location, online_url, during, time_zone, capacity,
                status, created_at, updated_at
            )
            SELECT topics[1 + i %% array_length(topics, 1)] || ' ' || p.city || ' ' || i, '',
                   ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)::geography, '',
                   tstzrange(p.at, p.at + interval '2 hours', '[)'), 'UTC', 20,
                   CASE WHEN i %% 20 = 0 THEN 'cancelled' ELSE 'scheduled' END, now(), now()
            FROM (
                SELECT *,
                       date_trunc('hour', now()) + (random() * 545 - 180) * interval '1 day' AS at
                FROM ({POINTS}) AS q
            ) AS p, (SELECT %(topics)s::text[] AS topics) AS t
            """,
            {"rows": rows, "topics": TOPICS},
        )
        timings["events"] = time.perf_counter() - start
        start = time.perf_counter()
        for table, statements in indexes.items():
            for statement in statements.values():
                cursor.execute(statement)
        cursor.execute("ANALYZE studygroups_studygroup, meetups_event")
        timings["indexes"] = time.perf_counter() - start
        start = time.perf_counter()
        cursor.execute(
            """
            SELECT cerca_tile_rebuild('studygroups', $q$
                SELECT id, ST_X(location::geometry), ST_Y(location::geometry)
                FROM studygroups_studygroup WHERE location IS NOT NULL $q$);
            UPDATE places_tile_layer SET as_of = now() WHERE layer = 'events';
            SELECT cerca_tile_rebuild('events', $q$
                SELECT e.id, ST_X(e.location::geometry), ST_Y(e.location::geometry)
                FROM meetups_event AS e
                WHERE meetups_event_tile_member(e, (SELECT as_of FROM places_tile_layer
                                                    WHERE layer = 'events')) $q$);
            ANALYZE places_tile_cell;
            """
        )
        timings["cells"] = time.perf_counter() - start
        for table in tables:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    return timings


def busiest_tiles(cursor, layer, z, count):
    """(x, y) of the ``count`` tiles of zoom ``z`` holding the most of ``layer``'s rows."""
    table = {"studygroups": "studygroups_studygroup", "events": "meetups_event"}[layer]
    cursor.execute(
        f"""
        SELECT cerca_tile_index(cerca_tile_fx(ST_X(location::geometry)), %s),
               cerca_tile_index(cerca_tile_fy(ST_Y(location::geometry)), %s)
        FROM {table} WHERE location IS NOT NULL
        GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT %s
        """,
        [z, z, count],
    )
    return cursor.fetchall()


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="time a kept scratch database")
    parser.add_argument("--unfiltered", action="store_true", help="only the unfiltered tiles")
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoconfig.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.http import QueryDict
    from django.test import Client
    from django.utils import timezone

    from meetups.api import EventKind
    from places.tiles import TileSQL, layer_state
    from studygroups.api import StudyGroupKind

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = DB_NAME
    original_name = connection.settings_dict["NAME"]
    if args.reuse:
        connection.close()
        connection.settings_dict["NAME"] = DB_NAME
    else:
        connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False, keepdb=False
        )
    settings.DEBUG = False
    client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "x")
    kinds = {"studygroups": StudyGroupKind(), "events": EventKind()}
    try:
        if not args.reuse:
            load = fill(connection, args.rows)
            print("load (s): " + ", ".join(f"{k} {v:.1f}" for k, v in load.items()))
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('places_tile_cell')), "
                           "count(*) FROM places_tile_cell")
            print("places_tile_cell: %s, %s rows" % cursor.fetchone())
            print(f"{'layer':<12}{'filter':<10}{'z':>3}{'tiles':>6}  {'endpoint p50/p95 ms':>20}"
                  f"  {'raw SQL p50/p95 ms':>19}  {'KiB p50/max':>12}")
            for layer, kind in kinds.items():
                for z in ZOOMS:
                    tiles = busiest_tiles(cursor, layer, z, TILES_PER_ZOOM)
                    views = [("none", "")] + ([] if args.unfiltered else [("q=python", "q=python")])
                    for label, query in views:
                        ours, raw, sizes = [], [], []
                        for x, y in tiles:
                            url = f"/tiles/{layer}/{z}/{x}/{y}.mvt" + (f"?{query}" if query else "")
                            response = client.get(url)  # warm-up
                            assert response.status_code == 200, (url, response.content[:200])
                            sizes.append(len(response.content))
                            version, as_of = layer_state(kind)
                            sql, params = TileSQL(
                                kind, QueryDict(query), z, x, y, now=timezone.now(), as_of=as_of
                            ).sql(stored=not query)
                            for _ in range(args.rounds):
                                start = time.perf_counter()
                                client.get(url)
                                ours.append(time.perf_counter() - start)
                                start = time.perf_counter()
                                cursor.execute(sql, params)
                                cursor.fetchone()
                                raw.append(time.perf_counter() - start)
                        print(
                            f"{layer:<12}{label:<10}{z:>3}{len(tiles):>6}  "
                            f"{1000 * statistics.median(ours):>9.1f} /"
                            f"{1000 * percentile(ours, 0.95):>7.1f}  "
                            f"{1000 * statistics.median(raw):>9.1f} /"
                            f"{1000 * percentile(raw, 0.95):>7.1f}  "
                            f"{statistics.median(sizes) / 1024:>6.1f} /"
                            f"{max(sizes) / 1024:>5.1f}"
                        )
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(original_name, verbosity=0, keepdb=False)
        else:
            print(f"kept {DB_NAME}")


if __name__ == "__main__":
    main()
