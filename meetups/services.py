"""Verbs that change events and venues. Views and the API call these."""

import datetime
import uuid
import zoneinfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg2.extras import DateTimeTZRange

from places.images import clean_image
from places.timezones import format_local, site_time_zone
from studygroups.models import Delivery, Membership, StudyGroup
from studygroups.notifications import deliveries_create_and_dispatch
from studygroups.permissions import manages
from studygroups.services import alerts_schedule, studygroup_time_zone

from .models import RSVP, Event, EventPhoto, Venue

# How far ahead an event may be planned: beyond it a date is a typing slip
# (2062 for 2026), not a plan. How long one may last, and the years it may
# touch, are the database's constraints (meetups.models.EVENT_LONGEST).
PLANNING_HORIZON = relativedelta(years=5)


def event_default_time_zone(study_group):
    """The zone of a new event of ``study_group`` that names none: the group's,
    or the site's (settings.TIME_ZONE) for an event without a group."""
    return studygroup_time_zone(study_group) if study_group is not None else site_time_zone()


def event_check(event, *, saved_start=None, now=None):
    """Refuse what the database cannot: raise ValidationError naming the field
    ("start", "end", "capacity", "status") when ``event`` (unsaved changes
    applied) starts in the past (a new event, or an upcoming one moved there;
    ``saved_start`` is its start as stored), starts more than five years ahead,
    holds more people than its venue, or is new and cancelled. (Lasting more
    than 31 days, or outside 2000-2099, the model's constraints refuse, in
    ``full_clean()`` before this.)"""
    now = now or timezone.now()
    errors = {}
    if event.pk is None and event.status == Event.Status.CANCELLED:
        errors["status"] = _("A new event is scheduled; cancel it once it exists.")
    during = event.during
    if during and during.lower and during.upper:
        moved = saved_start is None or during.lower != saved_start
        if moved and during.lower < now and (saved_start is None or saved_start >= now):
            errors["start"] = (
                _("The start is in the past; give a date from now on.")
                if event.pk is None
                else _("An upcoming event cannot be moved into the past.")
            )
        elif moved and during.lower > now + PLANNING_HORIZON:
            errors["start"] = _("Events can be planned up to five years ahead.")
    if event.venue_id and event.capacity and event.capacity > event.venue.capacity:
        errors["capacity"] = _(
            "%(venue)s holds %(venue_capacity)s people: the event's capacity cannot be more."
        ) % {"venue": event.venue.name, "venue_capacity": event.venue.capacity}
    if errors:
        raise ValidationError(errors)


def _place_from_venue(event):
    # An event at a venue is where the venue is, unless it says otherwise.
    if event.venue_id and event.location is None:
        event.location = event.venue.location


@transaction.atomic
def event_create(**fields):
    """Create an event, in its group's time zone when ``time_zone`` is not
    given. Raises django.core.exceptions.ValidationError naming the field when
    a rule (``event_check``) or a constraint (a double-booked venue) refuses it."""
    if not fields.get("time_zone"):
        fields["time_zone"] = event_default_time_zone(fields.get("study_group"))
    event = Event(**fields)
    _place_from_venue(event)
    event.full_clean()
    event_check(event)
    event.save()
    if event.location is not None:
        alerts_schedule("event", event.pk)
    return event


@transaction.atomic
def event_update(event, *, actor=None, **fields):
    """Change an event's fields; same errors as event_create. Raising the
    capacity seats people from the waitlist. A status of "cancelled" cancels
    it through ``event_cancel`` (for ``actor``, with ``cancellation_reason``);
    "scheduled" reinstates a cancelled event and forgets the cancellation."""
    status = fields.pop("status", event.status)
    reason = fields.pop("cancellation_reason", None)
    cancelling = status == Event.Status.CANCELLED and event.status != Event.Status.CANCELLED
    if status == Event.Status.SCHEDULED and event.status == Event.Status.CANCELLED:
        event.status = Event.Status.SCHEDULED
        event.cancelled_at = event.cancelled_by = None
        event.cancellation_reason = ""
    elif reason is not None and event.status == Event.Status.CANCELLED:
        event.cancellation_reason = reason
    moved_venue = "venue" in fields and fields["venue"] != event.venue
    saved_start, saved_capacity = event.starts_at, event.capacity
    saved_when_where = _when_where(event)
    for name, value in fields.items():
        setattr(event, name, value)
    if not event.time_zone:
        event.time_zone = event_default_time_zone(event.study_group)
    if moved_venue and "location" not in fields:
        event.location = None
    _place_from_venue(event)
    event.full_clean()
    event_check(event, saved_start=saved_start)
    event.save()
    if event.capacity > saved_capacity:
        rsvp_waitlist_promote(event=event)
    if (
        event.status == Event.Status.SCHEDULED
        and not cancelling
        and _when_where(event) != saved_when_where
    ):
        old_start, old_end = saved_when_where[:2]
        _tell_attendees(
            event,
            Delivery.Kind.EVENT_CHANGED,
            f"event:{event.pk}:{event.updated_at.timestamp()}",
            {
                "old_start": old_start.isoformat() if old_start else None,
                "old_end": old_end.isoformat() if old_end else None,
            },
        )
    if cancelling:
        event_cancel(event, reason=reason or "", actor=actor)
        event.refresh_from_db()
    return event


def _when_where(event):
    """What attendees plan around: (start, end, zone, venue, online link)."""
    during = event.during
    return (
        during.lower if during else None,
        during.upper if during else None,
        event.time_zone,
        event.venue_id,
        event.online_url,
    )


def _tell_attendees(event, kind, key, data=None):
    """Email everyone going or waitlisted (``kind``, about ``key``) once the
    transaction commits, each in their language; returns how many."""
    return deliveries_create_and_dispatch(
        kind,
        key,
        event_cancellation_recipients(event).values("user_id"),
        {"event_id": event.pk, **(data or {})},
    )


def event_cancellation_recipients(event):
    """The RSVPs of the people ``event_cancel`` emails: going or waitlisted,
    with an email address."""
    return event.rsvps.filter(status__in=[RSVP.Status.YES, RSVP.Status.WAITLIST]).exclude(
        user__email=""
    )


def event_cancel(event, *, reason="", actor):
    """Cancel ``event`` on behalf of ``actor``, recording when, by whom and
    why (``reason``, plain text), and email everyone going or waitlisted once
    the transaction commits: the reason, and the times in the event's own zone,
    in each one's language. Returns how many people are emailed.

    Cancelling a cancelled event changes nothing and emails nobody (0).
    Raises PermissionDenied unless ``actor`` organizes the event's group or
    is a moderator."""
    if actor is None or not manages(actor, event.study_group_id):
        raise PermissionDenied(_("Only this group's organizers may cancel its events."))
    with transaction.atomic():
        # The lock makes two cancellations at once email people only once.
        event = (
            Event.objects.select_for_update(of=("self",))
            .select_related("study_group")
            .get(pk=event.pk)
        )
        if event.status == Event.Status.CANCELLED:
            return 0
        event.status = Event.Status.CANCELLED
        event.cancelled_at = timezone.now()
        event.cancelled_by = actor
        event.cancellation_reason = (reason or "").strip()
        event.save(
            update_fields=[
                "status", "cancelled_at", "cancelled_by", "cancellation_reason", "updated_at"
            ]
        )
        return _tell_attendees(
            event,
            Delivery.Kind.EVENT_CANCELLED,
            f"event:{event.pk}:{event.cancelled_at.timestamp()}",
        )


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


def rsvp_refusal(*, user, event, now=None, going=True):
    """Why ``user`` may not answer for ``event`` now, as a ValidationError
    (codes ``suspended``, ``event_cancelled``, ``event_started``, ``banned``,
    ``not_a_member``), or None
    when they may. A suspended or banned member may still say no (``going``
    False): their seat goes back to the waitlist.

    Anyone signed in may answer for an event without a group or of an open
    group; an approval-required group's events are for its active members.
    """
    from studygroups.moderation import is_banned, suspension_refusal

    now = now or timezone.now()
    if going and (refusal := suspension_refusal(user)):
        return refusal
    if event.status == Event.Status.CANCELLED:
        return ValidationError(_("This event was cancelled."), code="event_cancelled")
    if event.during.upper <= now:
        return ValidationError(
            _("This event has ended; answers are closed."), code="event_started"
        )
    if event.during.lower <= now:
        return ValidationError(
            _("This event is happening now; answers are closed."), code="event_started"
        )
    group = event.study_group
    if not going:
        return None
    if is_banned(user, event.study_group_id):
        return ValidationError(
            _("The organizers of this group have banned you from it."), code="banned"
        )
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
        deliveries_create_and_dispatch(
            Delivery.Kind.WAITLIST_PROMOTED,
            f"rsvp:{rsvp.pk}:{rsvp.updated_at.timestamp()}",
            [rsvp.user_id],
            {"event_id": event.pk},
        )
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
        if refusal := rsvp_refusal(user=user, event=event, going=going):
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
    if not fields.get("time_zone"):
        fields["time_zone"] = event_default_time_zone(fields.get("study_group"))
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
            when = format_local(start, fields["time_zone"])
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


# Photos of events.


def event_photo_refusal(*, user, event, now=None):
    """Why ``user`` may not add a photo to ``event`` now (a ValidationError
    with a code), or None: only people who answered they were going may, once
    the event has started, and not to a cancelled event."""
    now = now or timezone.now()
    if not user.is_authenticated:
        return ValidationError(_("Sign in to add photos."), code="not_signed_in")
    if event.status == Event.Status.CANCELLED:
        return ValidationError(_("This event was cancelled."), code="event_cancelled")
    if event.during.lower > now:
        return ValidationError(
            _("Photos can be added once the event has started."), code="event_not_started"
        )
    if not RSVP.objects.filter(event=event, user=user, status=RSVP.Status.YES).exists():
        return ValidationError(
            _("Only the people who were going to this event may add photos."),
            code="not_going",
        )
    return None


def event_photo_may_delete(user, photo):
    """Whether ``user`` may delete ``photo``: its uploader, the organizers of
    the event's group, and moderators."""
    return user.is_authenticated and (
        photo.uploader_id == user.pk or manages(user, photo.event.study_group_id)
    )


def event_photo_add(*, event, uploader, image, caption=""):
    """Add ``image`` (an uploaded file, checked and re-encoded without
    metadata) to ``event``'s photos, within the caps per event and per person.
    Raises ValidationError: the refusal's code, or the picture's (``image_*``)."""
    refusal = event_photo_refusal(user=uploader, event=event)
    if refusal:
        raise refusal
    content = clean_image(image)
    with transaction.atomic():
        # One upload at a time per event, so the caps hold under concurrent uploads.
        event = Event.objects.select_for_update().get(pk=event.pk)
        photos = EventPhoto.objects.filter(event=event)
        if photos.count() >= settings.EVENT_PHOTOS_MAX:
            raise ValidationError(
                _("This event already has %(max)s photos, as many as it may have."),
                code="too_many_photos",
                params={"max": settings.EVENT_PHOTOS_MAX},
            )
        if photos.filter(uploader=uploader).count() >= settings.EVENT_PHOTOS_PER_USER_MAX:
            raise ValidationError(
                _("You already added %(max)s photos to this event, as many as one person may."),
                code="too_many_photos_by_you",
                params={"max": settings.EVENT_PHOTOS_PER_USER_MAX},
            )
        photo = EventPhoto(event=event, uploader=uploader, caption=caption.strip())
        photo.image.save(content.name, content, save=False)
        photo.save()
    return photo


@transaction.atomic
def event_photo_delete(photo, *, actor):
    """Delete ``photo`` if ``actor`` may (its file and thumbnails go once
    committed: places.images.delete_pictures_with)."""
    if not event_photo_may_delete(actor, photo):
        raise PermissionDenied(
            _("Only the person who added this photo and the organizers may delete it.")
        )
    photo.delete()
