"""Organizers' own forms on the site: events (and series), venues, cancelling."""

import datetime
import zoneinfo

import pytest
from psycopg2.extras import DateTimeTZRange

from meetups.models import Event, Venue
from studygroups.tests.factories import MembershipFactory, StudyGroupFactory

from .factories import EventFactory, VenueFactory, event_form_data

pytestmark = pytest.mark.django_db

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")


@pytest.fixture
def organizer(client):
    membership = MembershipFactory(role="organizer")
    client.force_login(membership.user)
    return membership


def event_form(group, **overrides):
    return event_form_data(group, **overrides)


def test_an_organizer_places_an_event_on_the_map(client, organizer):
    response = client.post(
        "/events/new/",
        event_form(
            organizer.study_group,
            location='{"type": "Point", "coordinates": [-3.7269, 40.4494]}',
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    event = Event.objects.get()
    assert (event.location.x, event.location.y) == (-3.7269, 40.4494)
    assert event.during.lower == datetime.datetime(2027, 10, 14, 18, tzinfo=MADRID)


def test_a_weekly_series_keeps_the_local_time_across_daylight_saving(client, organizer):
    venue = VenueFactory()
    response = client.post(
        "/events/new/",
        event_form(organizer.study_group, venue=venue.pk, repeat="weekly", occurrences="4"),
    )
    assert response.status_code == 302, response.context["form"].errors
    events = list(Event.objects.order_by("during"))
    assert len(events) == 4
    assert len({event.series for event in events}) == 1 and events[0].series
    # Madrid leaves summer time on 31 October 2027: 18:00 stays 18:00 local.
    expected = [
        datetime.datetime(2027, 10, 14, 18, tzinfo=MADRID) + datetime.timedelta(weeks=n)
        for n in range(4)
    ]
    assert [event.during.lower for event in events] == expected
    assert {e.during.lower.astimezone(datetime.UTC).hour for e in events} == {16, 17}
    assert all(event.location == venue.location for event in events)


def test_a_monthly_series_uses_the_months_last_day_when_shorter(client, organizer):
    response = client.post(
        "/events/new/",
        event_form(
            organizer.study_group,
            online_url="https://meet.example.org/club",
            start="2027-01-31T19:00",
            end="2027-01-31T20:00",
            repeat="monthly",
            occurrences="3",
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    days = [e.during.lower.astimezone(MADRID).date() for e in Event.objects.order_by("during")]
    assert days == [datetime.date(2027, 1, 31), datetime.date(2027, 2, 28),
                    datetime.date(2027, 3, 31)]


def test_a_series_that_would_double_book_creates_nothing(client, organizer):
    venue = VenueFactory()
    taken = datetime.datetime(2027, 10, 28, 18, tzinfo=MADRID)
    EventFactory(venue=venue, during=DateTimeTZRange(taken, taken + datetime.timedelta(hours=1)))
    response = client.post(
        "/events/new/",
        event_form(organizer.study_group, venue=venue.pk, repeat="weekly", occurrences="4"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    # The date of the occurrence that collides, as Spanish pages write dates.
    assert "venue" in errors and "28 de octubre de 2027, 18:00" in str(errors["venue"])
    assert Event.objects.count() == 1


def test_organizers_only_see_their_groups_and_usable_venues(client, organizer):
    other = StudyGroupFactory()
    private = VenueFactory(study_group=other)
    shared = VenueFactory()
    form = client.get("/events/new/").context["form"]
    assert list(form.fields["study_group"].queryset) == [organizer.study_group]
    assert set(form.fields["venue"].queryset) == {shared}
    response = client.post("/events/new/", event_form(other, venue=private.pk))
    assert response.status_code == 200
    assert {"study_group", "venue"} <= set(response.context["form"].errors)
    assert not Event.objects.exists()


def test_other_groups_organizers_cannot_edit_an_event(client, organizer):
    event = EventFactory()
    assert client.get(f"/events/{event.pk}/edit/").status_code == 403
    assert client.post(f"/events/{event.pk}/edit/", {"title": "x"}).status_code == 403


def test_an_organizer_adds_a_venue_for_their_group_only(client, organizer):
    other = StudyGroupFactory()
    body = {
        "name": "Biblioteca Nacional de España",
        "address": "Paseo de Recoletos 20",
        "city": "Madrid",
        "location": '{"type": "Point", "coordinates": [-3.6906, 40.4239]}',
        "capacity": "60",
    }
    refused = client.post("/venues/new/", {**body, "study_group": other.pk})
    assert refused.status_code == 200 and "study_group" in refused.context["form"].errors
    response = client.post("/venues/new/", {**body, "study_group": organizer.study_group_id})
    assert response.status_code == 302, response.context["form"].errors
    venue = Venue.objects.get()
    assert venue.study_group == organizer.study_group
    assert (venue.location.x, venue.location.y) == (-3.6906, 40.4239)


def test_the_venues_nearest_the_group_are_offered_first(client, organizer):
    group = organizer.study_group  # at Universidad de Antioquia, Medellín
    far = VenueFactory(name="Biblioteca Nacional", location="SRID=4326;POINT (-74.0694 4.6017)")
    near = VenueFactory(
        name="Biblioteca Carlos Gaviria", location="SRID=4326;POINT (-75.5686 6.2672)"
    )
    form = client.get("/events/new/", {"group": group.slug}).context["form"]
    choices = [label for value, label in form.fields["venue"].choices if value]
    assert [v.pk for v in form.fields["venue"].queryset] == [near.pk, far.pk]
    assert choices[0].startswith("Biblioteca Carlos Gaviria") and choices[0].endswith(" km")
    # Bogotá is about 240 km from Medellín; Spanish pages write "248,0 km".
    km = choices[1].split("·")[-1].split()[0]
    assert "," in km and 230 < float(km.replace(",", ".")) < 250


def test_editing_an_event_in_the_repeated_hour_keeps_its_instant(client, organizer):
    # 31 October 2027, Madrid: 02:00-03:00 happens twice. The second 02:30 is
    # 01:30 UTC; its wall clock alone would read as the first, 00:30 UTC.
    start = datetime.datetime(2027, 10, 31, 1, 30, tzinfo=datetime.UTC)
    event = EventFactory(
        study_group=organizer.study_group, time_zone="Europe/Madrid", location=None,
        online_url="https://meet.example.org/x", venue=None,
        during=DateTimeTZRange(start, start + datetime.timedelta(hours=2), "[)"),
    )
    data = event_form(
        organizer.study_group, title="Nuevo título", online_url="https://meet.example.org/x",
        start="2027-10-31T02:30", end="2027-10-31T04:30",
    )
    del data["repeat"], data["occurrences"]
    response = client.post(f"/events/{event.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    event.refresh_from_db()
    assert event.title == "Nuevo título"
    assert (event.during.lower, event.during.upper) == (start, start + datetime.timedelta(hours=2))


def test_several_occurrences_without_a_repeat_is_an_error_on_the_field(client, organizer):
    response = client.post(
        "/events/new/", event_form(organizer.study_group, occurrences="4"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert response.context["form"].errors["occurrences"] == [
        "Choose how the series repeats (every week or every month), or make it 1."
    ]
    assert not Event.objects.exists()
