"""The events page, /events/: its filters live in the URL (see meetups.finder)."""

import datetime
import zoneinfo
from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from places import parsers
from places.timezones import zone_label
from studygroups.finder_views import clean_text, locate
from studygroups.models import Topic
from studygroups.views import (
    DEFAULT_RADIUS_KM,
    MAX_PLACE_LENGTH,
    MAX_RADIUS_KM,
    RADII_KM,
    lonlat_text,
)

from . import finder

# Parameters of the page, kept in every link it makes.
FILTERS = ("place", "near", "radius_km", "when", "from", "to", "topic", "format", "view")


def events_url(params, **changes):
    """/events/ with ``params`` and ``changes`` (None drops one); empty values left out."""
    merged = {name: params.get(name, "") for name in FILTERS}
    merged.update(changes)
    query = urlencode({key: value for key, value in merged.items() if value not in ("", None)})
    return reverse("events-page") + (f"?{query}" if query else "")


@require_safe
def events_page(request):
    """Events near a place by date, topic and format, as a list by day or a
    month's calendar. Bad values are answered with the page and a 400 naming
    the field; a place that is not found is an answer (200)."""
    params = request.GET
    errors = {}
    for name in (*FILTERS, "month", "after"):
        if "\x00" in params.get(name, ""):
            errors[name] = _("Contains a NUL character.")
    if errors:
        params = {name: value.replace("\x00", "") for name, value in params.items()}
    radius_km = DEFAULT_RADIUS_KM
    if params.get("radius_km"):
        try:
            radius_km = parsers.parse_positive(params["radius_km"], "radius_km", MAX_RADIUS_KM)
        except parsers.InvalidParameter as exc:
            errors["radius_km"] = exc.message
        else:
            radius_km = int(radius_km) if radius_km == int(radius_km) else radius_km
    point, near_label, candidates = locate(
        params,
        errors,
        lambda place: events_url(
            params, place=place.label, near=lonlat_text(place.lon, place.lat), after=None
        ),
    )
    zone = finder.list_zone(point)
    now = timezone.now()
    when = params.get("when") or "upcoming"
    event_format = params.get("format") or "any"
    if event_format not in dict(finder.FORMAT_CHOICES):
        errors["format"] = parsers.choose_one_of(finder.FORMAT_CHOICES)
    topics = list(Topic.objects.all())
    topic = params.get("topic", "")
    if topic and topic not in {each.slug for each in topics}:
        errors["topic"] = _("No topic is called %(value)r.") % {"value": topic}
    view = "month" if params.get("view") == "month" else "list"
    window = month = None
    try:
        window = finder.date_window(when, zone, now, params.get("from", ""), params.get("to", ""))
        if view == "month":
            month = (
                finder.parse_month(params["month"])
                if params.get("month")
                else window.first_day.replace(day=1)
            )
    except parsers.InvalidParameter as exc:
        errors[exc.param] = exc.message
    context = {
        "errors": errors,
        "candidates": candidates,
        "near_label": near_label,
        "zone": zone,
        "zone_label": zone_label(zone, now),
        "form": {
            "place": clean_text(params, "place", MAX_PLACE_LENGTH),
            "near": params.get("near", "") if point is not None else "",
            "radius_km": radius_km,
            "when": when,
            "from": params.get("from", ""),
            "to": params.get("to", ""),
            "topic": topic,
            "format": event_format,
            "view": view,
        },
        "radii": sorted({*RADII_KM, radius_km}),
        "when_choices": finder.WHEN_CHOICES,
        "format_choices": finder.FORMAT_CHOICES,
        "topics": topics,
        "max_place_length": MAX_PLACE_LENGTH,
        "list_url": events_url(params, view=None, month=None),
        "month_url": events_url(params, view="month"),
    }
    searchable = not errors and not candidates
    if searchable:
        filters = {
            "point": point,
            "radius_m": radius_km * 1000,
            "topic": topic,
            "event_format": event_format,
        }
        if view == "month":
            context.update(month_context(params, finder.matching(**filters), month, zone, now))
        else:
            try:
                rows, after = finder.page_of(
                    finder.events_in(window, **filters), params.get("after", "")
                )
            except parsers.InvalidParameter as exc:
                errors[exc.param] = exc.message
            else:
                for event in rows:
                    # The page says kilometres; the query measures metres.
                    metres = getattr(event, "distance_m", None)
                    event.distance_km = None if metres is None else metres / 1000
                context["days"] = finder.by_day(rows, zone)
                context["next_url"] = events_url(params, after=after) if after else ""
                context["first_url"] = events_url(params) if params.get("after") else ""
    context["searched"] = searchable and not errors
    only_place_missing = list(errors) == ["place"]
    return render(
        request,
        "meetups/events.html",
        context,
        status=400 if errors and not only_place_missing else 200,
    )


def month_context(params, events, month, zone, now):
    """The month view's calendar, with links to each day's list and the
    months before and after (within the years events may have)."""
    previous = (month - datetime.timedelta(days=1)).replace(day=1)
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)

    def month_link(first):
        if not finder.FIRST_YEAR <= first.year <= finder.LAST_YEAR:
            return ""
        return events_url(params, view="month", month=f"{first:%Y-%m}")

    weeks = finder.month_days(events, month, zone, now)
    for week in weeks:
        for cell in week:
            day = cell["day"].isoformat()
            cell["url"] = events_url(params, view=None, when="range", **{"from": day, "to": day})
    return {
        "month": month,
        "weeks": weeks,
        "today": now.astimezone(zoneinfo.ZoneInfo(zone)).date(),
        "previous_month_url": month_link(previous),
        "next_month_url": month_link(following),
    }
