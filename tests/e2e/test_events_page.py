"""The events page in Chromium: "use my location" searches near the browser's
position, the dates show for "Choose dates", and the list and the month read
well in Spanish and English, on a laptop and a phone."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from playwright.sync_api import expect
from psycopg2.extras import DateTimeTZRange

from meetups.tests.factories import EventFactory, VenueFactory
from tests.e2e.layout import page_width

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Ciudad Universitaria, Madrid, and the Universidad Nacional, Bogotá (lon, lat).
CIUDAD_UNIVERSITARIA = (-3.7290, 40.4480)
UNAL_BOGOTA = (-74.0830, 4.6370)


def events_near_both_campuses():
    soon = timezone.now().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(days=1)
    madrid = VenueFactory(name="Facultad de Informática", city="Madrid",
                          location=Point(*CIUDAD_UNIVERSITARIA, srid=4326))
    bogota = VenueFactory(name="Biblioteca Central UNAL", city="Bogotá",
                          location=Point(*UNAL_BOGOTA, srid=4326))
    for day in range(3):
        start = soon + datetime.timedelta(days=day)
        during = DateTimeTZRange(start, start + datetime.timedelta(hours=2), "[)")
        EventFactory(title=f"Seminario de PostGIS {day + 1}", venue=madrid,
                     time_zone="Europe/Madrid", during=during)
        EventFactory(title=f"Club de cálculo {day + 1}", venue=bogota,
                     time_zone="America/Bogota", during=during)


@pytest.mark.usefixtures("gazetteer")
@pytest.mark.parametrize(
    "locale,button", [("es", "Usar mi ubicación"), ("en-US", "Use my location")]
)
def test_use_my_location_lists_the_events_near_the_browser(
    new_page, live_server, screenshot, locale, button
):
    events_near_both_campuses()
    lon, lat = CIUDAD_UNIVERSITARIA
    page = new_page(locale=locale, geolocation={"longitude": lon, "latitude": lat},
                    permissions=["geolocation"])
    page.goto(f"{live_server.url}/events/")
    page.get_by_role("button", name=button).click()
    page.wait_for_url("**/events/?*near=*")
    # The point has no words in the URL ("Mi ubicación" read so in English
    # after a switch, and in a shared link): the page names it, in its language.
    assert parse_qs(urlsplit(page.url).query).get("place", [""]) == [""]
    expect(page.locator("p.status")).to_contain_text(
        "40,4480° N, 3,7290° O" if locale == "es" else "40.4480° N, 3.7290° W"
    )
    titles = page.locator(".event-card .event-title").all_text_contents()
    assert titles == ["Seminario de PostGIS 1", "Seminario de PostGIS 2", "Seminario de PostGIS 3"]
    assert page.console_errors == []
    screenshot(f"events-near-me-{locale}", of=page)


def test_the_dates_show_only_for_choose_dates(page, live_server):
    page.goto(f"{live_server.url}/events/")
    expect(page.locator("#date-range")).to_be_hidden()
    page.select_option("#when", "range")
    expect(page.locator("#date-range")).to_be_visible()
    page.fill("#from", "2031-07-10")
    page.fill("#to", "2031-07-01")
    page.click("#events-form button[type=submit]")
    expect(page.locator("#to-error")).to_contain_text("on or after")
    expect(page.locator("#date-range")).to_be_visible()


@pytest.mark.usefixtures("gazetteer")
@pytest.mark.parametrize("width", [1366, 375])
@pytest.mark.parametrize("locale", ["es", "en-US"])
def test_list_and_month_fit_the_screen(new_page, live_server, screenshot, width, locale):
    events_near_both_campuses()
    page = new_page(locale=locale, viewport={"width": width, "height": 900})
    lon, lat = UNAL_BOGOTA
    page.goto(f"{live_server.url}/events/?near={lon},{lat}&place=Universidad+Nacional")
    expect(page.locator(".event-card")).to_have_count(3)
    assert page_width(page) <= width
    screenshot(f"events-list-{locale}-{width}", of=page)
    page.locator(".view-tabs a").nth(1).click()
    expect(page.locator(".month-grid")).to_be_visible()
    assert page_width(page) <= width
    screenshot(f"events-month-{locale}-{width}", of=page)
