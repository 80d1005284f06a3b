"""Downloads at /api/<kind>/export.<format>, read back by independent readers.

Each format is parsed by something other than the code that wrote it: ``json``,
the ``csv`` module and GDAL (``django.contrib.gis.gdal.DataSource``) for
GeoPackage and FlatGeobuf. Expected values come from the ORM rows and, for
``near``, from pyproj's geodesics on the WGS84 ellipsoid.
"""

import csv
import glob
import io
import json
import os
import re
import tempfile
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.gis.gdal import DataSource, GDALException
from django.contrib.gis.geos import Point
from django.db import connection
from django.http import StreamingHttpResponse
from django.utils import timezone
from pyproj import Geod

from meetups.models import Event, Venue
from places import exports
from studygroups.models import MemberProfile, Membership, StudyGroup
from studygroups.tests.factories import MembershipFactory, StudyGroupFactory

pytestmark = pytest.mark.django_db

GEOD = Geod(ellps="WGS84")
FORMATS = {
    "geojson": "application/geo+json",
    "geojsons": "application/geo+json-seq",
    "csv": "text/csv; charset=utf-8; header=present",
    "fgb": "application/flatgeobuf",
    "gpkg": "application/geopackage+sqlite3",
}
# Universidad Nacional, Bogotá.
BOGOTA = (-74.0836, 4.6383)


@pytest.fixture(autouse=True)
def demo(demo_data):
    """The demo's 220 study groups, 117 venues and 336 events, for every test."""


def download(client, kind, export_format, **params):
    response = client.get(f"/api/{kind}/export.{export_format}", params)
    assert response.status_code == 200, response.content
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content)


def geojson_features(client, kind, **params):
    return json.loads(download(client, kind, "geojson", **params))["features"]


def csv_rows(client, kind, **params):
    text = download(client, kind, "csv", **params).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def gdal_layer_rows(body, suffix):
    """[(fid, {field: value}, (lon, lat) or None)] of the file's one layer, read by GDAL."""
    with tempfile.TemporaryDirectory() as directory:
        filename = os.path.join(directory, f"export.{suffix}")
        with open(filename, "wb") as file:
            file.write(body)
        source = DataSource(filename)
        assert len(source) == 1
        layer = source[0]
        rows = []
        for feature in layer:
            try:
                geometry = feature.geom
            except GDALException:  # a feature without a geometry
                geometry = None
            rows.append(
                (
                    feature.fid,
                    {field: feature.get(field) for field in feature.fields},
                    (geometry.x, geometry.y) if geometry is not None else None,
                )
            )
        return layer.name, {field: layer.field_types[i].__name__
                            for i, field in enumerate(layer.fields)}, rows


def rounded(point):
    return (round(point.x, 6), round(point.y, 6))


def groups_by_id():
    return {group.pk: group for group in StudyGroup.objects.prefetch_related("topics")}


# --- Each format -------------------------------------------------------------


def test_geojson_export_is_every_group_with_its_coordinates_and_bbox(client):
    body = json.loads(download(client, "studygroups", "geojson"))
    groups = groups_by_id()
    assert body["type"] == "FeatureCollection"
    assert sorted(feature["id"] for feature in body["features"]) == sorted(groups)
    assert body["numberReturned"] == body["numberMatched"] == len(groups)
    for feature in body["features"]:
        group = groups[feature["id"]]
        assert feature["properties"]["name"] == group.name
        assert feature["properties"]["topics"] == sorted(t.slug for t in group.topics.all())
        if group.location is None:
            assert feature["geometry"] is None
        else:
            assert tuple(feature["geometry"]["coordinates"]) == rounded(group.location)
    points = [g.location for g in groups.values() if g.location is not None]
    assert body["bbox"] == pytest.approx([
        min(p.x for p in points), min(p.y for p in points),
        max(p.x for p in points), max(p.y for p in points),
    ], abs=1e-6)


def test_geojson_seq_export_frames_each_feature_as_rfc_8142_says(client):
    body = download(client, "venues", "geojsons").decode()
    assert body.startswith("\x1e")
    records = body.split("\x1e")[1:]
    assert all(record.endswith("\n") and "\n" not in record[:-1] for record in records)
    features = [json.loads(record) for record in records]
    assert all(feature["type"] == "Feature" for feature in features)
    assert sorted(f["id"] for f in features) == sorted(Venue.objects.values_list("pk", flat=True))


def test_csv_export_has_lon_lat_then_the_list_properties(client):
    rows = csv_rows(client, "studygroups")
    groups = groups_by_id()
    assert sorted(int(row["id"]) for row in rows) == sorted(groups)
    listed = client.get("/api/studygroups/", {"limit": 1}).json()["features"][0]
    assert list(rows[0])[:3] == ["id", "lon", "lat"]
    assert sorted(list(rows[0])[3:]) == sorted(listed["properties"])
    for row in rows:
        group = groups[int(row["id"])]
        if group.location is None:
            assert (row["lon"], row["lat"]) == ("", "")
        else:
            assert (float(row["lon"]), float(row["lat"])) == rounded(group.location)
        assert row["name"] == group.name
        assert row["topics"] == "; ".join(sorted(t.slug for t in group.topics.all()))
        assert row["is_online"] == ("true" if group.is_online else "false")
        assert int(row["capacity"]) == group.capacity


def test_csv_export_neutralises_what_a_spreadsheet_would_run(client):
    names = ["=HYPERLINK(\"http://evil.example\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1"]
    for number, name in enumerate(names):
        # In the southern and western hemispheres: coordinates start with "-".
        StudyGroupFactory(name=name, slug=f"formula-{number}", address="-",
                          location=Point(-58.4, -34.6, srid=4326))
    rows = {row["slug"]: row for row in csv_rows(client, "studygroups")}
    for number, name in enumerate(names):
        row = rows[f"formula-{number}"]
        assert row["name"] == "'" + name
        assert row["address"] == "'-"
        assert (float(row["lon"]), float(row["lat"])) == (-58.4, -34.6)
    # The data itself is unchanged in the other formats.
    features = geojson_features(client, "studygroups")
    assert {f["properties"]["name"] for f in features} >= set(names)


def test_geopackage_export_is_read_by_gdal_with_ids_types_and_points(client):
    name, types, rows = gdal_layer_rows(download(client, "studygroups", "gpkg"), "gpkg")
    groups = groups_by_id()
    assert name == "studygroups"
    assert sorted(fid for fid, _, _ in rows) == sorted(groups)
    assert types["capacity"] == "OFTInteger"
    assert types["member_count"] == "OFTInteger"
    assert types["created_at"] == "OFTDateTime"
    for fid, fields, point in rows:
        group = groups[fid]
        assert fields["name"] == group.name
        assert fields["capacity"] == group.capacity
        assert json.loads(fields["topics"]) == sorted(t.slug for t in group.topics.all())
        if group.location is None:
            assert point is None
        else:
            assert point == pytest.approx(rounded(group.location), abs=1e-9)


def test_flatgeobuf_export_is_read_by_gdal_and_holds_the_located_events(client):
    body = download(client, "events", "fgb", status="any", start="2000-01-01T00:00:00Z")
    assert body[:3] == b"fgb"
    name, types, rows = gdal_layer_rows(body, "fgb")
    events = {
        event.pk: event
        for event in Event.objects.exclude(location=None).select_related("study_group")
    }
    assert name == "events"
    assert types["start"] == "OFTDateTime"
    assert types["study_group"] == "OFTInteger64"
    # FlatGeobuf keeps no feature id: each one's id is a field.
    assert sorted(fields["id"] for _, fields, _ in rows) == sorted(events)
    for _, fields, point in rows:
        event = events[fields["id"]]
        assert fields["title"] == event.title
        assert fields["study_group_name"] == (event.study_group and event.study_group.name)
        assert point == pytest.approx(rounded(event.location), abs=1e-9)


# --- Filters -------------------------------------------------------------------


def test_near_exports_the_groups_within_the_radius_by_geodesic_distance(client):
    radius_m = 5000
    rows = csv_rows(client, "studygroups", near="%s,%s" % BOGOTA, radius_km=5)
    expected, borderline = set(), set()
    for group in StudyGroup.objects.exclude(location=None):
        _, _, distance_m = GEOD.inv(*BOGOTA, group.location.x, group.location.y)
        if abs(distance_m - radius_m) < 1:
            borderline.add(group.pk)
        elif distance_m < radius_m:
            expected.add(group.pk)
    got = {int(row["id"]) for row in rows}
    assert expected and got - borderline == expected
    for row in rows:
        _, _, distance_m = GEOD.inv(*BOGOTA, float(row["lon"]), float(row["lat"]))
        assert float(row["distance_m"]) == pytest.approx(distance_m, abs=0.5)


def test_bbox_exports_the_groups_inside_the_box(client):
    west, south, east, north = -74.2, 4.5, -74.0, 4.8
    body = download(client, "studygroups", "geojsons", bbox=f"{west},{south},{east},{north}")
    got = {json.loads(record)["id"] for record in body.decode().split("\x1e")[1:]}
    expected = {
        group.pk
        for group in StudyGroup.objects.exclude(location=None)
        if west <= group.location.x <= east and south <= group.location.y <= north
    }
    assert expected and got == expected


def test_event_export_holds_upcoming_scheduled_events_unless_asked_otherwise(client):
    now = timezone.now()
    upcoming = {
        event.pk for event in Event.objects.all()
        if event.during.upper > now and event.status == Event.Status.SCHEDULED
    }
    assert {f["id"] for f in geojson_features(client, "events")} == upcoming
    every = {
        f["id"]
        for f in geojson_features(client, "events", status="any", start="2000-01-01T00:00:00Z")
    }
    assert every == set(Event.objects.values_list("pk", flat=True))
    group = StudyGroup.objects.filter(events__isnull=False).first()
    of_group = {f["id"] for f in geojson_features(client, "events", study_group=group.pk)}
    assert of_group == {
        event.pk for event in group.events.all()
        if event.during.upper > now and event.status == Event.Status.SCHEDULED
    }


@pytest.mark.parametrize("params", [{"q": "python"}, {"topic": "python"}, {"online": "true"}])
def test_text_topic_and_online_filters_export_what_the_list_lists(client, params):
    listed = client.get("/api/studygroups/", {**params, "limit": 10_000}).json()
    exported = geojson_features(client, "studygroups", **params)
    assert 0 < len(listed["features"]) < StudyGroup.objects.count()
    assert sorted(f["id"] for f in exported) == sorted(f["id"] for f in listed["features"])


# --- Errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, params, parameter",
    [
        ("studygroups", {"near": "200,0"}, "near"),
        ("studygroups", {"radius_km": "5"}, "radius_km"),
        ("studygroups", {"near": "-74,4", "radius_km": "abc"}, "radius_km"),
        ("studygroups", {"bbox": "1,2,3"}, "bbox"),
        ("studygroups", {"limit": "10"}, "limit"),
        ("studygroups", {"offset": "10"}, "offset"),
        ("studygroups", {"online": "maybe"}, "online"),
        ("events", {"status": "bogus"}, "status"),
        ("events", {"start": "yesterday"}, "start"),
        ("venues", {"study_group": "abc"}, "study_group"),
    ],
)
@pytest.mark.parametrize("export_format", ["csv", "gpkg"])
def test_a_bad_parameter_is_a_400_naming_it(client, kind, params, parameter, export_format):
    response = client.get(f"/api/{kind}/export.{export_format}", params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "InvalidParameterValue"
    assert body["parameter"] == parameter


def test_an_unknown_format_is_a_json_404_listing_the_formats(client):
    response = client.get("/api/studygroups/export.xlsx")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert all(extension in response.json()["description"] for extension in FORMATS)


# --- Headers, streaming, privacy ----------------------------------------------


@pytest.mark.parametrize("export_format, media_type", FORMATS.items())
def test_each_format_has_its_media_type_and_a_dated_attachment_name(
    client, export_format, media_type
):
    # Whatever the client accepts: the address says the format.
    response = client.get(f"/api/venues/export.{export_format}", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"] == media_type
    assert response["Content-Disposition"] == (
        f'attachment; filename="cerca-venues-{timezone.localdate().isoformat()}.{export_format}"'
    )
    b"".join(response.streaming_content)


def test_rows_come_from_a_server_side_cursor_not_a_list(client):
    response = client.get("/api/studygroups/export.geojson")
    assert isinstance(response, StreamingHttpResponse)
    pieces = iter(response.streaming_content)
    next(pieces)
    next(pieces)  # past the head: the features are coming
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, is_holdable FROM pg_cursors")
        cursors = cursor.fetchall()
    declared = [(s, h) for s, h in cursors if s.lstrip().upper().startswith("DECLARE")]
    assert len(declared) == 1
    statement, holdable = declared[0]
    assert "studygroups_studygroup" in statement
    # Not WITH HOLD: PostgreSQL streams it instead of materializing every row first.
    assert not holdable
    rest = b"".join(pieces)
    assert rest.endswith(b"}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        assert cursor.fetchone() == (0,)


@pytest.mark.parametrize("export_format", FORMATS)
def test_exports_carry_no_email_and_no_home_location(client, export_format):
    group = StudyGroup.objects.exclude(location=None).first()
    membership = MembershipFactory(
        study_group=group, user__username="privada", user__email="privada@secreto.example",
        status=Membership.Status.ACTIVE,
    )
    MemberProfile.objects.create(
        user=membership.user, home_location=Point(-74.111222, 4.666777, srid=4326)
    )
    body = download(client, "studygroups", export_format)
    if export_format in ("fgb", "gpkg"):
        _, types, rows = gdal_layer_rows(body, export_format)
        text = repr(rows)
        fields = set(types)
    else:
        text = body.decode("utf-8-sig")
        fields = set()
    for secret in ("privada", "secreto", "-74.111222", "4.666777", "74.11122", "4.66677"):
        assert secret not in text
    listed = client.get("/api/studygroups/", {"limit": 1}).json()["features"][0]
    if fields:
        assert fields <= {"id", *listed["properties"]}


def test_ogc_collection_links_each_download_as_an_enclosure(client):
    document = client.get("/ogc/collections/studygroups").json()
    enclosures = [link for link in document["links"] if link["rel"] == "enclosure"]
    assert {link["type"] for link in enclosures} == set(FORMATS.values())
    for link in enclosures:
        assert link["title"]
        response = client.get(link["href"])
        assert response.status_code == 200
        assert response["Content-Type"] == link["type"]
        b"".join(response.streaming_content)


def test_the_map_page_offers_the_searchs_groups_as_files(client):
    page = client.get("/", {"near": "%s,%s" % BOGOTA, "radius_km": "5", "q": "python"})
    html = page.content.decode()
    links = re.findall(r'<a class="download" data-export="([^"]+)" href="([^"]+)"', html)
    assert [base for base, _ in links] == [
        f"/api/studygroups/export.{export_format}" for export_format in ("geojson", "csv", "gpkg")
    ]
    href = unescape(links[0][1])
    assert parse_qs(urlsplit(href).query) == {
        "near": ["-74.083600,4.638300"], "radius_km": ["5"], "q": ["python"],
    }
    exported = json.loads(b"".join(client.get(href).streaming_content))["features"]
    listed = client.get(
        "/api/studygroups/", {"near": "%s,%s" % BOGOTA, "radius_km": 5, "q": "python"}
    ).json()["features"]
    assert listed and sorted(f["id"] for f in exported) == sorted(f["id"] for f in listed)


def ogr2ogr_children():
    """Process ids of the ogr2ogr processes this test process started."""
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat, open(f"/proc/{entry}/cmdline", "rb") as cmd:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
                command = cmd.read()
        except OSError:
            continue
        if parent == os.getpid() and b"ogr2ogr" in command:
            children.append(int(entry))
    return children


def export_directories():
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "cerca-export-*")))


def test_a_client_that_leaves_midway_stops_gdal_and_frees_everything(client, monkeypatch):
    before = export_directories()
    response = client.get("/api/studygroups/export.fgb")
    pieces = iter(response.streaming_content)
    assert next(pieces).startswith(b"fgb")
    assert len(ogr2ogr_children()) == 1
    assert len(export_directories() - before) == 1
    # What the WSGI server does when the client hangs up; the test's own
    # connection (and its transaction) stays open, as in Django's test client.
    monkeypatch.setattr(connection, "close_if_unusable_or_obsolete", lambda: None)
    response.close()
    assert ogr2ogr_children() == []
    assert export_directories() - before == set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        assert cursor.fetchone() == (0,)


def test_a_gdal_failure_cuts_the_download_short(client, monkeypatch):
    # A column GDAL cannot find: ogr2ogr exits with an error.
    monkeypatch.setattr(exports, "ogr_sql", lambda export: 'SELECT "nowhere" FROM "layer"')
    before = export_directories()
    response = client.get("/api/studygroups/export.gpkg")
    with pytest.raises(exports.ExportFailed, match="nowhere"):
        b"".join(response.streaming_content)
    assert ogr2ogr_children() == []
    assert export_directories() - before == set()


@pytest.mark.parametrize("export_format", FORMATS)
def test_a_search_that_matches_nothing_is_a_valid_empty_file(client, export_format):
    # The Pacific, far from any group.
    body = download(client, "studygroups", export_format, bbox="-150,-10,-140,0")
    if export_format == "geojson":
        assert json.loads(body)["features"] == []
    elif export_format == "geojsons":
        assert body == b""
    elif export_format == "csv":
        assert len(csv_rows(client, "studygroups", bbox="-150,-10,-140,0")) == 0
        assert body.decode("utf-8-sig").startswith("id,lon,lat,")
    else:
        name, types, rows = gdal_layer_rows(body, export_format)
        assert (name, rows) == ("studygroups", [])
        assert "capacity" in types


def test_head_answers_the_headers_without_running_the_export(
    client, django_assert_num_queries
):
    before = export_directories()
    with django_assert_num_queries(0):
        response = client.head("/api/studygroups/export.gpkg", {"near": "%s,%s" % BOGOTA})
    assert response.status_code == 200
    assert response["Content-Type"] == FORMATS["gpkg"]
    assert b"".join(response.streaming_content) == b""
    assert ogr2ogr_children() == [] and export_directories() == before
    assert client.head("/api/studygroups/export.gpkg", {"near": "x"}).status_code == 400
