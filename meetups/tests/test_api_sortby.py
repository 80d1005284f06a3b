"""``sortby`` on the events list: near a point, the events within the radius by
date (what the map page lists beside the groups), not only nearest first."""

import pytest
from django.contrib.gis.geos import Point
from pyproj import Geod

from .factories import EventFactory, VenueFactory, hours_from_now

pytestmark = pytest.mark.django_db

GEOD = Geod(ellps="WGS84")
# The Universidad Nacional's campus in Bogotá.
CAMPUS = (-74.0836, 4.6383)


def venue_at(km_north, name):
    """A venue ``km_north`` km due north of the campus (pyproj's geodesic)."""
    lon, lat, _back = GEOD.fwd(*CAMPUS, 0, km_north * 1000)
    return VenueFactory(name=name, location=Point(lon, lat, srid=4326))


def test_near_sorted_by_start_lists_the_radius_soonest_first(client):
    near, nearer = venue_at(8, "Biblioteca Virgilio Barco"), venue_at(1, "Sede")
    far = venue_at(12, "Lejos")
    later_near = EventFactory(venue=nearer, during=hours_from_now(50, 52))
    sooner_farther = EventFactory(venue=near, during=hours_from_now(3, 5))
    EventFactory(venue=far, during=hours_from_now(1, 2))  # outside 10 km
    EventFactory(venue=nearer, during=hours_from_now(-30, -28))  # over
    EventFactory(venue=nearer, during=hours_from_now(2, 3), status="cancelled")
    params = {"near": "%s,%s" % CAMPUS, "radius_km": "10"}

    by_date = client.get("/api/events/", {**params, "sortby": "start"}).json()["features"]
    assert [f["id"] for f in by_date] == [sooner_farther.pk, later_near.pk]
    by_distance = client.get("/api/events/", params).json()["features"]
    assert [f["id"] for f in by_distance] == [later_near.pk, sooner_farther.pk]
    # Each still says how far it is, as pyproj measures it.
    shown = {f["id"]: f["properties"]["distance_m"] for f in by_date}
    assert shown[sooner_farther.pk] == pytest.approx(8000, abs=10)


def test_pages_by_start_follow_on_with_the_cursor(client):
    venue = venue_at(2, "Sede")
    events = [
        EventFactory(venue=venue, during=hours_from_now(10 * n + 1, 10 * n + 2)) for n in range(5)
    ]
    url = "/api/events/"
    params = {"near": "%s,%s" % CAMPUS, "radius_km": "5", "sortby": "start", "limit": 2}
    seen = []
    body = client.get(url, params).json()
    while True:
        seen += [f["id"] for f in body["features"]]
        following = [link["href"] for link in body["links"] if link["rel"] == "next"]
        if not following:
            break
        body = client.get(following[0]).json()
    assert seen == [event.pk for event in events]


@pytest.mark.parametrize(
    "url, params",
    [
        ("/api/events/", {"sortby": "distance"}),  # no point to measure from
        ("/api/events/", {"sortby": "title", "near": "-74.08,4.64"}),
        ("/api/studygroups/", {"sortby": "start"}),
    ],
)
def test_a_sortby_that_cannot_be_done_is_a_400_naming_it(client, url, params):
    response = client.get(url, params)
    assert response.status_code == 400
    assert response.json()["parameter"] == "sortby"
