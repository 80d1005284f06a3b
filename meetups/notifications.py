"""The events' emails (studygroups.notifications sends them): alerts of new
events near a member, reminders, the weekly digest, and what changes for the
people going (cancelled, changed, off the waitlist)."""

import datetime

from django.contrib.gis.db.models.functions import Distance
from django.db.models import FloatField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from places.timezones import format_span_text
from studygroups.models import Delivery, MemberProfile, Membership
from studygroups.notifications import (
    Message,
    SiteRequest,
    composer,
    deliveries_create,
    site_url,
)

from .feeds import build_calendar
from .models import RSVP, Event

Kind = Delivery.Kind

# A digest lists at most this many events.
DIGEST_LENGTH = 20
# What a digest shows of each (not the search vector, nor the description).
DIGEST_FIELDS = (
    "pk", "title", "during", "time_zone", "location", "online_url",
    "venue__name", "venue__address", "venue__city",
)


def event_where(event):
    """The venue's name, address and city, or None for an online event."""
    if event.venue is None:
        return None
    parts = (event.venue.name, event.venue.address, event.venue.city)
    return ", ".join(part for part in parts if part)


def event_facts(event):
    """Paragraphs saying when (in the event's own zone, named in words) and
    where an event is, in the active language."""
    lines = [
        _("When: %(when)s")
        % {"when": format_span_text(event.during.lower, event.during.upper, event.time_zone)}
    ]
    where = event_where(event)
    if where:
        lines.append(_("Where: %(where)s") % {"where": where})
    if event.online_url:
        lines.append(_("Online: %(url)s") % {"url": event.online_url})
    return lines


def delivered_event(delivery):
    return (
        Event.objects.select_related("venue", "study_group")
        .filter(pk=delivery.data.get("event_id"))
        .first()
    )


def is_upcoming(event):
    return (
        event is not None
        and event.status == Event.Status.SCHEDULED
        and event.during.lower > timezone.now()
    )


def event_link(event):
    return site_url(event.get_absolute_url())


def event_message(event, subject, lines, *, url_label=None, attachments=()):
    """A Message about ``event`` that links to its page."""
    return Message(
        subject=subject,
        lines=lines,
        url=event_link(event),
        url_label=url_label or _("See the event"),
        attachments=list(attachments),
    )


def is_going(event, user):
    """Whether ``user`` has a seat at ``event`` (not waitlisted, not no)."""
    return RSVP.objects.filter(event=event, user=user, status=RSVP.Status.YES).exists()


@composer(Kind.EVENT_NEARBY)
def event_nearby_message(delivery):
    event = delivered_event(delivery)
    if not is_upcoming(event):  # cancelled (or over) before the alert went out
        return None
    lines = [_("A new event is coming up near you: “%(title)s”.") % {"title": event.title}]
    if event.series:
        lines.append(_("It repeats: this is its first date."))
    if event.study_group is not None:
        lines.append(_("Organized by %(group)s.") % {"group": event.study_group.name})
    return event_message(
        event,
        _("New event near you: %(title)s") % {"title": event.title},
        lines + event_facts(event),
        url_label=_("See the event and answer"),
    )


@composer(Kind.REMINDER_24H, Kind.REMINDER_2H)
def reminder_message(delivery):
    event = delivered_event(delivery)
    if not is_upcoming(event) or not is_going(event, delivery.recipient):
        return None
    if delivery.kind == Kind.REMINDER_24H:
        subject = _("Tomorrow: %(title)s") % {"title": event.title}
        opening = _("“%(title)s” starts in 24 hours and you are going.")
    else:
        subject = _("In two hours: %(title)s") % {"title": event.title}
        opening = _("“%(title)s” starts in two hours and you are going.")
    calendar = build_calendar(event.title, [event], SiteRequest())
    name = f"{slugify(event.title) or f'event-{event.pk}'}.ics"
    return event_message(
        event,
        subject,
        [opening % {"title": event.title}, *event_facts(event)],
        attachments=[(name, calendar.to_ical(), "text/calendar")],
    )


def recipients_occurrences(delivery, **filters):
    """The events of a series edit or cancellation (``event_ids``) at which the
    recipient is going or waitlisted, soonest first; None for one event's."""
    ids = delivery.data.get("event_ids")
    if not ids:
        return None
    return list(
        Event.objects.select_related("venue", "study_group")
        .filter(
            pk__in=ids,
            rsvps__user=delivery.recipient,
            rsvps__status__in=[RSVP.Status.YES, RSVP.Status.WAITLIST],
            **filters,
        )
        .order_by("during")
    )


# A series email lists this many dates, then says how many more.
DATES_LISTED = 12


def event_span(event):
    return format_span_text(event.during.lower, event.during.upper, event.time_zone)


def dates_listed(events, line):
    """``line`` (a callable) for each of the first DATES_LISTED ``events``, and
    how many more there are."""
    lines = [line(event) for event in events[:DATES_LISTED]]
    if len(events) > DATES_LISTED:
        lines.append(_("And %(count)s more.") % {"count": len(events) - DATES_LISTED})
    return lines


def series_cancelled_message(delivery, events):
    if not events:
        return None
    event = events[0]
    lines = [
        _("These dates of “%(title)s” have been cancelled by its organizers:")
        % {"title": event.title},
        *dates_listed(events, lambda each: "– " + event_span(each)),
    ]
    if event.cancellation_reason:
        lines.append(_("Their reason: %(reason)s") % {"reason": event.cancellation_reason})
    lines.append(_("You were going or on the waitlist, so we are letting you know."))
    return event_message(event, _("Cancelled: %(title)s") % {"title": event.title}, lines)


@composer(Kind.EVENT_CANCELLED)
def event_cancelled_message(delivery):
    events = recipients_occurrences(delivery, status=Event.Status.CANCELLED)
    if events is not None:
        return series_cancelled_message(delivery, events)
    event = delivered_event(delivery)
    if event is None or event.status != Event.Status.CANCELLED:
        return None
    when = format_span_text(event.during.lower, event.during.upper, event.time_zone)
    lines = [
        _("The event “%(title)s” (%(when)s) has been cancelled by its organizers.")
        % {"title": event.title, "when": when}
    ]
    if event.cancellation_reason:
        lines.append(_("Their reason: %(reason)s") % {"reason": event.cancellation_reason})
    lines.append(_("You were going or on the waitlist, so we are letting you know."))
    return event_message(event, _("Cancelled: %(title)s") % {"title": event.title}, lines)


def series_changed_message(delivery, events):
    if not events:
        return None
    event = events[0]
    old = delivery.data.get("old") or {}

    def line(each):
        text = "– " + event_span(each)
        was = [parse_datetime(moment or "") for moment in old.get(str(each.pk), [])]
        if len(was) == 2 and all(was) and tuple(was) != (each.during.lower, each.during.upper):
            text += " " + _("(it was: %(when)s)") % {
                "when": format_span_text(*was, each.time_zone)
            }
        return text

    lines = [
        _("The organizers changed these dates of “%(title)s”:") % {"title": event.title},
        *dates_listed(events, line),
        *event_facts(event)[1:],
        _("You are going or on the waitlist, so we are letting you know."),
    ]
    return event_message(event, _("Changed: %(title)s") % {"title": event.title}, lines)


@composer(Kind.EVENT_CHANGED)
def event_changed_message(delivery):
    events = recipients_occurrences(
        delivery, status=Event.Status.SCHEDULED, during__startswith__gt=timezone.now()
    )
    if events is not None:
        return series_changed_message(delivery, events)
    event = delivered_event(delivery)
    if not is_upcoming(event):
        return None
    lines = [_("The organizers changed “%(title)s”.") % {"title": event.title}]
    old_start = parse_datetime(delivery.data.get("old_start") or "")
    old_end = parse_datetime(delivery.data.get("old_end") or "")
    if old_start and old_end and (old_start, old_end) != (event.during.lower, event.during.upper):
        was = format_span_text(old_start, old_end, event.time_zone)
        lines.append(_("It was: %(when)s") % {"when": was})
    lines += event_facts(event)
    lines.append(_("You are going or on the waitlist, so we are letting you know."))
    return event_message(event, _("Changed: %(title)s") % {"title": event.title}, lines)


@composer(Kind.WAITLIST_PROMOTED)
def waitlist_promoted_message(delivery):
    event = delivered_event(delivery)
    # Not when they said no again meanwhile.
    if not is_upcoming(event) or not is_going(event, delivery.recipient):
        return None
    lines = [
        _("A place freed up at “%(title)s” and it is yours: you are going now.")
        % {"title": event.title},
        *event_facts(event),
        _("If you cannot make it, say so on the event's page so the next person gets it."),
    ]
    return event_message(event, _("You have a place: %(title)s") % {"title": event.title}, lines)


# The weekly digest ------------------------------------------------------------


def digest_week(now=None):
    """(key, start, end) of the digest sent at ``now``: the seven days from
    then, named by ISO week ("week:2026-W49") so a second run that week sends
    nothing more."""
    now = now or timezone.now()
    year, week, _weekday = now.isocalendar()
    return f"week:{year}-W{week:02d}", now, now + datetime.timedelta(days=7)


def digest_events(profile, start, end, limit=DIGEST_LENGTH):
    """The scheduled events starting between ``start`` and ``end`` within the
    member's alert radius of their home, or of the groups they belong to,
    nearest first (those without a place, online ones, last, soonest first).
    Two small queries on indexes (the events' location GiST and the group's
    events), merged here."""
    # Only what the order needs: the email reads its events again when sent.
    upcoming = (
        Event.objects.visible().scheduled()
        .filter(during__startswith__gte=start, during__startswith__lt=end)
        .only("pk", "during", "location")
    )
    found = {}
    if profile.home_location is not None:
        for event in upcoming.near(profile.home_location, profile.alert_radius_km * 1000)[:limit]:
            found[event.pk] = event
    groups = Membership.objects.filter(
        user_id=profile.user_id, status=Membership.Status.ACTIVE
    ).values("study_group")
    in_groups = upcoming.filter(study_group__in=groups).order_by("during")[:limit]
    if profile.home_location is not None:
        in_groups = in_groups.annotate(
            distance_m=Cast(Distance("location", profile.home_location), FloatField())
        )
    for event in in_groups:
        found.setdefault(event.pk, event)

    def nearest_first(event):
        distance = getattr(event, "distance_m", None)
        return (distance is None, distance or 0, event.during.lower)

    return sorted(found.values(), key=nearest_first)[:limit]


@composer(Kind.DIGEST)
def digest_message(delivery):
    events = (
        Event.objects.visible().scheduled()
        .filter(pk__in=delivery.data.get("event_ids", []), during__startswith__gt=timezone.now())
        .select_related("venue")
        .only(*DIGEST_FIELDS)
    )
    # Distances are measured now, not stored: with three of them, anyone
    # reading the delivery rows could place the member's home.
    home = (
        MemberProfile.objects.filter(user=delivery.recipient)
        .values_list("home_location", flat=True)
        .first()
    )
    if home is not None:
        events = events.annotate(distance_m=Cast(Distance("location", home), FloatField()))
    events = list(events)
    if not events:
        return None
    order = {pk: n for n, pk in enumerate(delivery.data.get("event_ids", []))}
    events.sort(key=lambda event: order[event.pk])
    items = []
    for event in events:
        distance_m = getattr(event, "distance_m", None)
        items.append(
            {
                "title": event.title,
                "when": format_span_text(event.during.lower, event.during.upper, event.time_zone),
                "where": event_where(event) or _("Online"),
                "distance": (
                    _("%(km)s km away") % {"km": number_format(distance_m / 1000, 1)}
                    if distance_m is not None
                    else ""
                ),
                "url": event_link(event),
            }
        )
    return Message(
        subject=_("Your week: %(count)s events near you") % {"count": len(items)},
        lines=[_("Coming up this week near you and in your groups, nearest first:")],
        items=items,
        url=site_url("/"),
        url_label=_("Find more on the map"),
    )


def digest_record(profile, key, start, end):
    """Record the digest of ``profile``'s member for the week ``key``, with
    its events, unless there is nothing to say; returns how many were recorded
    (0 or 1)."""
    events = digest_events(profile, start, end)
    if not events:
        return 0
    return deliveries_create(
        Kind.DIGEST, key, [profile.user_id], {"event_ids": [event.pk for event in events]}
    )


def digest_members(after_user_id=0, size=500):
    """The next ``size`` profiles of members who want the digest, by user id
    (keyset on ``profile_digest_user_idx``)."""
    return MemberProfile.objects.wanting("notify_digest").filter(
        user_id__gt=after_user_id
    ).order_by("user_id")[:size]
