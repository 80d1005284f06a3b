"""An event lasts at most 31 days and lies within the years 2000-2099: the
database refuses the rest (a venue squatted until the year 9000), and the form
and API say it on the field."""

import datetime

import pytest
from django.db import IntegrityError, connection
from psycopg2.extras import DateTimeTZRange

from meetups.models import Event
from studygroups.tests.factories import StudyGroupFactory, organizer_of

from .factories import EventFactory, event_form_data, hours_from_now

pytestmark = pytest.mark.django_db

UTC = datetime.timezone.utc
SHARED_VENUE_SQUAT = DateTimeTZRange(
    datetime.datetime(2027, 3, 1, 18, tzinfo=UTC), datetime.datetime(9000, 1, 1, tzinfo=UTC), "[)"
)


def from_for(start, days):
    return DateTimeTZRange(start, start + datetime.timedelta(days=days), "[)")


@pytest.fixture
def group():
    return StudyGroupFactory(time_zone="America/Bogota")


@pytest.fixture
def organizer(client, group):
    user = organizer_of(group, "olga_organizadora")
    client.force_login(user)
    return user


def refused_by_the_database(event, during, constraint):
    """Whether writing ``during`` straight to the table (no form, no service)
    breaks ``constraint``."""
    with pytest.raises(IntegrityError) as refused:
        Event.objects.filter(pk=event.pk).update(during=during)
    return constraint in str(refused.value)


def test_the_database_refuses_a_venue_booked_until_the_year_9000():
    event = EventFactory()
    assert refused_by_the_database(event, SHARED_VENUE_SQUAT, "event_at_most_31_days")


def test_the_database_refuses_an_event_longer_than_31_days():
    event = EventFactory()
    start = datetime.datetime(2027, 3, 1, 18, tzinfo=UTC)
    assert refused_by_the_database(
        event,
        DateTimeTZRange(start, start + datetime.timedelta(days=31, seconds=1), "[)"),
        "event_at_most_31_days",
    )


def test_an_event_of_exactly_31_days_is_accepted():
    event = EventFactory()
    start = datetime.datetime(2027, 3, 1, 18, tzinfo=UTC)
    Event.objects.filter(pk=event.pk).update(during=from_for(start, 31))
    assert Event.objects.get(pk=event.pk).ends_at == start + datetime.timedelta(days=31)


@pytest.mark.parametrize(
    "start", [datetime.datetime(1999, 12, 31, 20, tzinfo=UTC),
              datetime.datetime(2099, 12, 31, 20, tzinfo=UTC)],
)
def test_the_database_refuses_an_event_outside_2000_to_2099(start):
    event = EventFactory()
    assert refused_by_the_database(
        event, DateTimeTZRange(start, start + datetime.timedelta(hours=6), "[)"),
        "event_within_years_2000_2099",
    )


def test_the_site_form_names_the_end_of_an_event_too_long(client, organizer, group):
    response = client.post(
        "/events/new/",
        event_form_data(group, online_url="https://meet.example.org/x", start="2027-02-04T18:00",
                        end="2027-03-14T18:00", time_zone="America/Bogota"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["end"] == [
        "An event lasts at most 31 days; for a course, create a weekly series."
    ]
    assert "__all__" not in errors
    assert not Event.objects.exists()


def test_the_api_names_the_end_of_an_event_too_long(client, organizer, group):
    response = client.post(
        "/api/events/",
        {"type": "Feature", "properties": {
            "title": "Club", "study_group": group.pk,
            "online_url": "https://meet.example.org/club",
            "start": "2027-02-04T18:00:00Z", "end": "9000-01-01T00:00:00Z"}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "end" in response.json()["errors"]
    assert not Event.objects.exists()


def test_the_api_names_the_start_of_a_past_event_moved_before_2000(client, organizer, group):
    event = EventFactory(study_group=group, venue=None, location=None,
                         online_url="https://meet.example.org/x", during=hours_from_now(-48, -46))
    response = client.patch(
        f"/api/events/{event.pk}/",
        {"type": "Feature", "properties": {
            "start": "1999-12-31T18:00:00Z", "end": "1999-12-31T20:00:00Z"}},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["parameter"] == "start"
    assert Event.objects.get(pk=event.pk).during == event.during


def test_the_constraints_are_in_the_database():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'meetups_event'::regclass"
        )
        names = {row[0] for row in cursor.fetchall()}
    assert {"event_at_most_31_days", "event_within_years_2000_2099"} <= names
