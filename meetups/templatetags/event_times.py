"""Event times as people read them: in the event's own time zone, the zone named
in the page's language ("hora de Madrid (UTC+1)"), whatever the site's zone is.

``{% event_when event %}`` for an event's start and end, ``{% local_datetime
moment zone %}`` for one moment. Both go through places.timezones, as emails do.
"""

from django import template
from django.utils.html import format_html

from places.timezones import format_local, format_span, zone_label

register = template.Library()


@register.simple_tag
def event_when(event, weekday=True):
    """``event``'s start and end as <time> elements, in its zone, with the zone
    in words; data attributes let static/js/event_time.js add the visitor's."""
    start, end = event.during.lower, event.during.upper
    start_text, end_text, zone_text = format_span(start, end, event.time_zone, weekday=weekday)
    return format_html(
        '<span class="event-when" data-start="{}" data-end="{}" data-zone="{}">'
        '<time datetime="{}">{}</time> – <time datetime="{}">{}</time>, '
        '<span class="event-zone">{}</span></span>',
        start.isoformat(),
        end.isoformat(),
        event.time_zone,
        start.isoformat(),
        start_text,
        end.isoformat(),
        end_text,
        zone_text,
    )


@register.simple_tag
def local_datetime(moment, zone):
    """One aware ``moment`` as wall-clock time in ``zone``, in a <time> element,
    with the zone in words: "1 de diciembre de 2026, 20:18, hora de Colombia
    (UTC−5)"."""
    return format_html(
        '<time datetime="{}">{}</time>, <span class="event-zone">{}</span>',
        moment.isoformat(),
        format_local(moment, zone),
        zone_label(zone, moment),
    )
