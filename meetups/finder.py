"""The events page (/events/): events near a place, in a window of dates
("today", "this weekend", a chosen range), by topic and format, read from the
URL, in keyset pages by start time, or a month of them as a calendar.

Date words are read in the searched place's time zone (the gazetteer's city
nearest it), or the site's when no place is given: "today" in Madrid is not
"today" in Bogotá. Each event still shows its own time in its own zone."""

import calendar
import dataclasses
import datetime
import zoneinfo

from django.db import models
from django.db.models import F, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from places import parsers
from places.paging import RowAfter, decode_cursor, encode_cursor
from places.timezones import site_time_zone, time_zone_at

from .models import Event

PAGE_SIZE = 20
# A day of the month calendar lists this many events, then "and more".
EVENTS_A_DAY = 3
# A chosen range of dates is at most a year: a longer one is a typo.
MAX_RANGE_DAYS = 366
# Events start and end within these years (the database's constraint).
FIRST_YEAR, LAST_YEAR = 2000, 2099

WHEN_CHOICES = (
    ("upcoming", gettext_lazy("Upcoming")),
    ("today", gettext_lazy("Today")),
    ("tomorrow", gettext_lazy("Tomorrow")),
    ("weekend", gettext_lazy("This weekend")),
    ("week", gettext_lazy("This week")),
    ("month", gettext_lazy("This month")),
    ("range", gettext_lazy("Choose dates")),
)
FORMAT_CHOICES = (
    ("any", gettext_lazy("In person or online")),
    ("in_person", gettext_lazy("In person")),
    ("online", gettext_lazy("Online")),
)
ORDERING = ("during__startswith", "pk")


@dataclasses.dataclass
class Window:
    """The dates searched: events overlapping [start, end) (end None: open),
    with the zone the dates were read in and the days they span."""

    start: datetime.datetime
    end: datetime.datetime | None
    zone: str
    first_day: datetime.date
    last_day: datetime.date | None


def midnight(day, zone):
    """The start of ``day`` in ``zone``. Where the clocks skip midnight (Chile
    moves them at 24:00), the instant the day really starts."""
    tz = zoneinfo.ZoneInfo(zone)
    naive = datetime.datetime.combine(day, datetime.time())
    # zoneinfo reads a skipped wall-clock time with the offset before the jump:
    # converting there and back lands on the first real instant of the day.
    return naive.replace(tzinfo=tz).astimezone(datetime.UTC).astimezone(tz)


def parse_day(value, param):
    """A YYYY-MM-DD date within the years events may have; a 400 naming ``param``."""
    try:
        day = datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise parsers.InvalidParameter(
            param, _("Expected a date as YYYY-MM-DD, got %(value)r.") % {"value": value}
        )
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise parsers.InvalidParameter(
            param,
            _("Choose a date between the years %(first)s and %(last)s.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return day


def date_window(when, zone, now, date_from="", date_to=""):
    """The ``Window`` a ``when`` word (see WHEN_CHOICES) names at ``now``, in ``zone``."""
    today = now.astimezone(zoneinfo.ZoneInfo(zone)).date()
    weekday = today.weekday()  # Monday 0 … Sunday 6

    def span(first, last, start=None):
        end = midnight(last + datetime.timedelta(days=1), zone) if last else None
        return Window(start or midnight(first, zone), end, zone, first, last)

    if when == "today":
        return span(today, today, start=now)
    if when == "tomorrow":
        tomorrow = today + datetime.timedelta(days=1)
        return span(tomorrow, tomorrow)
    if when == "weekend":
        if weekday >= 5:
            return span(today, today + datetime.timedelta(days=6 - weekday), start=now)
        saturday = today + datetime.timedelta(days=5 - weekday)
        return span(saturday, saturday + datetime.timedelta(days=1))
    if when == "week":
        return span(today, today + datetime.timedelta(days=6 - weekday), start=now)
    if when == "month":
        last = today.replace(day=calendar.monthrange(today.year, today.month)[1])
        return span(today, last, start=now)
    if when == "range":
        first = parse_day(date_from, "from") if date_from.strip() else today
        last = parse_day(date_to, "to") if date_to.strip() else None
        if last is not None and last < first:
            raise parsers.InvalidParameter("to", _("Must be on or after the first date."))
        if last is not None and (last - first).days >= MAX_RANGE_DAYS:
            raise parsers.InvalidParameter(
                "to", _("Choose at most %(days)s days.") % {"days": MAX_RANGE_DAYS}
            )
        return span(first, last)
    if when != "upcoming":
        raise parsers.InvalidParameter("when", parsers.choose_one_of(WHEN_CHOICES))
    return Window(now, None, zone, today, None)


def list_zone(point):
    """The zone date words are read in: the place's, or else the site's."""
    return (time_zone_at(point) if point is not None else None) or site_time_zone()


def matching(*, point=None, radius_m=None, topic="", event_format="any"):
    """Scheduled events within ``radius_m`` meters of ``point`` if given, of
    the topic slug ``topic``, and in person (hybrid included), online (hybrid
    included) or either ("any"), whenever they are."""
    events = Event.objects.visible().scheduled()
    if point is not None:
        events = events.near(point, radius_m)
    if topic:
        events = events.with_topic(topic)
    if event_format == "online":
        events = events.online()
    elif event_format == "in_person":
        events = events.filter(location__isnull=False)
    return events


def events_in(window, **filters):
    """The ``matching(**filters)`` events overlapping ``window``, soonest first."""
    return (
        matching(**filters)
        .between(window.start, window.end)
        .select_related("venue", "study_group")
        .order_by(*ORDERING)
    )


def page_of(events, cursor=""):
    """Up to PAGE_SIZE events after the keyset ``cursor`` (from a "later
    events" link), and the cursor of the page after, or "" at the end."""
    if cursor:
        fields = [models.DateTimeField(), models.BigAutoField()]
        values = decode_cursor(cursor, fields, param="after")
        events = events.alias(_start=F("during__startswith")).filter(
            RowAfter([F("_start"), F("pk")], values, fields)
        )
    # The page's keys first, then its rows, in one statement: near a big city
    # the location index finds thousands of events to sort by start, and the
    # planner, misjudging how many, joined each one's group and venue before
    # sorting (380 ms near Bogotá at 1M events; 150 ms sorting the keys alone).
    keys = events.values("pk")[: PAGE_SIZE + 1]
    rows = list(events.filter(pk__in=Subquery(keys))[: PAGE_SIZE + 1])
    if len(rows) <= PAGE_SIZE:
        return rows, ""
    rows = rows[:PAGE_SIZE]
    last = rows[-1]
    return rows, encode_cursor([last.during.lower, last.pk])


def by_day(events, zone):
    """``events`` grouped under the day each starts on in ``zone`` (a list of
    (date, events) in order); an event in progress goes under its start day."""
    tz = zoneinfo.ZoneInfo(zone)
    days = []
    for event in events:
        day = event.during.lower.astimezone(tz).date()
        if not days or days[-1][0] != day:
            days.append((day, []))
        days[-1][1].append(event)
    return days


def month_days(events, month, zone, now=None):
    """The month ``month`` (its first day) as weeks of days, each day with up
    to EVENTS_A_DAY of ``events`` (``matching()``) starting then in ``zone``,
    and whether there are more. One short range scan of the (start, id) index
    a day, so a month costs the same at a million events as at a hundred."""
    now = now or timezone.now()
    titles = events.order_by(*ORDERING).only("pk", "title")
    weeks = []
    for week in calendar.Calendar().monthdatescalendar(month.year, month.month):
        row = []
        for day in week:
            if day.month != month.month:
                row.append({"day": day, "outside": True})
                continue
            start = midnight(day, zone)
            end = midnight(day + datetime.timedelta(days=1), zone)
            listed = list(
                titles.filter(during__startswith__gte=start, during__startswith__lt=end)[
                    : EVENTS_A_DAY + 1
                ]
            )
            row.append(
                {
                    "day": day,
                    "events": listed[:EVENTS_A_DAY],
                    "more": len(listed) > EVENTS_A_DAY,
                    "past": end <= now,
                }
            )
        weeks.append(row)
    return weeks


def parse_month(value, param="month"):
    """A YYYY-MM month (its first day) within the years events may have."""
    try:
        month = datetime.date.fromisoformat(f"{value.strip()}-01")
    except ValueError:
        raise parsers.InvalidParameter(
            param, _("Expected a month as YYYY-MM, got %(value)r.") % {"value": value}
        )
    if not FIRST_YEAR <= month.year <= LAST_YEAR:
        raise parsers.InvalidParameter(
            param,
            _("Choose a date between the years %(first)s and %(last)s.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return month
