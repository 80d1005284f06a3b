"""The map page lists the upcoming events within its radius beside the groups,
soonest first, each at its own zone's time, and follows the search in Chromium."""

import pytest
from django.contrib.gis.geos import Point

from meetups.tests.factories import EventFactory, VenueFactory, hours_from_now
from tests.e2e.layout import page_width
from tests.e2e.mappage import GEOD, open_map, reload_list, translated

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Plaza de Bolívar, Bogotá.
BOGOTA = (-74.0760, 4.5981)

EVENTS = """() => [...document.querySelectorAll('#event-results li.result')].map((item) => ({
  id: Number(item.dataset.eventId), title: item.querySelector('.result-link').textContent,
  start: item.querySelector('.event-start').textContent,
}))"""


def venue_at(km_north, name):
    lon, lat, _back = GEOD.fwd(*BOGOTA, 0, km_north * 1000)
    return VenueFactory(name=name, location=Point(lon, lat, srid=4326))


@pytest.fixture
def events(transactional_db):
    near, farther = venue_at(2, "Biblioteca Luis Ángel Arango"), venue_at(8, "Universidad Nacional")
    return {
        "soon_far": EventFactory(title="Taller de <b>Python</b>", venue=farther,
                                 time_zone="America/Bogota", during=hours_from_now(4, 6)),
        "later_near": EventFactory(title="Cálculo II", venue=near,
                                   time_zone="America/Bogota", during=hours_from_now(30, 32)),
    }


@pytest.mark.parametrize("language, width", [("es", 1366), ("en", 375)])
def test_the_events_list_follows_the_search(
    new_page, live_server, events, language, width, screenshot
):
    page = new_page(locale=language, viewport={"width": width, "height": 900})
    near = "%s,%s" % BOGOTA
    open_map(page, f"{live_server.url}/?near={near}&radius_km=10")
    listed = page.evaluate(EVENTS)
    assert [item["id"] for item in listed] == [events["soon_far"].pk, events["later_near"].pk]
    assert listed[0]["title"] == "Taller de <b>Python</b>"  # as text, not markup
    # The page's own list, written as a search's is: the start in the event's
    # zone with its offset (Bogotá, UTC-5), as after the next search below.
    first_start = listed[0]["start"]
    assert "GMT-5" in first_start or "UTC-5" in first_start
    screenshot(f"map-events-{language}-{width}", of=page)

    # A smaller radius, searched by the script: the farther (and sooner) event leaves.
    reload_list(page, lambda: page.select_option("#radius", "5"))
    page.wait_for_function(
        "() => document.querySelectorAll('#event-results li.result').length === 1"
    )
    listed = page.evaluate(EVENTS)
    assert [item["id"] for item in listed] == [events["later_near"].pk]
    # The time in the event's zone, with its offset (Bogotá, UTC-5).
    assert "GMT-5" in listed[0]["start"] or "UTC-5" in listed[0]["start"]
    link = page.get_attribute("#all-events", "href")
    assert link.startswith("/events/?") and "radius_km=5" in link
    assert page_width(page) <= width

    reload_list(page, lambda: page.select_option("#radius", "1"))
    page.wait_for_function("() => !document.querySelector('#event-results li.result')")
    assert page.text_content("#event-results") == translated(
        "No upcoming events within %(radius)s km.", language, radius="1"
    )
    assert not page.console_errors
