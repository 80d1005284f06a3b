"""Spatial queries on the demo data, checked against pyproj's geodesics on WGS84."""

import pytest
from django.contrib.gis.geos import Point
from pyproj import Geod

from studygroups.models import StudyGroup

pytestmark = pytest.mark.django_db

GEOD = Geod(ellps="WGS84")
# Universidad Nacional de Colombia, Bogotá campus (Plaza Che / Ciudad Universitaria).
UNAL_BOGOTA = (-74.0840, 4.6380)
# Universidad de Antioquia, Medellín.
UDEA_MEDELLIN = (-75.5690, 6.2675)


def geodesic_m(a, b):
    """Distance in meters between two (lon, lat) points on the WGS84 ellipsoid."""
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def within_by_brute_force(origin, radius_m):
    """{pk: distance_m} of every in-person group within radius_m, by pyproj."""
    distances = {
        pk: geodesic_m(origin, (location.x, location.y))
        for pk, location in StudyGroup.objects.exclude(location=None).values_list(
            "pk", "location"
        )
    }
    return {pk: d for pk, d in distances.items() if d <= radius_m}


def test_groups_within_5_km_of_unal_bogota_match_pyproj(demo_data):
    expected = within_by_brute_force(UNAL_BOGOTA, 5_000)
    found = StudyGroup.objects.near(Point(*UNAL_BOGOTA, srid=4326), radius_m=5_000)

    assert len(expected) >= 12, "the demo data should have many groups around UNAL"
    assert {group.pk for group in found} == set(expected)
    for group in found:
        assert group.distance_m == pytest.approx(expected[group.pk], abs=1.0)


def test_near_orders_nearest_first(demo_data):
    found = list(
        StudyGroup.objects.near(Point(*UNAL_BOGOTA, srid=4326), radius_m=20_000).values_list(
            "pk", flat=True
        )
    )
    expected = within_by_brute_force(UNAL_BOGOTA, 20_000)
    assert set(found) == set(expected)
    # KNN (<->) measures on a sphere: neighbours may swap only when their
    # WGS84 distances differ by under 0.5%.
    distances = [expected[pk] for pk in found]
    for nearer, farther in zip(distances, distances[1:]):
        assert farther >= nearer * 0.995
    assert len(found) > len(within_by_brute_force(UNAL_BOGOTA, 5_000))


def test_near_leaves_out_online_groups(demo_data):
    assert StudyGroup.objects.filter(is_online=True, location=None).exists()
    near = StudyGroup.objects.near(Point(*UNAL_BOGOTA, srid=4326), radius_m=20_000_000)
    assert not near.filter(is_online=True, location=None).exists()
    assert near.count() == StudyGroup.objects.exclude(location=None).count()


def test_bogota_to_medellin_is_about_240_km(demo_data):
    # A known real distance, independent of both PostGIS and the demo data.
    assert geodesic_m(UNAL_BOGOTA, UDEA_MEDELLIN) == pytest.approx(240_000, rel=0.03)
    bogota = Point(*UNAL_BOGOTA, srid=4326)
    medellin_groups = StudyGroup.objects.filter(city="Medellín").exclude(location=None)
    assert medellin_groups.exists()
    assert not StudyGroup.objects.near(bogota, radius_m=200_000).filter(city="Medellín")
    reached = StudyGroup.objects.near(bogota, radius_m=300_000).filter(city="Medellín")
    assert set(reached) == set(medellin_groups)
    for group in reached:
        assert 200_000 < group.distance_m < 300_000
