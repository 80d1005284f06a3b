"""search() runs on its GIN indexes once the tables are big.

100,000 study groups, events and venues each, inserted with generate_series
and analyzed. The planner picks each index on its own (no ``enable_seqscan``
tricks): the full text on the ``search_vector`` GIN index and the typo match
on the trigram GIN index of the folded name, together (a BitmapOr), for ``q``
alone and with ``near``, ordered as the API orders a search (places/api.py,
``FeatureQuery.queryset``); a venue's LIKEs on its three trigram indexes. The
rows found are checked against the generated names and pyproj geodesics.
"""

import json

import pytest
from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from pyproj import Geod

from meetups.models import Event, Venue
from studygroups.models import StudyGroup

pytestmark = pytest.mark.django_db

ROWS = 100_000
BOGOTA = Point(-74.0721, 4.7110, srid=4326)
NEAR_RADIUS_M = 300_000
GEOD = Geod(ellps="WGS84")
# Ids far above any fixture's: other test runs sharing this database may
# commit rows with explicit ids, which the identity sequence then hands out.
FIRST_ID = 2_000_000_000
# Forty topics, as a real site's names repeat them: a word in a name is
# common (a fortieth of the rows), which is what makes ranking costly.
TOPICS = [
    "Python", "Matemáticas", "Cálculo", "Álgebra lineal", "Física", "Química",
    "Programación", "JavaScript", "Historia", "Filosofía", "Inglés", "Francés",
    "Alemán", "Estadística", "Machine Learning", "Ciencia de datos", "Rust",
    "Biología", "Economía", "Literatura", "Poesía", "Ajedrez", "Música",
    "Guitarra", "Dibujo", "Fotografía", "Cocina", "Yoga", "Meditación",
    "Calculus", "Linear Algebra", "Physics", "Chemistry", "History",
    "Philosophy", "Statistics", "Spanish conversation", "Creative writing",
    "Astronomy", "Electrónica",
]

# Row n is named "<topic n % 40> <n>" and lies at a pseudo-random point
# (multiplicative hashing of n, independent of the topic) in a 12° x 16° box
# around Colombia; a search near Bogotá within NEAR_RADIUS_M then keeps about
# a tenth of the rows, more than a word does, so the text indexes lead.
ROWS_SQL = """
    SELECT n, (%(topics)s::text[])[1 + n %% 40] || ' ' || n AS name,
        ST_SetSRID(ST_MakePoint(
            -79 + 12 * ((n * 2654435761) %% 1000003) / 1000003.0,
            -4 + 16 * ((n * 40503) %% 999983) / 999983.0
        ), 4326)::geography AS location
    FROM generate_series(1::bigint, %(rows)s) AS n
"""

INSERT_GROUPS = f"""
    INSERT INTO studygroups_studygroup (
        id, name, slug, description, language, is_online, location,
        city, address, capacity, created_at, updated_at
    )
    SELECT %(first_id)s + n, name, 'search-plan-' || n,
        '', CASE WHEN n %% 3 = 0 THEN 'en' ELSE 'es' END,
        false, location, '', '', 20, now(), now()
    FROM ({ROWS_SQL}) AS r
"""

# Two events in three are upcoming (the API's default), one in eleven cancelled.
INSERT_EVENTS = f"""
    INSERT INTO meetups_event (
        id, title, description, location, online_url, during, time_zone,
        capacity, status, created_at, updated_at
    )
    SELECT %(first_id)s + n, name, '', location, '',
        tstzrange(starts, starts + interval '2 hours', '[)'),
        'UTC', 30, CASE WHEN n %% 11 = 0 THEN 'cancelled' ELSE 'scheduled' END,
        now(), now()
    FROM ({ROWS_SQL}) AS r,
        LATERAL (SELECT now() + (CASE WHEN n %% 3 = 0 THEN -1 ELSE 1 END)
            * (1 + n %% 300) * interval '1 day' AS starts) AS s
"""

# Venues: "Casa de <topic> <n>", one of CITIES, an address with numbers.
CITIES = ["Bogotá", "Medellín", "Cali", "Barranquilla", "Cartagena", "Bucaramanga",
          "Pereira", "Manizales", "Ibagué", "Santa Marta", "Cúcuta", "Villavicencio",
          "Pasto", "Montería", "Neiva", "Armenia", "Popayán", "Sincelejo", "Valledupar", "Tunja"]
INSERT_VENUES = f"""
    INSERT INTO meetups_venue (
        id, name, address, city, location, capacity, created_at, updated_at
    )
    SELECT %(first_id)s + n, 'Casa de ' || name,
        'Calle ' || n %% 200 || ' #' || n %% 97 || '-' || n %% 53,
        (%(cities)s::text[])[1 + n %% 20], location, 50, now(), now()
    FROM ({ROWS_SQL}) AS r
"""


@pytest.fixture(scope="module")
def big_tables(django_db_setup, django_db_blocker):
    """100,000 groups, events and venues in a transaction around the module, rolled
    back after it; tests nest in it as savepoints.

    It locks both tables up front, in one statement, in the mode ANALYZE
    takes, as places/tests/test_query_plans.py does: other test runs may share
    this database.
    """
    params = {"topics": TOPICS, "rows": ROWS, "first_id": FIRST_ID, "cities": CITIES}
    with django_db_blocker.unblock():
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "LOCK TABLE studygroups_studygroup, meetups_event, meetups_venue"
                    " IN SHARE UPDATE EXCLUSIVE MODE"
                )
                cursor.execute(INSERT_GROUPS, params)
                cursor.execute(INSERT_EVENTS, params)
                cursor.execute(INSERT_VENUES, params)
                cursor.execute(
                    "ANALYZE studygroups_studygroup, studygroups_nameword, meetups_event,"
                    " meetups_venue"
                )
            yield
            transaction.set_rollback(True)


def plan_of(queryset):
    """The EXPLAIN (FORMAT JSON) plan of the queryset's SQL, as a list of nodes."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    nodes = []

    def walk(node):
        nodes.append(node)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return nodes


def assert_on_indexes(queryset, table, indexes):
    nodes = plan_of(queryset)
    scanned = {node["Index Name"] for node in nodes if node["Node Type"] == "Bitmap Index Scan"}
    assert set(indexes) <= scanned, json.dumps(nodes, indent=1)[:4000]
    assert not [n for n in nodes if n["Node Type"] == "Seq Scan" and n["Relation Name"] == table]
    # Both halves of the match are in one BitmapOr, not one index and a filter.
    assert any(node["Node Type"] == "BitmapOr" for node in nodes)


def ranked(queryset, near=None):
    """The queryset in the API's order for a search (places/api.py)."""
    if near is None:
        return queryset.order_by("-search_rank", "pk")[:100]
    return queryset.near(near, NEAR_RADIUS_M).order_by(
        (F("search_rank") / (1 + F("distance_m") / 1000)).desc(), "pk"
    )[:100]


def generated(topic_word, near=False):
    """Ids of the generated rows whose topic contains ``topic_word`` (and,
    with near, that lie within NEAR_RADIUS_M of Bogotá by pyproj's geodesic)."""
    ids = set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n, name, ST_X(location::geometry), ST_Y(location::geometry)"
            f" FROM ({ROWS_SQL}) AS r",
            {"topics": TOPICS, "rows": ROWS},
        )
        for n, name, lon, lat in cursor.fetchall():
            if topic_word not in name.split(" ")[0].lower():
                continue
            if near and GEOD.inv(BOGOTA.x, BOGOTA.y, lon, lat)[2] > NEAR_RADIUS_M:
                continue
            ids.add(FIRST_ID + n)
    return ids


@pytest.mark.parametrize("text", ["python", "pyton", "matematicas"])
def test_group_search_runs_on_both_gin_indexes(big_tables, text):
    queryset = ranked(StudyGroup.objects.search(text))
    assert_on_indexes(
        queryset, "studygroups_studygroup", ["studygroup_search_idx", "studygroup_name_trgm"]
    )


def test_a_one_word_page_reads_the_name_words_not_every_match(big_tables):
    """q=python matches 2,500 groups by name: the page's 101 rows are the first
    of the name words' primary key, and only they are ranked (no GIN scan);
    they are the first 100 of every match ranked, and nothing is counted."""
    from django.http import QueryDict

    from places.api import FeatureQuery
    from studygroups.api import StudyGroupKind
    from studygroups.models import NameWord

    kind = StudyGroupKind()
    query = FeatureQuery(kind, QueryDict("q=python&limit=100"))
    first = kind.first_matches({"q": "python"}, 101)
    words = NameWord.objects.filter(lexeme="python").order_by("neg_rank", "name", "study_group")
    read = {node.get("Index Name") for node in plan_of(words[:101])}
    assert "studygroups_nameword_pkey" in read
    nodes = plan_of(query.rows(among=first))
    scanned = {node.get("Index Name") for node in nodes}
    assert not scanned & {"studygroup_search_idx", "studygroup_name_trgm"}, scanned
    assert not [n for n in nodes if n["Node Type"] == "Seq Scan"
                and n["Relation Name"] == "studygroups_studygroup"]

    features, _bbox, matched, cursor = query.page()
    every_match = StudyGroup.objects.search("python").order_by("-search_rank", "name", "pk")
    assert [json.loads(text)["id"] for text in features] == list(
        every_match.values_list("pk", flat=True)[:100]
    )
    assert matched is None and cursor
    assert len(generated("python")) == 2_500


@pytest.mark.parametrize("text", ["python", "pyton", "matematicas"])
def test_group_search_near_runs_on_both_gin_indexes(big_tables, text):
    queryset = ranked(StudyGroup.objects.search(text), near=BOGOTA)
    assert_on_indexes(
        queryset, "studygroups_studygroup", ["studygroup_search_idx", "studygroup_name_trgm"]
    )


@pytest.mark.parametrize("text", ["python", "pyton", "matematicas"])
def test_event_search_runs_on_both_gin_indexes(big_tables, text):
    upcoming = Event.objects.filter(status="scheduled").between(timezone.now(), None)
    for queryset in (ranked(upcoming.search(text)), ranked(upcoming.search(text), BOGOTA)):
        assert_on_indexes(queryset, "meetups_event", ["event_search_idx", "event_title_trgm"])


# Texts a few hundred venues have, and a city a twentieth of them are in and
# that sorts last: ranked, the list sorts its matches found on the indexes
# rather than walk the (city, name, id) order until the LIMIT is met (which
# read every other city first, 0.4 s here for "Tunja").
@pytest.mark.parametrize("text", ["rust 4242", "calle 12 #", "tunja"])
def test_venue_search_runs_on_the_trigram_indexes(big_tables, text):
    for near in (None, BOGOTA):
        queryset = Venue.objects.search(text)
        if near:
            queryset = queryset.near(near, NEAR_RADIUS_M)
        page = queryset.order_by("-search_rank", "city", "name", "pk")[:100]
        assert_on_indexes(
            page, "meetups_venue", ["venue_name_trgm", "venue_address_trgm", "venue_city_trgm"]
        )
        assert "venue_city_name_id_idx" not in {node.get("Index Name") for node in plan_of(page)}


def test_a_typo_finds_every_generated_python_group_through_the_index(big_tables):
    # The threshold is set inside the statement, so the index scan and its
    # recheck both forgive "pyton" (pg_trgm's own 0.6 would find nothing).
    found = set(
        StudyGroup.objects.filter(pk__gte=FIRST_ID).search("pyton").values_list("pk", flat=True)
    )
    assert found == generated("python")


def test_near_finds_the_generated_groups_within_the_radius(big_tables):
    found = set(
        StudyGroup.objects.filter(pk__gte=FIRST_ID)
        .search("matematicas")
        .near(BOGOTA, NEAR_RADIUS_M)
        .values_list("pk", flat=True)
    )
    expected = generated("matem", near=True)
    assert expected and found == expected
