"""The event form, admin and API refuse nonsense (a start in the past, more
people than the venue holds, a new event that is already cancelled), write
numbers and dates the way the page's language does, and a past or ongoing
event says so."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from psycopg2.extras import DateTimeTZRange

from meetups.models import Event
from meetups.services import event_create, event_update
from studygroups.tests.factories import StudyGroupFactory, organizer_of

from .factories import (
    AttendeeFactory,
    EventFactory,
    VenueFactory,
    event_form_data,
    hours_from_now,
)

pytestmark = pytest.mark.django_db

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")


@pytest.fixture
def group():
    return StudyGroupFactory(time_zone="America/Bogota")


@pytest.fixture
def organizer(client, group):
    user = organizer_of(group, "olga_organizadora")
    client.force_login(user)
    return user


def site_form(group, **overrides):
    return event_form_data(
        group,
        **{
            "online_url": "https://meet.example.org/club",
            "start": "2027-02-04T18:00",
            "end": "2027-02-04T20:00",
            "time_zone": "America/Bogota",
            **overrides,
        },
    )


def api_body(group, **properties):
    return {
        "type": "Feature",
        "properties": {
            "title": "Club de lectura",
            "study_group": group.pk,
            "online_url": "https://meet.example.org/club",
            "start": "2027-02-04T18:00:00-05:00",
            "end": "2027-02-04T20:00:00-05:00",
            **properties,
        },
    }


def test_a_new_event_cannot_start_in_the_past_on_the_site(client, organizer, group):
    response = client.post(
        "/events/new/",
        site_form(group, start="2026-03-01T18:00", end="2026-03-01T20:00"),
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 200
    assert response.context["form"].errors["start"] == [
        "El inicio ya pasó; indica una fecha a partir de ahora."
    ]
    assert not Event.objects.exists()


def test_a_new_event_cannot_start_in_the_past_through_the_api(client, organizer, group):
    response = client.post(
        "/api/events/",
        api_body(group, start="2026-03-01T18:00:00Z", end="2026-03-01T20:00:00Z"),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "start" in response.json()["errors"]


def test_an_upcoming_event_cannot_be_moved_into_the_past(group):
    event = EventFactory(study_group=group)
    past = hours_from_now(-48, -46)
    with pytest.raises(ValidationError) as refused:
        event_update(event, during=past)
    assert "start" in refused.value.message_dict


def test_a_past_event_can_still_be_corrected(group):
    event = EventFactory(study_group=group, during=hours_from_now(-48, -46))
    event_update(event, title="Club de lectura (acta corregida)")
    assert Event.objects.get(pk=event.pk).title == "Club de lectura (acta corregida)"


def test_a_start_years_ahead_is_taken_for_a_typing_slip(group):
    start = datetime.datetime(2062, 2, 4, 18, tzinfo=datetime.UTC)
    with pytest.raises(ValidationError) as refused:
        event_create(
            title="Club", study_group=group, online_url="https://meet.example.org/x",
            during=DateTimeTZRange(start, start + datetime.timedelta(hours=2), "[)"),
        )
    assert "start" in refused.value.message_dict


def test_an_event_lasting_months_is_refused_on_its_end(client, organizer, group):
    response = client.post("/events/new/", site_form(group, end="2027-06-04T20:00"))
    assert "end" in response.context["form"].errors


def test_a_capacity_above_the_venues_is_refused_naming_the_venues(client, organizer, group):
    venue = VenueFactory(name="Biblioteca Virgilio Barco", capacity=40)
    response = client.post(
        "/events/new/", site_form(group, venue=venue.pk, capacity="120"), HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.status_code == 200
    assert response.context["form"].errors["capacity"] == [
        "En Biblioteca Virgilio Barco caben 40 personas: el cupo del evento no puede ser mayor."
    ]
    assert not Event.objects.exists()


def test_a_capacity_above_the_venues_is_refused_in_the_admin(admin_client, group):
    venue = VenueFactory(capacity=40)
    response = admin_client.post(
        reverse("admin:meetups_event_add"),
        {
            "title": "Club", "study_group": group.pk, "status": "scheduled", "capacity": "41",
            "start": "2027-02-04T18:00", "end": "2027-02-04T20:00", "time_zone": "",
            "venue": venue.pk, "location": "", "online_url": "",
            "rsvps-TOTAL_FORMS": "0", "rsvps-INITIAL_FORMS": "0",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "holds 40 people" in response.context["adminform"].form.errors["capacity"][0]


def test_a_capacity_above_the_venues_is_a_400_naming_capacity(client, organizer, group):
    venue = VenueFactory(capacity=40)
    response = client.post(
        "/api/events/", api_body(group, venue=venue.pk, capacity=200),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["capacity"]


def test_a_new_event_cannot_be_created_cancelled_through_the_api(client, organizer, group):
    response = client.post(
        "/api/events/", api_body(group, status="cancelled"), content_type="application/json"
    )
    assert response.status_code == 400
    assert "status" in response.json()["errors"]
    assert not Event.objects.exists()


def test_the_site_form_has_no_status(client, organizer, group):
    form = client.get("/events/new/").context["form"]
    assert "status" not in form.fields


def test_the_admin_offers_a_new_event_only_as_scheduled(admin_client):
    form = admin_client.get(reverse("admin:meetups_event_add")).context["adminform"].form
    assert [value for value, _label in form.fields["status"].choices] == ["scheduled"]


def test_venue_distances_use_the_decimal_comma_in_spanish(client, organizer, group):
    # The group is at Universidad de Antioquia; Biblioteca Nacional, Bogotá, ~240 km.
    VenueFactory(name="Biblioteca Nacional", location="SRID=4326;POINT (-74.0694 4.6017)")
    for language, separator in [("es", ","), ("en", ".")]:
        form = client.get(
            "/events/new/", {"group": group.slug}, HTTP_ACCEPT_LANGUAGE=language
        ).context["form"]
        (label,) = [label for value, label in form.fields["venue"].choices if value]
        km = label.split("·")[-1].split()[0]
        assert separator in km and km.replace(",", ".").count(".") == 1, label


@pytest.mark.parametrize(
    "language, expected",
    [("es", "28 de octubre de 2027, 18:00: "), ("en", "October 28, 2027, 6 p.m.: ")],
)
def test_a_series_collision_names_the_date_as_the_language_writes_it(
    client, organizer, group, language, expected
):
    venue = VenueFactory()
    taken = datetime.datetime(2027, 10, 28, 18, tzinfo=MADRID)
    EventFactory(venue=venue, during=DateTimeTZRange(taken, taken + datetime.timedelta(hours=1)))
    response = client.post(
        "/events/new/",
        site_form(
            group, venue=venue.pk, online_url="", start="2027-10-14T18:00",
            end="2027-10-14T20:00", time_zone="Europe/Madrid", repeat="weekly", occurrences="4",
        ),
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.context["form"].errors["venue"][0].startswith(expected)


def test_a_past_event_says_it_has_ended(client):
    event = EventFactory(during=hours_from_now(-30, -28))
    client.force_login(AttendeeFactory())
    html = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This event has ended." in html
    assert "already started" not in html and "happening now" not in html
    assert 'name="going"' not in html


def test_an_ongoing_event_says_it_is_happening_now(client):
    event = EventFactory(during=hours_from_now(-1, 1))
    client.force_login(AttendeeFactory())
    html = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Este evento está en curso." in html
    assert 'name="going"' not in html


def test_an_answer_for_a_past_event_is_refused_saying_it_ended(client):
    event = EventFactory(during=hours_from_now(-30, -28))
    client.force_login(AttendeeFactory())
    response = client.post(
        f"/events/{event.pk}/rsvp/", {"going": "yes"}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert "This event has ended; answers are closed." in response.content.decode()
    assert not event.rsvps.exists()


def test_an_api_event_without_a_zone_takes_its_groups(client, organizer, group):
    group.time_zone = "America/Santiago"
    group.save()
    response = client.post("/api/events/", api_body(group), content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["properties"]["time_zone"] == "America/Santiago"


@pytest.mark.parametrize("zone", ["Factory", "localtime", "Etc/GMT+5", "posixrules", ""])
def test_the_api_refuses_a_zone_nobody_lives_in_naming_time_zone(client, organizer, group, zone):
    response = client.post(
        "/api/events/", api_body(group, time_zone=zone), content_type="application/json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["time_zone"]


@pytest.mark.parametrize(
    "zone, stored",
    [("America/Bogota", "America/Bogota"), ("US/Eastern", "America/New_York"), ("UTC", "UTC"),
     ("Asia/Calcutta", "Asia/Kolkata")],
)
def test_the_api_still_takes_the_zones_it_took(client, organizer, group, zone, stored):
    response = client.post(
        "/api/events/", api_body(group, time_zone=zone), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert Event.objects.get().time_zone == stored
