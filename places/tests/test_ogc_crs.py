"""OGC API - Features Part 2 (CRS by reference) at /ogc/, and its strict parameters.

Expected coordinates come from pyproj (PROJ), never from places.crs; expected
rows from brute force over the ORM's lon/lat.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.gis.geos import Point
from pyproj import Transformer

from meetups.models import Venue
from studygroups.models import StudyGroup

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
CRS_CONFORMANCE = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"
TO_MERCATOR = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
MAX_LIMIT = 10_000
# Bogotá, lon/lat: west, south, east, north.
BOGOTA = (-74.2, 4.45, -73.95, 4.85)


def items(client, collection="venues", **params):
    response = client.get(f"/ogc/collections/{collection}/items", params)
    assert response.status_code == 200, response.content[:500]
    return response


def venue_locations():
    return {pk: (p.x, p.y) for pk, p in Venue.objects.exclude(location=None).values_list(
        "pk", "location")}


def inside(points, west, south, east, north):
    return {
        pk for pk, (lon, lat) in points.items()
        if south <= lat <= north and (west <= lon <= east if west <= east else
                                      lon >= west or lon <= east)
    }


def mercator_box(west, south, east, north):
    (x1, x2), (y1, y2) = TO_MERCATOR.transform([west, east], [south, north])
    return x1, y1, x2, y2


def test_conformance_declares_part_2_crs(client):
    conforms_to = client.get("/ogc/conformance").json()["conformsTo"]

    assert CRS_CONFORMANCE in conforms_to


@pytest.mark.parametrize("collection_id", ["studygroups", "events", "venues"])
def test_collections_list_their_crs_and_storage_crs(client, collection_id):
    alone = client.get(f"/ogc/collections/{collection_id}").json()
    (listed,) = [
        c for c in client.get("/ogc/collections").json()["collections"] if c["id"] == collection_id
    ]

    for collection in (alone, listed):
        assert collection["crs"] == [CRS84, EPSG_4326, EPSG_3857]
        assert collection["storageCrs"] == CRS84


def test_items_default_to_crs84_and_say_so(client):
    response = items(client, limit=5)

    assert response["Content-Crs"] == f"<{CRS84}>"


def test_items_in_3857_are_web_mercator_metres_from_pyproj(client):
    points = venue_locations()

    response = items(client, crs=EPSG_3857, limit=MAX_LIMIT)

    assert response["Content-Crs"] == f"<{EPSG_3857}>"
    features = [f for f in response.json()["features"] if f["geometry"]]
    assert len(features) == len(points)
    for feature in features:
        expected = TO_MERCATOR.transform(*points[feature["id"]])
        assert feature["geometry"]["coordinates"] == pytest.approx(expected, abs=0.01)
    xs, ys = zip(*(TO_MERCATOR.transform(*point) for point in points.values()))
    expected_bbox = [min(xs), min(ys), max(xs), max(ys)]
    assert response.json()["bbox"] == pytest.approx(expected_bbox, abs=0.01)


def test_items_in_epsg_4326_put_latitude_first(client):
    points = venue_locations()

    response = items(client, crs=EPSG_4326, limit=MAX_LIMIT)

    assert response["Content-Crs"] == f"<{EPSG_4326}>"
    page = response.json()
    for feature in page["features"]:
        lon, lat = points[feature["id"]]
        assert feature["geometry"]["coordinates"] == pytest.approx([lat, lon], abs=1e-6)
    lons, lats = zip(*points.values())
    assert page["bbox"] == pytest.approx([min(lats), min(lons), max(lats), max(lons)], abs=1e-6)


def test_item_in_3857_with_its_content_crs(client):
    pk, (lon, lat) = min(venue_locations().items())

    response = client.get(f"/ogc/collections/venues/items/{pk}", {"crs": EPSG_3857})

    assert response.status_code == 200
    assert response["Content-Crs"] == f"<{EPSG_3857}>"
    assert response.json()["geometry"]["coordinates"] == pytest.approx(
        TO_MERCATOR.transform(lon, lat), abs=0.01
    )


def test_safe_curie_names_a_crs(client):
    response = items(client, crs="[EPSG:3857]", limit=1)

    assert response["Content-Crs"] == f"<{EPSG_3857}>"


@pytest.mark.parametrize(
    "box",
    [BOGOTA, (-9.5, 35.9, 3.4, 43.8), (170.0, -60.0, -70.0, 30.0)],
    ids=["bogota", "spain", "antimeridian"],
)
def test_bbox_in_3857_selects_the_rows_of_the_same_box_in_lon_lat(client, box):
    expected = inside(venue_locations(), *box)

    page = items(
        client, bbox=",".join(map(repr, mercator_box(*box))), **{"bbox-crs": EPSG_3857},
        limit=MAX_LIMIT,
    ).json()

    assert {f["id"] for f in page["features"]} == expected
    assert page["numberMatched"] == len(expected)


def test_bbox_in_epsg_4326_is_south_west_north_east(client):
    west, south, east, north = BOGOTA
    expected = inside(venue_locations(), *BOGOTA)

    page = items(
        client, bbox=f"{south},{west},{north},{east}", **{"bbox-crs": EPSG_4326},
        limit=MAX_LIMIT,
    ).json()

    assert expected
    assert {f["id"] for f in page["features"]} == expected


def test_bbox_in_3857_wider_than_the_world_is_every_located_row(client):
    page = items(
        client, bbox="-4e7,-1e9,4e7,1e9", **{"bbox-crs": EPSG_3857}, limit=MAX_LIMIT
    ).json()

    assert {f["id"] for f in page["features"]} == set(venue_locations())


def test_points_near_the_poles_project_instead_of_failing(client):
    polar = Venue.objects.create(name="Polo", location=Point(10, 90, srid=4326), capacity=5)

    response = client.get(f"/ogc/collections/venues/items/{polar.pk}", {"crs": EPSG_3857})

    assert response.status_code == 200
    x, y = response.json()["geometry"]["coordinates"]
    assert x == pytest.approx(TO_MERCATOR.transform(10, 0)[0], abs=0.01)
    assert y > 2e7


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"crs": "http://www.opengis.net/def/crs/EPSG/0/32618"}, "crs"),
        ({"crs": "EPSG:3857"}, "crs"),
        ({"bbox": "1,2,3,4", "bbox-crs": "urn:ogc:def:crs:EPSG::2000"}, "bbox-crs"),
        ({"bbox": "4.4,-74.2,4.8"}, "bbox"),
        ({"bbox": "4.8,-74.2,4.4,-73.9", "bbox-crs": EPSG_4326}, "bbox"),
        ({"bbox": "4.4,-74.2,95,-73.9", "bbox-crs": EPSG_4326}, "bbox"),
        ({"bbox": "0,10,1,5", "bbox-crs": EPSG_3857}, "bbox"),
        ({"bbox": "0,nan,1,5", "bbox-crs": EPSG_3857}, "bbox"),
        ({"limit": "unlimited"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"limit": str(MAX_LIMIT + 1)}, "limit"),
        ({"limit": "99999999999999999999999"}, "limit"),
        ({"resultType": "hits"}, "resultType"),
        ({"srsName": "EPSG:3857"}, "srsName"),
        ({"f": "xml"}, "f"),
    ],
)
def test_bad_parameters_are_400_naming_them(client, params, parameter):
    response = client.get("/ogc/collections/venues/items", params)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "InvalidParameterValue"
    assert body["parameter"] == parameter
    assert body["description"]


@pytest.mark.parametrize("params", [{"crs": "EPSG:4326"}, {"bbox": "1,2,3,4"}, {"limit": "5"}])
def test_single_items_refuse_what_only_lists_take(client, params):
    pk = Venue.objects.values_list("pk", flat=True).first()

    response = client.get(f"/ogc/collections/venues/items/{pk}", params)

    assert response.status_code == 400
    assert response.json()["parameter"] == next(iter(params))


def test_limit_of_10000_is_served(client):
    page = items(client, "studygroups", limit=MAX_LIMIT).json()

    assert page["numberReturned"] == StudyGroup.objects.count()


def test_next_links_keep_crs_and_bbox_crs_and_walk_every_row_once(client):
    box = mercator_box(*BOGOTA)
    expected = inside(venue_locations(), *BOGOTA)
    params = {"crs": EPSG_3857, "bbox-crs": EPSG_3857, "bbox": ",".join(map(repr, box))}
    url = "/ogc/collections/venues/items"
    seen, pages = [], 0
    response = client.get(url, {**params, "limit": 2})
    while True:
        assert response.status_code == 200
        assert response["Content-Crs"] == f"<{EPSG_3857}>"
        page = response.json()
        pages += 1
        seen += [f["id"] for f in page["features"]]
        for feature in page["features"]:
            assert abs(feature["geometry"]["coordinates"][0]) > 1e6  # metres, not degrees
        nexts = [link for link in page["links"] if link["rel"] == "next"]
        if not nexts:
            break
        (next_link,) = nexts
        assert next_link["type"] == "application/geo+json"
        query = parse_qs(urlsplit(next_link["href"]).query)
        assert query["crs"] == [EPSG_3857] and query["bbox-crs"] == [EPSG_3857]
        response = client.get(next_link["href"])

    assert len(expected) > 2 and pages == -(-len(expected) // 2)
    assert sorted(seen) == sorted(expected)


def test_prev_links_keep_crs(client):
    page = items(client, crs=EPSG_3857, limit=2, offset=2).json()

    (prev,) = [link for link in page["links"] if link["rel"] == "prev"]
    assert prev["type"] == "application/geo+json"
    assert parse_qs(urlsplit(prev["href"]).query)["crs"] == [EPSG_3857]


def test_api_lists_still_clamp_and_know_no_crs(client):
    assert client.get("/api/venues/", {"crs": EPSG_3857}).status_code == 400
    assert client.get("/api/venues/", {"limit": MAX_LIMIT + 1}).status_code == 200
