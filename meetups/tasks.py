"""Celery tasks of the events: alerts of new events near members, reminders
and the weekly digest, and the title words' nightly prune. Thin and
idempotent: each records its emails as Delivery rows (unique per kind,
subject and recipient) and lets studygroups.tasks send them."""

import datetime

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from studygroups import notifications
from studygroups.models import Delivery, MemberProfile, Membership
from studygroups.tasks import deliveries_send

from . import notifications as event_notifications
from .models import RSVP, Event, TitleWord


def alert_key(event):
    """What an alert is about: the event, or its whole series (one alert)."""
    return f"series:{event.series}" if event.series else f"event:{event.pk}"


@shared_task
def event_alerts(event_id):
    """Tell the members whose home lies within their alert radius of the new
    event ``event_id`` (in person or hybrid), once for a whole series, unless
    it was cancelled meanwhile; its group's organizers and whoever already
    answered are not told. Run ALERT_DELAY_SECONDS after the event is created."""
    event = Event.objects.visible().filter(pk=event_id).first()
    if (
        event is None
        or event.location is None
        or event.status != Event.Status.SCHEDULED
        or event.during.lower <= timezone.now()
    ):
        return 0
    if event.series:
        # Every occurrence's task comes here; the series' first upcoming
        # scheduled one speaks for it.
        first = Event.objects.upcoming().filter(series=event.series).order_by("during", "pk")
        if first.values_list("pk", flat=True).first() != event.pk:
            return 0
        answered = RSVP.objects.filter(event__series=event.series)
    else:
        answered = RSVP.objects.filter(event=event)
    recipients = (
        MemberProfile.objects.alerted_at(event.location)
        .wanting("notify_event_nearby")
        .exclude(user__in=answered.values("user"))
    )
    if event.study_group_id:
        recipients = recipients.exclude(
            user__in=Membership.objects.filter(
                study_group_id=event.study_group_id, role=Membership.Role.ORGANIZER
            ).values("user")
        )
    return notifications.deliveries_create_and_dispatch(
        Delivery.Kind.EVENT_NEARBY,
        alert_key(event),
        recipients.values("user_id"),
        {"event_id": event.pk},
    )


# (kind, how long before the start, how wide a window each run looks at). Beat
# runs reminders_send every five minutes: the windows overlap several runs, so
# a run or two missed still reminds, and the Delivery rows make it once.
REMINDERS = (
    (Delivery.Kind.REMINDER_24H, datetime.timedelta(hours=24), datetime.timedelta(hours=1)),
    (Delivery.Kind.REMINDER_2H, datetime.timedelta(hours=2), datetime.timedelta(minutes=30)),
)


def reminder_key(event):
    # A moved event is reminded again at its new time.
    return f"event:{event.pk}:{int(event.during.lower.timestamp())}"


@shared_task
def reminders_send():
    """Remind everyone going to an event that starts in about 24 hours, and
    again in about 2 hours (with its venue, its time in its own zone and an
    .ics); each reminder once."""
    now = timezone.now()
    count = 0
    for kind, lead, window in REMINDERS:
        events = Event.objects.scheduled().filter(
            during__startswith__gt=max(now + lead - window, now),
            during__startswith__lte=now + lead,
        )
        for event in events.only("pk", "during").iterator():
            going = RSVP.objects.filter(event=event, status=RSVP.Status.YES).exclude(
                user__profile__notify_reminders=False
            )
            count += notifications.deliveries_create_and_dispatch(
                kind, reminder_key(event), going.values("user_id"), {"event_id": event.pk}
            )
    return count


@shared_task
def digests_weekly():
    """Start the weekly digest: one digest_batch task per 500 members who want
    it, walked by user id (keyset), never all in memory."""
    key, start, end = event_notifications.digest_week()
    after = 0
    batches = 0
    while True:
        user_ids = list(
            event_notifications.digest_members(after).values_list("user_id", flat=True)
        )
        if not user_ids:
            return batches
        digest_batch.delay(user_ids, key, start.isoformat(), end.isoformat())
        batches += 1
        after = user_ids[-1]


@shared_task
def digest_batch(user_ids, key, start, end):
    """Compose and send the digests of the members ``user_ids`` for the week
    ``key`` (none for a member with nothing coming up)."""
    start = datetime.datetime.fromisoformat(start)
    end = datetime.datetime.fromisoformat(end)
    profiles = MemberProfile.objects.wanting("notify_digest").filter(
        Q(user_id__in=user_ids), ~Q(user__email="")
    )
    for profile in profiles:
        event_notifications.digest_record(profile, key, start, end)
    ids = list(
        Delivery.objects.pending()
        .filter(kind=Delivery.Kind.DIGEST, key=key, recipient_id__in=user_ids)
        .values_list("pk", flat=True)
    )
    if ids:
        deliveries_send.delay(ids)
    return len(ids)


@shared_task
def title_words_prune():
    """Delete the title words (TitleWord) of the events that have ended: the
    list they serve shows upcoming events only, so they would only grow with
    the history. Beat runs it nightly; returns how many rows went."""
    deleted, _by_model = TitleWord.objects.filter(ends_at__lte=timezone.now()).delete()
    return deleted
