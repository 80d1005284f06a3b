"""The HTTP every tile endpoint shares (places.tilehttp): conditional requests
as RFC 9110 defines them, on the layers as on the basemap."""

import mercantile
import pytest
from django.contrib.gis.geos import Point
from django.test import RequestFactory

from places.tilehttp import client_etags, not_modified
from studygroups.tests.factories import StudyGroupFactory

BOGOTA = (-74.0721, 4.7110)
HEADERS = {"ETag": '"abc"', "Cache-Control": "public, max-age=60"}


def request_with(**headers):
    return RequestFactory().get("/tiles/basemap/0/0/0.mvt", **headers)


def test_a_weak_if_none_match_of_the_etag_is_a_304_with_its_headers():
    response = not_modified(request_with(HTTP_IF_NONE_MATCH='"other", W/"abc"'), '"abc"', HEADERS)

    assert response.status_code == 304
    assert {name: response[name] for name in HEADERS} == HEADERS


def test_another_etag_is_sent_in_full():
    assert not_modified(request_with(HTTP_IF_NONE_MATCH='"other"'), '"abc"', HEADERS) is None
    assert not_modified(request_with(), '"abc"', HEADERS) is None


def test_client_etags_are_their_opaque_parts_and_star_apart():
    assert client_etags(request_with(HTTP_IF_NONE_MATCH='W/"a", "b"')) == (["a", "b"], False)
    assert client_etags(request_with(HTTP_IF_NONE_MATCH="*")) == ([], True)


@pytest.mark.django_db
def test_a_layer_tile_answers_a_failed_if_match_with_412(client):
    StudyGroupFactory(location=Point(*BOGOTA, srid=4326))
    tile = mercantile.tile(*BOGOTA, 3)
    url = f"/tiles/studygroups/3/{tile.x}/{tile.y}.mvt"

    assert client.get(url, HTTP_IF_MATCH='"not-this-one"').status_code == 412
    assert client.get(url, HTTP_IF_MATCH="*").status_code == 200
