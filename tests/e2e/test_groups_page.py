"""The groups page in Chromium: "use my location" lists the groups near the
browser's position, nearest first, and the list with its "more" link reads
well in Spanish and English, on a laptop and a phone (no sideways scroll)."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from playwright.sync_api import expect
from psycopg2.extras import DateTimeTZRange

from meetups.tests.factories import EventFactory
from studygroups import finder
from studygroups.tests.factories import MembershipFactory, StudyGroupFactory, TopicFactory
from tests.e2e.layout import page_width

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Ciudad Universitaria, Madrid, and the Universidad Nacional, Bogotá (lon, lat).
CIUDAD_UNIVERSITARIA = (-3.7290, 40.4480)
UNAL_BOGOTA = (-74.0830, 4.6370)
LONG_WORD = "Electroencefalografistas" * 3


def groups_near_both_campuses(per_city=3):
    topic = TopicFactory(name_es="Cálculo diferencial", name_en="Differential calculus")
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(days=2)
    for city, (lon, lat), zone, name in (
        ("Madrid", CIUDAD_UNIVERSITARIA, "Europe/Madrid", "Seminario de PostGIS"),
        ("Bogotá", UNAL_BOGOTA, "America/Bogota", f"Club de cálculo {LONG_WORD}"),
    ):
        for n in range(per_city):
            group = StudyGroupFactory(
                name=f"{name} {n + 1}", city=city, time_zone=zone,
                location=Point(lon + n * 0.01, lat, srid=4326),
            )
            group.topics.add(topic)
            MembershipFactory.create_batch(2, study_group=group)
            EventFactory(study_group=group, title=f"Sesión {n + 1}", time_zone=zone,
                         during=DateTimeTZRange(start, start + datetime.timedelta(hours=2)))


@pytest.mark.parametrize(
    "locale,button", [("es", "Usar mi ubicación"), ("en-US", "Use my location")]
)
def test_use_my_location_lists_the_groups_near_the_browser(
    new_page, live_server, screenshot, locale, button
):
    groups_near_both_campuses()
    lon, lat = CIUDAD_UNIVERSITARIA
    page = new_page(locale=locale, geolocation={"longitude": lon, "latitude": lat},
                    permissions=["geolocation"])
    page.goto(f"{live_server.url}/groups/")
    page.get_by_role("button", name=button).click()
    page.wait_for_url("**/groups/?*near=*")
    # The point has no words in the URL ("Mi ubicación" read so in English
    # after a switch, and in a shared link): the page names it, in its language.
    assert parse_qs(urlsplit(page.url).query).get("place", [""]) == [""]
    expect(page.locator("p.status")).to_contain_text(
        "40,4480° N, 3,7290° O" if locale == "es" else "40.4480° N, 3.7290° W"
    )
    names = page.locator(".group-card .group-name").all_text_contents()
    assert names == ["Seminario de PostGIS 1", "Seminario de PostGIS 2", "Seminario de PostGIS 3"]
    expect(page.locator(".group-card .group-members").first).to_contain_text("2")
    expect(page.locator(".group-card .next-event").first).to_contain_text("Madrid")
    assert page.console_errors == []
    screenshot(f"groups-near-me-{locale}", of=page)


@pytest.mark.parametrize("width", [1366, 375])
@pytest.mark.parametrize("locale", ["es", "en-US"])
def test_the_list_and_its_more_link_fit_the_screen(new_page, live_server, screenshot, width,
                                                   locale):
    groups_near_both_campuses(per_city=finder.PAGE_SIZE + 2)
    page = new_page(locale=locale, viewport={"width": width, "height": 900})
    lon, lat = UNAL_BOGOTA
    page.goto(f"{live_server.url}/groups/?near={lon},{lat}&place=Universidad+Nacional&radius_km=50")
    expect(page.locator(".group-card")).to_have_count(finder.PAGE_SIZE)
    assert page_width(page) <= width
    screenshot(f"groups-list-{locale}-{width}", of=page)
    page.locator(".pager a[rel=next]").click()
    expect(page.locator(".group-card")).to_have_count(2)
    # Measured once the stylesheets apply: an unstyled page's long words do not wrap.
    page.wait_for_load_state("load")
    screenshot(f"groups-more-{locale}-{width}", of=page)
    assert page_width(page) <= width
    assert page.console_errors == []


def test_a_bad_radius_shows_the_form_with_the_field_named(page, live_server):
    response = page.goto(f"{live_server.url}/groups/?radius_km=-1")
    assert response.status == 400
    expect(page.locator("#radius-error")).to_be_visible()
    expect(page.locator("#radius")).to_have_attribute("aria-invalid", "true")
