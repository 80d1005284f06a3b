"""How long search_places takes with 1,000,000 venues and 1,000,000 study groups.

Usage: `.venv/bin/python bench/place_search.py [--rows N] [--rounds R] [--keep|--reuse]`
(with DEBUG=1). `--keep` keeps the scratch database; `--reuse` times the
queries again on a kept one, without building it.

Creates a scratch database (cerca_bench_places) beside the configured one and
migrates it (so the gazetteer is there: GeoNames cities and the curated
neighbourhoods and campuses), then fills it with N venues and N in-person
study groups (default 1,000,000 each) across Latin America and Spain, named
like real ones ("Biblioteca Pública Bolívar 4711", "Club de Python Chapinero
982", address "Calle 45 # 12-7"), a few of them the ones the queries look for.
The big tables' indexes are dropped for the load and built again after it, as
a bulk load would. Then, for each query, with and without a map view near
Bogotá, it times (median of the rounds, after one warm-up):

  - search_places: the whole call (build the SQL, run it, rank, label);
  - raw SQL: only running the one statement search_places runs
    (places.sources.candidates_sql) and fetching its rows.

Django's query log is off (as in production). Prints how long the load took,
the table, and the match and first place of each query; drops the scratch
database unless --keep.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

QUERIES = [
    "Biblioteca Luis Ángel Arango",  # a venue, by its exact name
    "luis angel arango",  # the same, by words of it
    "Bibliotca Luis Angel",  # a typo
    "Biblioteca",  # a word a fifth of the venues start with
    "Club de Python",  # a start shared by a tenth of the groups
    "Semillero de Astronomía Quebradanegra",  # one group, by name
    "Calle 45 # 12-7",  # addresses of a thousand groups start so
    "Chapinero",  # a curated neighbourhood
    "Universidad Nacional",  # campuses
    "Medellin",  # a city
    "Cordoba",  # namesakes
    "asdfgh",  # nothing
]
KINDS = ["Biblioteca", "Biblioteca Pública", "Centro Cultural", "Café", "Coworking",
         "Universidad", "Casa de la Cultura", "Auditorio", "Salón Comunal", "Parque"]
NAMES = ["Bolívar", "Santander", "Nariño", "Caldas", "Sucre", "Mutis", "Gaitán", "Uribe",
         "Restrepo", "Mejía", "Torres", "Mistral", "Neruda", "Darío", "Martí", "Juárez",
         "Sarmiento", "Belgrano", "O'Higgins", "Artigas", "Morazán", "Hidalgo"]
TOPICS = ["Python", "Cálculo", "Historia", "Inglés", "Derecho", "Química", "Economía",
          "Física", "Filosofía", "Estadística"]
PLACES = ["Centro", "Norte", "Sur", "Chapinero", "Usaquén", "Laureles", "Poblado", "Roma",
          "Palermo", "Miraflores"]
BOGOTA = (-74.07, 4.65)


def big_table_indexes(cursor, table):
    """{name: CREATE INDEX statement} of the table's indexes but its primary key."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes AS i
        JOIN pg_class AS c ON c.relname = i.indexname
        JOIN pg_index AS x ON x.indexrelid = c.oid
        WHERE i.tablename = %s AND NOT x.indisprimary AND NOT x.indisunique
        """,
        [table],
    )
    return dict(cursor.fetchall())


def fill(connection, rows):
    """Insert the venues and groups in SQL, with the big tables' indexes built after."""
    timings = {}
    with connection.cursor() as cursor:
        indexes = {}
        for table in ("meetups_venue", "studygroups_studygroup"):
            indexes[table] = big_table_indexes(cursor, table)
            for name in indexes[table]:
                cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SELECT setseed(0.2026)")
        start = time.perf_counter()
        cursor.execute(
            """
            INSERT INTO meetups_venue (name, address, city, location, capacity, created_at,
                                       updated_at)
            SELECT kinds[1 + floor(random() * array_length(kinds, 1))::int] || ' '
                   || names[1 + floor(random() * array_length(names, 1))::int] || ' ' || i,
                   'Calle ' || (i %% 97) || ' # ' || (i %% 41) || '-' || (i %% 13),
                   'Ciudad ' || (i %% 250),
                   ST_SetSRID(ST_MakePoint(-110 + 75 * random(), -55 + 85 * random()), 4326),
                   10 + i %% 190, now(), now()
            FROM generate_series(1, %s) AS i, (SELECT %s::text[] AS kinds, %s::text[] AS names) AS w
            """,
            [rows - 1, KINDS, NAMES],
        )
        cursor.execute(
            """
            INSERT INTO meetups_venue (name, address, city, location, capacity, created_at,
                                       updated_at)
            VALUES ('Biblioteca Luis Ángel Arango', 'Calle 11 #4-14, La Candelaria', 'Bogotá',
                    ST_SetSRID(ST_MakePoint(-74.0729, 4.5971), 4326), 150, now(), now())
            """
        )
        timings["venues"] = time.perf_counter() - start
        start = time.perf_counter()
        cursor.execute(
            """
            INSERT INTO studygroups_studygroup (
                name, slug, description, language, is_online, location, city, address,
                capacity, created_at, updated_at
            )
            SELECT prefixes[1 + floor(random() * 3)::int] || ' '
                   || topics[1 + floor(random() * array_length(topics, 1))::int] || ' '
                   || places[1 + floor(random() * array_length(places, 1))::int] || ' ' || i,
                   'bench-place-' || i, '', 'es', false,
                   ST_SetSRID(ST_MakePoint(-110 + 75 * random(), -55 + 85 * random()),
                              4326)::geography,
                   'Ciudad ' || (i %% 250),
                   'Calle ' || (i %% 97) || ' # ' || (i %% 41) || '-' || (i %% 13),
                   20, now(), now()
            FROM generate_series(1, %s) AS i,
                 (SELECT ARRAY['Club de', 'Círculo de', 'Grupo de'] AS prefixes,
                         %s::text[] AS topics, %s::text[] AS places) AS w
            """,
            [rows - 1, TOPICS, PLACES],
        )
        cursor.execute(
            """
            INSERT INTO studygroups_studygroup (
                name, slug, description, language, is_online, location, city, address,
                capacity, created_at, updated_at
            )
            VALUES ('Semillero de Astronomía Quebradanegra', 'bench-place-needle', '', 'es',
                    false, ST_SetSRID(ST_MakePoint(-74.06, 4.70), 4326)::geography, 'Bogotá',
                    'Carrera 77 # 140-55', 20, now(), now())
            """
        )
        timings["groups"] = time.perf_counter() - start
        start = time.perf_counter()
        for table, statements in indexes.items():
            for statement in statements.values():
                cursor.execute(statement)
        cursor.execute("ANALYZE meetups_venue, studygroups_studygroup")
        timings["indexes"] = time.perf_counter() - start
    return timings


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="time a kept scratch database")
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoconfig.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.gis.geos import Point
    from django.db import connection

    from places.gazetteer import EXTRA_CANDIDATES, search_places
    from places.sources import candidates_sql, run_candidates_sql

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "cerca_bench_places"
    original_name = connection.settings_dict["NAME"]
    start = time.perf_counter()
    if args.reuse:
        connection.close()
        connection.settings_dict["NAME"] = "cerca_bench_places"
    else:
        connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False, keepdb=False
        )
    migrate_s = time.perf_counter() - start
    settings.DEBUG = False
    views = {"no view": None, "near Bogotá": Point(*BOGOTA, srid=4326)}
    results = []
    try:
        load = None if args.reuse else fill(connection, args.rows)
        for text in QUERIES:
            for view_label, near in views.items():
                head = text.split(",")[0]
                sql, params = candidates_sql(head, near, 8 + EXTRA_CANDIDATES)
                result = search_places(text, near=near)  # warm-up
                run_candidates_sql(sql, params)
                ours, raw = [], []
                for _ in range(args.rounds):
                    start = time.perf_counter()
                    result = search_places(text, near=near)
                    ours.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    run_candidates_sql(sql, params)
                    raw.append(time.perf_counter() - start)
                first = result.places[0].label if result.places else "-"
                results.append(
                    (text, view_label, statistics.median(ours), statistics.median(raw),
                     result.match, first)
                )
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM meetups_venue")
            (venues,) = cursor.fetchone()
            cursor.execute("SELECT count(*) FROM studygroups_studygroup")
            (groups,) = cursor.fetchone()
    finally:
        if args.keep or args.reuse:
            print(f"Kept the scratch database {connection.settings_dict['NAME']}.")
        else:
            connection.creation.destroy_test_db(original_name, verbosity=0)

    built = (
        "a kept database"
        if load is None
        else f"migrated in {migrate_s:.0f} s, venues inserted in {load['venues']:.0f} s, groups "
        f"in {load['groups']:.0f} s, their indexes built and analyzed in {load['indexes']:.0f} s"
    )
    print(
        f"Place search over {venues:,} venues and {groups:,} study groups (and the gazetteer); "
        f"{built}; median of {args.rounds} rounds after one warm-up"
    )
    print(
        f"  {'text':<38} {'view':<12} {'search_places':>13} {'raw SQL':>9}  "
        f"{'match':<6} first place"
    )
    for text, view_label, ours_s, raw_s, match, first in results:
        print(
            f"  {text:<38} {view_label:<12} {1000 * ours_s:>10.1f} ms {1000 * raw_s:>6.1f} ms  "
            f"{match:<6} {first}"
        )


if __name__ == "__main__":
    main()
