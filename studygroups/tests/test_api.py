"""The study group GeoJSON API, read on the demo data and written by organizers."""

import json
import re

import pytest
from django.db.models import Q
from pyproj import Geod

from studygroups.models import StudyGroup

pytestmark = pytest.mark.django_db

GEOD = Geod(ellps="WGS84")
UNAL_BOGOTA = (-74.0840, 4.6380)
MEDELLIN = (-75.5812, 6.2442)  # Parque de Berrío


def geodesic_m(a, b):
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def get_json(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    return response.json()


def all_groups(client, **params):
    """Every feature of the list, following the next links."""
    features, url = [], "/api/studygroups/"
    while url:
        body = get_json(client, url, **params)
        features += body["features"]
        params = {}
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
    return features


def test_near_agrees_with_pyproj_and_orders_nearest_first(client, demo_data):
    body = get_json(client, "/api/studygroups/", near="-75.5812,6.2442", radius_km="25")
    expected = {
        pk: geodesic_m(MEDELLIN, (location.x, location.y))
        for pk, location in StudyGroup.objects.exclude(location=None).values_list(
            "pk", "location"
        )
    }
    expected = {pk: d for pk, d in expected.items() if d <= 25_000}

    ids = [feature["id"] for feature in body["features"]]
    assert len(ids) >= 5
    assert set(ids) == set(expected)
    # Nearest first, to within the 0.5% that KNN's spherical distance allows.
    distances = [expected[pk] for pk in ids]
    for nearer, farther in zip(distances, distances[1:]):
        assert farther >= nearer * 0.995
    for feature in body["features"]:
        assert feature["properties"]["distance_m"] == pytest.approx(
            expected[feature["id"]], rel=0.005
        )
    assert body["numberMatched"] == len(expected)


def test_bogota_groups_are_about_240_km_from_medellin(client, demo_data):
    body = get_json(client, "/api/studygroups/", near="-75.5812,6.2442", radius_km="500")
    bogota = [f for f in body["features"] if f["properties"]["city"] == "Bogotá"]
    assert bogota
    for feature in bogota:
        assert 225_000 < feature["properties"]["distance_m"] < 260_000


def test_bbox_equals_a_brute_force_filter(client, demo_data):
    west, south, east, north = -74.2, 4.5, -74.0, 4.8
    features = all_groups(client, bbox=f"{west},{south},{east},{north}", limit="7")
    expected = {
        pk
        for pk, location in StudyGroup.objects.exclude(location=None).values_list(
            "pk", "location"
        )
        if west <= location.x <= east and south <= location.y <= north
    }
    assert len(expected) > 7  # so the walk above crossed pages
    assert sorted(f["id"] for f in features) == sorted(expected)


def test_tile_returns_the_groups_inside_it(client, demo_data):
    # Zoom 6 tile 18/31 holds Bogotá (x from lon, y from lat in Web Mercator).
    body = get_json(client, "/api/studygroups/", tile="6/18/31", limit="1000")
    cities = {f["properties"]["city"] for f in body["features"]}
    assert "Bogotá" in cities
    assert "Madrid" not in cities
    west, south, east, north = -78.75, 0.0, -73.125, 5.615986
    for feature in body["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert west <= lon <= east and south <= lat <= north


def test_text_topic_and_online_filters(client, demo_data):
    python = get_json(client, "/api/studygroups/", topic="python", limit="1000")["features"]
    assert python and all("python" in f["properties"]["topics"] for f in python)

    online = get_json(client, "/api/studygroups/", online="true", limit="1000")["features"]
    assert online and all(f["properties"]["is_online"] for f in online)
    assert all(f["geometry"] is None for f in online)

    # Accents ignored: "calculo" finds "Cálculo" (and, fuzzily, "Calculus"), and
    # the Spanish-named groups rank first.
    found = get_json(client, "/api/studygroups/", q="calculo", limit="1000")["features"]
    texts = [(f["properties"]["name"] + " " + f["properties"]["description"]).lower()
             for f in found]
    assert texts and all("cálculo" in text or "calcul" in text for text in texts)
    assert "cálculo" in texts[0]
    spanish = StudyGroup.objects.filter(
        Q(name__icontains="cálculo") | Q(description__icontains="cálculo")
    ).count()
    assert sum("cálculo" in text for text in texts) == spanish


def test_typos_still_find_the_group(client, demo_data):
    found = get_json(client, "/api/studygroups/", q="pyton", limit="1000")["features"]
    assert found
    assert all("python" in f["properties"]["name"].lower() for f in found[:5])


def test_collection_follows_rfc_7946(client, demo_data):
    response = client.get("/api/studygroups/", {"limit": "1000"})
    text = response.content.decode()
    body = json.loads(text)
    assert body["type"] == "FeatureCollection"
    assert "crs" not in text
    # Never more than 6 decimals in a coordinate.
    assert not re.search(r"\d\.\d{7,}", json.dumps([f["geometry"] for f in body["features"]]))
    lons = [f["geometry"]["coordinates"][0] for f in body["features"] if f["geometry"]]
    lats = [f["geometry"]["coordinates"][1] for f in body["features"] if f["geometry"]]
    assert body["bbox"] == [min(lons), min(lats), max(lons), max(lats)]
    # Meeting areas wind counter-clockwise (right-hand rule): positive shoelace
    # area. Lists carry points; each area comes with its group's detail.
    areas = [
        get_json(client, f"/api/studygroups/{f['id']}/")["properties"]["meeting_area"]
        for f in body["features"]
        if f["properties"]["has_meeting_area"]
    ]
    rings = [area["coordinates"][0] for area in areas if area]
    assert len(rings) >= 3
    for ring in rings:
        assert ring[0] == ring[-1]
        shoelace = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:]))
        assert shoelace > 0


def test_ids_and_properties_are_stable_between_list_and_detail(client, demo_data):
    listed = get_json(client, "/api/studygroups/", near="-74.084,4.638", radius_km="3")
    first = listed["features"][0]
    detail = get_json(client, f"/api/studygroups/{first['id']}/")
    assert detail["type"] == "Feature"
    assert detail["geometry"] == first["geometry"]
    del first["properties"]["distance_m"]
    assert detail["properties"] == {
        **first["properties"],
        "meeting_area": detail["properties"]["meeting_area"],
    }
    again = get_json(client, "/api/studygroups/", near="-74.084,4.638", radius_km="3")
    assert [f["id"] for f in again["features"]] == [f["id"] for f in listed["features"]]


def test_limit_is_clamped_and_pages_link_both_ways(client, demo_data):
    body = get_json(client, "/api/studygroups/", limit="50", offset="50")
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert body["numberReturned"] == 50
    assert body["numberMatched"] == StudyGroup.objects.count()
    assert "cursor=" in rels["next"] and "offset" not in rels["next"]
    assert "offset" not in rels["prev"] and "limit=50" in rels["prev"]
    clamped = get_json(client, "/api/studygroups/", limit="999999")
    assert clamped["numberReturned"] == StudyGroup.objects.count()


def test_a_search_near_a_point_counts_its_matches_in_the_page_query(
    client, demo_data, django_assert_max_num_queries
):
    params = {"q": "python", "near": "-74.084,4.638", "radius_km": "100", "limit": "2"}
    everything = all_groups(client, **params)
    assert len(everything) > 2
    for feature in everything:
        lon, lat = feature["geometry"]["coordinates"]
        assert geodesic_m((-74.084, 4.638), (lon, lat)) <= 100_000 * 1.001
    get_json(client, "/api/studygroups/", **params)  # the SRID's row, read once per process
    with django_assert_max_num_queries(1):
        first = get_json(client, "/api/studygroups/", **params)
    assert first["numberReturned"] == 2
    assert first["numberMatched"] == len(everything)


def test_list_takes_a_fixed_number_of_queries(client, demo_data, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        body = get_json(client, "/api/studygroups/", limit="1000")
    assert len(body["features"]) == StudyGroup.objects.count()
