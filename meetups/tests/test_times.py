"""Event times in the event's own time zone, named in words, on every page,
list and email; and the time zone choices people pick from."""

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from psycopg2.extras import DateTimeTZRange

from places.timezones import (
    canonical_time_zone,
    format_local,
    time_zone_choices,
    zone_label,
)
from studygroups.tests.factories import StudyGroupFactory, organizer_of

from .factories import EventFactory, RSVPFactory

pytestmark = pytest.mark.django_db

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
WINTER_EVENING = datetime.datetime(2026, 12, 10, 19, 0, tzinfo=MADRID)  # 18:00Z
SUMMER = datetime.datetime(2027, 7, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def madrid_event():
    """19:00-21:00 in Madrid; the site's zone is Bogotá (13:00-15:00 there)."""
    return EventFactory(
        title="Tertulia en la Complutense",
        time_zone="Europe/Madrid",
        during=DateTimeTZRange(
            WINTER_EVENING, WINTER_EVENING + datetime.timedelta(hours=2), "[)"
        ),
        venue__capacity=50,
    )


def test_the_event_page_shows_a_madrid_event_at_madrid_time_in_spanish(client, madrid_event):
    html = client.get(madrid_event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "jueves, 10 de diciembre de 2026, 19:00</time> – <time" in html
    assert ">21:00</time>" in html
    assert "hora de Madrid (UTC+1)" in html
    assert "13:00" not in html and "(Europe/Madrid)" not in html


def test_the_event_page_shows_a_madrid_event_at_madrid_time_in_english(client, madrid_event):
    html = client.get(madrid_event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Thursday, December 10, 2026, 7 p.m.</time>" in html
    assert ">9 p.m.</time>" in html
    assert "Madrid Time (UTC+1)" in html
    assert "1 p.m." not in html


def test_the_event_page_gives_the_script_the_instant_and_zone_for_the_visitors_time(
    client, madrid_event
):
    html = client.get(madrid_event.get_absolute_url()).content.decode()
    assert 'data-start="2026-12-10T18:00:00+00:00"' in html
    assert 'data-zone="Europe/Madrid"' in html
    assert 'src="/static/js/event_time.js"' in html


def test_the_group_page_lists_events_at_their_own_time(client, madrid_event):
    html = client.get(
        madrid_event.study_group.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert "10 de diciembre de 2026, 19:00</time>" in html
    assert "hora de Madrid (UTC+1)" in html


def test_the_admin_list_shows_starts_and_ends_in_the_events_zone(admin_client, madrid_event):
    response = admin_client.get(
        reverse("admin:meetups_event_changelist"), HTTP_ACCEPT_LANGUAGE="es"
    )
    html = response.content.decode()
    assert "10 de diciembre de 2026, 19:00, hora de Madrid (UTC+1)" in html
    assert "<td class=\"field-ends_at\">21:00</td>" in html


def test_the_cancellation_email_gives_the_time_in_the_events_zone(
    madrid_event, django_capture_on_commit_callbacks
):
    from meetups.services import event_cancel

    madrid_event.study_group.language = "es"
    madrid_event.study_group.save()
    RSVPFactory(event=madrid_event, status="yes")
    organizer = organizer_of(madrid_event.study_group, "olga")
    with django_capture_on_commit_callbacks(execute=True):
        event_cancel(madrid_event, reason="La sala está en obras", actor=organizer)
    (message,) = mail.outbox
    assert "jueves, 10 de diciembre de 2026, 19:00 – 21:00, hora de Madrid (UTC+1)" in message.body
    assert "Europe/Madrid" not in message.body


def test_the_zone_is_named_in_words_with_its_offset_at_that_moment():
    assert zone_label("America/Bogota", SUMMER, "es") == "hora de Colombia (UTC−5)"
    assert zone_label("Europe/Madrid", SUMMER, "es") == "hora de Madrid (UTC+2)"
    assert zone_label("Europe/Madrid", WINTER_EVENING, "en") == "Madrid Time (UTC+1)"
    assert zone_label("America/Mexico_City", SUMMER, "es") == "hora de Ciudad de México (UTC−6)"
    assert zone_label("Asia/Kolkata", SUMMER, "en") == "India Time (UTC+5:30)"
    assert zone_label("UTC", SUMMER, "es") == "UTC"


def test_dates_are_written_as_each_language_writes_them():
    moment = datetime.datetime(2026, 12, 10, 23, 30, tzinfo=datetime.UTC)
    assert format_local(moment, "America/Bogota", language="es") == "10 de diciembre de 2026, 18:30"
    assert format_local(moment, "America/Bogota", language="en") == "December 10, 2026, 6:30 p.m."


def test_zone_choices_are_grouped_by_country_with_readable_labels():
    choices = dict(time_zone_choices("es", SUMMER))
    assert choices["Colombia"] == [("America/Bogota", "Bogotá, Colombia (UTC−05:00)")]
    assert ("Europe/Madrid", "Madrid, España (UTC+02:00)") in choices["España"]
    assert ("Atlantic/Canary", "Canarias, España (UTC+01:00)") in choices["España"]
    assert ("America/Argentina/Buenos_Aires", "Buenos Aires, Argentina (UTC−03:00)") in choices[
        "Argentina"
    ]
    assert ("America/Argentina/Cordoba", "Córdoba, Argentina (UTC−03:00)") in choices["Argentina"]


def test_zone_choices_are_in_english_on_english_pages():
    choices = dict(time_zone_choices("en", SUMMER))
    assert "Spain" in choices and "España" not in choices
    assert ("America/Mexico_City", "Mexico City, Mexico (UTC−06:00)") in choices["Mexico"]


def test_zone_choices_leave_out_system_names_nobody_lives_in():
    zones = {zone for _country, options in time_zone_choices("es") for zone, _label in options}
    assert {"Factory", "localtime", "Etc/GMT+5", "posixrules", "US/Eastern", "EST5EDT"}.isdisjoint(
        zones
    )
    assert {"America/Bogota", "America/Santiago", "Europe/Madrid", "UTC"} <= zones
    assert 380 < len(zones) < 450


def test_old_zone_names_are_taken_as_todays():
    assert canonical_time_zone("America/Buenos_Aires") == "America/Argentina/Buenos_Aires"
    assert canonical_time_zone("Europe/Kiev") == "Europe/Kyiv"
    assert canonical_time_zone("Factory") is None
    assert canonical_time_zone("Etc/GMT+5") is None


def test_the_event_forms_time_zone_select_follows_the_page_language(client):
    group = StudyGroupFactory(time_zone="Europe/Madrid")
    client.force_login(organizer_of(group, "olga"))
    html = client.get("/events/new/", {"group": group.slug}, HTTP_ACCEPT_LANGUAGE="es")
    html = html.content.decode()
    assert '<optgroup label="España">' in html
    assert "Hora de Madrid (la del grupo)" in html
    with translation.override("en"):
        english = client.get("/events/new/", {"group": group.slug}, HTTP_ACCEPT_LANGUAGE="en")
    assert '<optgroup label="Spain">' in english.content.decode()
