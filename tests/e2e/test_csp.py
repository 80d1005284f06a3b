"""The Content-Security-Policy (django-csp) is strict, and every page the site
serves works under it: no inline script runs without the request's nonce or
its own hash (the import map), no inline style, and Chromium reports no
violation on the map page, the detail pages with their mini-maps, the site's
map forms, the admin's map widget and the API's Swagger UI. The public pages
carry no nonce, so a shared cache may keep them (.ci/nginx.conf)."""

import base64
import hashlib
import re

import pytest
from django.contrib.gis.geos import Point

from meetups.tests.factories import EventFactory, VenueFactory
from studygroups.services import studygroup_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password-for-the-csp"

# Every violation the browser reports, kept for the test to read.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')
    + ' ' + e.sourceFile + ':' + e.lineNumber);
});
"""


@pytest.fixture
def organizer(django_user_model):
    return django_user_model.objects.create_user("organizer", "organizer@example.org", PASSWORD)


@pytest.fixture
def group(organizer):
    return studygroup_create(
        organizer=organizer,
        name="Python en la Nacional",
        location=Point(-74.0840, 4.6380, srid=4326),
        city="Bogotá",
    )


def violations(page, url, ready):
    page.goto(url)
    page.wait_for_selector(ready, state="attached")
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.cspViolations")


def directives_of(response):
    policy = response.headers["Content-Security-Policy"]
    return dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )


def test_the_policy_is_strict(client, db):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    directives = directives_of(response)
    assert directives["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    # The map page's one inline script, the import map, runs by its hash.
    (import_map,) = re.findall(
        r'<script type="importmap">(.*?)</script>', response.content.decode(), re.S
    )
    digest = base64.b64encode(hashlib.sha256(import_map.encode()).digest()).decode()
    assert directives["script-src"] == ["'self'", f"'sha256-{digest}'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_public_pages_carry_no_nonce(client, group):
    event = EventFactory(study_group=group, venue=VenueFactory(study_group=group))
    for path in ["/", group.get_absolute_url(), event.get_absolute_url(),
                 event.venue.get_absolute_url()]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "nonce" not in response.headers["Content-Security-Policy"], path
        assert "nonce=" not in response.content.decode(), path


def test_map_forms_carry_a_nonce(client, organizer):
    client.force_login(organizer)
    directives = directives_of(client.get("/venues/new/"))
    assert any(source.startswith("'nonce-") for source in directives["script-src"])


def test_public_pages_run_under_the_policy(page, live_server, group):
    venue = VenueFactory(study_group=group)
    event = EventFactory(study_group=group, venue=venue)
    page.add_init_script(RECORD_VIOLATIONS)
    pages = {
        "/": ".leaflet-container",
        group.get_absolute_url(): ".leaflet-marker-icon",
        event.get_absolute_url(): ".leaflet-marker-icon",
        venue.get_absolute_url(): ".leaflet-marker-icon",
        "/api/docs/": ".swagger-ui .info",
    }
    for path, ready in pages.items():
        assert violations(page, f"{live_server.url}{path}", ready) == [], path
    assert page.console_errors == []


def test_the_single_marker_image_loads(page, live_server, group):
    event = EventFactory(study_group=group)
    page.goto(f"{live_server.url}{event.get_absolute_url()}")
    marker = page.wait_for_selector("img.leaflet-marker-icon")
    page.wait_for_function("document.querySelector('img.leaflet-marker-icon').complete")
    assert "/static/leaflet/images/marker-icon" in marker.get_attribute("src")
    assert marker.evaluate("img => img.naturalWidth") > 0


def test_map_forms_and_the_admin_run_under_the_policy(page, live_server, group):
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "organizer")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    pages = {
        "/admin/": "#content",
        "/admin/meetups/event/add/": ".leaflet-container",
        f"/admin/studygroups/studygroup/{group.pk}/change/": ".leaflet-container",
        f"/events/new/?group={group.slug}": ".leaflet-container",
        "/venues/new/": ".leaflet-container",
        f"/groups/{group.slug}/edit/": ".leaflet-container",
        "/accounts/profile/": ".leaflet-container",
    }
    for path, ready in pages.items():
        assert violations(page, f"{live_server.url}{path}", ready) == [], path
    assert page.console_errors == []
