import datetime
import zoneinfo

import pytest
from django.urls import reverse
from psycopg2.extras import DateTimeTZRange

from meetups.models import Event
from places.tests.admin_helpers import assert_leaflet_widget

from .factories import EventFactory, RSVPFactory, VenueFactory

pytestmark = pytest.mark.django_db

BOGOTA = zoneinfo.ZoneInfo("America/Bogota")
MADRID = zoneinfo.ZoneInfo("Europe/Madrid")


def event_form(**overrides):
    data = {
        "title": "Taller de Python",
        "description": "",
        "status": "scheduled",
        "capacity": "20",
        "start": "2030-03-05T18:00",
        "end": "2030-03-05T20:00",
        "time_zone": "America/Bogota",
        "location": "",
        "online_url": "",
        "rsvps-TOTAL_FORMS": "0",
        "rsvps-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_venue_change_page_renders_leaflet_widget(admin_client):
    venue = VenueFactory()

    response = admin_client.get(reverse("admin:meetups_venue_change", args=[venue.pk]))

    assert response.status_code == 200
    assert_leaflet_widget(response.content.decode(), "location")


def test_event_change_page_renders_leaflet_widget(admin_client):
    event = EventFactory()

    response = admin_client.get(reverse("admin:meetups_event_change", args=[event.pk]))

    assert response.status_code == 200
    assert_leaflet_widget(response.content.decode(), "location")


def test_event_change_page_shows_times_in_the_events_time_zone(admin_client):
    start = datetime.datetime(2030, 3, 5, 18, 0, tzinfo=MADRID)
    event = EventFactory(
        time_zone="Europe/Madrid",
        during=DateTimeTZRange(start, start + datetime.timedelta(hours=2), "[)"),
    )

    response = admin_client.get(reverse("admin:meetups_event_change", args=[event.pk]))

    html = response.content.decode()
    assert 'value="2030-03-05T18:00"' in html
    assert 'value="2030-03-05T20:00"' in html


def test_admin_places_an_event_at_a_clicked_point(admin_client):
    response = admin_client.post(
        reverse("admin:meetups_event_add"),
        event_form(location='{"type": "Point", "coordinates": [-74.065900, 4.601800]}'),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    event = Event.objects.get(title="Taller de Python")
    assert event.location.coords == pytest.approx((-74.0659, 4.6018), abs=1e-9)
    # 18:00 in Bogotá (UTC-5) is 23:00 UTC.
    assert event.starts_at == datetime.datetime(2030, 3, 5, 23, 0, tzinfo=datetime.UTC)
    assert event.starts_at.astimezone(BOGOTA).hour == 18


def test_admin_takes_the_location_from_the_venue_when_left_empty(admin_client):
    venue = VenueFactory()

    response = admin_client.post(reverse("admin:meetups_event_add"), event_form(venue=venue.pk))

    assert response.status_code == 302
    assert Event.objects.get(title="Taller de Python").location == venue.location


def test_admin_refuses_an_overlapping_booking_with_a_message(admin_client):
    start = datetime.datetime(2030, 3, 5, 17, 0, tzinfo=BOGOTA)
    booked = EventFactory(
        during=DateTimeTZRange(start, start + datetime.timedelta(hours=2), "[)"),
    )

    response = admin_client.post(
        reverse("admin:meetups_event_add"),
        event_form(venue=booked.venue.pk),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert "This venue is already booked for an overlapping time." in response.content.decode()
    assert "venue" in response.context["adminform"].form.errors
    assert Event.objects.count() == 1


def test_admin_refuses_an_event_that_ends_before_it_starts(admin_client):
    response = admin_client.post(
        reverse("admin:meetups_event_add"),
        event_form(end="2030-03-05T17:00", online_url="https://meet.jit.si/x"),
    )

    assert response.status_code == 200
    assert "end" in response.context["adminform"].form.errors
    assert not Event.objects.exists()


def test_admin_refuses_an_event_with_no_place_and_no_url(admin_client):
    response = admin_client.post(
        reverse("admin:meetups_event_add"), event_form(), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert "An event needs a location, a venue or an online URL." in response.content.decode()
    assert not Event.objects.exists()


def test_event_changelist_shows_city_dates_and_going_count(admin_client):
    event = EventFactory(venue__city="Montevideo")
    RSVPFactory.create_batch(2, event=event, status="yes")
    RSVPFactory(event=event, status="no")

    response = admin_client.get(reverse("admin:meetups_event_changelist"), {"when": "upcoming"})

    assert response.status_code == 200
    row = next(r for r in response.context["cl"].result_list if r.pk == event.pk)
    assert row.going_count == 2
    assert "Montevideo" in response.content.decode()


def test_event_changelist_past_filter_leaves_out_upcoming(admin_client):
    EventFactory(title="Futuro")
    past = datetime.datetime(2020, 1, 1, 18, tzinfo=BOGOTA)
    EventFactory(
        title="Pasado", during=DateTimeTZRange(past, past + datetime.timedelta(hours=1), "[)")
    )

    response = admin_client.get(reverse("admin:meetups_event_changelist"), {"when": "past"})

    assert [e.title for e in response.context["cl"].result_list] == ["Pasado"]


def test_venue_changelist_searches_by_city(admin_client):
    VenueFactory(name="Biblioteca Nacional", city="Buenos Aires")
    VenueFactory(name="Biblioteca EPM", city="Medellín")

    response = admin_client.get(reverse("admin:meetups_venue_changelist"), {"q": "aires"})

    assert [v.name for v in response.context["cl"].result_list] == ["Biblioteca Nacional"]
