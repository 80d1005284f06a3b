import datetime

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone
from psycopg2.extras import DateTimeTZRange

from meetups.models import RSVP, Event, Venue

from .factories import EventFactory, RSVPFactory, VenueFactory, hours_from_now

pytestmark = pytest.mark.django_db


def at(hour, minute=0):
    """A time tomorrow, in UTC."""
    day = timezone.now().date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC)


def test_venue_location_round_trips_through_postgis():
    # Biblioteca Luis Ángel Arango, Bogotá.
    venue = VenueFactory(location=Point(-74.073300, 4.597000, srid=4326))

    assert Venue.objects.get(pk=venue.pk).location.coords == pytest.approx(
        (-74.0733, 4.597), abs=1e-9
    )


def test_event_location_and_range_round_trip_through_postgis():
    during = DateTimeTZRange(at(17), at(19), "[)")
    event = EventFactory(venue=None, location=Point(-99.1874, 19.3316, srid=4326), during=during)

    stored = Event.objects.get(pk=event.pk)

    assert stored.location.coords == pytest.approx((-99.1874, 19.3316), abs=1e-9)
    assert (stored.starts_at, stored.ends_at) == (at(17), at(19))


def test_venue_capacity_must_be_positive():
    with pytest.raises(IntegrityError, match="venue_capacity_positive"):
        VenueFactory(capacity=0)


def test_event_capacity_must_be_positive():
    with pytest.raises(IntegrityError, match="event_capacity_positive"):
        EventFactory(capacity=0)


def test_event_that_ends_when_it_starts_is_refused():
    with pytest.raises(IntegrityError, match="event_ends_after_start"):
        EventFactory(during=DateTimeTZRange(at(18), at(18), "[)"))


def test_event_that_ends_before_it_starts_is_refused():
    with pytest.raises(DataError, match="range lower bound must be less than or equal"):
        EventFactory(during=DateTimeTZRange(at(19), at(18), "[)"))


def test_event_without_end_is_refused():
    with pytest.raises(IntegrityError, match="event_ends_after_start"):
        EventFactory(during=DateTimeTZRange(at(18), None, "[)"))


def test_event_needs_a_place_or_an_online_url():
    with pytest.raises(IntegrityError, match="event_has_place_or_url"):
        EventFactory(venue=None, location=None, online_url="")


def test_online_only_event_is_accepted():
    event = EventFactory(venue=None, location=None, online_url="https://meet.jit.si/cerca")

    assert Event.objects.get(pk=event.pk).location is None


def test_event_at_a_venue_needs_its_location():
    with pytest.raises(IntegrityError, match="event_with_venue_has_location"):
        EventFactory(location=None, online_url="https://meet.jit.si/cerca")


def test_overlapping_booking_is_refused():
    first = EventFactory(during=DateTimeTZRange(at(16), at(18), "[)"))

    with pytest.raises(IntegrityError, match="event_venue_not_double_booked"):
        EventFactory(venue=first.venue, during=DateTimeTZRange(at(17, 30), at(19), "[)"))


def test_touching_bookings_are_allowed():
    first = EventFactory(during=DateTimeTZRange(at(16), at(18), "[)"))

    second = EventFactory(venue=first.venue, during=DateTimeTZRange(at(18), at(20), "[)"))

    assert Event.objects.filter(venue=first.venue).count() == 2
    assert second.pk


def test_a_weekly_series_moves_by_a_week_in_one_update():
    # Each row lands on the slot of the next one before that one has moved; the
    # constraint is checked once the statement ends, when nothing overlaps.
    first = EventFactory(during=DateTimeTZRange(at(16), at(18), "[)"))
    week = datetime.timedelta(weeks=1)
    for n in (1, 2):
        EventFactory(
            venue=first.venue,
            during=DateTimeTZRange(at(16) + n * week, at(18) + n * week, "[)"),
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE meetups_event SET during = tstzrange(lower(during) + %s, "
            "upper(during) + %s, '[)') WHERE venue_id = %s",
            [week, week, first.venue_id],
        )
    starts = sorted(Event.objects.values_list("during__startswith", flat=True))
    assert starts == [at(16) + n * week for n in (1, 2, 3)]


def test_moving_onto_a_booked_slot_is_still_refused():
    first = EventFactory(during=DateTimeTZRange(at(16), at(18), "[)"))
    EventFactory(venue=first.venue, during=DateTimeTZRange(at(20), at(22), "[)"))
    with pytest.raises(IntegrityError, match="event_venue_not_double_booked"):
        with transaction.atomic():
            Event.objects.filter(pk=first.pk).update(
                during=DateTimeTZRange(at(19), at(21), "[)")
            )


def test_cancelled_event_frees_its_venue():
    first = EventFactory(during=DateTimeTZRange(at(16), at(18), "[)"), status="cancelled")

    EventFactory(venue=first.venue, during=DateTimeTZRange(at(16), at(18), "[)"))

    assert Event.objects.filter(venue=first.venue).count() == 2


def test_same_time_at_different_venues_is_allowed():
    EventFactory(during=DateTimeTZRange(at(16), at(18), "[)"))
    EventFactory(during=DateTimeTZRange(at(16), at(18), "[)"))

    assert Event.objects.count() == 2


def test_full_clean_names_the_double_booking():
    first = EventFactory(during=DateTimeTZRange(at(16), at(18), "[)"))
    clash = Event(
        title="Choque",
        venue=first.venue,
        location=first.location,
        during=DateTimeTZRange(at(17), at(19), "[)"),
    )

    with pytest.raises(ValidationError) as error:
        clash.full_clean()

    (rule,) = error.value.error_dict["__all__"]
    assert rule.code == "event_venue_not_double_booked"
    assert rule.messages  # worded in the active language


def test_event_status_must_be_known():
    with pytest.raises(IntegrityError, match="event_status_valid"):
        EventFactory(status="postponed")


def test_a_user_answers_an_event_once():
    rsvp = RSVPFactory()

    with pytest.raises(IntegrityError, match="rsvp_one_per_user_and_event"):
        with transaction.atomic():
            RSVP.objects.create(user=rsvp.user, event=rsvp.event, status="no")
    assert RSVP.objects.get(pk=rsvp.pk).status == "yes"


def test_upcoming_leaves_out_past_and_cancelled_events():
    soon = EventFactory(during=hours_from_now(2, 3))
    EventFactory(during=hours_from_now(-3, -2))
    EventFactory(during=hours_from_now(4, 5), status="cancelled")
    later = EventFactory(during=hours_from_now(30, 31))

    assert list(Event.objects.upcoming()) == [soon, later]
