"""Verbs that change events and venues. Views and the API call these."""

import datetime
import uuid
import zoneinfo

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Count, ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg2.extras import DateTimeTZRange

from studygroups.models import Membership, StudyGroup

from .models import RSVP, Event, Venue


def _place_from_venue(event):
    # An event at a venue is where the venue is, unless it says otherwise.
    if event.venue_id and event.location is None:
        event.location = event.venue.location


@transaction.atomic
def event_create(**fields):
    """Create an event. Raises django.core.exceptions.ValidationError when a
    model rule or constraint (a double-booked venue, say) refuses it."""
    event = Event(**fields)
    _place_from_venue(event)
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def event_update(event, **fields):
    """Change an event's fields; same errors as event_create. Raising the
    capacity seats people from the waitlist; cancelling notifies attendees."""
    moved_venue = "venue" in fields and fields["venue"] != event.venue
    was = (event.capacity, event.status)
    for name, value in fields.items():
        setattr(event, name, value)
    if moved_venue and "location" not in fields:
        event.location = None
    _place_from_venue(event)
    event.full_clean()
    event.save()
    if event.capacity > was[0]:
        rsvp_waitlist_promote(event=event)
    if was[1] != Event.Status.CANCELLED and event.status == Event.Status.CANCELLED:
        event_cancellation_notify(event)
    return event


def event_cancellation_notify(event):
    """Email everyone going or waitlisted that ``event`` is cancelled, once the
    transaction that cancelled it commits."""
    recipients = list(
        event.rsvps.filter(status__in=[RSVP.Status.YES, RSVP.Status.WAITLIST])
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not recipients:
        return
    start = event.during.lower.astimezone(zoneinfo.ZoneInfo(event.time_zone))
    subject = _("Cancelled: %(title)s") % {"title": event.title}
    body = _(
        "The event “%(title)s” on %(start)s (%(zone)s) has been cancelled by its organizers."
    ) % {"title": event.title, "start": start.strftime("%Y-%m-%d %H:%M"), "zone": event.time_zone}
    messages = [(subject, body, None, [address]) for address in recipients]
    transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))


@transaction.atomic
def venue_create(**fields):
    """Create a venue; raises ValidationError for bad values."""
    venue = Venue(**fields)
    venue.full_clean()
    venue.save()
    return venue


@transaction.atomic
def venue_update(venue, **fields):
    """Change a venue's fields; raises ValidationError for bad values."""
    for name, value in fields.items():
        setattr(venue, name, value)
    venue.full_clean()
    venue.save()
    return venue


@transaction.atomic
def venue_delete(venue):
    """Delete ``venue``. Raises ValidationError (code ``venue_has_events``)
    while any event, past or upcoming, is held there: events keep their venue
    (PROTECT), so move or delete them first."""
    # The row lock makes an event being booked here right now wait for us, or
    # us for it: either the event is seen below or its booking fails after.
    venue = Venue.objects.select_for_update().get(pk=venue.pk)
    try:
        venue.delete()
    except ProtectedError as exc:
        raise ValidationError(
            _("%(venue)s still has events. Move them to another venue or delete them first.")
            % {"venue": venue.name},
            code="venue_has_events",
        ) from exc


# RSVP. Every answer for an event runs while holding that event's row lock
# (SELECT ... FOR UPDATE), so concurrent answers for one event take turns:
# counting the confirmed seats and writing the answer cannot interleave, and
# the capacity holds however many requests arrive at once.

# The waitlist is first come, first served by the moment each person joined
# it. A waitlisted answer is written only when it joins the waitlist (and
# again when promoted), so updated_at is that moment; created_at would let
# someone who said yes, then no, then yes again jump ahead of the queue.
WAITLIST_ORDER = ("updated_at", "pk")


def rsvp_refusal(*, user, event, now=None):
    """Why ``user`` may not answer for ``event`` now, as a ValidationError
    (codes ``event_cancelled``, ``event_started``, ``not_a_member``), or None
    when they may.

    Anyone signed in may answer for an event without a group or of an open
    group; an approval-required group's events are for its active members.
    """
    now = now or timezone.now()
    if event.status == Event.Status.CANCELLED:
        return ValidationError(_("This event was cancelled."), code="event_cancelled")
    if event.during.lower <= now:
        return ValidationError(
            _("This event has already started; answers are closed."), code="event_started"
        )
    group = event.study_group
    if (
        group is not None
        and group.join_policy != StudyGroup.JoinPolicy.OPEN
        and not Membership.objects.filter(
            user=user, study_group=group, status=Membership.Status.ACTIVE
        ).exists()
    ):
        return ValidationError(
            _("Only active members of %(group)s can answer for its events.")
            % {"group": group.name},
            code="not_a_member",
        )
    return None


def _going_count(event):
    return RSVP.objects.filter(event=event, status=RSVP.Status.YES).count()


def _waitlist_promote(event):
    # Fill every free seat from the head of the waitlist. Usually one seat (a
    # yes became a no); more when an organizer raised the capacity. Seats are
    # never taken away when the capacity shrinks.
    free = event.capacity - _going_count(event)
    if free <= 0:
        return []
    promoted = list(
        RSVP.objects.filter(event=event, status=RSVP.Status.WAITLIST).order_by(
            *WAITLIST_ORDER
        )[:free]
    )
    for rsvp in promoted:
        rsvp.status = RSVP.Status.YES
        rsvp.save(update_fields=["status", "updated_at"])
    return promoted


def rsvp_answer(*, user, event, going: bool) -> RSVP:
    """Record ``user``'s answer for ``event`` and return their RSVP.

    Yes confirms a seat while fewer than ``event.capacity`` people are going,
    and otherwise puts the user at the end of the waitlist; a yes or a
    waitlisted answer stays as it is. No releases the user's seat, and the
    first on the waitlist takes it. Raises django.core.exceptions.ValidationError
    with the codes of ``rsvp_refusal`` when the answer is refused.
    """
    with transaction.atomic():
        # The lock that makes concurrent answers for this event take turns.
        event = Event.objects.select_for_update().get(pk=event.pk)
        if refusal := rsvp_refusal(user=user, event=event):
            raise refusal
        # Seats freed while nobody was answering (a raised capacity) go to
        # the waitlist before any newcomer.
        _waitlist_promote(event)
        rsvp = RSVP.objects.filter(user=user, event=event).first()
        if going:
            if rsvp is None or rsvp.status == RSVP.Status.NO:
                status = (
                    RSVP.Status.YES
                    if _going_count(event) < event.capacity
                    else RSVP.Status.WAITLIST
                )
                rsvp = _rsvp_write(rsvp, user=user, event=event, status=status)
        else:
            rsvp = _rsvp_write(rsvp, user=user, event=event, status=RSVP.Status.NO)
            _waitlist_promote(event)
        rsvp.event = event
        return rsvp


def _rsvp_write(rsvp, *, user, event, status):
    if rsvp is None:
        return RSVP.objects.create(user=user, event=event, status=status)
    if rsvp.status != status:
        rsvp.status = status
        rsvp.save(update_fields=["status", "updated_at"])
    return rsvp


def rsvp_waitlist_promote(*, event):
    """Give the free seats of ``event`` to the head of its waitlist, in order,
    and return the promoted RSVPs. For callers that raise an event's capacity."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        return _waitlist_promote(event)


def rsvp_waitlist_position(rsvp):
    """The 1-based place of a waitlisted ``rsvp`` in its event's waitlist, or
    None when the RSVP is not waitlisted."""
    if rsvp is None or rsvp.status != RSVP.Status.WAITLIST:
        return None
    ahead = RSVP.objects.filter(event_id=rsvp.event_id, status=RSVP.Status.WAITLIST).filter(
        Q(updated_at__lt=rsvp.updated_at) | Q(updated_at=rsvp.updated_at, pk__lt=rsvp.pk)
    )
    return ahead.count() + 1


def rsvp_counts(event):
    """How many are going to ``event`` and how many wait: {"going": n, "waitlist": n}."""
    return RSVP.objects.filter(event=event).aggregate(
        going=Count("pk", filter=Q(status=RSVP.Status.YES)),
        waitlist=Count("pk", filter=Q(status=RSVP.Status.WAITLIST)),
    )


def occurrence_starts(start, time_zone, frequency, occurrences):
    """The start of each occurrence of a series, keeping the wall-clock time in
    ``time_zone`` across daylight-saving changes. ``frequency`` is "weekly" or
    "monthly" (same day of the month; the month's last day when it is shorter)."""
    tz = zoneinfo.ZoneInfo(time_zone)
    local = start.astimezone(tz).replace(tzinfo=None)
    for n in range(occurrences):
        if frequency == "weekly":
            shifted = local + datetime.timedelta(weeks=n)
        else:
            shifted = local + relativedelta(months=n)
        yield shifted.replace(tzinfo=tz)


@transaction.atomic
def event_series_create(*, frequency, occurrences, **fields):
    """Create a weekly or monthly series of ``occurrences`` events, real rows
    editable one by one, sharing a ``series`` id. All or none: if one
    occurrence is refused (its venue is booked, say), the error names its date."""
    during = fields.pop("during")
    length = during.upper - during.lower
    series = uuid.uuid4() if occurrences > 1 else None
    events = []
    for start in occurrence_starts(during.lower, fields["time_zone"], frequency, occurrences):
        try:
            events.append(
                event_create(
                    **fields,
                    during=DateTimeTZRange(start, start + length, "[)"),
                    series=series,
                )
            )
        except ValidationError as exc:
            errors = (
                [error for errors in exc.error_dict.values() for error in errors]
                if hasattr(exc, "error_dict")
                else exc.error_list
            )
            when = start.strftime("%Y-%m-%d %H:%M")
            raise ValidationError(
                [
                    ValidationError(
                        _("%(date)s: %(problem)s") % {"date": when, "problem": message},
                        code=error.code,
                    )
                    for error in errors
                    for message in error.messages
                ]
            )
    return events
