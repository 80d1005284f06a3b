"""An organizer places an event by clicking the admin's Leaflet map, in a real browser."""

from urllib.parse import urlsplit

import pytest

from meetups.models import Event

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password-for-the-admin"

# Record every django-leaflet map as it initialises, so the test can ask Leaflet
# itself which coordinates sit under a pixel.
CAPTURE_MAPS = """
window.cercaMaps = {};
window.addEventListener('map:init', function (e) { window.cercaMaps[e.detail.id] = e.detail.map; });
"""


@pytest.fixture
def admin_page(page, live_server, django_user_model):
    django_user_model.objects.create_superuser("organizer", "organizer@example.org", PASSWORD)
    page.add_init_script(CAPTURE_MAPS)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "organizer")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    return page


def test_event_is_placed_by_clicking_the_admin_map(admin_page, live_server, screenshot):
    page = admin_page
    page.goto(f"{live_server.url}/admin/meetups/event/add/")
    page.fill("#id_title", "Taller de Python en el campus")
    page.fill("#id_during_0", "2027-01-14T18:00")
    page.fill("#id_during_1", "2027-01-14T20:00")
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
    assert event.location.x == pytest.approx(clicked[0], abs=1e-5)
    assert event.location.y == pytest.approx(clicked[1], abs=1e-5)
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
