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
