"""The place search's venue and meeting-area sources run on their indexes and stop early.

EXPLAIN on 50,000 venues and 50,000 in-person study groups with names and
addresses like real ones ("Biblioteca Pública Bolívar 1234", "Club de Python
Centro 987", "Calle 45 # 12-7"), with fresh statistics. The planner must pick
the indexes on its own (no ``enable_seqscan`` tricks) for the texts people
type, common words included; every read of the big table must stop at its
LIMIT (EXPLAIN ANALYZE's actual rows); and the search must still find the one
row that is named so.
"""

import json
import random

import pytest
from django.contrib.gis.geos import Point
from django.db import connection, transaction

from places.sources import EXACT_CAP, MATCH_CAP, scored_sql

pytestmark = pytest.mark.django_db

ROWS = 50_000
FIRST_ID = 1_000_000_000  # far above any fixture's (see test_query_plans.py)
BOGOTA = Point(-74.07, 4.65, srid=4326)
KINDS = ["Biblioteca", "Biblioteca Pública", "Centro Cultural", "Café", "Coworking",
         "Universidad", "Casa de la Cultura", "Auditorio", "Salón Comunal", "Parque"]
NAMES = ["Bolívar", "Santander", "Nariño", "Caldas", "Sucre", "Mutis", "Gaitán", "Uribe",
         "Restrepo", "Mejía", "Torres", "Mistral", "Neruda", "Darío", "Martí", "Juárez"]
TOPICS = ["Python", "Cálculo", "Historia", "Inglés", "Derecho", "Química", "Economía"]
PLACES = ["Centro", "Norte", "Sur", "Chapinero", "Usaquén", "Laureles", "Poblado", "Roma"]

INSERT_VENUES = """
    INSERT INTO meetups_venue (id, name, address, city, location, capacity, created_at,
                               updated_at)
    SELECT %(first_id)s + n, name, '', 'Ciudad', ST_SetSRID(ST_MakePoint(lon, lat), 4326),
           50, now(), now()
    FROM unnest(%(names)s::text[], %(lons)s::float8[], %(lats)s::float8[])
        WITH ORDINALITY AS t(name, lon, lat, n)
"""

INSERT_GROUPS = """
    INSERT INTO studygroups_studygroup (
        id, name, slug, description, language, is_online, location, city, address, capacity,
        created_at, updated_at
    )
    SELECT %(first_id)s + n, name, 'place-plan-' || n, '', 'es', false,
           ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography, 'Ciudad', address, 20,
           now(), now()
    FROM unnest(%(names)s::text[], %(addresses)s::text[], %(lons)s::float8[],
                %(lats)s::float8[]) WITH ORDINALITY AS t(name, address, lon, lat, n)
"""


@pytest.fixture(scope="module")
def big_tables(django_db_setup, django_db_blocker):
    """50,000 venues and 50,000 groups in a transaction rolled back after the module.

    The last of each is the one the tests look for. Both tables are locked up
    front in ANALYZE's mode, as in test_query_plans.py, so that another run
    sharing the database cannot deadlock with this one.
    """
    rng = random.Random(2026)

    def point():
        return rng.uniform(-110, -35), rng.uniform(-55, 30)

    venues = [f"{rng.choice(KINDS)} {rng.choice(NAMES)} {i}" for i in range(ROWS - 1)]
    venues.append("Biblioteca Zuleta Ferreira")
    groups = [
        f"{rng.choice(['Club de', 'Círculo de', 'Grupo de'])} {rng.choice(TOPICS)} "
        f"{rng.choice(PLACES)} {i}"
        for i in range(ROWS - 1)
    ]
    groups.append("Semillero de Astronomía Quebradanegra")
    addresses = [f"Calle {i % 97} # {i % 41}-{i % 13}" for i in range(ROWS - 1)]
    addresses.append("Carrera 77 # 140-55 Suba Compartir")
    with django_db_blocker.unblock():
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "LOCK TABLE studygroups_studygroup, meetups_venue"
                    " IN SHARE UPDATE EXCLUSIVE MODE"
                )
                lons, lats = zip(*(point() for _ in range(ROWS)))
                cursor.execute(
                    INSERT_VENUES,
                    {"first_id": FIRST_ID, "names": venues, "lons": list(lons),
                     "lats": list(lats)},
                )
                lons, lats = zip(*(point() for _ in range(ROWS)))
                cursor.execute(
                    INSERT_GROUPS,
                    {"first_id": FIRST_ID, "names": groups, "addresses": addresses,
                     "lons": list(lons), "lats": list(lats)},
                )
                cursor.execute("ANALYZE meetups_venue, studygroups_studygroup")
            yield
            transaction.set_rollback(True)


def plan_nodes(source, text, analyze=False):
    """The plan of the named source's scored candidates for ``text`` near Bogotá."""
    sql, params = scored_sql(source, text, BOGOTA, 12)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE {analyze}, FORMAT JSON) " + sql, params)
        (explained,) = cursor.fetchone()[0]
    pending, nodes = [explained["Plan"]], []
    while pending:
        node = pending.pop()
        nodes.append(node)
        pending.extend(node.get("Plans", []))
    return nodes


def index_scans(nodes, index_name):
    return [node for node in nodes if node.get("Index Name") == index_name]


def seq_scans(nodes, table):
    return [
        node for node in nodes
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") == table
    ]


def found(source, text):
    sql, params = scored_sql(source, text, BOGOTA, 12)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


@pytest.mark.parametrize(
    "text", ["Biblioteca Zuleta Ferreira", "zuleta", "Biblioteca Pública", "Centro Cultural Mutis"]
)
def test_venues_are_found_on_the_venue_name_indexes(big_tables, text):
    nodes = plan_nodes("venue", text)
    assert index_scans(nodes, "venue_name_folded")
    assert index_scans(nodes, "venue_name_words")
    assert not seq_scans(nodes, "meetups_venue")


def test_a_common_word_reads_only_limited_rows_of_the_venues(big_tables):
    # A fifth of the 50,000 venues are a "Biblioteca ..."; each read stops at its LIMIT.
    nodes = plan_nodes("venue", "Biblioteca", analyze=True)
    reads = [node for node in nodes if node.get("Relation Name") == "meetups_venue"]
    assert reads
    assert all(node["Actual Rows"] <= max(EXACT_CAP, MATCH_CAP) for node in reads)
    assert not seq_scans(nodes, "meetups_venue")


def test_the_venue_named_so_is_found_first_among_50000(big_tables):
    rows = found("venue", "biblioteca zuleta ferreira")
    assert rows[0]["name"] == "Biblioteca Zuleta Ferreira"
    assert rows[0]["clear"]


@pytest.mark.parametrize(
    "text", ["Semillero de Astronomía Quebradanegra", "quebradanegra", "Club de Python Centro"]
)
def test_meeting_areas_are_found_on_the_group_name_indexes(big_tables, text):
    nodes = plan_nodes("meeting_area", text)
    assert index_scans(nodes, "studygroup_name_folded")
    assert index_scans(nodes, "studygroup_name_words")
    assert not seq_scans(nodes, "studygroups_studygroup")


def test_meeting_areas_are_found_on_the_group_address_index(big_tables):
    nodes = plan_nodes("meeting_area", "Carrera 77 # 140-55")
    assert index_scans(nodes, "studygroup_address_folded")
    assert index_scans(nodes, "studygroup_name_words")
    assert not seq_scans(nodes, "studygroups_studygroup")


def test_a_common_word_reads_only_limited_rows_of_the_groups(big_tables):
    nodes = plan_nodes("meeting_area", "Club de Python", analyze=True)
    reads = [node for node in nodes if node.get("Relation Name") == "studygroups_studygroup"]
    assert reads
    assert all(node["Actual Rows"] <= max(EXACT_CAP, MATCH_CAP) for node in reads)
    assert not seq_scans(nodes, "studygroups_studygroup")


def test_the_group_named_so_is_found_first_among_50000(big_tables):
    rows = found("meeting_area", "Semillero de Astronomía Quebradanegra")
    assert (rows[0]["name"], rows[0]["kind"]) == (
        "Semillero de Astronomía Quebradanegra",
        "meeting_area",
    )


def test_the_group_at_an_address_is_found_among_50000(big_tables):
    rows = found("meeting_area", "carrera 77 # 140-55 suba")
    assert rows[0]["name"] == "Semillero de Astronomía Quebradanegra"


def test_a_common_word_is_answered_within_the_limit(big_tables):
    rows = found("venue", "Biblioteca")
    assert len(rows) == 12
    assert json.dumps([row["key"] for row in rows])  # plain ids, ready for GeoJSON
