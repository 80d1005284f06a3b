"""A weekly series in a real browser, in Spanish and English, at desktop and
phone widths: the event page links the other dates, the organizer moves this
and the following dates to 20:00 across the end of summer time (Madrid keeps
20:00), and cancels all the rest from the cancel page."""

import datetime
import zoneinfo

import pytest
from django.contrib.gis.geos import Point
from psycopg2.extras import DateTimeTZRange

from meetups.models import Event, Venue
from meetups.services import event_series_create
from studygroups.models import Membership, StudyGroup
from studygroups.services import grant_organizer_access
from tests.e2e.layout import page_width

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password-for-the-organizer"
MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
WIDTHS = [1366, 375]
LANGUAGES = {"es": "es-ES", "en": "en-US"}
TEXT = {
    "es": {
        "heading": "Parte de una serie semanal",
        "next": "Siguiente",
        "following": "Este y los siguientes",
        "all": "Todos los de la serie",
        "save": "Guardar",
        "cancel": "Cancelar el evento",
        "cancelled": "Eventos cancelados.",
        "date_21": "21 de octubre de 2027, 19:00",
    },
    "en": {
        "heading": "Part of a weekly series",
        "next": "Next",
        "following": "This and following events",
        "all": "All events in the series",
        "save": "Save",
        "cancel": "Cancel the event",
        "cancelled": "Events cancelled.",
        "date_21": "October 21, 2027, 7 p.m.",
    },
}


@pytest.fixture
def weekly(django_user_model):
    group = StudyGroup.objects.create(
        name="Tertulia en la Complutense",
        slug="tertulia-complutense",
        city="Madrid",
        time_zone="Europe/Madrid",
        location=Point(-3.7349, 40.4513, srid=4326),
    )
    organizer = django_user_model.objects.create_user("olga", "olga@example.org", PASSWORD)
    Membership.objects.create(user=organizer, study_group=group, role="organizer")
    grant_organizer_access(organizer)
    venue = Venue.objects.create(
        name="Facultad de Filología", city="Madrid", capacity=80, study_group=group,
        location=Point(-3.7349, 40.4513, srid=4326),
    )
    # Thursdays 14, 21, 28 October and 4 November 2027; summer time ends on the 31st.
    start = datetime.datetime(2027, 10, 14, 19, tzinfo=MADRID)
    return event_series_create(
        frequency="weekly", occurrences=4, title="Tertulia de los jueves", study_group=group,
        venue=venue, capacity=30, time_zone="Europe/Madrid",
        during=DateTimeTZRange(start, start + datetime.timedelta(hours=2), "[)"),
    )


def open_as(new_page, language, width):
    return new_page(
        locale=LANGUAGES[language],
        timezone_id="America/Bogota",
        viewport={"width": width, "height": 900},
        extra_http_headers={"Accept-Language": language},
    )


def log_in(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "olga")
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def assert_fits(page):
    assert page_width(page) <= page.viewport_size["width"]


def madrid_times(events):
    return [
        Event.objects.get(pk=event.pk).during.lower.astimezone(MADRID).strftime("%d %H:%M")
        for event in events
    ]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_an_organizer_moves_this_and_following_then_cancels_the_rest(
    new_page, live_server, weekly, language, width, screenshot
):
    text = TEXT[language]
    page = open_as(new_page, language, width)
    log_in(page, live_server)

    # The second date's page names the series and links the others.
    page.goto(f"{live_server.url}{weekly[1].get_absolute_url()}")
    nav = page.locator(".series-nav")
    assert nav.locator("h2").inner_text() == text["heading"]
    assert nav.locator(".series-previous a").get_attribute("href") == (
        weekly[0].get_absolute_url()
    )
    assert_fits(page)
    screenshot(f"series-page-{language}-{width}", of=page)
    nav.locator(".series-next a").click()
    page.wait_for_url(f"**{weekly[2].get_absolute_url()}")
    assert text["date_21"] in page.locator(".series-previous").inner_text()

    # From the second date on, 20:00 instead of 19:00.
    page.goto(f"{live_server.url}/events/{weekly[1].pk}/edit/")
    page.get_by_label(text["following"]).check()
    page.fill("#id_start", "2027-10-21T20:00")
    page.fill("#id_end", "2027-10-21T22:00")
    assert_fits(page)
    screenshot(f"series-edit-{language}-{width}", of=page)
    page.get_by_role("button", name=text["save"]).click()
    page.wait_for_url(f"**{weekly[1].get_absolute_url()}")
    assert madrid_times(weekly) == ["14 19:00", "21 20:00", "28 20:00", "04 20:00"]
    first, second = (Event.objects.get(pk=event.pk) for event in weekly[:2])
    assert first.series != second.series  # split: the later dates are a series of their own

    # Cancel the new series from its third date: all of it.
    page.goto(f"{live_server.url}/events/{weekly[2].pk}/cancel/")
    page.get_by_label(text["all"]).check()
    assert_fits(page)
    screenshot(f"series-cancel-{language}-{width}", of=page)
    page.get_by_role("button", name=text["cancel"]).click()
    page.wait_for_url(f"**{weekly[2].get_absolute_url()}")
    assert text["cancelled"] in page.locator("main").inner_text()
    assert [Event.objects.get(pk=event.pk).status for event in weekly] == [
        "scheduled", "cancelled", "cancelled", "cancelled",
    ]
    assert page.console_errors == []
