"""The events' emails: alerts of new events near members, reminders with an
.ics, the weekly digest and waitlist places. Tasks run here in the test's
thread; meetups/tests/test_worker.py runs them in a real worker."""

import datetime

import icalendar
import pytest
from django.contrib.gis.geos import Point
from django.core import mail
from django.utils import timezone
from psycopg2.extras import DateTimeTZRange

from meetups import tasks
from meetups.notifications import digest_week
from meetups.services import event_cancel, event_create, event_series_create, rsvp_answer
from studygroups.models import Delivery
from studygroups.tests.factories import (
    MemberProfileFactory,
    MembershipFactory,
    StudyGroupFactory,
    point_at,
)

from .factories import AttendeeFactory, EventFactory, RSVPFactory, VenueFactory

pytestmark = pytest.mark.django_db

# Biblioteca Carlos Gaviria Díaz, Universidad de Antioquia (the factories' venue).
VENUE = Point(-75.5686, 6.2672, srid=4326)


def in_days(days, hours=2):
    start = (timezone.now() + datetime.timedelta(days=days)).replace(microsecond=0)
    return DateTimeTZRange(start, start + datetime.timedelta(hours=hours), "[)")


@pytest.fixture(autouse=True)
def run(django_capture_on_commit_callbacks):
    """Call a task as a worker would: outside the test's transaction, its
    on_commit sends happen when it returns."""

    def call(task, *args):
        with django_capture_on_commit_callbacks(execute=True):
            return task(*args)

    return call


def recipients():
    return sorted(message.to[0] for message in mail.outbox)


@pytest.fixture
def near():
    """A member 3 km from the venue with a 5 km radius."""
    return MemberProfileFactory(home_location=point_at(VENUE, 45, 3_000), alert_radius_km=5)


@pytest.fixture
def far():
    """A member 30 km from the venue with a 5 km radius."""
    return MemberProfileFactory(home_location=point_at(VENUE, 45, 30_000), alert_radius_km=5)


# Alerts ----------------------------------------------------------------------------


def test_a_new_event_alerts_the_members_whose_radius_holds_it(near, far, run):
    event = EventFactory(during=in_days(3))
    assert run(tasks.event_alerts, event.pk) == 1
    assert recipients() == [near.user.email]
    message = mail.outbox[0]
    assert event.title in message.subject and f"/events/{event.pk}/" in message.body


def test_an_event_cancelled_before_the_alert_sends_nothing(near, organizer_a, run):
    event = EventFactory(during=in_days(3), study_group=organizer_a.memberships.get().study_group)
    event_cancel(event, actor=organizer_a)
    assert run(tasks.event_alerts, event.pk) == 0
    assert mail.outbox == []


def test_an_event_cancelled_after_the_alert_was_recorded_is_not_sent(near, organizer_a):
    group = organizer_a.memberships.get().study_group
    event = EventFactory(during=in_days(3), study_group=group)
    from studygroups import notifications

    notifications.deliveries_create(
        "event_nearby", f"event:{event.pk}", [near.user_id], {"event_id": event.pk}
    )
    event_cancel(event, actor=organizer_a)
    from studygroups.tasks import deliveries_send

    deliveries_send(list(Delivery.objects.values_list("pk", flat=True)))
    assert mail.outbox == []
    assert Delivery.objects.get().status == "skipped"


def test_the_alert_is_sent_once_however_often_its_task_runs(near, run):
    event = EventFactory(during=in_days(3))
    run(tasks.event_alerts, event.pk)
    run(tasks.event_alerts, event.pk)
    assert recipients() == [near.user.email]


def test_a_weekly_series_alerts_once(near, django_capture_on_commit_callbacks, settings):
    settings.ALERT_DELAY_SECONDS = 0
    group = StudyGroupFactory()
    with django_capture_on_commit_callbacks(execute=True):
        events = event_series_create(
            frequency="weekly", occurrences=4, title="Taller semanal", study_group=group,
            venue=VenueFactory(), during=in_days(2), capacity=20,
        )
    assert len(events) == 4
    assert recipients() == [near.user.email]
    assert "Taller semanal" in mail.outbox[0].subject


def test_the_organizers_and_those_who_answered_are_not_alerted(near, run):
    group = StudyGroupFactory()
    organizer = MemberProfileFactory(home_location=point_at(VENUE, 0, 1_000))
    MembershipFactory(study_group=group, user=organizer.user, role="organizer")
    attendee = MemberProfileFactory(home_location=point_at(VENUE, 90, 1_000))
    event = EventFactory(during=in_days(3), study_group=group)
    RSVPFactory(event=event, user=attendee.user)
    run(tasks.event_alerts, event.pk)
    assert recipients() == [near.user.email]


def test_an_online_event_alerts_nobody(near, run):
    event = EventFactory(during=in_days(3), venue=None, location=None,
                         online_url="https://meet.example.org/x")
    assert run(tasks.event_alerts, event.pk) == 0


def test_members_who_turned_alerts_off_are_not_alerted(near, run):
    near.notify_event_nearby = False
    near.save()
    run(tasks.event_alerts, EventFactory(during=in_days(3)).pk)
    assert mail.outbox == []


def test_creating_an_event_schedules_its_alert_after_the_delay(near):
    from meetups.tasks import event_alerts

    calls = []
    original = event_alerts.apply_async_on_commit
    event_alerts.apply_async_on_commit = lambda args, **options: calls.append((args, options))
    try:
        event = event_create(title="Club", venue=VenueFactory(), during=in_days(3), capacity=10)
    finally:
        event_alerts.apply_async_on_commit = original
    assert calls == [((event.pk,), {"countdown": 1800})]


def test_an_event_added_in_the_admin_alerts_the_member_near_it_once_after_the_delay(
    admin_client, near, far, run, django_capture_on_commit_callbacks
):
    """The Done-means path of the alerts: an organizer adds an event in the
    admin; after ALERT_DELAY_SECONDS the member whose radius holds it gets one email."""
    from django.urls import reverse

    from meetups.tasks import event_alerts

    from .test_admin import event_form

    scheduled = []
    original = event_alerts.apply_async_on_commit
    event_alerts.apply_async_on_commit = lambda args, **options: scheduled.append((args, options))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(
                reverse("admin:meetups_event_add"),
                event_form(location='{"type": "Point", "coordinates": [%r, %r]}' % VENUE.coords),
            )
    finally:
        event_alerts.apply_async_on_commit = original
    assert response.status_code == 302
    assert [options for _args, options in scheduled] == [{"countdown": 1800}]
    assert mail.outbox == []  # nothing before the delay
    (args, _options), = scheduled
    run(event_alerts, *args)
    run(event_alerts, *args)  # a second delivery of the task sends nothing more
    assert recipients() == [near.user.email]


def test_the_alert_never_shows_the_members_home(near, run):
    run(tasks.event_alerts, EventFactory(during=in_days(3)).pk)
    message = mail.outbox[0]
    home = near.home_location
    for text in (message.body, message.alternatives[0][0]):
        assert f"{home.y:.3f}" not in text and f"{home.x:.3f}" not in text


# Reminders ---------------------------------------------------------------------------


def test_going_members_are_reminded_24_hours_before_with_an_ics(run):
    start = (timezone.now() + datetime.timedelta(hours=23, minutes=50)).replace(microsecond=0)
    event = EventFactory(
        title="Taller de mapas", time_zone="Europe/Madrid",
        during=DateTimeTZRange(start, start + datetime.timedelta(hours=2), "[)"),
    )
    going = RSVPFactory(event=event, status="yes")
    RSVPFactory(event=event, status="waitlist")
    RSVPFactory(event=event, status="no")
    run(tasks.reminders_send)
    assert recipients() == [going.user.email]
    message = mail.outbox[0]
    assert "Taller de mapas" in message.subject
    assert event.venue.name in message.body and "hora de Madrid" in message.body
    (name, content, mimetype), = message.attachments
    assert name.endswith(".ics") and mimetype == "text/calendar"
    (vevent,) = icalendar.Calendar.from_ical(content).walk("VEVENT")
    assert vevent.decoded("dtstart") == start
    assert str(vevent["dtstart"].params["TZID"]) == "Europe/Madrid"
    assert event.venue.name in str(vevent["location"])


def test_a_reminder_goes_once_however_often_beat_runs(run):
    start = timezone.now() + datetime.timedelta(hours=1, minutes=50)
    event = EventFactory(during=DateTimeTZRange(start, start + datetime.timedelta(hours=1), "[)"))
    going = RSVPFactory(event=event, status="yes")
    run(tasks.reminders_send)
    run(tasks.reminders_send)
    assert recipients() == [going.user.email]
    assert Delivery.objects.get().kind == "reminder_2h"


def test_no_reminder_for_an_event_days_away(run):
    RSVPFactory(event=EventFactory(during=in_days(4)), status="yes")
    assert run(tasks.reminders_send) == 0


def test_members_who_turned_reminders_off_are_not_reminded(run):
    start = timezone.now() + datetime.timedelta(hours=1, minutes=50)
    event = EventFactory(during=DateTimeTZRange(start, start + datetime.timedelta(hours=1), "[)"))
    profile = MemberProfileFactory(notify_reminders=False)
    RSVPFactory(event=event, user=profile.user, status="yes")
    assert run(tasks.reminders_send) == 0


# The weekly digest -------------------------------------------------------------------


def test_the_digest_lists_the_weeks_events_nearby_and_in_my_groups_nearest_first(near, run):
    closer = EventFactory(
        title="Cerca",
        venue=VenueFactory(location=point_at(near.home_location, 0, 500)),
        during=in_days(5),
    )
    further = EventFactory(title="Más lejos", during=in_days(2))
    EventFactory(title="Fuera del radio",
                 venue=VenueFactory(location=point_at(near.home_location, 0, 9_000)),
                 during=in_days(2))
    EventFactory(title="La otra semana", during=in_days(9))
    group = StudyGroupFactory(is_online=True, location=None)
    MembershipFactory(study_group=group, user=near.user)
    online = EventFactory(title="En línea", study_group=group, venue=None, location=None,
                          online_url="https://meet.example.org/x", during=in_days(3))
    run(tasks.digests_weekly)
    (message,) = mail.outbox
    body = message.body
    titles = [closer.title, further.title, online.title]
    assert all(title in body for title in titles)
    assert [body.index(title) for title in titles] == sorted(body.index(t) for t in titles)
    assert "Fuera del radio" not in body and "La otra semana" not in body


def test_no_digest_when_nothing_is_coming_up(near, run):
    assert run(tasks.digests_weekly) == 1  # one batch of members looked at
    assert mail.outbox == []


def test_a_second_digest_run_in_the_same_week_sends_nothing_more(near, run):
    EventFactory(during=in_days(2))
    run(tasks.digests_weekly)
    run(tasks.digests_weekly)
    assert len(mail.outbox) == 1
    assert Delivery.objects.get().key == digest_week()[0]


# Waitlist ---------------------------------------------------------------------------


def test_the_first_on_the_waitlist_is_emailed_when_a_seat_frees(
    django_capture_on_commit_callbacks,
):
    event = EventFactory(capacity=1, during=in_days(3))
    seated, waiting = AttendeeFactory(), AttendeeFactory()
    with django_capture_on_commit_callbacks(execute=True):
        rsvp_answer(user=seated, event=event, going=True)
        rsvp_answer(user=waiting, event=event, going=True)
        assert mail.outbox == []
        rsvp_answer(user=seated, event=event, going=False)
    assert recipients() == [waiting.email]
    assert event.title in mail.outbox[0].subject
