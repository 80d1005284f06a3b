"""``{% organizer_reports user as reports %}``: the open reports an organizer
acts on (templates/moderation/organizer_queue.html)."""

from django import template

from studygroups.reports import Report

register = template.Library()

# The queue on a page shows this many; the admin has the rest.
QUEUE_SHOWN = 20


@register.simple_tag
def organizer_reports(user, limit=QUEUE_SHOWN):
    """The newest open reports about the content of ``user``'s groups (a
    list, targets prefetched: two queries and one per kind of target)."""
    if not getattr(user, "is_authenticated", False):
        return []
    from places.timezones import site_time_zone

    reports = list(Report.objects.for_organizer(user).open().prefetch_related("target")[:limit])
    for report in reports:
        # When it was made, in the group's own zone (as every other time of a group).
        report.zone = report.study_group.time_zone or site_time_zone()
    return reports
