"""Input anyone can send never makes a 500 (issue 12, defect 3): 3D
coordinates, edges of 180 degrees or more, JSON nested a thousand deep and NUL
characters in addresses, parameters and bodies each get a 4xx naming what is
wrong (or, for a height, are taken without it)."""

import base64
import json

import pytest
from django.test import Client, override_settings

from meetups.tests.factories import EventFactory
from studygroups.models import StudyGroup
from studygroups.tests.factories import StudyGroupFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    # As production answers: a crash is a 500 response, not an exception here.
    with override_settings(DEBUG=False):
        yield Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def signed_in(client):
    client.force_login(UserFactory())
    return client


def group_body(geometry, **properties):
    return json.dumps({"type": "Feature", "geometry": geometry,
                       "properties": {"name": "Grupo", **properties}})


def test_a_height_is_dropped_from_a_location(signed_in):
    response = signed_in.post(
        "/api/studygroups/", group_body({"type": "Point", "coordinates": [-74, 4.6, 2600]}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["geometry"]["coordinates"] == [-74, 4.6]
    group = StudyGroup.objects.get()
    assert not group.location.hasz


def test_a_height_is_dropped_from_a_meeting_area(signed_in):
    ring = [[-74.08, 4.63, 2600], [-74.07, 4.63, 2600], [-74.07, 4.64, 2600],
            [-74.08, 4.63, 2600]]
    response = signed_in.post(
        "/api/studygroups/",
        group_body({"type": "Point", "coordinates": [-74.075, 4.635]},
                   meeting_area={"type": "Polygon", "coordinates": [ring]}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert not StudyGroup.objects.get().meeting_area.hasz


def test_a_height_in_the_group_form_is_a_field_error():
    from studygroups.forms import StudyGroupForm

    form = StudyGroupForm(data={
        "name": "Alto", "language": "es", "join_policy": "open", "capacity": 10,
        "location": json.dumps({"type": "Point", "coordinates": [-74, 4.6, 2600]}),
    })
    assert not form.is_valid()
    assert "location" in form.errors


@pytest.mark.parametrize(
    "ring",
    [
        [[-90, 0], [90, 0], [90, 10], [-90, 0]],  # antipodes: no way between them
        [[-100, 0], [100, 0], [100, 10], [-100, 0]],  # 200 degrees as written
        [[-170, 0], [170, 0], [170, 10], [-170, 0]],  # across the antimeridian
        [[0, -90], [0, 90], [10, 0], [0, -90]],  # pole to pole
    ],
    ids=["antipodal", "200-degrees", "antimeridian", "pole-to-pole"],
)
def test_an_edge_of_180_degrees_or_more_is_a_400_naming_the_field(signed_in, ring):
    response = signed_in.post(
        "/api/studygroups/",
        group_body({"type": "Point", "coordinates": [0, 5]},
                   meeting_area={"type": "Polygon", "coordinates": [ring]}),
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["parameter"] == "meeting_area"
    assert "antimeridian" in response.json()["description"]
    # Nothing stored that would break every "which groups cover here?" query.
    assert not StudyGroup.objects.exists()


@pytest.mark.parametrize("media_type", ["application/json", "application/geo+json"])
def test_json_nested_a_thousand_deep_is_a_400(signed_in, media_type):
    response = signed_in.post(
        "/api/studygroups/", "[" * 1000 + "]" * 1000, content_type=media_type
    )
    assert response.status_code == 400
    assert response.json()["code"] == "InvalidBody"
    assert "nested too deeply" in response.json()["description"]


def test_an_rsvp_nested_a_thousand_deep_is_a_400(signed_in):
    event = EventFactory()
    response = signed_in.post(
        f"/api/events/{event.pk}/rsvp/", '{"going": ' + "[" * 1000 + "]" * 1000 + "}",
        content_type="application/json",
    )
    assert response.status_code == 400


def test_a_cursor_nested_a_thousand_deep_is_a_400_naming_it(client):
    cursor = base64.urlsafe_b64encode(("[" * 1000 + "]" * 1000).encode()).decode()
    response = client.get("/api/studygroups/", {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["parameter"] == "cursor"


def test_a_nul_in_a_calendar_address_is_a_400_page(client):
    response = client.get("/calendar/me/%00.ics")
    assert response.status_code == 400
    assert "text/html" in response["Content-Type"]
    assert "NUL character" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    ["/api/studygroups/%00/", "/ogc/collections/stu%00dygroups/items",
     "/notifications/unsubscribe/%00/", "/tiles/basemap/1/%00/0.mvt"],
)
def test_a_nul_in_any_address_is_a_400(client, url):
    response = client.get(url)
    assert response.status_code == 400, (url, response.content[:200])
    if url.startswith(("/api/", "/ogc/", "/tiles/")):
        assert response.json()["parameter"] == "path"


def test_a_nul_in_a_page_parameter_is_no_500(client, signed_in):
    assert client.get("/?place=a%00").status_code == 400
    assert signed_in.get("/events/new/?group=a%00").status_code == 200
    assert signed_in.get("/venues/new/?group=a%00").status_code == 200


def test_a_membership_id_that_is_no_number_is_a_404(signed_in):
    group = StudyGroupFactory()
    response = signed_in.post(f"/groups/{group.slug}/approve/", {"membership": "a\x00b"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "properties",
    [{"name": "a\x00b"}, {"address": "Calle 1\x00"}, {"city": "\x00"},
     {"slug": "a\x00"}, {"topics": ["py\x00thon"]}, {"time_zone": "America/Bogota\x00"},
     {"description": "\x00"}],
)
def test_a_nul_in_a_body_is_a_400_naming_the_field(signed_in, properties):
    response = signed_in.post(
        "/api/studygroups/",
        json.dumps({"type": "Feature", "geometry": {"type": "Point", "coordinates": [-74, 4.6]},
                    "properties": {"name": "Grupo", **properties}}),
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["parameter"] == next(iter(properties))


def test_basic_credentials_with_a_nul_are_a_401_naming_them(client):
    # Found by tests/test_api_fuzz.py: the user name lookup failed in PostgreSQL.
    credentials = base64.b64encode("a\x00b:secret".encode()).decode()
    response = client.get("/api/studygroups/", HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert response.status_code == 401
    assert response.json()["parameter"] == "Authorization"
    assert response["WWW-Authenticate"].startswith("Basic")
