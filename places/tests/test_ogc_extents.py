"""The OGC API collections' extents hold every row, and follow each write at once.

The extents are read from indexes (places.querysets.SpatialQuerySet.extent,
places.ogc.time_extent); test_query_plans shows that on 50,000 rows. Here the
expected boxes and intervals are the rows' own coordinates and times.
"""

import datetime
import math
import random

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from psycopg2.extras import DateTimeTZRange

from meetups.models import Event
from meetups.tests.factories import EventFactory, VenueFactory
from studygroups.models import StudyGroup
from studygroups.tests.factories import StudyGroupFactory

pytestmark = pytest.mark.django_db

# (lon, lat)
BOGOTA = (-74.0721, 4.7110)
MEDELLIN = (-75.5690, 6.2675)
TOKYO = (139.6917, 35.6895)
# Amundsen-Scott station: beyond the latitudes of the tiles' Web Mercator grid.
SOUTH_POLE = (0.0, -90.0)
# Extents are published with 6 decimals, rounded outward.
DECIMALS_STEP = 1e-6


def point(lon_lat):
    return Point(*lon_lat, srid=4326)


def spatial_extent(client, collection_id):
    response = client.get(f"/ogc/collections/{collection_id}")
    assert response.status_code == 200, response.content[:300]
    (bbox,) = response.json()["extent"]["spatial"]["bbox"]
    return bbox


def temporal_extent(client):
    response = client.get("/ogc/collections/events")
    assert response.status_code == 200, response.content[:300]
    ((start, end),) = response.json()["extent"]["temporal"]["interval"]
    return [value and datetime.datetime.fromisoformat(value) for value in (start, end)]


def days_from_now(start_days, end_days):
    now = timezone.now().replace(microsecond=0)
    return DateTimeTZRange(
        now + datetime.timedelta(days=start_days), now + datetime.timedelta(days=end_days), "[)"
    )


def test_the_spatial_extent_is_the_least_box_holding_every_row(client):
    rng = random.Random(2026)
    places = [(rng.uniform(-180, 180), rng.uniform(-90, 90)) for _ in range(40)]
    for place in places:
        StudyGroupFactory(location=point(place))
    lons, lats = zip(*places)

    west, south, east, north = spatial_extent(client, "studygroups")

    assert min(lons) - DECIMALS_STEP <= west <= min(lons)
    assert min(lats) - DECIMALS_STEP <= south <= min(lats)
    assert max(lons) <= east <= max(lons) + DECIMALS_STEP
    assert max(lats) <= north <= max(lats) + DECIMALS_STEP


def test_a_group_written_far_away_widens_the_extent(client):
    StudyGroupFactory(location=point(BOGOTA))
    StudyGroupFactory(location=point(MEDELLIN))
    assert spatial_extent(client, "studygroups") == [
        MEDELLIN[0], BOGOTA[1], BOGOTA[0], MEDELLIN[1]
    ]

    StudyGroupFactory(location=point(SOUTH_POLE))

    assert spatial_extent(client, "studygroups") == [
        MEDELLIN[0], SOUTH_POLE[1], SOUTH_POLE[0], MEDELLIN[1]
    ]


def test_deleting_the_outermost_group_shrinks_the_extent(client):
    StudyGroupFactory(location=point(BOGOTA))
    StudyGroupFactory(location=point(MEDELLIN))
    tokyo = StudyGroupFactory(location=point(TOKYO))
    assert spatial_extent(client, "studygroups") == [
        MEDELLIN[0], BOGOTA[1], TOKYO[0], TOKYO[1]
    ]

    tokyo.delete()

    assert spatial_extent(client, "studygroups") == [
        MEDELLIN[0], BOGOTA[1], BOGOTA[0], MEDELLIN[1]
    ]


def test_moving_a_venue_moves_the_extent(client):
    VenueFactory(location=point(MEDELLIN))
    venue = VenueFactory(location=point(BOGOTA))

    venue.location = point(TOKYO)
    venue.save()

    assert spatial_extent(client, "venues") == [MEDELLIN[0], MEDELLIN[1], TOKYO[0], TOKYO[1]]


def test_groups_without_a_location_are_left_out_of_the_extent(client):
    StudyGroupFactory(location=point(BOGOTA))
    StudyGroupFactory(location=None, is_online=True)

    assert spatial_extent(client, "studygroups") == [BOGOTA[0], BOGOTA[1], BOGOTA[0], BOGOTA[1]]


def test_an_empty_collection_spans_the_world_and_has_no_interval(client):
    assert not Event.objects.exists()

    assert spatial_extent(client, "events") == [-180, -90, 180, 90]
    assert temporal_extent(client) == [None, None]


def test_past_and_cancelled_events_are_inside_the_extents(client):
    upcoming = EventFactory(venue=None, location=point(MEDELLIN), during=days_from_now(2, 3))
    past = EventFactory(
        venue=None,
        location=point(TOKYO),
        during=DateTimeTZRange(
            datetime.datetime(2020, 3, 1, 9, tzinfo=datetime.UTC),
            datetime.datetime(2020, 3, 1, 11, tzinfo=datetime.UTC),
        ),
        status=Event.Status.CANCELLED,
    )

    assert spatial_extent(client, "events") == [MEDELLIN[0], MEDELLIN[1], TOKYO[0], TOKYO[1]]
    assert temporal_extent(client) == [past.during.lower, upcoming.during.upper]


def test_the_latest_end_can_belong_to_an_event_that_started_earlier(client):
    long_one = EventFactory(during=days_from_now(10, 30))
    last_to_start = EventFactory(during=days_from_now(20, 21))
    EventFactory(during=days_from_now(1, 2))

    start, end = temporal_extent(client)

    assert last_to_start.during.lower > long_one.during.lower
    assert end == long_one.during.upper


def test_an_event_written_later_extends_the_temporal_extent(client):
    first = EventFactory(during=days_from_now(1, 2))
    EventFactory(during=days_from_now(3, 4))
    later = EventFactory(during=days_from_now(40, 41))

    assert temporal_extent(client) == [first.during.lower, later.during.upper]


def test_deleting_the_last_event_to_end_shrinks_the_temporal_extent(client):
    first = EventFactory(during=days_from_now(1, 2))
    second = EventFactory(during=days_from_now(3, 5))
    last = EventFactory(during=days_from_now(4, 6))

    last.delete()

    assert temporal_extent(client) == [first.during.lower, second.during.upper]


def test_edges_are_exact_where_rounding_ties_the_nearest_rows(client):
    # Two groups at the Royal Observatory, Greenwich, one a hair west of the
    # prime meridian: lon + 181 rounds to 181.0 for both, so the KNN walk
    # cannot tell which is nearer to the west line.
    greenwich = (0.0, 51.4769)
    hair_west = (-1e-15, 51.4769)
    for place in (greenwich, hair_west):
        StudyGroupFactory(location=point(place))
    assert hair_west[0] + 181 == greenwich[0] + 181

    west, south, east, north = StudyGroup.objects.extent()

    assert (west, east) == (hair_west[0], greenwich[0])
    published_west = spatial_extent(client, "studygroups")[0]
    assert published_west <= hair_west[0]
    assert math.isclose(published_west, -DECIMALS_STEP)
