"""Bad query parameters get a 400 naming the parameter, never a 500; good edge cases get 200.

Every endpoint under /api/ and /ogc/ shares one error shape:
``{"code": "InvalidParameterValue", "parameter": <name>, "description": ...}``.
"""

import json

import pytest
from django.contrib.gis.geos import Point

from meetups.tests.factories import EventFactory, VenueFactory
from studygroups.tests.factories import StudyGroupFactory

GEOJSON = "application/geo+json"
STUDYGROUPS = "/api/studygroups/"
EVENTS = "/api/events/"
VENUES = "/api/venues/"
OGC_STUDYGROUPS = "/ogc/collections/studygroups/items"
OGC_EVENTS = "/ogc/collections/events/items"
OGC_VENUES = "/ogc/collections/venues/items"
# Universidad de Antioquia, Medellín: where the factories put their rows.
MEDELLIN = "-75.5690,6.2675"
# Betio, Tarawa (Kiribati), just west of the antimeridian.
TARAWA = Point(172.979, 1.351, srid=4326)


@pytest.fixture(autouse=True)
def rows(db):
    """A few rows of each kind, so the endpoints have something to filter."""
    StudyGroupFactory.create_batch(2)
    StudyGroupFactory(name="Tarawa readers", city="Betio", location=TARAWA)
    EventFactory.create_batch(2)
    VenueFactory()


def json_body(response):
    assert "json" in response["Content-Type"]
    return json.loads(response.content)


BAD_INPUTS = [
    # near: lon,lat in WGS84.
    pytest.param(STUDYGROUPS, {"near": "200,10"}, "near", id="near-lon-above-180"),
    pytest.param(STUDYGROUPS, {"near": "abc"}, "near", id="near-not-a-number"),
    pytest.param(STUDYGROUPS, {"near": "1"}, "near", id="near-one-number"),
    pytest.param(STUDYGROUPS, {"near": "NaN,inf"}, "near", id="near-not-finite"),
    pytest.param(STUDYGROUPS, {"near": "1,2,3"}, "near", id="near-three-numbers"),
    pytest.param(STUDYGROUPS, {"near": ""}, "near", id="near-empty"),
    pytest.param(STUDYGROUPS, {"near": "-74,95"}, "near", id="near-lat-above-90"),
    pytest.param(STUDYGROUPS, {"near": "-74,abc"}, "near", id="near-lat-not-a-number"),
    pytest.param(EVENTS, {"near": "-181,0"}, "near", id="events-near-lon-below-180"),
    pytest.param(VENUES, {"near": "0,-90.5"}, "near", id="venues-near-lat-below-90"),
    # radius_km: above 0, at most 500, only with near.
    pytest.param(
        STUDYGROUPS, {"near": MEDELLIN, "radius_km": "-1"}, "radius_km", id="radius-negative"
    ),
    pytest.param(STUDYGROUPS, {"near": MEDELLIN, "radius_km": "0"}, "radius_km", id="radius-zero"),
    pytest.param(
        STUDYGROUPS, {"near": MEDELLIN, "radius_km": "abc"}, "radius_km", id="radius-not-a-number"
    ),
    pytest.param(
        STUDYGROUPS, {"near": MEDELLIN, "radius_km": "501"}, "radius_km", id="radius-above-500"
    ),
    pytest.param(
        STUDYGROUPS, {"near": MEDELLIN, "radius_km": "nan"}, "radius_km", id="radius-nan"
    ),
    pytest.param(
        STUDYGROUPS, {"near": MEDELLIN, "radius_km": ""}, "radius_km", id="radius-empty"
    ),
    pytest.param(STUDYGROUPS, {"radius_km": "5"}, "radius_km", id="radius-without-near"),
    pytest.param(VENUES, {"radius_km": "5"}, "radius_km", id="venues-radius-without-near"),
    # bbox: west,south,east,north (or six numbers).
    pytest.param(STUDYGROUPS, {"bbox": "1,2,3"}, "bbox", id="bbox-three-numbers"),
    pytest.param(STUDYGROUPS, {"bbox": "1,2,3,4,5"}, "bbox", id="bbox-five-numbers"),
    pytest.param(STUDYGROUPS, {"bbox": "-76,7,-75,6"}, "bbox", id="bbox-south-above-north"),
    pytest.param(STUDYGROUPS, {"bbox": "190,0,10,10"}, "bbox", id="bbox-lon-190"),
    pytest.param(STUDYGROUPS, {"bbox": "0,-91,10,10"}, "bbox", id="bbox-lat-below-90"),
    pytest.param(STUDYGROUPS, {"bbox": "a,b,c,d"}, "bbox", id="bbox-letters"),
    pytest.param(STUDYGROUPS, {"bbox": "nan,0,1,1"}, "bbox", id="bbox-nan"),
    pytest.param(STUDYGROUPS, {"bbox": ""}, "bbox", id="bbox-empty"),
    pytest.param(EVENTS, {"bbox": "0,0,1"}, "bbox", id="events-bbox-three-numbers"),
    # tile: z/x/y with z at most 24 and x, y below 2**z.
    pytest.param(STUDYGROUPS, {"tile": "99/0/0"}, "tile", id="tile-zoom-99"),
    pytest.param(STUDYGROUPS, {"tile": "a/b/c"}, "tile", id="tile-letters"),
    pytest.param(STUDYGROUPS, {"tile": "3/8/0"}, "tile", id="tile-x-out-of-range"),
    pytest.param(STUDYGROUPS, {"tile": "3/0/8"}, "tile", id="tile-y-out-of-range"),
    pytest.param(STUDYGROUPS, {"tile": "1/0"}, "tile", id="tile-two-parts"),
    pytest.param(STUDYGROUPS, {"tile": "-1/0/0"}, "tile", id="tile-negative-zoom"),
    pytest.param(STUDYGROUPS, {"tile": ""}, "tile", id="tile-empty"),
    pytest.param(
        STUDYGROUPS,
        {"tile": "\N{SUPERSCRIPT TWO}/0/0"},
        "tile",
        id="tile-superscript-digit",
    ),
    pytest.param(
        STUDYGROUPS,
        {"tile": "1/" + "0" * 5000 + "/0"},
        "tile",
        id="tile-more-digits-than-int-converts",
    ),
    # limit and offset: whole numbers, limit at least 1, offset at least 0.
    pytest.param(STUDYGROUPS, {"limit": "-5"}, "limit", id="limit-negative"),
    pytest.param(STUDYGROUPS, {"limit": "abc"}, "limit", id="limit-not-a-number"),
    pytest.param(STUDYGROUPS, {"limit": "0"}, "limit", id="limit-zero"),
    pytest.param(STUDYGROUPS, {"limit": "1.5"}, "limit", id="limit-fraction"),
    pytest.param(STUDYGROUPS, {"offset": "-1"}, "offset", id="offset-negative"),
    pytest.param(STUDYGROUPS, {"offset": "x"}, "offset", id="offset-not-a-number"),
    pytest.param(
        STUDYGROUPS,
        {"offset": str(2**63)},
        "offset",
        id="offset-beyond-bigint",
    ),
    pytest.param(VENUES, {"limit": "0"}, "limit", id="venues-limit-zero"),
    # Each kind's own parameters.
    pytest.param(STUDYGROUPS, {"online": "maybe"}, "online", id="online-maybe"),
    pytest.param(EVENTS, {"online": ""}, "online", id="events-online-empty"),
    pytest.param(EVENTS, {"start": "yesterday"}, "start", id="events-start-yesterday"),
    pytest.param(
        EVENTS, {"start": "2026-13-01T00:00:00Z"}, "start", id="events-start-month-13"
    ),
    pytest.param(
        EVENTS, {"start": "2026-12-01T10:00:00"}, "start", id="events-start-without-time-zone"
    ),
    pytest.param(EVENTS, {"start": ""}, "start", id="events-start-empty"),
    pytest.param(EVENTS, {"end": "2026-02-30"}, "end", id="events-end-february-30"),
    pytest.param(
        EVENTS,
        {"start": "2026-12-10T00:00:00Z", "end": "2026-12-01T00:00:00Z"},
        "end",
        id="events-end-before-start",
    ),
    pytest.param(
        EVENTS,
        {"start": "2026-12-01T00:00:00Z", "end": "2026-12-01T00:00:00Z"},
        "end",
        id="events-end-equals-start",
    ),
    pytest.param(EVENTS, {"status": "bogus"}, "status", id="events-status-bogus"),
    pytest.param(EVENTS, {"status": ""}, "status", id="events-status-empty"),
    pytest.param(EVENTS, {"study_group": "abc"}, "study_group", id="events-study-group-letters"),
    pytest.param(EVENTS, {"study_group": "0"}, "study_group", id="events-study-group-zero"),
    pytest.param(VENUES, {"study_group": "abc"}, "study_group", id="venues-study-group-letters"),
    # Text filters: PostgreSQL text cannot hold NUL.
    *(
        pytest.param(
            url,
            {name: "a\x00b"},
            name,
            id=f"{url.strip('/').replace('/', '-')}-{name}-with-nul",
        )
        for url, name in [
            (STUDYGROUPS, "q"),
            (STUDYGROUPS, "topic"),
            (EVENTS, "q"),
            (EVENTS, "topic"),
            (VENUES, "q"),
        ]
    ),
    # Unknown parameters are named, not ignored.
    pytest.param(STUDYGROUPS, {"foo": "1"}, "foo", id="studygroups-unknown-foo"),
    pytest.param(STUDYGROUPS, {"start": "2026-12-01"}, "start", id="studygroups-unknown-start"),
    pytest.param(VENUES, {"online": "true"}, "online", id="venues-unknown-online"),
    pytest.param(EVENTS, {"datetime": "2026-12-01"}, "datetime", id="events-unknown-datetime"),
    # OGC API - Features.
    pytest.param(OGC_STUDYGROUPS, {"near": "1,2"}, "near", id="ogc-items-unknown-near"),
    pytest.param(OGC_STUDYGROUPS, {"foo": "bar"}, "foo", id="ogc-items-unknown-foo"),
    pytest.param(OGC_STUDYGROUPS, {"tile": "0/0/0"}, "tile", id="ogc-items-unknown-tile"),
    pytest.param(OGC_STUDYGROUPS, {"bbox": "1,2,3"}, "bbox", id="ogc-items-bbox-three-numbers"),
    pytest.param(OGC_VENUES, {"bbox": "0,10,1,5"}, "bbox", id="ogc-venues-bbox-south-above-north"),
    pytest.param(OGC_STUDYGROUPS, {"limit": "abc"}, "limit", id="ogc-items-limit-not-a-number"),
    pytest.param(OGC_EVENTS, {"limit": "0"}, "limit", id="ogc-events-limit-zero"),
    pytest.param(OGC_EVENTS, {"offset": "-1"}, "offset", id="ogc-events-offset-negative"),
    pytest.param(OGC_EVENTS, {"datetime": "garbage"}, "datetime", id="ogc-datetime-garbage"),
    pytest.param(
        OGC_EVENTS,
        {"datetime": "2026-12-10T00:00:00Z/2026-12-01T00:00:00Z"},
        "datetime",
        id="ogc-datetime-ends-before-start",
    ),
    pytest.param(OGC_EVENTS, {"datetime": "../.."}, "datetime", id="ogc-datetime-open-both-ends"),
    pytest.param(
        OGC_EVENTS, {"datetime": "2026-12-01/2026-12-02/2026-12-03"}, "datetime",
        id="ogc-datetime-three-parts",
    ),
    pytest.param(
        OGC_EVENTS, {"datetime": "2026-12-01T10:00:00"}, "datetime",
        id="ogc-datetime-without-time-zone",
    ),
    pytest.param(
        OGC_VENUES, {"datetime": "2026-12-01"}, "datetime", id="ogc-venues-unknown-datetime"
    ),
    pytest.param(OGC_STUDYGROUPS, {"f": "xml"}, "f", id="ogc-items-f-xml"),
    pytest.param("/ogc/", {"f": "xml"}, "f", id="ogc-landing-f-xml"),
    pytest.param("/ogc/", {"foo": "1"}, "foo", id="ogc-landing-unknown-foo"),
    pytest.param("/ogc/conformance", {"f": "xml"}, "f", id="ogc-conformance-f-xml"),
    pytest.param("/ogc/collections", {"bbox": "0,0,1,1"}, "bbox", id="ogc-collections-unknown"),
    pytest.param(
        "/ogc/collections/studygroups", {"limit": "1"}, "limit", id="ogc-collection-unknown"
    ),
    pytest.param(
        "/ogc/collections/studygroups/items/1", {"foo": "1"}, "foo", id="ogc-item-unknown-foo"
    ),
    # Two signs: int() refused "--5" with a ValueError, a 500.
    pytest.param(STUDYGROUPS, {"offset": "--5"}, "offset", id="offset-two-minus-signs"),
    pytest.param(STUDYGROUPS, {"limit": "--5"}, "limit", id="limit-two-minus-signs"),
    pytest.param(EVENTS, {"study_group": "--1"}, "study_group", id="study-group-two-signs"),
    pytest.param(OGC_STUDYGROUPS, {"limit": "-+5"}, "limit", id="ogc-limit-two-signs"),
    # format: no renderer switch (DRF's, which answered a 404 naming nothing)
    # but a parameter these lists do not know.
    pytest.param(STUDYGROUPS, {"format": "csv"}, "format", id="format-csv"),
    pytest.param(EVENTS, {"format": "xml"}, "format", id="events-format-xml"),
    pytest.param(VENUES, {"format": "json"}, "format", id="venues-format-json"),
    pytest.param("/api/places/", {"q": "Madrid", "format": "xml"}, "format", id="places-format"),
    pytest.param(OGC_STUDYGROUPS, {"format": "xml"}, "format", id="ogc-items-format"),
]


@pytest.mark.parametrize("url, params, parameter", BAD_INPUTS)
def test_bad_parameter_is_a_400_naming_it(client, url, params, parameter):
    response = client.get(url, params)

    assert response.status_code == 400
    body = json_body(response)
    assert body["code"] == "InvalidParameterValue"
    assert body["parameter"] == parameter
    assert body["description"]


def test_bad_inputs_table_is_long_enough():
    assert len(BAD_INPUTS) >= 40


def features(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith(GEOJSON)
    body = json.loads(response.content)
    assert body["type"] == "FeatureCollection"
    return body["features"]


def names(response):
    return {feature["properties"]["name"] for feature in features(response)}


def test_bbox_across_the_antimeridian_finds_the_pacific_side(client):
    found = names(client.get(STUDYGROUPS, {"bbox": "170,-10,-170,10"}))

    assert found == {"Tarawa readers"}


def test_ogc_bbox_across_the_antimeridian_finds_the_pacific_side(client):
    found = features(client.get(OGC_STUDYGROUPS, {"bbox": "170,-10,-170,10"}))

    assert [feature["properties"]["name"] for feature in found] == ["Tarawa readers"]


def test_huge_limit_is_clamped_not_refused(client):
    response = client.get(STUDYGROUPS, {"limit": "999999"})

    features(response)
    assert json.loads(response.content)["numberReturned"] <= 10_000


def test_ogc_huge_limit_is_refused_naming_it(client):
    response = client.get(OGC_STUDYGROUPS, {"limit": "999999"})

    assert response.status_code == 400
    assert response.json()["parameter"] == "limit"


def test_near_with_the_largest_radius_is_accepted(client):
    found = features(client.get(STUDYGROUPS, {"near": MEDELLIN, "radius_km": "500"}))

    assert found
    assert all(feature["properties"]["distance_m"] <= 500_000 for feature in found)


def test_whole_world_tile_is_accepted(client):
    found = names(client.get(STUDYGROUPS, {"tile": "0/0/0"}))

    # Every row lies between the Mercator tile's ±85.05° edges.
    assert found == names(client.get(STUDYGROUPS))
    assert "Tarawa readers" in found


def test_six_number_bbox_ignores_heights(client):
    found = names(client.get(STUDYGROUPS, {"bbox": "-76,6,-100,-75,7,2000"}))

    assert found and "Tarawa readers" not in found


@pytest.mark.parametrize(
    "url, params",
    [
        pytest.param(EVENTS, {"status": "any"}, id="events-status-any"),
        pytest.param(EVENTS, {"start": "2026-12-01"}, id="events-start-full-date"),
        pytest.param(EVENTS, {"start": "2026-12-08T18:00:00-05:00"}, id="events-start-offset"),
        pytest.param(OGC_EVENTS, {"datetime": "2026-12-01T00:00:00Z/.."}, id="ogc-open-end"),
        pytest.param(OGC_EVENTS, {"datetime": "../2026-12-01T00:00:00Z"}, id="ogc-open-start"),
        pytest.param(OGC_VENUES, {"f": "json"}, id="ogc-f-json"),
        pytest.param(VENUES, {"limit": "", "offset": ""}, id="venues-empty-limit-offset"),
    ],
)
def test_valid_edge_input_is_a_geojson_200(client, url, params):
    features(client.get(url, params))


@pytest.mark.parametrize(
    "url",
    [
        "/api/studygroups/999999/",
        "/api/events/999999/",
        "/api/venues/999999/",
        "/ogc/collections/nope",
        "/ogc/collections/nope/items",
        "/ogc/collections/nope/items/1",
        "/ogc/collections/studygroups/items/999999",
        "/ogc/collections/events/items/999999",
        # Addresses no route answers are JSON too, under /api/ and /ogc/.
        "/api/studygroups/abc/",
        "/api/events/1.5/",
        "/api/nothing-here/",
        "/ogc/collections/studygroups/items/abc/extra",
    ],
)
def test_missing_thing_is_a_json_404(client, url):
    response = client.get(url)

    assert response.status_code == 404
    assert json_body(response)["code"] == "NotFound"


def test_a_missing_id_is_named_by_its_collections_title_in_the_callers_language(client, db):
    response = client.get("/api/studygroups/999999/", HTTP_ACCEPT_LANGUAGE="es")
    assert json_body(response)["description"] == "Grupos de estudio: ninguno tiene el id 999999."
