"""Every answer under /api/ and /ogc/ is JSON, and every error there has the
one shape of places.errors (issue 12, defect 4): ``code``, ``description``,
``parameter`` when one thing is to blame."""

import json

import pytest
from django.test import Client, override_settings
from django.urls import path

from geoconfig.urls import urlpatterns as site_urlpatterns
from places.errors import error_response
from studygroups.tests.factories import StudyGroupFactory, UserFactory

pytestmark = pytest.mark.django_db


def crash(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [path("api/crash/", crash), *site_urlpatterns]


@pytest.fixture
def client():
    with override_settings(DEBUG=False):
        yield Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")


def error_of(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert set(body) <= {"code", "description", "parameter", "errors"}, body
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["description"], str) and body["description"]
    return body


@pytest.mark.parametrize("url", ["/api/nothing/", "/ogc/nothing", "/api/studygroups/999999/",
                                 "/ogc/collections/nothing/items"])
def test_404_is_json(client, url):
    assert error_of(client.get(url), 404)["code"] == "NotFound"


@pytest.mark.parametrize("url", ["/api/studygroups/", "/ogc/collections", "/api/schema/"])
def test_405_is_json_and_says_what_is_allowed(client, url):
    client.force_login(UserFactory())
    response = client.put(url, "{}", content_type="application/json")
    assert error_of(response, 405)["code"] == "MethodNotAllowed"
    assert "GET" in response["Allow"]


def test_406_is_json(client):
    response = client.get("/api/studygroups/", HTTP_ACCEPT="image/png")
    assert error_of(response, 406)["code"] == "NotAcceptable"


def test_415_is_json(client):
    client.force_login(UserFactory())
    response = client.post("/api/studygroups/", "a=b",
                           content_type="application/x-www-form-urlencoded")
    assert error_of(response, 415)["code"] == "UnsupportedMediaType"


def test_413_is_json(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(UserFactory())
    response = client.post("/api/studygroups/", json.dumps({"x": "y" * 2000}),
                           content_type="application/json")
    assert error_of(response, 413)["code"] == "PayloadTooLarge"


def test_403_and_401_are_json(client):
    group = StudyGroupFactory()
    # Signed out: 401, saying how to authenticate (a token).
    anonymous = client.delete(f"/api/studygroups/{group.pk}/")
    assert error_of(anonymous, 401)["code"] == "NotAuthenticated"
    assert anonymous["WWW-Authenticate"].startswith("Token")
    response = client.delete(f"/api/studygroups/{group.pk}/",
                             HTTP_AUTHORIZATION="Basic bm9ib2R5Om5vdGhpbmc=")
    error_of(response, 401)
    # Signed in, but not an organizer of the group: 403.
    client.force_login(UserFactory())
    assert error_of(client.delete(f"/api/studygroups/{group.pk}/"), 403)["code"] == (
        "PermissionDenied"
    )


def test_a_crash_is_a_json_500(client, settings):
    settings.ROOT_URLCONF = __name__
    assert error_of(client.get("/api/crash/"), 500)["code"] == "ServerError"


def test_a_body_that_does_not_validate_names_the_field(client):
    client.force_login(UserFactory())
    response = client.post(
        "/api/studygroups/",
        json.dumps({"type": "Feature", "geometry": {"type": "Point", "coordinates": [-74, 4.6]},
                    "properties": {"name": "Grupo", "capacity": -3}}),
        content_type="application/json",
    )
    body = error_of(response, 400)
    assert body["code"] == "InvalidFieldValue"
    assert body["parameter"] == "capacity"
    assert body["errors"]["capacity"]


def test_a_geojson_body_is_accepted_for_an_rsvp(client):
    from meetups.tests.factories import EventFactory

    event = EventFactory()
    client.force_login(UserFactory())
    response = client.post(f"/api/events/{event.pk}/rsvp/", '{"going": false}',
                           content_type="application/geo+json")
    assert response.status_code == 200, response.content


def test_error_response_keeps_the_given_headers():
    response = error_response(429, headers={"Retry-After": "30"})
    assert response.status_code == 429 and response["Retry-After"] == "30"
    assert json.loads(response.content)["code"] == "TooManyRequests"


def test_an_html_error_from_a_middleware_becomes_json(client, settings):
    # A POST without a CSRF token from a signed-in browser: Django's CSRF page.
    csrf_client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    csrf_client.force_login(UserFactory())
    response = csrf_client.post("/api/studygroups/", "{}", content_type="application/json")
    error_of(response, 403)
