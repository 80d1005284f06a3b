"""Events in a real browser: a Madrid event read at Madrid time with its zone in
words (and the visitor's own time beside it), the event form's Start/End errors,
the admin defaulting a new event to its group's zone, and cancelling an event."""

import datetime
import re
import zoneinfo

import pytest
from django.contrib.gis.geos import Point
from django.core import mail
from psycopg2.extras import DateTimeTZRange

from meetups.models import RSVP, Event, Venue
from studygroups.models import Membership, StudyGroup
from studygroups.services import grant_organizer_access
from tests.e2e.layout import page_width

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password-for-the-organizer"
MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
WIDTHS = [1366, 375]
LANGUAGES = {"es": "es-ES", "en": "en-US"}


@pytest.fixture
def group(django_user_model):
    group = StudyGroup.objects.create(
        name="Tertulia en la Complutense",
        slug="tertulia-complutense",
        city="Madrid",
        time_zone="Europe/Madrid",
        # Facultad de Filología, Ciudad Universitaria.
        location=Point(-3.7349, 40.4513, srid=4326),
    )
    organizer = django_user_model.objects.create_user("olga", "olga@example.org", PASSWORD)
    Membership.objects.create(user=organizer, study_group=group, role="organizer")
    grant_organizer_access(organizer)
    return group


@pytest.fixture
def event(group, django_user_model):
    start = datetime.datetime(2027, 1, 14, 19, tzinfo=MADRID)  # 18:00Z, 13:00 in Bogotá
    venue = Venue.objects.create(
        name="Facultad de Filología", city="Madrid", capacity=80,
        location=Point(-3.7349, 40.4513, srid=4326),
    )
    event = Event.objects.create(
        title="Tertulia de los jueves", study_group=group, venue=venue,
        location=venue.location, time_zone="Europe/Madrid", capacity=30,
        during=DateTimeTZRange(start, start + datetime.timedelta(hours=2), "[)"),
    )
    attendee = django_user_model.objects.create_user("lucia", "lucia@example.org", "!")
    RSVP.objects.create(user=attendee, event=event, status="yes")
    return event


def log_in(page, live_server, username="olga"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def open_as(new_page, language, width, zone="America/Bogota"):
    return new_page(
        locale=LANGUAGES[language],
        timezone_id=zone,
        viewport={"width": width, "height": 900},
        extra_http_headers={"Accept-Language": language},
    )


def assert_fits(page):
    assert page_width(page) <= page.viewport_size["width"]


@pytest.mark.parametrize(
    "language, times, zone, yours",
    [
        ("es", "jueves, 14 de enero de 2027, 19:00 – 21:00", "hora de Madrid (UTC+1)",
         "En tu zona horaria: jueves, 14 de enero de 2027, 13:00"),
        ("en", "Thursday, January 14, 2027, 7 p.m. – 9 p.m.", "Madrid Time (UTC+1)",
         "In your time zone: Thursday, January 14, 2027"),
    ],
)
def test_the_event_page_shows_madrid_time_with_the_zone_in_words(
    new_page, live_server, screenshot, event, language, times, zone, yours
):
    for width in WIDTHS:
        page = open_as(new_page, language, width)
        page.goto(f"{live_server.url}{event.get_absolute_url()}")
        when = page.locator(".event-when")
        assert when.inner_text().startswith(times)
        assert zone in when.inner_text()
        visitor = page.locator(".visitor-time")
        visitor.wait_for(state="visible")
        assert visitor.inner_text().startswith(yours)
        assert "Colombia" in visitor.inner_text()
        assert_fits(page)
        assert page.console_errors == []
        screenshot(f"event-page-{language}-{width}", of=page)


def test_a_visitor_in_madrid_sees_no_second_time(new_page, live_server, event):
    page = open_as(new_page, "es", 1366, zone="Europe/Madrid")
    page.goto(f"{live_server.url}{event.get_absolute_url()}")
    page.wait_for_load_state("networkidle")
    assert page.locator(".visitor-time").is_hidden()


@pytest.mark.parametrize("language, start, end", [("es", "Inicio", "Fin"), ("en", "Start", "End")])
def test_empty_dates_on_the_event_form_are_flagged_at_start_and_end(
    new_page, live_server, screenshot, group, language, start, end
):
    for width in WIDTHS:
        page = open_as(new_page, language, width)
        log_in(page, live_server)
        page.goto(f"{live_server.url}/events/new/?group={group.slug}")
        screenshot(f"event-form-{language}-{width}", of=page)
        page.get_by_label("Título" if language == "es" else "Title").fill("Club de conversación")
        page.locator("form.stacked-form button[type=submit]").click()
        page.wait_for_load_state()
        for label in (start, end):
            # The accessible name screen readers announce: "Inicio:" / "Start:".
            field = page.get_by_label(re.compile(rf"^{label}:?$"))
            assert field.get_attribute("type") == "datetime-local"
            # The error sits in the same block as the label and the input.
            block = page.locator(".stacked-form > div", has=field)
            assert block.locator(".errorlist").inner_text() in (
                "Este campo es requerido.", "This field is required."
            )
        assert_fits(page)
        screenshot(f"event-form-empty-dates-{language}-{width}", of=page)
    assert not Event.objects.exists()


def test_the_admin_defaults_a_new_event_to_the_groups_zone(
    page, live_server, screenshot, group
):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "olga")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/meetups/event/add/")
    assert page.locator("#id_time_zone").input_value() == ""
    assert page.locator("#id_time_zone option:checked").inner_text() == "The group's time zone"
    page.fill("#id_title", "Tertulia de enero")
    page.locator(".field-study_group .select2-selection").click()
    page.fill(".select2-search__field", "Tertulia")
    page.click(f".select2-results__option:has-text('{group.name}')")
    page.fill("#id_start", "2027-01-14T19:00")
    page.fill("#id_end", "2027-01-14T21:00")
    page.fill("#id_online_url", "https://meet.example.org/tertulia")
    screenshot("admin-event-add-group-zone")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    event = Event.objects.get(title="Tertulia de enero")
    assert event.time_zone == "Europe/Madrid"
    assert event.during.lower == datetime.datetime(2027, 1, 14, 18, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    "language, button, confirm, told, cancelled",
    [
        ("es", "Cancelar evento", "Cancelar el evento",
         "Se enviará un correo a 1 persona", "Este evento se canceló."),
        ("en", "Cancel event", "Cancel the event",
         "1 person going or on the waitlist will be emailed.", "This event has been cancelled."),
    ],
)
def test_an_organizer_cancels_an_event_with_a_reason(
    new_page, live_server, screenshot, event, language, button, confirm, told, cancelled
):
    for width in WIDTHS:
        page = open_as(new_page, language, width)
        log_in(page, live_server)
        page.goto(f"{live_server.url}/events/{event.pk}/cancel/")
        assert told in page.locator(".cancel-consequences").inner_text()
        assert_fits(page)
        screenshot(f"event-cancel-{language}-{width}", of=page)
    page.goto(f"{live_server.url}{event.get_absolute_url()}")
    page.get_by_role("link", name=button).click()
    page.wait_for_url(f"**/events/{event.pk}/cancel/")
    page.locator("textarea[name=reason]").fill("La facultad cierra por <obras>")
    page.get_by_role("button", name=confirm).click()
    page.wait_for_url(f"**{event.get_absolute_url()}")
    notice = page.locator(".cancelled-notice")
    assert cancelled in notice.inner_text()
    assert "La facultad cierra por <obras>" in notice.inner_text()
    assert page.locator("button[name=going]").count() == 0
    assert page.locator("#rsvp-heading").count() == 0
    assert page.locator(".messages").inner_text().startswith(
        "Evento cancelado. Se avisó por correo a 1 persona"
        if language == "es"
        else "Event cancelled. 1 person going or waitlisted was emailed."
    )
    screenshot(f"event-cancelled-{language}", of=page)
    assert [message.to for message in mail.outbox] == [["lucia@example.org"]]
    assert "La facultad cierra por <obras>" in mail.outbox[0].body


@pytest.mark.parametrize("form", ["venues", "events"])
def test_the_new_venue_and_event_maps_open_where_the_group_meets(
    new_page, live_server, group, form
):
    # The site's default centre is Bogotá; the group meets in Madrid.
    page = open_as(new_page, "es", 1366)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/{form}/new/?group={group.slug}")
    page.wait_for_function("() => window.cercaFormMap !== undefined")
    centre = page.evaluate(
        "() => { const c = window.cercaFormMap.getCenter(); return [c.lng, c.lat]; }"
    )
    assert centre == pytest.approx([group.location.x, group.location.y], abs=1e-4)


def test_the_visitors_zone_is_named_in_words_not_an_abbreviation(new_page, live_server, event):
    # A Madrid event seen from Bogotá, and a Bogotá one from Madrid: Chromium
    # shortens a zone inside a date range to "CET"; the line names it in full.
    bogota = Event.objects.create(
        title="Club de lectura", study_group=event.study_group, time_zone="America/Bogota",
        capacity=10, location=event.location,
        during=DateTimeTZRange(event.during.lower, event.during.upper, "[)"),
    )
    for shown, zone, words in ((event, "America/Bogota", "Colombia"),
                               (bogota, "Europe/Madrid", "Europa central")):
        page = open_as(new_page, "es", 1366, zone=zone)
        page.goto(f"{live_server.url}{shown.get_absolute_url()}")
        visitor = page.locator(".visitor-time")
        visitor.wait_for(state="visible")
        text = visitor.inner_text()
        assert words in text, text
        assert not re.search(r"\b(CET|CEST|COT|GMT[+−-]?\d*)\b", text), text
