"""The events and venues GeoJSON API: time filters, and writes by organizers."""

import datetime

import pytest
from django.utils import timezone
from psycopg2.extras import DateTimeTZRange

from meetups.models import Event, Venue
from studygroups.tests.factories import MembershipFactory, StudyGroupFactory, UserFactory

from .factories import EventFactory, VenueFactory, hours_from_now

pytestmark = pytest.mark.django_db


def features(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    return response.json()["features"]


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def patch(client, url, body):
    return client.patch(url, body, content_type="application/json")


def event_body(**properties):
    geometry = properties.pop("geometry", None)
    body = {"type": "Feature", "properties": properties}
    if geometry:
        body["geometry"] = geometry
    return body


@pytest.fixture
def organizer(client):
    membership = MembershipFactory(role="organizer")
    client.force_login(membership.user)
    return membership


def test_events_are_upcoming_and_scheduled_by_default(client):
    upcoming = EventFactory(during=hours_from_now(2, 4))
    running = EventFactory(during=hours_from_now(-1, 1))
    EventFactory(during=hours_from_now(-30, -28))
    EventFactory(during=hours_from_now(5, 7), status="cancelled")
    ids = [f["id"] for f in features(client, "/api/events/")]
    assert ids == [running.pk, upcoming.pk]


def test_events_between_start_and_end_overlap_the_window(client):
    day = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    inside = EventFactory(during=DateTimeTZRange(day, day + datetime.timedelta(hours=2)))
    crossing = EventFactory(
        during=DateTimeTZRange(day - datetime.timedelta(hours=1), day + datetime.timedelta(hours=1))
    )
    later = day + datetime.timedelta(days=3)
    EventFactory(during=DateTimeTZRange(later, later + datetime.timedelta(hours=1)))
    found = features(
        client,
        "/api/events/",
        start=day.isoformat(),
        end=(day + datetime.timedelta(hours=3)).isoformat(),
    )
    assert {f["id"] for f in found} == {inside.pk, crossing.pk}


def test_event_feature_carries_time_place_and_counts(client):
    event = EventFactory(during=hours_from_now(24, 26))
    (feature,) = features(client, "/api/events/")
    assert feature["geometry"]["coordinates"] == [event.venue.location.x, event.venue.location.y]
    props = feature["properties"]
    assert datetime.datetime.fromisoformat(props["start"]) == event.during.lower
    assert datetime.datetime.fromisoformat(props["end"]) == event.during.upper
    assert props["venue_name"] == event.venue.name
    assert props["study_group"] == event.study_group_id
    assert props["time_zone"] == "America/Bogota"


def test_an_organizer_creates_an_event_at_a_shared_venue(client, organizer):
    venue = VenueFactory()
    response = post(
        client,
        "/api/events/",
        event_body(
            title="Club de lectura",
            study_group=organizer.study_group_id,
            venue=venue.pk,
            start="2027-02-04T18:00:00-05:00",
            end="2027-02-04T20:00:00-05:00",
            time_zone="America/Bogota",
        ),
    )
    assert response.status_code == 201, response.content
    event = Event.objects.get(pk=response.json()["id"])
    assert event.location == venue.location
    assert event.during.lower == datetime.datetime(2027, 2, 4, 23, tzinfo=datetime.UTC)


def test_an_online_event_needs_no_place(client, organizer):
    response = post(
        client,
        "/api/events/",
        event_body(
            title="Repaso en línea",
            study_group=organizer.study_group_id,
            online_url="https://meet.example.org/repaso",
            start="2027-02-04T18:00:00Z",
            end="2027-02-04T19:00:00Z",
        ),
    )
    assert response.status_code == 201, response.content
    assert response.json()["geometry"] is None


def test_an_overlapping_booking_is_a_400_on_the_venue(client, organizer):
    booked = EventFactory(during=DateTimeTZRange(
        datetime.datetime(2027, 3, 1, 18, tzinfo=datetime.UTC),
        datetime.datetime(2027, 3, 1, 20, tzinfo=datetime.UTC),
    ))
    response = post(
        client,
        "/api/events/",
        event_body(
            title="Choque",
            study_group=organizer.study_group_id,
            venue=booked.venue_id,
            start="2027-03-01T19:00:00Z",
            end="2027-03-01T21:00:00Z",
        ),
    )
    assert response.status_code == 400
    assert "venue" in response.json()["errors"]
    assert Event.objects.count() == 1
    touching = post(
        client,
        "/api/events/",
        event_body(
            title="Justo después",
            study_group=organizer.study_group_id,
            venue=booked.venue_id,
            start="2027-03-01T20:00:00Z",
            end="2027-03-01T21:00:00Z",
        ),
    )
    assert touching.status_code == 201, touching.content


@pytest.mark.parametrize(
    "properties, field",
    [
        ({"start": "2027-01-01T10:00:00Z", "end": "2027-01-01T09:00:00Z"}, "end"),
        ({"start": "2027-01-01T10:00:00", "end": "2027-01-01T11:00:00Z"}, "start"),
        ({"start": "mañana", "end": "2027-01-01T11:00:00Z"}, "start"),
        ({"end": "2027-01-01T11:00:00Z"}, "start"),
        ({"start": "2027-01-01T10:00:00Z", "end": "2027-01-01T11:00:00Z", "capacity": 0},
         "capacity"),
        ({"start": "2027-01-01T10:00:00Z", "end": "2027-01-01T11:00:00Z",
          "time_zone": "Mars/Olympus"}, "time_zone"),
        ({"start": "2027-01-01T10:00:00Z", "end": "2027-01-01T11:00:00Z"}, "location"),
        ({"start": "2027-01-01T10:00:00Z", "end": "2027-01-01T11:00:00Z",
          "online_url": "javascript:alert(1)"}, "online_url"),
        ({"start": "2027-01-01T10:00:00Z", "end": "2027-01-01T11:00:00Z",
          "geometry": {"type": "Point", "coordinates": [-74, 100]}}, "location"),
        ({"start": "2027-01-01T10:00:00Z", "end": "2027-01-01T11:00:00Z", "venue": 999999},
         "venue"),
    ],
)
def test_bad_events_get_a_400_naming_the_field(client, organizer, properties, field):
    body = event_body(title="Malo", study_group=organizer.study_group_id, **properties)
    response = post(client, "/api/events/", body)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert not Event.objects.exists()


def test_organizers_cannot_create_events_for_other_groups(client, organizer):
    other = StudyGroupFactory()
    response = post(
        client,
        "/api/events/",
        event_body(
            title="Intruso",
            study_group=other.pk,
            online_url="https://meet.example.org/x",
            start="2027-01-01T10:00:00Z",
            end="2027-01-01T11:00:00Z",
        ),
    )
    assert response.status_code == 403
    assert not Event.objects.exists()


def test_organizers_cannot_book_another_groups_venue(client, organizer):
    private = VenueFactory(study_group=StudyGroupFactory())
    response = post(
        client,
        "/api/events/",
        event_body(
            title="Sala ajena",
            study_group=organizer.study_group_id,
            venue=private.pk,
            start="2027-01-01T10:00:00Z",
            end="2027-01-01T11:00:00Z",
        ),
    )
    assert response.status_code == 403


def test_an_organizer_moves_and_cancels_their_event(client, organizer):
    event = EventFactory(study_group=organizer.study_group)
    response = patch(
        client,
        f"/api/events/{event.pk}/",
        event_body(geometry={"type": "Point", "coordinates": [-75.57, 6.25]}, status="cancelled"),
    )
    assert response.status_code == 200, response.content
    event.refresh_from_db()
    assert (event.location.x, event.location.y) == (-75.57, 6.25)
    assert event.status == "cancelled"
    assert client.delete(f"/api/events/{event.pk}/").status_code == 204


def test_a_member_cannot_change_the_groups_events(client):
    event = EventFactory()
    member = MembershipFactory(study_group=event.study_group, role="member")
    client.force_login(member.user)
    assert patch(client, f"/api/events/{event.pk}/", event_body(title="X")).status_code == 403
    assert client.delete(f"/api/events/{event.pk}/").status_code == 403
    assert Event.objects.get(pk=event.pk).title == event.title


def test_an_organizer_adds_a_venue_for_their_group(client, organizer):
    response = post(
        client,
        "/api/venues/",
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [-74.0730, 4.5972]},
            "properties": {
                "name": "Biblioteca Luis Ángel Arango",
                "city": "Bogotá",
                "capacity": 80,
                "study_group": organizer.study_group_id,
            },
        },
    )
    assert response.status_code == 201, response.content
    venue = Venue.objects.get(pk=response.json()["id"])
    assert (venue.location.x, venue.location.y) == (-74.0730, 4.5972)


def test_a_shared_venue_is_created_by_staff_only(client):
    client.force_login(UserFactory())
    body = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [-74.07, 4.6]},
        "properties": {"name": "Compartida", "capacity": 10},
    }
    assert post(client, "/api/venues/", body).status_code == 403


def test_a_venue_with_events_is_not_deleted(client, organizer):
    venue = VenueFactory(study_group=organizer.study_group)
    EventFactory(venue=venue, study_group=organizer.study_group)
    response = client.delete(f"/api/venues/{venue.pk}/")
    assert response.status_code == 409
    assert Venue.objects.filter(pk=venue.pk).exists()


@pytest.mark.parametrize("url", ["/api/events/", "/api/venues/"])
def test_lists_take_a_fixed_number_of_queries(client, url, django_assert_max_num_queries):
    for hours in range(0, 60, 3):
        EventFactory(during=hours_from_now(hours + 1, hours + 2))
    with django_assert_max_num_queries(2):
        found = features(client, url, limit="1000")
    assert len(found) == 20


@pytest.mark.parametrize(
    "params, status",
    [
        ({"start": "0432-06-16T01:52:47+18:33"}, 200),  # found by the fuzz run: was a 500
        ({"end": "2026-12-08T18:00:00+23:59"}, 200),
        ({"start": "0001-01-01T00:00:00+05:00"}, 400),
    ],
)
def test_offsets_postgresql_cannot_read_are_no_500(client, params, status):
    response = client.get("/api/events/", params)
    assert response.status_code == status, response.content
    if status == 400:
        assert response.json()["parameter"] == "start"
