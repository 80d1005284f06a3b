"""What changing an event does to the people who answered."""

import pytest
from django.core import mail

from meetups.models import RSVP
from meetups.services import event_update
from studygroups.tests.factories import organizer_of

from .factories import EventFactory, RSVPFactory

pytestmark = pytest.mark.django_db


def test_cancelling_emails_everyone_going_or_waitlisted(django_capture_on_commit_callbacks):
    event = EventFactory(title="Taller de Python")
    going = RSVPFactory(event=event, status="yes")
    waiting = RSVPFactory(event=event, status="waitlist")
    RSVPFactory(event=event, status="no")
    organizer = organizer_of(event.study_group, "olga_organizadora")
    with django_capture_on_commit_callbacks(execute=True):
        event_update(event, status="cancelled", actor=organizer)
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [going.user.email, waiting.user.email]
    )
    assert all("Taller de Python" in message.subject for message in mail.outbox)


def test_editing_a_cancelled_event_does_not_email_again(django_capture_on_commit_callbacks):
    event = EventFactory(status="cancelled")
    RSVPFactory(event=event, status="yes")
    with django_capture_on_commit_callbacks(execute=True):
        event_update(event, title="Nuevo título")
    assert mail.outbox == []


def test_raising_the_capacity_seats_the_waitlist_in_order():
    event = EventFactory(capacity=1)
    RSVPFactory(event=event, status="yes")
    first = RSVPFactory(event=event, status="waitlist")
    second = RSVPFactory(event=event, status="waitlist")
    third = RSVPFactory(event=event, status="waitlist")
    event_update(event, capacity=3)
    statuses = dict(RSVP.objects.filter(event=event).values_list("pk", "status"))
    assert (statuses[first.pk], statuses[second.pk], statuses[third.pk]) == (
        "yes",
        "yes",
        "waitlist",
    )


def test_a_new_time_emails_attendees_the_old_and_new_times_in_the_events_zone(
    django_capture_on_commit_callbacks,
):
    import datetime
    import zoneinfo

    from psycopg2.extras import DateTimeTZRange

    madrid = zoneinfo.ZoneInfo("Europe/Madrid")
    start = datetime.datetime(2027, 3, 18, 19, tzinfo=madrid)
    event = EventFactory(
        title="Tertulia", time_zone="Europe/Madrid", study_group__language="es",
        during=DateTimeTZRange(start, start + datetime.timedelta(hours=2), "[)"),
    )
    going = RSVPFactory(event=event, status="yes")
    RSVPFactory(event=event, status="no")
    later = start + datetime.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        event_update(
            event, during=DateTimeTZRange(later, later + datetime.timedelta(hours=2), "[)")
        )
    assert [message.to for message in mail.outbox] == [[going.user.email]]
    message = mail.outbox[0]
    assert message.subject == "[Cerca] Cambió: Tertulia"
    zone = "hora de Madrid (UTC+1)"
    assert f"Era: jueves, 18 de marzo de 2027, 19:00 – 21:00, {zone}" in message.body
    assert f"Cuándo: jueves, 18 de marzo de 2027, 20:00 – 22:00, {zone}" in message.body


def test_a_new_title_or_capacity_emails_nobody(django_capture_on_commit_callbacks):
    event = EventFactory(capacity=10)
    RSVPFactory(event=event, status="yes")
    with django_capture_on_commit_callbacks(execute=True):
        event_update(event, title="Otro título", capacity=12, description="Más detalles")
    assert mail.outbox == []
