import math

import pytest
from django.contrib.gis.geos import Point, Polygon
from django.core.exceptions import ValidationError

from places.validators import validate_wgs84


@pytest.mark.parametrize(
    "lon, lat",
    [(-74.084, 4.638), (-180, -90), (180, 90), (0, 0), (-3.7038, 40.4168)],
)
def test_points_inside_wgs84_ranges_are_accepted(lon, lat):
    validate_wgs84(Point(lon, lat, srid=4326))


@pytest.mark.parametrize(
    "lon, lat",
    [(200, 10), (-180.0001, 0), (10, 95), (10, -90.5), (181, 91)],
)
def test_points_outside_wgs84_ranges_are_refused(lon, lat):
    with pytest.raises(ValidationError) as excinfo:
        validate_wgs84(Point(lon, lat, srid=4326))
    assert excinfo.value.code == "out_of_range"


@pytest.mark.parametrize("lon, lat", [(math.nan, 4.6), (-74.0, math.inf), (-math.inf, 0)])
def test_non_finite_coordinates_are_refused(lon, lat):
    with pytest.raises(ValidationError) as excinfo:
        validate_wgs84(Point(lon, lat, srid=4326))
    assert excinfo.value.code == "not_finite"


def test_a_projected_srid_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        validate_wgs84(Point(500_000, 4_500_000, srid=3857))
    assert excinfo.value.code == "srid"


def test_an_empty_geometry_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        validate_wgs84(Point(srid=4326))
    assert excinfo.value.code == "empty"


def test_a_self_intersecting_polygon_is_refused():
    bowtie = Polygon(((0, 0), (1, 1), (1, 0), (0, 1), (0, 0)), srid=4326)
    with pytest.raises(ValidationError) as excinfo:
        validate_wgs84(bowtie)
    assert excinfo.value.code == "invalid"


def test_a_polygon_vertex_out_of_range_is_refused():
    polygon = Polygon(((170, 0), (190, 0), (190, 10), (170, 10), (170, 0)), srid=4326)
    with pytest.raises(ValidationError) as excinfo:
        validate_wgs84(polygon)
    assert excinfo.value.code == "out_of_range"
