"""iCalendar (RFC 5545) feeds: one event as an .ics download, a study group's
events, and a member's personal calendar behind a secret token URL."""

import datetime
import functools
import logging
import zoneinfo

import icalendar
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.http.request import split_domain_port
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_POST, require_safe

from studygroups.models import MemberProfile, StudyGroup, new_calendar_token

from .models import EVENT_EARLIEST, EVENT_LATEST, RSVP, Event

logger = logging.getLogger(__name__)
PRODID = "-//Cerca//Study groups near you//ES"
CONTENT_TYPE = "text/calendar; charset=utf-8"
# A group feed keeps recent events so that subscribers do not see them vanish
# from their calendar the moment they end.
RECENT_DAYS = 30
# Answers that put an event in the member's own calendar.
PERSONAL_FEED_STATUSES = (RSVP.Status.YES, RSVP.Status.WAITLIST)
# Asks subscribed calendar apps to poll hourly (RFC 7986, and Outlook's name for it).
REFRESH_INTERVAL = datetime.timedelta(hours=1)
# Calendar apps remind the member this long before an event (VALARM); the
# emailed reminders come 24 and 2 hours before.
ALARM_BEFORE = datetime.timedelta(hours=1)


def event_zone(event):
    """The event's own time zone; UTC if its name is not a known IANA zone."""
    try:
        return zoneinfo.ZoneInfo(event.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def event_location_text(event):
    """LOCATION text: venue name, address and city, or else the online URL."""
    if event.venue:
        parts = (event.venue.name, event.venue.address, event.venue.city)
        return ", ".join(part for part in parts if part)
    return event.online_url


def uid_domain(request):
    """The right-hand side of event UIDs: the site's host name without port."""
    domain, _port = split_domain_port(request.get_host()) if request else ("", "")
    return domain or "cerca"


def event_component(event, request):
    """One VEVENT. Times are written in the event's own zone (TZID), so calendar
    apps keep the wall-clock time even if the zone's UTC offset rules change."""
    zone = event_zone(event)
    updated_at = event.updated_at.astimezone(datetime.timezone.utc)
    component = icalendar.Event()
    component.add("uid", f"event-{event.pk}@{uid_domain(request)}")
    # Without a METHOD, RFC 5545 makes DTSTAMP the time the event was last
    # revised; using it (not "now") keeps the feed byte-stable between polls.
    component.add("dtstamp", updated_at)
    component.add("last-modified", updated_at)
    component.add("dtstart", event.during.lower.astimezone(zone))
    component.add("dtend", event.during.upper.astimezone(zone))
    component.add("summary", event.title)
    description = event.description
    if event.status == Event.Status.CANCELLED and event.cancellation_reason:
        # Calendar apps show a cancelled event's description: say why first.
        reason = _("Cancelled: %(reason)s") % {"reason": event.cancellation_reason}
        description = "\n\n".join(text for text in (reason, description) if text)
    if event.online_url and event.venue:
        # Hybrid event: LOCATION holds the venue, so the link goes here.
        description = "\n\n".join(text for text in (description, event.online_url) if text)
    if description:
        component.add("description", description)
    location = event_location_text(event)
    if location:
        component.add("location", location)
    if event.location:
        # RFC 5545 orders GEO latitude first; six decimals is about 0.1 m.
        component.add("geo", (round(event.location.y, 6), round(event.location.x, 6)))
    component.add("url", request.build_absolute_uri(event.get_absolute_url()))
    cancelled = event.status == Event.Status.CANCELLED
    component.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if not cancelled:
        component.add_component(event_alarm(event))
    return component


def event_alarm(event):
    """A VALARM that shows the event's title ``ALARM_BEFORE`` its start."""
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", event.title)
    alarm.add("trigger", -ALARM_BEFORE, parameters={"RELATED": "START"})
    return alarm


def calendar_can_show(event):
    """Whether ``event`` lies within the years an event may touch
    (meetups.models.EVENT_EARLIEST to EVENT_LATEST). The database refuses
    others; one that is there all the same (restored from an old backup) is
    left out of feeds and logged, so it cannot break the feed for everyone."""
    if EVENT_EARLIEST <= event.during.lower and event.during.upper <= EVENT_LATEST:
        return True
    logger.error("Event %s is outside the years events may touch; left out of feeds", event.pk)
    return False


def build_calendar(name, events, request, refresh=False):
    """A calendar named ``name`` holding ``events`` (which need ``venue``
    selected), with a VTIMEZONE for every zone the events use."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # An X- property is written verbatim unless typed: TEXT escapes its commas,
    # semicolons and line breaks (a study group's name is user text).
    calendar.add("x-wr-calname", icalendar.vText(name))
    if refresh:
        calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", icalendar.vDuration(REFRESH_INTERVAL))
    events = [event for event in events if calendar_can_show(event)]
    for event in events:
        calendar.add_component(event_component(event, request))
    if events:
        # The library's default span (1970 to 2038) writes every DST change of
        # those years into each feed. The events' years, with a year's margin
        # either side, are all a client needs, and also reach past 2038.
        first_year = min(event.during.lower for event in events).year - 1
        last_year = max(event.during.upper for event in events).year + 1
        for position, tzid in enumerate(sorted(calendar.get_missing_tzids())):
            component = timezone_component(tzid, first_year, last_year)
            if component is not None:
                calendar.subcomponents.insert(position, component)
    return calendar


def timezone_component(tzid, first_year, last_year):
    """A VTIMEZONE of ``tzid`` with its offsets from ``first_year`` to the end
    of ``last_year``, or None for a zone the library does not know.

    Building one (icalendar's ``Timezone.from_tzid``) asks the zone's offset
    at every hour of those years: about 0.2 s, which made each .ics download
    cost that much CPU. The text is built once per zone and span, and parsed
    back for each calendar, so that no two calendars share a component."""
    text = timezone_text(tzid, first_year, last_year)
    return icalendar.Timezone.from_ical(text) if text else None


@functools.lru_cache(maxsize=512)
def timezone_text(tzid, first_year, last_year):
    try:
        component = icalendar.Timezone.from_tzid(
            tzid,
            first_date=datetime.date(first_year, 1, 1),
            last_date=datetime.date(last_year + 1, 1, 1),
        )
    except ValueError:
        return None
    return component.to_ical()


def ics_response(calendar, filename=None):
    response = HttpResponse(calendar.to_ical(), content_type=CONTENT_TYPE)
    if filename:
        response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def member_profile(user):
    """The member's profile, created on first use (with a fresh calendar token)."""
    profile, _created = MemberProfile.objects.get_or_create(user=user)
    return profile


def calendar_token_regenerate(user):
    """Give the member a new calendar token; the old feed URL stops working."""
    profile = member_profile(user)
    profile.calendar_token = new_calendar_token()
    profile.save(update_fields=["calendar_token"])
    return profile.calendar_token


@require_safe
def event_ics(request, pk):
    """One event as an .ics file to download and import."""
    event = get_object_or_404(Event.objects.visible().select_related("venue"), pk=pk)
    calendar = build_calendar(event.title, [event], request)
    return ics_response(calendar, filename=f"{slugify(event.title) or f'event-{pk}'}.ics")


@require_safe
def group_ics(request, slug):
    """A study group's upcoming events and those of the last RECENT_DAYS days,
    cancelled ones included so that subscribed calendars drop them."""
    group = get_object_or_404(StudyGroup.objects.visible(), slug=slug)
    since = timezone.now() - datetime.timedelta(days=RECENT_DAYS)
    events = group.events.visible().between(since, None).select_related("venue").order_by("during")
    return ics_response(build_calendar(group.name, events, request, refresh=True))


@require_safe
@cache_control(private=True)
def personal_ics(request, token):
    """The events a member answered yes or waitlist to, cancelled ones included.

    The token is the only credential, so an unknown token is a plain 404 that
    says nothing about which tokens exist."""
    profile = (
        MemberProfile.objects.filter(calendar_token=token, user__is_active=True)
        .only("user_id")
        .first()
    )
    if profile is None:
        raise Http404
    events = (
        Event.objects.visible().filter(
            rsvps__user_id=profile.user_id, rsvps__status__in=PERSONAL_FEED_STATUSES
        )
        .select_related("venue")
        .order_by("during")
    )
    calendar = build_calendar(_("My Cerca events"), events, request, refresh=True)
    response = ics_response(calendar)
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@login_required
def my_calendar(request):
    """The member's personal feed URL, and a form to replace it."""
    token = member_profile(request.user).calendar_token
    feed_url = request.build_absolute_uri(reverse("personal-ics", args=[token]))
    _scheme, rest = feed_url.split("://", 1)
    return render(
        request,
        "meetups/my_calendar.html",
        {"feed_url": feed_url, "webcal_url": f"webcal://{rest}"},
    )


@require_POST
@login_required
def regenerate_token(request):
    """Replace the member's calendar token, for when the feed URL has leaked."""
    calendar_token_regenerate(request.user)
    return redirect("my-calendar")
