"""An organizer (not a superuser) places an event by clicking the admin's Leaflet map,
in a real browser, and the API then serves it at the clicked point."""

from urllib.parse import urlsplit

import pytest
from django.contrib.gis.geos import Point

from meetups.models import Event
from studygroups.services import studygroup_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password-for-the-admin"

# Record every django-leaflet map as it initialises, so the test can ask Leaflet
# itself which coordinates sit under a pixel.
CAPTURE_MAPS = """
window.cercaMaps = {};
window.addEventListener('map:init', function (e) { window.cercaMaps[e.detail.id] = e.detail.map; });
"""


@pytest.fixture
def group(django_user_model):
    """A study group whose organizer is not a superuser: creating the group on
    the site is what let them into the admin."""
    organizer = django_user_model.objects.create_user(
        "organizer", "organizer@example.org", PASSWORD
    )
    return studygroup_create(
        organizer=organizer,
        name="Python en la Nacional",
        location=Point(-74.0840, 4.6380, srid=4326),
        city="Bogotá",
    )


@pytest.fixture
def admin_page(page, live_server, group):
    page.add_init_script(CAPTURE_MAPS)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "organizer")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    return page


def test_event_is_placed_by_clicking_the_admin_map(admin_page, live_server, screenshot, group):
    page = admin_page
    page.goto(f"{live_server.url}/admin/meetups/event/add/")
    page.fill("#id_title", "Taller de Python en el campus")
    # The study group: django-admin's autocomplete (select2), offering only their groups.
    page.locator(".field-study_group .select2-selection").click()
    page.fill(".select2-search__field", "Python")
    page.click(f".select2-results__option:has-text('{group.name}')")
    page.fill("#id_start", "2027-01-14T18:00")
    page.fill("#id_end", "2027-01-14T20:00")
    page.select_option("#id_time_zone", "America/Bogota")

    map_box = page.locator("#id_location-map")
    map_box.scroll_into_view_if_needed()
    page.wait_for_function("window.cercaMaps && window.cercaMaps['id_location-map']")
    # Leaflet.draw's marker tool, then a click away from the map's centre.
    page.locator("#id_location-map .leaflet-draw-draw-marker").click()
    box = map_box.bounding_box()
    x, y = round(box["width"] * 0.62), round(box["height"] * 0.37)
    page.mouse.move(box["x"] + x - 5, box["y"] + y - 5)
    page.mouse.click(box["x"] + x, box["y"] + y)
    clicked = page.evaluate(
        "([x, y]) => { const ll = window.cercaMaps['id_location-map']"
        ".containerPointToLatLng([x, y]); return [ll.lng, ll.lat]; }",
        [x, y],
    )
    page.wait_for_function("document.querySelector('#id_location').value.includes('Point')")
    screenshot("admin-event-placed-on-map")

    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")

    event = Event.objects.get(title="Taller de Python en el campus")
    assert event.study_group == group
    assert event.location.x == pytest.approx(clicked[0], abs=1e-5)
    assert event.location.y == pytest.approx(clicked[1], abs=1e-5)
    # And the API, which GIS clients and the map read, has it at the clicked point.
    feature = page.request.get(f"{live_server.url}/api/events/{event.pk}/").json()
    assert feature["geometry"]["coordinates"] == pytest.approx(clicked, abs=1e-5)
    # The click landed away from the default centre (Bogotá), so the widget did not
    # just send its initial view back.
    assert abs(event.location.x - -74.0840) > 1e-3
    assert event.during.lower.isoformat() == "2027-01-14T23:00:00+00:00"
    assert event.time_zone == "America/Bogota"
    # Offline, only map tiles were asked of other hosts: Leaflet and its assets are ours.
    assert all(
        urlsplit(url).netloc.endswith("tile.openstreetmap.org") for url in page.external_requests
    ), page.external_requests
    assert not page.console_errors
