"""``{% series_nav event as nav %}``: an occurrence's place in its series, for
templates/meetups/series_nav.html (included by the event's page)."""

from django import template

from meetups.series import series_frequency, series_neighbours

register = template.Library()

# The event's page lists this many of the occurrences after it.
FOLLOWING_SHOWN = 3


@register.simple_tag
def series_nav(event):
    """{"previous": occurrence or None, "following": the next few (any
    status), "frequency": "weekly", "monthly" or ""}; two small queries on the
    series index."""
    previous, following = series_neighbours(event, shown=FOLLOWING_SHOWN)
    return {
        "previous": previous,
        "following": following,
        "frequency": series_frequency(event, following[0] if following else previous),
    }
