"""The event page's "add to calendar" links: built locally, they carry the
event's own times (checked here against zoneinfo, not the code under test),
its place and a link back, with every user text URL-encoded."""

import datetime
import zoneinfo
from urllib.parse import parse_qs, urlsplit

import pytest
from psycopg2.extras import DateTimeTZRange

from meetups.models import Event
from meetups.tests.factories import EventFactory, VenueFactory

pytestmark = pytest.mark.django_db

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")


def madrid_evening(year=2031, month=7, day=10):
    """19:00–21:00 wall-clock time in Madrid (CEST in July: 17:00 UTC)."""
    start = datetime.datetime(year, month, day, 19, 0, tzinfo=MADRID)
    return DateTimeTZRange(start, start + datetime.timedelta(hours=2), "[)")


def links(client, event):
    response = client.get(event.get_absolute_url())
    assert response.status_code == 200
    return response.context["calendar_links"], response.content.decode()


def query(url):
    parts = urlsplit(url)
    return parts.scheme + "://" + parts.netloc + parts.path, {
        key: values[0] for key, values in parse_qs(parts.query).items()
    }


def test_google_link_gives_the_madrid_evening_in_utc_and_the_events_zone(client):
    venue = VenueFactory(name="Biblioteca Eugenio Trías", address="Paseo de Fernán Núñez 24")
    event = EventFactory(
        title="Python & café", during=madrid_evening(), time_zone="Europe/Madrid", venue=venue
    )
    base, params = query(links(client, event)[0]["google"])
    assert base == "https://calendar.google.com/calendar/render"
    assert params["action"] == "TEMPLATE"
    assert params["text"] == "Python & café"
    # 19:00 in Madrid in July is 17:00 UTC (CEST, UTC+2).
    assert params["dates"] == "20310710T170000Z/20310710T190000Z"
    assert params["ctz"] == "Europe/Madrid"
    assert params["location"].startswith("Biblioteca Eugenio Trías, Paseo de Fernán Núñez 24")
    assert params["details"].endswith(f"http://testserver{event.get_absolute_url()}")


def test_winter_time_moves_the_utc_hour(client):
    # The same wall-clock evening in January is CET (UTC+1): 18:00 UTC.
    event = EventFactory(during=madrid_evening(2032, 1, 15), time_zone="Europe/Madrid")
    _base, params = query(links(client, event)[0]["google"])
    assert params["dates"] == "20320115T180000Z/20320115T200000Z"


def test_outlook_links_carry_iso_times_in_utc(client):
    event = EventFactory(
        title="Grupo de estudio", during=madrid_evening(), time_zone="Europe/Madrid"
    )
    calendar = links(client, event)[0]
    for key, host in (("outlook", "outlook.live.com"), ("office365", "outlook.office.com")):
        base, params = query(calendar[key])
        assert urlsplit(base).netloc == host
        assert params["rru"] == "addevent"
        assert params["subject"] == "Grupo de estudio"
        start = datetime.datetime.fromisoformat(params["startdt"])
        end = datetime.datetime.fromisoformat(params["enddt"])
        assert start == datetime.datetime(2031, 7, 10, 19, 0, tzinfo=MADRID)
        assert end - start == datetime.timedelta(hours=2)


def test_hostile_titles_are_encoded_in_the_links_and_escaped_in_the_page(client):
    title = '<script>alert(1)</script>"&x=1'
    event = EventFactory(title=title, during=madrid_evening())
    calendar, html = links(client, event)
    assert query(calendar["google"])[1]["text"] == title
    assert "<script>alert(1)</script>" not in html
    assert "&x=1&" not in calendar["google"]


def test_long_descriptions_are_shortened_and_the_page_linked(client):
    event = EventFactory(description="Apuntes. " * 500, during=madrid_evening())
    details = query(links(client, event)[0]["google"])[1]["details"]
    assert len(details) < 1_200
    assert details.endswith(event.get_absolute_url())


def test_a_cancelled_event_offers_no_calendar_services(client):
    cancelled = EventFactory(status=Event.Status.CANCELLED, during=madrid_evening())
    html = client.get(cancelled.get_absolute_url()).content.decode()
    assert "calendar.google.com" not in html
    assert f"/calendar/events/{cancelled.pk}.ics" in html
