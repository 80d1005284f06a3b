"""A series of events (weekly or monthly, created at once by
``services.event_series_create``; its occurrences share ``Event.series``):
editing or cancelling this occurrence, this and the following ones, or all of
them, as calendars do, and reading an occurrence's neighbours.

The rules:

- "this" is the single event, exactly as ``event_update`` and ``event_cancel``.
- "following" is this occurrence and the scheduled ones of its series that
  start after it; "all" is this occurrence and every scheduled one that has
  not started. Past occurrences (started already) and cancelled ones are never
  changed by either.
- Only what the edit changes on this occurrence is carried to the others: a
  new title changes every chosen title, but an occurrence whose description
  was edited on its own keeps it unless the description changes too.
- A new time keeps each occurrence on its own local date, moved by as many days
  as this one's date moved, at the new wall-clock time of the event's zone (a
  19:00 Madrid series stays at 19:00 across a change of daylight-saving time).
- "following" splits the series: the occurrences from this one on get a new
  series id (none when only this one is left), so a later "all" edit of the
  earlier part leaves them alone, as Google Calendar does.
- All or nothing, in one transaction: an occurrence that a rule refuses (its
  venue is booked then, say) refuses the whole edit, naming its date.
- People going or waitlisted get one email per edit or cancellation, listing
  the dates of theirs that changed, not one per occurrence.
"""

import datetime
import itertools
import uuid
import zoneinfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from psycopg2.extras import DateTimeTZRange

from places.timezones import aware_in_zone, format_local
from studygroups.models import Delivery
from studygroups.notifications import deliveries_create_and_dispatch
from studygroups.permissions import manages

from .models import RSVP, Event
from .services import (
    _place_from_venue,
    _waitlist_promote,
    _when_where,
    event_cancel,
    event_check,
    event_default_time_zone,
    event_update,
)

# How many of its other upcoming occurrences an event shows (page and API).
SERIES_SHOWN = 10
# The venue's booking rule, checked by PostgreSQL itself (meetups.models).
BOOKING_CONSTRAINT = "event_venue_not_double_booked"


class Scope(TextChoices):
    THIS = "this", gettext_lazy("This event")
    FOLLOWING = "following", gettext_lazy("This and following events")
    ALL = "all", gettext_lazy("All events in the series")


def scope_check(value):
    """``value`` as a Scope, or ValidationError naming ``scope``."""
    if value not in Scope.values:
        raise ValidationError(
            {"scope": _("Expected this, following or all, got %(value)r.") % {"value": value}},
            code="invalid_scope",
        )
    return Scope(value)


def series_occurrences(event, scope, *, now=None, lock=False):
    """The occurrences an edit or cancellation of ``event`` with ``scope``
    touches, soonest first: ``event`` itself, then (for "following") the
    scheduled occurrences of its series starting after it, or (for "all") every
    scheduled one that has not started yet. ``lock`` locks their rows."""
    if scope == Scope.THIS or event.series is None:
        return [event]
    now = now or timezone.now()
    others = (
        # Of its group only: an occurrence moved to another group on its own
        # is no longer this group's organizers' to change.
        Event.objects.filter(
            series=event.series,
            study_group_id=event.study_group_id,
            status=Event.Status.SCHEDULED,
            during__startswith__gt=now,
        )
        .exclude(pk=event.pk)
        .select_related("venue", "study_group")
        .order_by("during__startswith", "pk")
    )
    if scope == Scope.FOLLOWING:
        others = others.filter(during__startswith__gt=event.starts_at)
    if lock:
        others = others.select_for_update(of=("self",))
    return sorted([event, *others], key=lambda occurrence: (occurrence.starts_at, occurrence.pk))


def _changes(event, fields):
    """The items of ``fields`` whose value differs from ``event``'s."""
    changed = {}
    for name, value in fields.items():
        current = getattr(event, name)
        if current != value:
            changed[name] = value
    return changed


def _wall_clock(moment, zone):
    return moment.astimezone(zoneinfo.ZoneInfo(zone)).replace(tzinfo=None)


def shifted_during(occurrence, *, old_start, old_zone, new_during, new_zone):
    """The new range of ``occurrence`` when the edited one moved from
    ``old_start`` (in ``old_zone``) to ``new_during`` (in ``new_zone``): its own
    local date moved by the same number of days, at the new wall-clock start
    and length in ``new_zone``. Raises ValidationError for a time the clocks
    skip that day."""
    old_local = _wall_clock(old_start, old_zone)
    new_local = _wall_clock(new_during.lower, new_zone)
    length = _wall_clock(new_during.upper, new_zone) - new_local
    days = new_local.date() - old_local.date()
    own_date = _wall_clock(occurrence.starts_at, occurrence.time_zone).date()
    start = datetime.datetime.combine(own_date + days, new_local.time())
    return DateTimeTZRange(
        aware_in_zone(start, new_zone), aware_in_zone(start + length, new_zone), "[)"
    )


def _dated(exc, moment, zone):
    """``exc``'s messages, each after the date of the occurrence it refuses,
    kept on their fields: {field: [ValidationError, ...]}."""
    when = format_local(moment, zone)
    items = exc.error_dict.items() if hasattr(exc, "error_dict") else [(None, exc.error_list)]
    return {
        field: [
            ValidationError(
                _("%(date)s: %(problem)s") % {"date": when, "problem": message}, code=error.code
            )
            for error in errors
            for message in error.messages
        ]
        for field, errors in items
    }


def _overlap(a, b):
    return a.lower < b.upper and b.lower < a.upper


def _booking_clashes(planned):
    """The planned occurrences whose venue is booked at their new time: by an
    event outside the edit (one query on the booking's GiST index) or by
    another planned occurrence."""
    booked = [
        event for event in planned if event.venue_id and event.status == Event.Status.SCHEDULED
    ]
    if not booked:
        return []
    wanted = Q()
    for event in booked:
        wanted |= Q(venue_id=event.venue_id, during__overlap=event.during)
    taken = list(
        Event.objects.filter(wanted, status=Event.Status.SCHEDULED)
        .exclude(pk__in=[event.pk for event in planned])
        .values_list("venue_id", "during")
    )
    clashing = {
        event.pk
        for event in booked
        for venue_id, during in taken
        if venue_id == event.venue_id and _overlap(during, event.during)
    }
    for first, second in itertools.combinations(booked, 2):
        if first.venue_id == second.venue_id and _overlap(first.during, second.during):
            clashing |= {first.pk, second.pk}
    return [event for event in booked if event.pk in clashing]


def _booking_refusal(clashing):
    dates = ", ".join(format_local(event.starts_at, event.time_zone) for event in clashing[:5])
    if len(clashing) > 5:
        dates += "…"
    return ValidationError(
        {
            "venue": ValidationError(
                _("The venue is already booked at an overlapping time: %(dates)s")
                % {"dates": dates},
                code=BOOKING_CONSTRAINT,
            )
        }
    )


def _validate(event):
    """The model's validation of ``event``, its constraints but the booking's:
    checked for the whole plan at once (_booking_clashes), since one by one
    each date would collide with its neighbours' old times."""
    event.full_clean(validate_constraints=False)
    problems = []
    for constraint in Event._meta.constraints:
        if constraint.name == BOOKING_CONSTRAINT:
            continue
        try:
            constraint.validate(Event, event)
        except ValidationError as exc:
            problems.append(exc)
    if problems:
        raise ValidationError(problems)


def _constraint_refusal(exc, occurrence):
    """The database's refusal of ``occurrence`` (an IntegrityError naming a
    check constraint) as a ValidationError after its date."""
    name = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    constraint = next((c for c in Event._meta.constraints if c.name == name), None)
    if constraint is None:
        raise exc
    error = ValidationError(
        constraint.get_violation_error_message(), code=constraint.violation_error_code
    )
    return ValidationError(
        {
            field or "__all__": messages
            for field, messages in _dated(error, occurrence.starts_at, occurrence.time_zone).items()
        }
    )


def _plan(event, scope, fields, *, now=None, lock=False):
    """(occurrences with the edit applied in memory, what each was before).
    Raises ValidationError naming the field (each message after the date it
    concerns) when any occurrence is refused."""
    changed = _changes(event, fields)
    occurrences = series_occurrences(event, scope, now=now, lock=lock)
    before = {occurrence.pk: _when_where(occurrence) for occurrence in occurrences}
    saved = {
        occurrence.pk: (occurrence.starts_at, occurrence.capacity) for occurrence in occurrences
    }
    retime = "during" in changed or "time_zone" in changed
    # Before the loop changes ``event`` (the first occurrence, or another).
    old_start, old_zone = event.starts_at, event.time_zone
    new_zone = changed.get("time_zone") or event.time_zone
    new_during = changed.get("during") or event.during
    others_changed = {
        name: value for name, value in changed.items() if name not in ("during", "time_zone")
    }
    errors = {}
    planned = []
    for occurrence in occurrences:
        anchor = occurrence.pk == event.pk
        start_before = occurrence.starts_at
        try:
            values = changed if anchor else others_changed
            if "venue" in values and "location" not in values:
                occurrence.location = None
            for name, value in values.items():
                setattr(occurrence, name, value)
            if retime and not anchor:
                try:
                    occurrence.during = shifted_during(
                        occurrence,
                        old_start=old_start,
                        old_zone=old_zone,
                        new_during=new_during,
                        new_zone=new_zone,
                    )
                except ValidationError as exc:
                    raise ValidationError({"start": exc.error_list}) from exc
                occurrence.time_zone = new_zone
            if not occurrence.time_zone:
                occurrence.time_zone = event_default_time_zone(occurrence.study_group)
            _place_from_venue(occurrence)
            if anchor:
                _validate(occurrence)
            else:
                # Only what changed: the rest held already. The database's
                # checks on the new values are said at the write, with the
                # date (_constraint_refusal): a query each here, times 52.
                touched = {*values, "location"} | ({"during", "time_zone"} if retime else set())
                occurrence.full_clean(
                    exclude=[f.name for f in Event._meta.fields if f.name not in touched],
                    validate_constraints=False,
                )
            event_check(occurrence, saved_start=saved[occurrence.pk][0], now=now)
        except ValidationError as exc:
            for field, messages in _dated(exc, start_before, occurrence.time_zone).items():
                errors.setdefault(field, []).extend(messages)
        planned.append(occurrence)
    if errors:
        raise ValidationError(
            {field or "__all__": messages for field, messages in errors.items()}
        )
    if retime or "venue" in changed:
        if clashing := _booking_clashes(planned):
            raise _booking_refusal(clashing)
    return planned, before, saved


def event_series_check(event, *, scope, **fields):
    """Whether ``event_series_update`` would take these values: raises its
    ValidationError, writes nothing. For forms, before they save."""
    if scope == Scope.THIS or event.series is None:
        return
    fields.pop("status", None)
    fields.pop("cancellation_reason", None)
    _plan(Event.objects.select_related("venue", "study_group").get(pk=event.pk), scope, fields)


def event_series_update(event, *, scope, actor=None, **fields):
    """Change ``event`` and, for ``scope`` "following" or "all", the same
    fields of those occurrences of its series (see the module's rules).
    Returns ``event`` as saved. Raises ValidationError naming the field and the
    date of the first occurrence refused, and nothing is written.

    A ``status`` of "cancelled" cancels the same occurrences after the edit
    (``event_series_cancel``, for ``actor``); reinstating is one by one."""
    scope = scope_check(scope)
    if scope == Scope.THIS or event.series is None:
        return event_update(event, actor=actor, **fields)
    status = fields.pop("status", None)
    reason = fields.pop("cancellation_reason", None)
    if status == Event.Status.SCHEDULED and event.status == Event.Status.CANCELLED:
        raise ValidationError(
            {"status": _("Reinstate cancelled occurrences one at a time (scope “this”).")},
            code="reinstate_one_by_one",
        )
    with transaction.atomic():
        anchor = (
            Event.objects.select_for_update(of=("self",))
            .select_related("venue", "study_group")
            .get(pk=event.pk)
        )
        changing = bool(_changes(anchor, fields))
        planned, before, saved = _plan(anchor, scope, fields, lock=True)
        if reason is not None and anchor.status == Event.Status.CANCELLED:
            # A cancelled date's reason is its own.
            anchor.cancellation_reason = reason
        if scope == Scope.FOLLOWING and changing:
            _split(anchor, planned)
        writing = None
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(f"SET CONSTRAINTS {BOOKING_CONSTRAINT} DEFERRED")
                    for writing in planned:
                        writing.save()
                    writing = None
                    # PostgreSQL checks every booking of the edit here, at once.
                    cursor.execute(f"SET CONSTRAINTS {BOOKING_CONSTRAINT} IMMEDIATE")
        except IntegrityError as exc:
            if writing is not None:
                raise _constraint_refusal(exc, writing) from exc
            # Booked meanwhile by someone else (after _plan looked): which
            # dates, now that their booking is committed and ours undone.
            clashing = _booking_clashes(planned) or [o for o in planned if o.venue_id]
            raise _booking_refusal(clashing) from exc
        for occurrence in planned:
            if occurrence.capacity > saved[occurrence.pk][1]:
                _waitlist_promote(occurrence)
        _tell_changes(anchor, planned, before)
        if status == Event.Status.CANCELLED and anchor.status == Event.Status.SCHEDULED:
            event_series_cancel(anchor, scope=scope, reason=reason or "", actor=actor)
        anchor.refresh_from_db()
        return anchor


def _split(anchor, planned):
    """Give ``planned`` (this occurrence and the following) a series of their
    own when earlier occurrences exist, and the cancelled occurrences after
    this one with them."""
    earlier = Event.objects.filter(
        series=anchor.series, during__startswith__lt=anchor.starts_at
    ).exists()
    if not earlier:
        return
    series = uuid.uuid4() if len(planned) > 1 else None
    Event.objects.filter(
        series=anchor.series,
        status=Event.Status.CANCELLED,
        during__startswith__gt=max(anchor.starts_at, timezone.now()),
    ).update(series=series)
    for occurrence in planned:
        occurrence.series = series


def _attendees(event_ids):
    return RSVP.objects.filter(
        event_id__in=event_ids, status__in=[RSVP.Status.YES, RSVP.Status.WAITLIST]
    ).values("user_id")


def _tell_changes(anchor, planned, before):
    """One email per person going or waitlisted at any occurrence whose time
    or place changed, listing theirs (meetups.notifications)."""
    moved = [
        occurrence
        for occurrence in planned
        if occurrence.status == Event.Status.SCHEDULED
        and _when_where(occurrence) != before[occurrence.pk]
    ]
    if not moved:
        return 0
    old = {
        str(occurrence.pk): [
            moment.isoformat() if moment else None for moment in before[occurrence.pk][:2]
        ]
        for occurrence in moved
    }
    first = moved[0]
    old_start, old_end = old[str(first.pk)]
    data = {"event_id": first.pk, "old_start": old_start, "old_end": old_end}
    if len(moved) == 1:
        key = f"event:{first.pk}:{first.updated_at.timestamp()}"
    else:
        key = f"event:{anchor.pk}:series:{anchor.updated_at.timestamp()}"
        data.update(event_ids=[occurrence.pk for occurrence in moved], old=old)
    return deliveries_create_and_dispatch(
        Delivery.Kind.EVENT_CHANGED, key, _attendees([o.pk for o in moved]), data
    )


def event_series_cancel(event, *, scope, reason="", actor):
    """Cancel ``event`` and, for ``scope`` "following" or "all", those
    scheduled occurrences of its series (never the past ones), recording when,
    by whom and why, and email each person going or waitlisted at any of them
    once, listing their cancelled dates. Returns how many people are emailed.
    Raises PermissionDenied unless ``actor`` organizes the group or moderates."""
    scope = scope_check(scope)
    if scope == Scope.THIS or event.series is None:
        return event_cancel(event, reason=reason, actor=actor)
    if actor is None or not manages(actor, event.study_group_id):
        raise PermissionDenied(_("Only this group's organizers may cancel its events."))
    with transaction.atomic():
        anchor = (
            Event.objects.select_for_update(of=("self",))
            .select_related("study_group")
            .get(pk=event.pk)
        )
        occurrences = [
            occurrence
            for occurrence in series_occurrences(anchor, scope, lock=True)
            if occurrence.status == Event.Status.SCHEDULED
        ]
        if not occurrences:
            return 0
        now = timezone.now()
        ids = [occurrence.pk for occurrence in occurrences]
        Event.objects.filter(pk__in=ids).update(
            status=Event.Status.CANCELLED,
            cancelled_at=now,
            cancelled_by=actor,
            cancellation_reason=(reason or "").strip(),
            updated_at=now,
        )
        if len(ids) == 1:
            key, data = f"event:{ids[0]}:{now.timestamp()}", {"event_id": ids[0]}
        else:
            key = f"event:{anchor.pk}:series:{now.timestamp()}"
            data = {"event_id": ids[0], "event_ids": ids}
        return deliveries_create_and_dispatch(
            Delivery.Kind.EVENT_CANCELLED, key, _attendees(ids), data
        )


def series_neighbours(event, shown=SERIES_SHOWN):
    """(previous, upcoming) of ``event``'s series: the occurrence just before
    it (any status, or None) and up to ``shown`` occurrences after it, soonest
    first. Both empty for an event in no series. A series has at most 52
    occurrences (services.event_series_create), found on the series index."""
    if event.series is None:
        return None, []
    siblings = Event.objects.filter(series=event.series).exclude(pk=event.pk)
    previous = (
        siblings.filter(during__startswith__lt=event.starts_at)
        .order_by("-during__startswith", "-pk")
        .first()
    )
    following = list(
        siblings.filter(during__startswith__gte=event.starts_at).order_by(
            "during__startswith", "pk"
        )[:shown]
    )
    return previous, following


def series_frequency(event, neighbour):
    """"weekly" or "monthly" when ``event`` and ``neighbour`` (another
    occurrence) fall on days of their zone a week or whole months apart, else
    "" (a series edited out of step)."""
    if neighbour is None:
        return ""
    first, second = sorted(
        [_wall_clock(event.starts_at, event.time_zone).date(),
         _wall_clock(neighbour.starts_at, neighbour.time_zone).date()]
    )
    days = (second - first).days
    if days and days % 7 == 0 and days <= 7:
        return "weekly"
    months = (second.year - first.year) * 12 + second.month - first.month
    if months >= 1 and 28 <= days / months <= 31:
        return "monthly"
    return ""
