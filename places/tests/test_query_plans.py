"""The spatial and time lookups run on their indexes once the tables are big.

EXPLAIN on 50,000 study groups spread over the world and 50,000 events spread
over five years, with fresh statistics. The planner must pick each index on its
own (no ``enable_seqscan`` tricks), and the rows the plan finds must match a
brute-force check in Python, with pyproj geodesics for distances.
"""

import datetime
import json
import random
from urllib.parse import urlencode

import pytest
from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pyproj import Geod, Transformer

from meetups.api import EventKind
from meetups.models import Event
from places.api import FeatureQuery
from places.ogc import OgcFeatureQuery, time_extent
from places.paging import encode_cursor
from studygroups.api import StudyGroupKind
from studygroups.models import StudyGroup

pytestmark = pytest.mark.django_db

ROWS = 50_000
BOGOTA = (-74.07, 4.65)  # (lon, lat)
# Half the side of each group's square meeting area, in degrees (about 1 km).
AREA_HALF_SIDE = 0.01
GEOD = Geod(ellps="WGS84")
TO_MERCATOR = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
# Ids far above any fixture's: other test runs sharing this database may
# commit rows with explicit ids, which the identity sequence then hands out.
FIRST_ID = 1_000_000_000

INSERT_GROUPS = """
    INSERT INTO studygroups_studygroup (
        id, name, slug, description, language, is_online, location, meeting_area,
        city, address, capacity, created_at, updated_at
    )
    SELECT
        %(first_id)s + n, slug, slug, '', 'es', false,
        ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography,
        ST_MakeEnvelope(
            greatest(lon - %(half)s, -180), lat - %(half)s,
            least(lon + %(half)s, 180), lat + %(half)s,
            4326
        )::geography,
        '', '', 20, now(), now()
    FROM unnest(%(slugs)s::text[], %(lons)s::float8[], %(lats)s::float8[])
        WITH ORDINALITY AS t(slug, lon, lat, n)
"""

INSERT_EVENTS = """
    INSERT INTO meetups_event (
        id, title, description, online_url, during, time_zone, capacity, status,
        created_at, updated_at
    )
    SELECT
        %(first_id)s + n, title, '', 'https://meet.example.org/' || title,
        tstzrange(starts, ends, '[)'), 'UTC', 30, status, now(), now()
    FROM unnest(
        %(titles)s::text[], %(starts)s::timestamptz[], %(ends)s::timestamptz[],
        %(statuses)s::text[]
    ) WITH ORDINALITY AS t(title, starts, ends, status, n)
"""


@pytest.fixture(scope="module")
def big_tables(django_db_setup, django_db_blocker):
    """A transaction around the module, rolled back after it; tests nest in it as savepoints.

    It locks both tables up front, in one statement, in the mode ANALYZE
    takes: other test runs may share this database, and a TRUNCATE there
    taking the tables in the other order would otherwise deadlock with us.
    """
    with django_db_blocker.unblock():
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "LOCK TABLE studygroups_studygroup, meetups_event"
                    " IN SHARE UPDATE EXCLUSIVE MODE"
                )
            yield
            transaction.set_rollback(True)


@pytest.fixture(scope="module")
def study_groups(big_tables, django_db_blocker):
    """ROWS in-person groups, analyzed: {slug: (lon, lat)}.

    One group in 50 meets within 0.1° of Bogotá, so that small searches there
    find something; the rest are anywhere between 80°S and 80°N. Each has a
    square meeting area around its location.
    """
    rng = random.Random(2026)
    places = {}
    for i in range(ROWS):
        if i % 50 == 0:
            lon, lat = BOGOTA[0] + rng.uniform(-0.1, 0.1), BOGOTA[1] + rng.uniform(-0.1, 0.1)
        else:
            lon, lat = rng.uniform(-180, 180), rng.uniform(-80, 80)
        places[f"query-plan-{i}"] = (lon, lat)
    lons, lats = (list(values) for values in zip(*places.values()))
    columns = {
        "first_id": FIRST_ID,
        "slugs": list(places),
        "lons": lons,
        "lats": lats,
        "half": AREA_HALF_SIDE,
    }
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(INSERT_GROUPS, columns)
        cursor.execute("ANALYZE studygroups_studygroup")
    return places


@pytest.fixture(scope="module")
def events(big_tables, django_db_blocker):
    """ROWS online events, analyzed: {title: (start, end, status)}.

    They start in the last five years or the next two months, like a real
    site's history, and one in ten is cancelled.
    """
    rng = random.Random(2026)
    anchor = timezone.now()
    schedule = {}
    for i in range(ROWS):
        start = anchor + datetime.timedelta(minutes=rng.randrange(-5 * 365 * 1440, 60 * 1440))
        end = start + datetime.timedelta(minutes=rng.choice([60, 90, 120, 180]))
        status = "cancelled" if rng.random() < 0.1 else "scheduled"
        schedule[f"query-plan-{i}"] = (start, end, status)
    starts, ends, statuses = (list(values) for values in zip(*schedule.values()))
    columns = {
        "first_id": FIRST_ID,
        "titles": list(schedule),
        "starts": starts,
        "ends": ends,
        "statuses": statuses,
    }
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(INSERT_EVENTS, columns)
        cursor.execute("ANALYZE meetups_event")
    return schedule


def plan_nodes(queryset, subplans=True):
    """Every node of the queryset's EXPLAIN plan; with ``subplans=False``, only
    those of the query itself, not of the subqueries that build each row's
    properties (member counts, topics) or bounds."""
    (explained,) = json.loads(queryset.explain(format="json"))
    pending = [explained["Plan"]]
    nodes = []
    while pending:
        node = pending.pop()
        nodes.append(node)
        pending.extend(
            child
            for child in node.get("Plans", [])
            if subplans or child.get("Parent Relationship") not in {"SubPlan", "InitPlan"}
        )
    return nodes


def node_types(nodes):
    return {node["Node Type"] for node in nodes}


def scans_on(nodes, index_name):
    """The plan's Index Scan, Index Only Scan and Bitmap Index Scan nodes on ``index_name``."""
    return [node for node in nodes if node.get("Index Name") == index_name]


def gist_index_on(model, column):
    """The name Django gave the GiST index it creates on a spatial ``column``."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    (name,) = [
        name
        for name, constraint in constraints.items()
        if constraint["index"]
        and constraint["type"] == "gist"
        and constraint["columns"] == [column]
    ]
    return name


def in_box(places, west, south, east, north):
    """The slugs of ``places`` in the lon/lat box, edges included; west > east crosses 180°."""
    return {
        slug
        for slug, (lon, lat) in places.items()
        if south <= lat <= north
        and (west <= lon <= east if west <= east else lon >= west or lon <= east)
    }


def test_near_walks_the_location_gist_index_in_knn_order(study_groups):
    near = StudyGroup.objects.near(Point(*BOGOTA, srid=4326), radius_m=5_000)

    nodes = plan_nodes(near)
    (scan,) = scans_on(nodes, gist_index_on(StudyGroup, "location"))
    assert scan["Node Type"] == "Index Scan"
    assert "<->" in scan["Order By"]
    assert not {"Seq Scan", "Sort"} & node_types(nodes)

    slugs = list(study_groups)
    lons, lats = zip(*study_groups.values())
    _, _, distances_m = GEOD.inv([BOGOTA[0]] * ROWS, [BOGOTA[1]] * ROWS, lons, lats)
    within = {slug: d for slug, d in zip(slugs, distances_m) if d <= 5_000}
    assert len(within) > 100
    assert dict(near.values_list("slug", "distance_m")) == pytest.approx(within, abs=0.001)


def test_in_bbox_uses_the_location_geometry_index(study_groups):
    west, south, east, north = -74.1, 4.6, -74.0, 4.7
    in_bbox = StudyGroup.objects.in_bbox(west, south, east, north)

    nodes = plan_nodes(in_bbox)
    assert scans_on(nodes, "studygroup_location_geom_idx")
    assert "Seq Scan" not in node_types(nodes)

    found = set(in_bbox.values_list("slug", flat=True))
    inside = in_box(study_groups, west, south, east, north)
    assert len(inside) > 100
    assert found == inside


def test_in_bbox_across_the_antimeridian_uses_the_index_on_each_side(study_groups):
    west, south, east, north = 170, -20, -170, 20
    in_bbox = StudyGroup.objects.in_bbox(west, south, east, north)

    nodes = plan_nodes(in_bbox)
    assert len(scans_on(nodes, "studygroup_location_geom_idx")) == 2
    assert "Seq Scan" not in node_types(nodes)

    found = set(in_bbox.values_list("slug", flat=True))
    inside = in_box(study_groups, west, south, east, north)
    assert any(study_groups[slug][0] > 0 for slug in inside)
    assert any(study_groups[slug][0] < 0 for slug in inside)
    assert found == inside


def test_in_bbox_in_web_mercator_transforms_the_box_and_keeps_the_index(study_groups):
    west, south, east, north = -74.1, 4.6, -74.0, 4.7
    (x1, x2), (y1, y2) = TO_MERCATOR.transform([west, east], [south, north])
    in_bbox = StudyGroup.objects.in_bbox(x1, y1, x2, y2, srid=3857)

    nodes = plan_nodes(in_bbox)
    assert scans_on(nodes, "studygroup_location_geom_idx")
    assert "Seq Scan" not in node_types(nodes)

    inside = in_box(study_groups, west, south, east, north)
    assert len(inside) > 100
    assert set(in_bbox.values_list("slug", flat=True)) == inside


def test_ogc_items_in_3857_with_a_3857_bbox_stay_on_the_index(study_groups):
    west, south, east, north = 170, -20, -170, 20
    (x1, x2), (y1, y2) = TO_MERCATOR.transform([west, east], [south, north])
    mercator = "http://www.opengis.net/def/crs/EPSG/0/3857"
    query = OgcFeatureQuery(
        StudyGroupKind(),
        QueryDict(urlencode({"bbox": f"{x1!r},{y1!r},{x2!r},{y2!r}", "bbox-crs": mercator,
                             "crs": mercator, "limit": 10_000})),
    )

    nodes = plan_nodes(query.rows(), subplans=False)
    assert len(scans_on(nodes, "studygroup_location_geom_idx")) == 2
    assert "Seq Scan" not in node_types(nodes)

    features, _bbox, matched, _next = query.page()
    found = {json.loads(text)["id"] - FIRST_ID for text in features}
    inside = in_box(study_groups, west, south, east, north)
    assert {int(slug.rsplit("-", 1)[1]) + 1 for slug in inside} == found
    assert matched == len(inside)


def test_covering_uses_the_meeting_area_gist_index(study_groups):
    covering = StudyGroup.objects.covering(Point(*BOGOTA, srid=4326))

    nodes = plan_nodes(covering)
    assert scans_on(nodes, gist_index_on(StudyGroup, "meeting_area"))
    assert "Seq Scan" not in node_types(nodes)

    # Margins from BOGOTA to the square's edges; the geography edges are great
    # circles, so a point within a metre of one could fall either side of it.
    margins = {
        slug: AREA_HALF_SIDE - max(abs(lon - BOGOTA[0]), abs(lat - BOGOTA[1]))
        for slug, (lon, lat) in study_groups.items()
    }
    assert all(abs(margin) > 1e-5 for margin in margins.values())
    covered = {slug for slug, margin in margins.items() if margin > 0}
    assert len(covered) > 3
    assert set(covering.values_list("slug", flat=True)) == covered


def test_upcoming_uses_the_during_index(events):
    before = timezone.now()
    upcoming = Event.objects.upcoming()
    after = timezone.now()

    nodes = plan_nodes(upcoming)
    assert scans_on(nodes, "event_during_idx")
    assert "Seq Scan" not in node_types(nodes)

    def scheduled_not_ended(at):
        return {
            title
            for title, (_, end, status) in events.items()
            if status == "scheduled" and end > at
        }

    # upcoming() reads the clock once, somewhere between before and after.
    found = set(upcoming.values_list("title", flat=True))
    assert scheduled_not_ended(after) <= found <= scheduled_not_ended(before)
    assert 0 < len(found) < ROWS / 10


def test_between_uses_the_during_index(events):
    start = timezone.now() - datetime.timedelta(days=30)
    end = start + datetime.timedelta(days=7)
    between = Event.objects.between(start, end)

    nodes = plan_nodes(between)
    assert scans_on(nodes, "event_during_idx")
    assert "Seq Scan" not in node_types(nodes)

    overlapping = {
        title
        for title, (event_start, event_end, _) in events.items()
        if event_start < end and start < event_end
    }
    assert len(overlapping) > 50
    assert set(between.values_list("title", flat=True)) == overlapping


def main_plan(queryset):
    return plan_nodes(queryset, subplans=False)


def seq_scans_of(nodes, table):
    return [
        node for node in nodes
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") == table
    ]


def list_page(kind, **params):
    """The rows query of an API list page with ``params``."""
    return FeatureQuery(kind, QueryDict(urlencode(params))).rows()


def test_the_default_list_page_reads_the_name_index_without_sorting(study_groups):
    first = list_page(StudyGroupKind(), limit=100)
    nodes = main_plan(first)
    (scan,) = scans_on(nodes, "studygroup_name_id_idx")
    assert scan["Node Type"] in {"Index Scan", "Index Only Scan"}
    assert not {"Seq Scan", "Sort", "Incremental Sort"} & node_types(nodes)

    # The next page's keyset is an index condition, not a filter on every row.
    *_, name, pk = list(first)[99]
    after = list_page(StudyGroupKind(), limit=100, cursor=encode_cursor([name, pk]))
    nodes = main_plan(after)
    (scan,) = scans_on(nodes, "studygroup_name_id_idx")
    assert "> ROW(" in scan["Index Cond"] or ") > (" in scan["Index Cond"], scan["Index Cond"]
    assert not {"Seq Scan", "Sort"} & node_types(nodes)
    names = sorted(StudyGroup.objects.values_list("name", "pk"))
    assert [row[3:] for row in after][:3] == [
        row for row in names if row > (name, pk)
    ][:3] or names == []


def test_the_upcoming_events_page_bounds_its_start_on_the_index(events):
    now = timezone.now()
    page = list_page(EventKind(), limit=100)
    nodes = main_plan(page)
    (scan,) = scans_on(nodes, "event_start_id_idx")
    assert ">=" in scan["Index Cond"]
    assert not seq_scans_of(nodes, "meetups_event")

    titles = [json.loads(row[0])["properties"]["title"] for row in page]
    expected = sorted(
        (start, title)
        for title, (start, end, status) in events.items()
        if status == "scheduled" and end > now
    )
    assert titles[:100] == [title for _, title in expected][: len(titles[:100])]
    assert len(titles) == 101


def test_a_near_page_finds_its_rows_on_the_location_index(study_groups):
    page = list_page(StudyGroupKind(), near=f"{BOGOTA[0]},{BOGOTA[1]}", radius_km=10, limit=20)
    nodes = main_plan(page)
    # Either the KNN walk (ordered by <->, the id breaking ties) or the
    # radius found on the index and its few rows sorted: never the table.
    assert scans_on(nodes, gist_index_on(StudyGroup, "location"))
    assert not seq_scans_of(nodes, "studygroups_studygroup")


def test_a_near_list_sorts_only_the_rows_up_to_its_last(study_groups):
    # The home page's list (FeatureQuery.ordered with a limit): of the
    # thousand groups within 25 km of Bogotá, the (distance, id) sort sees the
    # 20 nearest and those tied with the 21st, not all of them.
    query = FeatureQuery(
        StudyGroupKind(), QueryDict(urlencode({"near": f"{BOGOTA[0]},{BOGOTA[1]}",
                                               "radius_km": 25}))
    )
    first = query.ordered(20)[:20]
    (explained,) = json.loads(first.explain(format="json", analyze=True))
    pending, sorted_rows = [explained["Plan"]], []
    while pending:
        node = pending.pop()
        if node["Node Type"] in {"Sort", "Incremental Sort"}:
            sorted_rows.extend(child["Actual Rows"] for child in node["Plans"])
        pending.extend(node.get("Plans", []))
    assert sorted_rows and max(sorted_rows) <= 25

    within = sorted(
        (GEOD.inv(*BOGOTA, lon, lat)[2], slug)
        for slug, (lon, lat) in study_groups.items()
        if GEOD.inv(*BOGOTA, lon, lat)[2] <= 25_000
    )
    assert len(within) > 500
    assert [group.slug for group in first] == [slug for _, slug in within[:20]]


def test_an_events_list_by_start_names_only_its_own_rows_groups_and_venues(events):
    # Joined, the group and venue of every event within the radius were read
    # before the sort by start (8,500 events within 10 km of Bogotá at a
    # million): the names are subqueries of the page's rows.
    page = list_page(
        EventKind(), near=f"{BOGOTA[0]},{BOGOTA[1]}", radius_km=10, sortby="start", limit=10
    )
    read = {node.get("Relation Name") for node in main_plan(page)}
    assert "meetups_event" in read
    assert not read & {"studygroups_studygroup", "meetups_venue"}
    assert {"studygroups_studygroup", "meetups_venue"} <= {
        node.get("Relation Name") for node in plan_nodes(page)
    }


def test_an_ogc_page_by_cursor_reads_the_primary_key(study_groups):
    query = OgcFeatureQuery(
        StudyGroupKind(), QueryDict(urlencode({"cursor": encode_cursor([FIRST_ID + 40_000])}))
    )
    nodes = main_plan(query.rows())
    assert any(node.get("Index Name", "").endswith("_pkey") for node in nodes)
    assert not seq_scans_of(nodes, "studygroups_studygroup")
    assert "Sort" not in node_types(nodes)
    assert [json.loads(row[0])["id"] for row in query.rows()][:2] == [
        FIRST_ID + 40_001, FIRST_ID + 40_002
    ]


def statements_of(run):
    """The SQL statements ``run()`` sends, as sent."""
    with CaptureQueriesContext(connection) as captured:
        run()
    return [query["sql"] for query in captured.captured_queries]


def explained(sql):
    """Every node of the EXPLAIN plan of ``sql``, InitPlans and SubPlans included."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        ((plan,),) = cursor.fetchall()
    pending, nodes = [plan[0]["Plan"]], []
    while pending:
        node = pending.pop()
        nodes.append(node)
        pending.extend(node.get("Plans", []))
    return nodes


def test_the_spatial_extent_walks_the_location_index_not_the_rows(study_groups):
    (sql,) = statements_of(StudyGroup.objects.extent)

    nodes = explained(sql)
    scans = scans_on(nodes, "studygroup_location_geom_idx")
    # Per edge: the KNN walk to the nearest row, then the rows tied with it.
    assert len([scan for scan in scans if "<->" in scan.get("Order By", "")]) == 4
    assert len([scan for scan in scans if "st_expand" in scan.get("Index Cond", "")]) == 4
    assert not seq_scans_of(nodes, "studygroups_studygroup")
    assert "Sort" not in node_types(nodes)

    lons, lats = zip(*study_groups.values())
    assert StudyGroup.objects.extent() == (min(lons), min(lats), max(lons), max(lats))


def test_the_temporal_extent_reads_the_start_and_range_indexes(events):
    statements = statements_of(lambda: time_extent(Event.objects.all(), "during"))

    nodes = [node for sql in statements for node in explained(sql)]
    assert scans_on(nodes, "event_start_id_idx")
    (overlap,) = scans_on(nodes, "event_during_idx")
    assert "&&" in overlap["Index Cond"]
    assert not seq_scans_of(nodes, "meetups_event")
    assert not {"Sort", "Incremental Sort"} & node_types(nodes)

    starts, ends, _ = zip(*events.values())
    assert time_extent(Event.objects.all(), "during") == (min(starts), max(ends))


def test_the_collections_document_scans_neither_big_table(study_groups, events, client):
    statements = statements_of(lambda: client.get("/ogc/collections"))

    reads = [sql for sql in statements if sql.startswith(("SELECT", "WITH"))]
    nodes = [node for sql in reads for node in explained(sql)]
    assert scans_on(nodes, "studygroup_location_geom_idx")
    assert scans_on(nodes, "event_during_idx")
    assert not seq_scans_of(nodes, "studygroups_studygroup")
    assert not seq_scans_of(nodes, "meetups_event")
