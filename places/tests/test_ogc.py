"""OGC API - Features, Part 1 at /ogc/, checked against the ORM rows and GDAL's ogrinfo.

Expected values come from outside the code under test: brute force in Python over
every row the ORM returns, and GDAL's own OAPIF and GeoJSON drivers reading a live
server.
"""

import datetime
import math
import os
import re
import shutil
import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.gis.geos import Point
from django.db import transaction

from meetups.models import Event, Venue
from studygroups.models import StudyGroup
from tests.demo_snapshot import load_demo

OGRINFO = shutil.which("ogrinfo") or "/usr/bin/ogrinfo"
OGRINFO_TIMEOUT_S = 120
MODELS = {"studygroups": StudyGroup, "events": Event, "venues": Venue}
CONFORMANCE_CLASS = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
OPENAPI_MEDIA_TYPE = "application/vnd.oai.openapi+json;version=3.0"
GEOJSON_MEDIA_TYPE = "application/geo+json"
MAX_LIMIT = 10_000
# A number in a coordinates (or bbox) array as written in the response text.
NUMBER = re.compile(r"-?\d+(?:\.(\d+))?([eE][-+]?\d+)?")
COORDINATES = re.compile(r'"coordinates"\s*:\s*(\[[-+\d.eE,\s\[\]]*\])')
BBOX = re.compile(r'"bbox"\s*:\s*(\[[-+\d.eE,\s]*\])')


@pytest.fixture(scope="class")
def demo(django_db_setup, django_db_blocker):
    """The demo fixture for one class of tests, rolled back after the class.

    The same as conftest's ``demo_data``, but class-scoped: pytest-django runs the
    ``live_server`` tests of this module after the others, and a module-scoped
    transaction would still be open around them, so ``loaddata`` would not commit
    and the live server would see no rows.
    """
    with django_db_blocker.unblock():
        with transaction.atomic():
            load_demo()
            yield
            transaction.set_rollback(True)


def rfc3339(moment):
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def locations(model):
    """{pk: (lon, lat)} of the model's rows that have a location."""
    return {
        pk: (location.x, location.y)
        for pk, location in model.objects.exclude(location=None).values_list("pk", "location")
    }


def in_box(lon, lat, west, south, east, north):
    """Edges included; ``west > east`` crosses the antimeridian."""
    in_lons = west <= lon <= east if west <= east else lon >= west or lon <= east
    return in_lons and south <= lat <= north


def event_ranges():
    """{pk: (start, end)} of every event; all demo events are half-open ``[start, end)``."""
    ranges = {}
    for pk, during in Event.objects.values_list("pk", "during"):
        assert (during.lower_inc, during.upper_inc) == (True, False), pk
        ranges[pk] = (during.lower, during.upper)
    return ranges


def events_intersecting(start, end):
    """Events whose ``[s, e)`` intersects the closed ``[start, end]`` (OGC API -
    Features' ``datetime`` is a closed interval); None is an open end."""
    return {
        pk
        for pk, (s, e) in event_ranges().items()
        if (end is None or s <= end) and (start is None or e > start)
    }


def interval_edges():
    """An event's end and a later event's start from the middle of the demo, so the
    edges of a ``datetime`` interval fall exactly on rows."""
    ranges = sorted(event_ranges().values())
    start = ranges[len(ranges) // 3][1]
    end = next(s for s, e in ranges[2 * len(ranges) // 3 :] if s > start)
    return start, end


def signed_area(ring):
    """Shoelace area of a closed ring of (lon, lat): positive when counter-clockwise."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:])) / 2


def find_members(value, name):
    """Every value of a member called ``name`` anywhere in parsed JSON."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == name:
                yield item
            yield from find_members(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from find_members(item, name)


def link(document, rel):
    matches = [item for item in document["links"] if item["rel"] == rel]
    assert len(matches) == 1, (rel, document["links"])
    return matches[0]


def next_href(document):
    matches = [item["href"] for item in document["links"] if item["rel"] == "next"]
    return matches[0] if matches else None


def get_json(client, url, params=None):
    response = client.get(url, params or {})
    assert response.status_code == 200, (url, params, response.content[:500])
    return response.json()


def items(client, collection, **params):
    return get_json(client, f"/ogc/collections/{collection}/items", params)


def all_pages(client, url):
    """Every page from ``url`` on, following ``next`` links."""
    pages = []
    while url:
        pages.append(get_json(client, url))
        url = next_href(pages[-1])
    return pages


def feature_ids(page):
    return [feature["id"] for feature in page["features"]]


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
class TestOverDemoData:
    def test_landing_page_links_self_service_desc_doc_conformance_and_data(self, client):
        landing = get_json(client, "/ogc/")

        rels = {item["rel"] for item in landing["links"]}
        assert {"self", "service-desc", "service-doc", "conformance", "data"} <= rels
        assert link(landing, "service-desc")["type"] == OPENAPI_MEDIA_TYPE
        for item in landing["links"]:
            assert client.get(item["href"]).status_code == 200, item

    def test_service_desc_is_an_openapi_3_0_document(self, client):
        href = link(get_json(client, "/ogc/"), "service-desc")["href"]

        response = client.get(href)

        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
        document = response.json()
        assert document["openapi"].startswith("3.0")
        assert any(path.startswith("/ogc/collections") for path in document["paths"])

    def test_service_doc_is_html(self, client):
        href = link(get_json(client, "/ogc/"), "service-doc")["href"]

        response = client.get(href)

        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")

    def test_conformance_lists_core_geojson_and_oas30(self, client):
        conforms_to = get_json(client, "/ogc/conformance")["conformsTo"]

        for name in ("core", "geojson", "oas30"):
            assert CONFORMANCE_CLASS + name in conforms_to

    def test_collections_are_studygroups_events_and_venues(self, client):
        collections = get_json(client, "/ogc/collections")["collections"]

        assert sorted(collection["id"] for collection in collections) == sorted(MODELS)

    @pytest.mark.parametrize("collection_id", sorted(MODELS))
    def test_spatial_extent_is_the_min_and_max_of_the_rows(self, client, collection_id):
        points = locations(MODELS[collection_id]).values()
        lons = [lon for lon, lat in points]
        lats = [lat for lon, lat in points]
        expected = [min(lons), min(lats), max(lons), max(lats)]
        collections = get_json(client, "/ogc/collections")["collections"]
        (listed,) = [item for item in collections if item["id"] == collection_id]
        alone = get_json(client, f"/ogc/collections/{collection_id}")

        for collection in (listed, alone):
            (bbox,) = collection["extent"]["spatial"]["bbox"]
            assert bbox == pytest.approx(expected, abs=1e-6)
            assert collection["extent"]["spatial"]["crs"].endswith("/OGC/1.3/CRS84")
            assert link(collection, "items")["type"] == GEOJSON_MEDIA_TYPE

    def test_events_have_a_temporal_extent_from_first_start_to_last_end(self, client):
        ranges = event_ranges().values()
        collection = get_json(client, "/ogc/collections/events")

        ((start, end),) = collection["extent"]["temporal"]["interval"]

        assert datetime.datetime.fromisoformat(start) == min(start for start, end in ranges)
        assert datetime.datetime.fromisoformat(end) == max(end for start, end in ranges)

    @pytest.mark.parametrize("collection_id", ["studygroups", "venues"])
    def test_timeless_collections_have_no_temporal_extent(self, client, collection_id):
        collection = get_json(client, f"/ogc/collections/{collection_id}")

        assert "temporal" not in collection["extent"]

    def test_unknown_collection_is_404(self, client):
        assert client.get("/ogc/collections/teachers").status_code == 404
        assert client.get("/ogc/collections/teachers/items").status_code == 404

    @pytest.mark.parametrize("collection_id", sorted(MODELS))
    def test_items_are_geojson_and_number_matched_counts_every_row(self, client, collection_id):
        response = client.get(f"/ogc/collections/{collection_id}/items", {"limit": 10})

        assert response.status_code == 200
        assert response["Content-Type"].startswith(GEOJSON_MEDIA_TYPE)
        page = response.json()
        assert page["type"] == "FeatureCollection"
        assert page["numberMatched"] == MODELS[collection_id].objects.count()
        assert page["numberReturned"] == len(page["features"]) == 10
        assert link(page, "collection")["href"].endswith(f"/ogc/collections/{collection_id}")

    @pytest.mark.parametrize("collection_id", sorted(MODELS))
    def test_next_links_walk_every_row_exactly_once(self, client, collection_id):
        pages = all_pages(client, f"/ogc/collections/{collection_id}/items?limit=37")
        ids = [pk for page in pages for pk in feature_ids(page)]
        expected = set(MODELS[collection_id].objects.values_list("pk", flat=True))

        assert len(ids) == len(set(ids)), "a row came on two pages"
        assert set(ids) == expected
        assert len(pages) == math.ceil(len(expected) / 37)
        assert all(len(page["features"]) == 37 for page in pages[:-1])
        assert ids == sorted(ids)
        # Keyset pages: each next link starts after the last row seen, by a
        # cursor, never by an offset; there is no way back but the first page.
        for page in pages[:-1]:
            query = parse_qs(urlsplit(next_href(page)).query)
            assert "offset" not in query and len(query["cursor"]) == 1
        assert all("prev" not in {item["rel"] for item in page["links"]} for page in pages)
        assert pages[0]["numberMatched"] == len(expected)
        assert all("numberMatched" not in page for page in pages[1:])

    def test_limit_above_10000_is_refused_naming_it(self, client):
        response = client.get("/ogc/collections/venues/items", {"limit": 50_000})

        assert response.status_code == 400
        assert response.json()["parameter"] == "limit"

    def test_more_than_10000_rows_page_by_10000(self, client):
        extra = MAX_LIMIT + 1 - Venue.objects.count()
        Venue.objects.bulk_create(
            [
                Venue(name=f"Sala {n}", location=Point(-74, 4.6, srid=4326), capacity=10)
                for n in range(extra)
            ],
            batch_size=2_000,
        )

        first = items(client, "venues", limit=MAX_LIMIT)

        assert first["numberReturned"] == len(first["features"]) == MAX_LIMIT
        # More than the exact count's limit (1,000) match: numberMatched is
        # left out rather than paid for with a count of every row.
        assert "numberMatched" not in first
        rest = get_json(client, next_href(first))
        assert "cursor" in parse_qs(urlsplit(next_href(first)).query)
        assert len(rest["features"]) == 1
        assert next_href(rest) is None
        assert set(feature_ids(first) + feature_ids(rest)) == set(
            Venue.objects.values_list("pk", flat=True)
        )

    @pytest.mark.parametrize("collection_id", sorted(MODELS))
    @pytest.mark.parametrize(
        "box",
        [
            (-74.2, 4.45, -73.95, 4.85),  # Bogotá
            (-9.5, 35.9, 3.4, 43.8),  # Spain
            (-58.6, -34.75, -58.3, -34.5),  # Buenos Aires
            (170.0, -60.0, -70.0, 30.0),  # across the antimeridian, west of -70°
            (10.0, 10.0, 20.0, 20.0),  # nothing there
        ],
    )
    def test_bbox_returns_the_rows_inside_the_box(self, client, collection_id, box):
        expected = {
            pk
            for pk, (lon, lat) in locations(MODELS[collection_id]).items()
            if in_box(lon, lat, *box)
        }

        page = items(client, collection_id, bbox=",".join(map(str, box)), limit=MAX_LIMIT)

        assert set(feature_ids(page)) == expected
        assert page["numberMatched"] == len(expected)

    def test_bbox_edges_are_included(self, client):
        points = locations(Venue)
        pk, (lon, lat) = min(points.items())
        box = (lon, lat, lon + 1, lat + 1)
        expected = {key for key, point in points.items() if in_box(*point, *box)}

        page = items(client, "venues", bbox=",".join(map(str, box)), limit=MAX_LIMIT)

        assert pk in expected
        assert set(feature_ids(page)) == expected

    @pytest.mark.parametrize("shape", ["start/end", "../end", "start/.."])
    def test_datetime_returns_the_events_intersecting_the_interval(self, client, shape):
        start, end = interval_edges()
        if shape == "../end":
            start = None
        if shape == "start/..":
            end = None
        value = f"{rfc3339(start) if start else '..'}/{rfc3339(end) if end else '..'}"
        expected = events_intersecting(start, end)

        page = items(client, "events", datetime=value, limit=MAX_LIMIT)

        assert 0 < len(expected) < Event.objects.count()
        assert set(feature_ids(page)) == expected
        assert page["numberMatched"] == len(expected)

    def test_datetime_instant_returns_the_events_happening_then(self, client):
        ranges = event_ranges()
        _, instant = interval_edges()
        expected = {pk for pk, (s, e) in ranges.items() if s <= instant < e}

        page = items(client, "events", datetime=rfc3339(instant), limit=MAX_LIMIT)

        assert expected
        assert set(feature_ids(page)) == expected

    def test_datetime_interval_includes_events_starting_at_its_end(self, client):
        start, end = interval_edges()
        starting_at_end = {pk for pk, (s, e) in event_ranges().items() if s == end}

        page = items(
            client, "events", datetime=f"{rfc3339(start)}/{rfc3339(end)}", limit=MAX_LIMIT
        )

        assert starting_at_end
        assert starting_at_end <= set(feature_ids(page))

    def test_datetime_interval_leaves_out_events_ending_at_its_start(self, client):
        start, end = interval_edges()
        ending_at_start = {pk for pk, (s, e) in event_ranges().items() if e == start}

        page = items(
            client, "events", datetime=f"{rfc3339(start)}/{rfc3339(end)}", limit=MAX_LIMIT
        )

        assert ending_at_start
        assert not ending_at_start & set(feature_ids(page))

    def test_datetime_is_refused_for_timeless_collections(self, client):
        response = client.get(
            "/ogc/collections/venues/items", {"datetime": "2026-01-01T00:00:00Z/.."}
        )

        assert response.status_code == 400
        assert response.json()["parameter"] == "datetime"

    @pytest.mark.parametrize("collection_id", sorted(MODELS))
    def test_item_is_the_feature_of_the_collection_with_links(self, client, collection_id):
        listed = items(client, collection_id, limit=MAX_LIMIT)["features"]
        for feature in listed[:: max(1, len(listed) // 7)]:
            url = f"/ogc/collections/{collection_id}/items/{feature['id']}"
            response = client.get(url)
            assert response.status_code == 200
            assert response["Content-Type"].startswith(GEOJSON_MEDIA_TYPE)
            item = response.json()

            assert item["type"] == "Feature"
            assert item["id"] == feature["id"]
            assert item["geometry"] == feature["geometry"]
            # A detail carries what a list leaves out (a group's meeting area,
            # the other upcoming dates of an event's series).
            assert item["properties"].items() >= feature["properties"].items()
            extra = set(item["properties"]) - set(feature["properties"])
            assert extra == {"studygroups": {"meeting_area"}, "events": {"series_upcoming"}}.get(
                collection_id, set()
            )
            assert link(item, "self")["href"].endswith(url)
            assert link(item, "collection")["href"].endswith(f"/ogc/collections/{collection_id}")

    def test_missing_item_is_404(self, client):
        missing = max(StudyGroup.objects.values_list("pk", flat=True)) + 1

        assert client.get(f"/ogc/collections/studygroups/items/{missing}").status_code == 404

    @pytest.mark.parametrize(
        "url",
        [
            "/ogc/collections/studygroups/items?limit=10000",
            "/ogc/collections/events/items?limit=10000",
            "/ogc/collections/venues/items?limit=10000",
            "/ogc/collections/studygroups/items/1",
            "/api/studygroups/?limit=10000",
            "/api/events/?limit=10000&status=any&start=2000-01-01",
            "/api/venues/?limit=10000",
        ],
    )
    def test_geojson_has_no_crs_and_at_most_6_decimals(self, client, url):
        response = client.get(url)
        text = response.content.decode()
        document = response.json()
        coordinates = COORDINATES.findall(text)

        assert list(find_members(document, "crs")) == []
        assert 0 < len(coordinates) == len(list(find_members(document, "coordinates")))
        for array in coordinates + BBOX.findall(text):
            for decimals, exponent in NUMBER.findall(array):
                assert not exponent and len(decimals) <= 6, array

    def test_lists_carry_points_and_details_the_meeting_area(self, client):
        features = items(client, "studygroups", limit=MAX_LIMIT)["features"]
        with_area = {f["id"] for f in features if f["properties"]["has_meeting_area"]}

        assert with_area == set(
            StudyGroup.objects.exclude(meeting_area=None).values_list("pk", flat=True)
        )
        assert all("meeting_area" not in f["properties"] for f in features)
        assert {f["geometry"]["type"] for f in features if f["geometry"]} == {"Point"}

    def test_meeting_area_exterior_rings_are_counter_clockwise(self, client):
        areas = [
            get_json(client, f"/ogc/collections/studygroups/items/{pk}")["properties"][
                "meeting_area"
            ]
            for pk in StudyGroup.objects.exclude(meeting_area=None).values_list("pk", flat=True)
        ]

        assert len(areas) == StudyGroup.objects.exclude(meeting_area=None).count() > 0
        for area in areas:
            assert area["type"] == "Polygon"
            exterior, *holes = area["coordinates"]
            assert signed_area(exterior) > 0, exterior
            for hole in holes:
                assert signed_area(hole) < 0, hole


def ogrinfo(*args):
    """ogrinfo's standard output; fails the test if GDAL is missing or errs."""
    if not os.path.exists(OGRINFO):
        pytest.fail("ogrinfo not found; `make test` installs Debian's gdal-bin.")
    result = subprocess.run(
        [OGRINFO, *args],
        capture_output=True,
        text=True,
        timeout=OGRINFO_TIMEOUT_S,
        env={**os.environ, "GDAL_HTTP_TIMEOUT": "20", "CPL_DEBUG": "OFF"},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def ogr_features(output):
    """{fid: {field: value as printed}} from ``ogrinfo -al`` output."""
    features = {}
    current = None
    for line in output.splitlines():
        header = re.match(r"OGRFeature\([^)]*\):(-?\d+)$", line)
        if header:
            current = features.setdefault(int(header.group(1)), {})
            continue
        field = re.match(r"  (\w+) \((.+?)\) = (.*)$", line)
        if current is not None and field:
            current[field.group(1)] = field.group(3)
        elif current is not None and line.startswith("  POINT"):
            current["geometry"] = line.strip()
    return features


@pytest.fixture
def served_demo(live_server, transactional_db):
    """The live server's URL, with the demo committed where its threads can read it."""
    load_demo()
    return live_server.url


def test_ogrinfo_oapif_counts_study_groups_and_reads_the_extent(served_demo):
    points = locations(StudyGroup).values()
    lons = [lon for lon, lat in points]
    lats = [lat for lon, lat in points]

    output = ogrinfo("-ro", "-so", f"OAPIF:{served_demo}/ogc/", "studygroups")

    assert f"Feature Count: {StudyGroup.objects.count()}" in output
    extent = re.search(r"Extent: \((\S+), (\S+)\) - \((\S+), (\S+)\)", output)
    assert extent, output
    assert [float(value) for value in extent.groups()] == pytest.approx(
        [min(lons), min(lats), max(lons), max(lats)], abs=1e-6
    )


def test_ogrinfo_oapif_pages_through_every_event(served_demo):
    output = ogrinfo("-ro", "-al", "-q", f"OAPIF:{served_demo}/ogc/", "events")

    assert output.count("OGRFeature(") == Event.objects.count()
    assert set(ogr_features(output)) == set(Event.objects.values_list("pk", flat=True))


def test_ogrinfo_geojson_reads_every_study_group_with_its_attributes(served_demo):
    output = ogrinfo("-ro", "-al", f"{served_demo}/api/studygroups/?limit=10000")
    fields = dict(re.findall(r"^(\w+): (\S+) \(", output, flags=re.MULTILINE))
    features = ogr_features(output)

    assert {
        "name": "String",
        "slug": "String",
        "city": "String",
        "capacity": "Integer",
        "topics": "StringList",
        "is_online": "Integer(Boolean)",
        "member_count": "Integer",
        "created_at": "DateTime",
    }.items() <= fields.items()
    assert output.count("OGRFeature(") == StudyGroup.objects.count()
    assert set(features) == set(StudyGroup.objects.values_list("pk", flat=True))
    in_person = StudyGroup.objects.exclude(location=None).exclude(topics=None).order_by("pk")
    online = StudyGroup.objects.filter(location=None).order_by("pk")
    for group in (in_person.first(), in_person.last(), online.first()):
        read = features[group.pk]
        topics = sorted(group.topics.values_list("slug", flat=True))
        assert read["name"] == group.name
        assert read["slug"] == group.slug
        assert read["city"] == group.city
        assert int(read["capacity"]) == group.capacity
        assert read["topics"] == f"({len(topics)}:{','.join(topics)})"
        assert read["is_online"] == str(int(group.is_online))
        assert int(read["member_count"]) == group.memberships.count()
        if group.location:
            lon, lat = (float(n) for n in re.findall(r"-?[\d.]+", read["geometry"]))
            assert (lon, lat) == pytest.approx((group.location.x, group.location.y), abs=1e-6)
        else:
            assert "geometry" not in read
