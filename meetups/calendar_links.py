"""Links that add an event to Google Calendar or Outlook, built here from the
event's own data: the page loads no third-party script, and the calendar
service sees the event only when the member follows the link."""

import datetime
from urllib.parse import urlencode

from .feeds import event_location_text

GOOGLE_URL = "https://calendar.google.com/calendar/render"
OUTLOOK_URLS = {
    "outlook": "https://outlook.live.com/calendar/0/deeplink/compose",
    "office365": "https://outlook.office.com/calendar/0/deeplink/compose",
}
# Calendar services cut long texts (Google's URLs stop working past about
# 8,000 characters): the description is shortened, the event page linked.
DESCRIPTION_CHARS = 1_000


def _description(event, url):
    text = event.description.strip()
    if len(text) > DESCRIPTION_CHARS:
        text = text[: DESCRIPTION_CHARS - 1].rstrip() + "…"
    if event.online_url and event.venue:
        text = "\n\n".join(part for part in (text, event.online_url) if part)
    return "\n\n".join(part for part in (text, url) if part)


def _utc(moment):
    return moment.astimezone(datetime.timezone.utc)


def google_calendar_url(event, url):
    """Google Calendar's "add event" template: times in UTC (the trailing Z),
    and the event's own zone (ctz) for how Google shows them."""
    start, end = (_utc(event.during.lower), _utc(event.during.upper))
    query = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}",
        "details": _description(event, url),
        "location": event_location_text(event),
        "ctz": event.time_zone,
    }
    return f"{GOOGLE_URL}?{urlencode(query)}"


def outlook_calendar_url(event, url, service="outlook"):
    """Outlook's compose deep link (outlook.com, or Microsoft 365 with
    ``service="office365"``): start and end as ISO 8601 times in UTC."""
    start, end = (_utc(event.during.lower), _utc(event.during.upper))
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": event.title,
        "startdt": start.isoformat().replace("+00:00", "Z"),
        "enddt": end.isoformat().replace("+00:00", "Z"),
        "body": _description(event, url),
        "location": event_location_text(event),
    }
    return f"{OUTLOOK_URLS[service]}?{urlencode(query)}"


def calendar_links(event, url):
    """The event's "add to calendar" links, by service, for its page."""
    return {
        "google": google_calendar_url(event, url),
        "outlook": outlook_calendar_url(event, url, "outlook"),
        "office365": outlook_calendar_url(event, url, "office365"),
    }
