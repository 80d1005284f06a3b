"""The server-rendered map page follows a place only when the match is confident."""

import pytest
from django.contrib.gis.geos import Point
from pyproj import Geod

from studygroups.views import resolve_place

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("gazetteer_restored")]

GEOD = Geod(ellps="WGS84")
MADRID = Point(-3.70256, 40.4165, srid=4326)


def test_a_neighbourhood_is_followed():
    lon, lat, label = resolve_place("Chapinero")
    assert label == "Chapinero, Bogotá, Colombia"
    assert GEOD.inv(lon, lat, -74.06333, 4.64583)[2] < 1


def test_a_typo_is_not_followed(client):
    assert resolve_place("Barcelna") is None
    response = client.get("/", {"place": "Barcelna"}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400
    assert "No pudimos encontrar “Barcelna”" in response.content.decode()


def test_nonsense_is_not_followed():
    assert resolve_place("asdfgh") is None


def test_the_maps_default_view_decides_between_campuses(client):
    # Bogotá is the map's default centre: "Universidad Nacional" is its campus, not Spain.
    response = client.get("/", {"place": "Universidad Nacional"}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert "Universidad Nacional de Colombia, Bogotá, Colombia" in response.content.decode()


def test_a_given_view_decides_between_namesakes():
    lon, lat, label = resolve_place("Cordoba", near=MADRID)
    assert label == "Córdoba, España"
