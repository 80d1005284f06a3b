"""Editing and cancelling a series: this event, this and following, or all
(meetups.series). Expected instants are written out by hand from the zones'
published offsets (Madrid UTC+2 in summer, UTC+1 in winter, changing on the
last Sundays of March and October; Bogotá UTC-5 all year)."""

import datetime
import uuid
import zoneinfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from psycopg2.extras import DateTimeTZRange

from meetups.models import Event
from meetups.series import (
    event_series_cancel,
    event_series_update,
    series_frequency,
    series_neighbours,
)
from meetups.services import event_series_create
from studygroups.models import Delivery
from studygroups.tests.factories import StudyGroupFactory, organizer_of

from .factories import EventFactory, RSVPFactory, VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def spanish():
    # The services speak the active language; another test's request may have
    # left English active.
    with translation.override("es"):
        yield


MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
BOGOTA = zoneinfo.ZoneInfo("America/Bogota")
UTC = datetime.UTC


def utc(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def span(start, hours=2):
    return DateTimeTZRange(start, start + datetime.timedelta(hours=hours), "[)")


def series(start, zone, occurrences=4, frequency="weekly", **fields):
    fields.setdefault("venue", VenueFactory())
    fields.setdefault("title", "Tertulia")
    if "study_group" not in fields:
        fields["study_group"] = StudyGroupFactory(language="en")
    events = event_series_create(
        frequency=frequency,
        occurrences=occurrences,
        during=span(start),
        time_zone=zone,
        **fields,
    )
    return [Event.objects.get(pk=event.pk) for event in events]


def reloaded(events):
    return [Event.objects.get(pk=event.pk) for event in events]


def starts(events):
    return [event.during.lower.astimezone(UTC) for event in reloaded(events)]


def test_all_keeps_madrid_wall_clock_across_the_end_of_summer_time():
    # Thursdays 14, 21, 28 October and 4 November 2027; the clocks go back on
    # Sunday 31 October.
    events = series(datetime.datetime(2027, 10, 14, 19, tzinfo=MADRID), "Europe/Madrid")
    assert starts(events)[-1] == utc(2027, 11, 4, 18)
    event_series_update(
        events[0],
        scope="all",
        during=span(datetime.datetime(2027, 10, 14, 20, tzinfo=MADRID)),
    )
    assert starts(events) == [
        utc(2027, 10, 14, 18),
        utc(2027, 10, 21, 18),
        utc(2027, 10, 28, 18),
        utc(2027, 11, 4, 19),  # 20:00 in winter is 19:00 UTC
    ]
    assert all(
        event.during.upper - event.during.lower == datetime.timedelta(hours=2)
        for event in reloaded(events)
    )


def test_following_keeps_madrid_wall_clock_across_the_start_of_summer_time():
    # Thursdays 18 and 25 March, 1 and 8 April 2027; the clocks go forward on
    # Sunday 28 March. Moved from the second one on to 18:30.
    events = series(datetime.datetime(2027, 3, 18, 19, tzinfo=MADRID), "Europe/Madrid")
    event_series_update(
        events[1],
        scope="following",
        during=span(datetime.datetime(2027, 3, 25, 18, 30, tzinfo=MADRID)),
    )
    assert starts(events) == [
        utc(2027, 3, 18, 18),  # untouched: before the edited one
        utc(2027, 3, 25, 17, 30),
        utc(2027, 4, 1, 16, 30),  # 18:30 in summer is 16:30 UTC
        utc(2027, 4, 8, 16, 30),
    ]


def test_a_new_date_moves_every_date_by_as_many_days_in_bogota():
    # Tuesdays from 2 February 2027, monthly; moved to the Wednesday at 17:00.
    events = series(
        datetime.datetime(2027, 2, 2, 18, tzinfo=BOGOTA),
        "America/Bogota",
        occurrences=3,
        frequency="monthly",
    )
    event_series_update(
        events[0], scope="all", during=span(datetime.datetime(2027, 2, 3, 17, tzinfo=BOGOTA), 3)
    )
    assert [(event.during.lower, event.during.upper) for event in reloaded(events)] == [
        (utc(2027, 2, 3, 22), utc(2027, 2, 4, 1)),
        (utc(2027, 3, 3, 22), utc(2027, 3, 4, 1)),
        (utc(2027, 4, 3, 22), utc(2027, 4, 4, 1)),
    ]


def test_a_time_the_clocks_skip_refuses_the_edit_naming_the_date():
    # Sundays at 01:30 from 14 March 2027; at 02:30 on 28 March Madrid's
    # clocks jump from 02:00 to 03:00.
    events = series(datetime.datetime(2027, 3, 14, 1, 30, tzinfo=MADRID), "Europe/Madrid", 3)
    with pytest.raises(ValidationError) as refused:
        event_series_update(
            events[0],
            scope="all",
            during=span(datetime.datetime(2027, 3, 14, 2, 30, tzinfo=MADRID)),
        )
    assert "start" in refused.value.error_dict
    assert "28 de marzo de 2027" in refused.value.error_dict["start"][0].messages[0]
    assert starts(events)[0] == utc(2027, 3, 14, 0, 30)


def test_title_and_venue_change_only_for_the_chosen_dates():
    events = series(datetime.datetime(2027, 10, 14, 19, tzinfo=MADRID), "Europe/Madrid")
    other = VenueFactory(name="Sala Nueva")
    event_series_update(events[1], scope="this", title="Solo esta")
    event_series_update(events[2], scope="following", title="Nueva tertulia", venue=other)
    titles = [(event.title, event.venue.name) for event in reloaded(events)]
    assert titles == [
        ("Tertulia", events[0].venue.name),
        ("Solo esta", events[0].venue.name),
        ("Nueva tertulia", "Sala Nueva"),
        ("Nueva tertulia", "Sala Nueva"),
    ]
    # The place follows the new venue.
    assert reloaded(events)[3].location == other.location


def test_only_the_fields_changed_are_carried_to_the_other_dates():
    events = series(datetime.datetime(2027, 10, 14, 19, tzinfo=MADRID), "Europe/Madrid")
    event_series_update(events[2], scope="this", description="Trae tu libro")
    anchor = reloaded(events)[0]
    # The form posts every field; only the capacity differs from the first date.
    event_series_update(
        anchor,
        scope="all",
        title=anchor.title,
        description=anchor.description,
        venue=anchor.venue,
        capacity=12,
        during=anchor.during,
        time_zone=anchor.time_zone,
    )
    after = reloaded(events)
    assert [event.capacity for event in after] == [12, 12, 12, 12]
    assert [event.description for event in after] == ["", "", "Trae tu libro", ""]


def test_following_splits_the_series_so_all_leaves_the_later_part_alone():
    events = series(datetime.datetime(2027, 10, 14, 19, tzinfo=MADRID), "Europe/Madrid")
    old_series = events[0].series
    event_series_update(events[2], scope="following", title="Segunda parte")
    after = reloaded(events)
    assert after[0].series == after[1].series == old_series
    assert after[2].series == after[3].series not in (None, old_series)
    event_series_update(after[0], scope="all", title="Primera parte")
    assert [event.title for event in reloaded(events)] == [
        "Primera parte", "Primera parte", "Segunda parte", "Segunda parte",
    ]


def test_following_with_nothing_changed_keeps_the_series_whole():
    events = series(datetime.datetime(2027, 10, 14, 19, tzinfo=MADRID), "Europe/Madrid", 3)
    event_series_update(events[1], scope="following", title="Tertulia")
    assert {event.series for event in reloaded(events)} == {events[0].series}


def test_all_and_following_never_change_past_or_cancelled_dates():
    venue = VenueFactory()
    events = series(
        datetime.datetime(2027, 10, 14, 19, tzinfo=MADRID), "Europe/Madrid", 3, venue=venue
    )
    shared = events[0].series
    past = EventFactory(
        title="Tertulia",
        series=shared,
        study_group=events[0].study_group,
        venue=venue,
        time_zone="Europe/Madrid",
        during=span(datetime.datetime(2026, 10, 1, 19, tzinfo=MADRID)),
    )
    organizer = organizer_of(events[0].study_group, "olga")
    event_series_cancel(events[1], scope="this", actor=organizer)
    event_series_update(
        events[0],
        scope="all",
        title="Cambiada",
        during=span(datetime.datetime(2027, 10, 14, 20, tzinfo=MADRID)),
    )
    past.refresh_from_db()
    assert (past.title, past.during.lower) == ("Tertulia", utc(2026, 10, 1, 17))
    cancelled = Event.objects.get(pk=events[1].pk)
    assert (cancelled.title, cancelled.during.lower) == ("Tertulia", utc(2027, 10, 21, 17))
    assert [event.title for event in reloaded([events[0], events[2]])] == ["Cambiada"] * 2


def test_a_clash_on_one_date_refuses_the_whole_edit_and_writes_nothing():
    venue = VenueFactory()
    events = series(
        datetime.datetime(2027, 10, 14, 19, tzinfo=MADRID), "Europe/Madrid", venue=venue
    )
    # Someone else has the venue on the third Thursday from 21:00.
    EventFactory(venue=venue, during=span(datetime.datetime(2027, 10, 28, 21, tzinfo=MADRID)))
    before = [(event.title, event.during) for event in reloaded(events)]
    with pytest.raises(ValidationError) as refused:
        event_series_update(
            events[0],
            scope="all",
            title="No se guarda",
            during=span(datetime.datetime(2027, 10, 14, 20, tzinfo=MADRID)),
        )
    message = refused.value.error_dict["venue"][0].messages[0]
    assert "28 de octubre de 2027" in message
    assert "21 de octubre" not in message and "4 de noviembre" not in message
    assert [(event.title, event.during) for event in reloaded(events)] == before


def test_moving_a_weekly_series_by_a_week_does_not_collide_with_itself():
    venue = VenueFactory()
    events = series(
        datetime.datetime(2027, 10, 14, 19, tzinfo=MADRID), "Europe/Madrid", venue=venue
    )
    event_series_update(
        events[0], scope="all", during=span(datetime.datetime(2027, 10, 21, 19, tzinfo=MADRID))
    )
    assert starts(events) == [
        utc(2027, 10, 21, 17),
        utc(2027, 10, 28, 17),
        utc(2027, 11, 4, 18),
        utc(2027, 11, 11, 18),
    ]


def test_an_edit_emails_each_attendee_once_listing_their_dates(
    django_capture_on_commit_callbacks,
):
    events = series(
        datetime.datetime(2027, 10, 14, 19, tzinfo=MADRID),
        "Europe/Madrid",
        study_group=StudyGroupFactory(language="es"),
    )
    regular = RSVPFactory(event=events[0], status="yes").user
    for event in events[1:]:
        RSVPFactory(event=event, user=regular, status="yes")
    once = RSVPFactory(event=events[3], status="waitlist").user
    RSVPFactory(event=events[2], status="no")
    with django_capture_on_commit_callbacks(execute=True):
        event_series_update(
            events[0],
            scope="all",
            during=span(datetime.datetime(2027, 10, 14, 20, tzinfo=MADRID)),
        )
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [regular.email, once.email]
    )
    body = {message.to[0]: message.body for message in mail.outbox}
    assert body[regular.email].count("20:00 – 22:00") == 4
    assert "(era: jueves, 4 de noviembre de 2027, 19:00 – 21:00" in body[regular.email]
    assert body[once.email].count("20:00 – 22:00") == 1
    assert "4 de noviembre" in body[once.email]
    assert Delivery.objects.filter(kind="event_changed").count() == 2


def test_cancelling_all_emails_each_attendee_once(django_capture_on_commit_callbacks):
    events = series(datetime.datetime(2027, 10, 14, 19, tzinfo=MADRID), "Europe/Madrid")
    regular = RSVPFactory(event=events[1], status="yes").user
    RSVPFactory(event=events[2], user=regular, status="yes")
    RSVPFactory(event=events[0], user=regular, status="yes")
    organizer = organizer_of(events[0].study_group, "olga")
    with django_capture_on_commit_callbacks(execute=True):
        notified = event_series_cancel(
            events[1], scope="following", reason="Obras en la sala", actor=organizer
        )
    assert notified == 1
    assert [message.to for message in mail.outbox] == [[regular.email]]
    body = mail.outbox[0].body
    assert "21 de octubre de 2027" in body and "28 de octubre de 2027" in body
    assert "14 de octubre" not in body  # still on
    assert "Obras en la sala" in body
    assert [event.status for event in reloaded(events)] == [
        "scheduled", "cancelled", "cancelled", "cancelled",
    ]
    assert all(event.cancelled_by == organizer for event in reloaded(events)[1:])


def test_only_organizers_cancel_a_series():
    events = series(datetime.datetime(2027, 10, 14, 19, tzinfo=MADRID), "Europe/Madrid", 2)
    stranger = RSVPFactory(event=events[0]).user
    with pytest.raises(PermissionDenied):
        event_series_cancel(events[0], scope="all", actor=stranger)
    assert {event.status for event in reloaded(events)} == {"scheduled"}


def test_a_scope_other_than_this_following_or_all_is_refused():
    events = series(datetime.datetime(2027, 10, 14, 19, tzinfo=MADRID), "Europe/Madrid", 2)
    with pytest.raises(ValidationError) as refused:
        event_series_update(events[0], scope="some", title="x")
    assert "scope" in refused.value.error_dict


def test_an_event_in_no_series_takes_any_scope_as_this():
    event = EventFactory(title="Suelta")
    other = EventFactory(title="Otra")
    event_series_update(event, scope="all", title="Cambiada")
    assert (Event.objects.get(pk=event.pk).title, Event.objects.get(pk=other.pk).title) == (
        "Cambiada", "Otra",
    )


def test_neighbours_and_frequency():
    weekly = series(datetime.datetime(2027, 10, 14, 19, tzinfo=MADRID), "Europe/Madrid")
    previous, following = series_neighbours(weekly[1], shown=2)
    assert previous == weekly[0]
    assert following == weekly[2:4]
    assert series_frequency(weekly[1], following[0]) == "weekly"
    monthly = series(
        datetime.datetime(2027, 1, 31, 18, tzinfo=BOGOTA), "America/Bogota", 3, "monthly"
    )
    # 31 January, 28 February, 31 March.
    assert series_frequency(monthly[1], monthly[0]) == "monthly"
    assert series_neighbours(EventFactory(series=None)) == (None, [])
    assert series_neighbours(EventFactory(series=uuid.uuid4())) == (None, [])


def test_the_database_refuses_a_clash_the_check_missed_and_nothing_is_written(monkeypatch):
    # As if another organizer booked the venue between the check and the write:
    # PostgreSQL's deferred exclusion constraint catches it at the end.
    from meetups import series as series_module

    venue = VenueFactory()
    events = series(
        datetime.datetime(2027, 10, 14, 19, tzinfo=MADRID), "Europe/Madrid", venue=venue
    )
    EventFactory(venue=venue, during=span(datetime.datetime(2027, 10, 21, 21, tzinfo=MADRID)))
    real_check = series_module._booking_clashes
    calls = []

    def missed_once(planned):
        calls.append(len(planned))
        return [] if len(calls) == 1 else real_check(planned)

    monkeypatch.setattr(series_module, "_booking_clashes", missed_once)
    with pytest.raises(ValidationError) as refused:
        event_series_update(
            events[0], scope="all", title="No",
            during=span(datetime.datetime(2027, 10, 14, 20, tzinfo=MADRID)),
        )
    message = refused.value.error_dict["venue"][0].messages[0]
    assert "21 de octubre de 2027" in message and "28 de octubre" not in message
    assert {event.title for event in reloaded(events)} == {"Tertulia"}
    assert starts(events)[0] == utc(2027, 10, 14, 17)


def test_an_edit_of_all_fifty_two_weeks_takes_one_query_per_date(
    django_assert_max_num_queries,
):
    events = series(
        datetime.datetime(2027, 1, 7, 19, tzinfo=MADRID), "Europe/Madrid", occurrences=52
    )
    # The first date is validated in full (a query per constraint), the
    # others only in what changed; then one UPDATE each.
    with django_assert_max_num_queries(52 + 40):
        event_series_update(
            events[0], scope="all", title="Todo el año",
            during=span(datetime.datetime(2027, 1, 7, 18, tzinfo=MADRID)),
        )
    assert starts(events)[-1] == utc(2027, 12, 30, 17)
    assert starts(events)[20] == utc(2027, 5, 27, 16)


def test_the_database_names_the_date_an_edit_would_leave_without_a_place():
    # A hybrid series; the third date was made online only on its own. Dropping
    # the online link from all would leave it nowhere: the database's check
    # refuses it, and nothing is written.
    events = series(
        datetime.datetime(2027, 10, 14, 19, tzinfo=MADRID), "Europe/Madrid",
        online_url="https://meet.example.org/tertulia",
    )
    event_series_update(events[2], scope="this", venue=None, location=None)
    with pytest.raises(ValidationError) as refused:
        event_series_update(events[0], scope="all", title="Sin enlace", online_url="")
    (message,) = refused.value.messages
    assert message.startswith("28 de octubre de 2027, 19:00: ")
    assert message.endswith("Un evento necesita una ubicación, un lugar o una URL en línea.")
    assert {event.title for event in reloaded(events)} == {"Tertulia"}
