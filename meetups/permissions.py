"""Who may book which venue; the rest of who may change what is
studygroups.permissions (organizers and moderators)."""

from django.db.models import Q

from studygroups.permissions import is_moderator, organized_group_ids


def bookable_venues(user):
    """The venues ``user`` may hold an event at (a QuerySet): shared venues (no
    group) and the venues of the groups they organize; a moderator, every venue."""
    from meetups.models import Venue

    if is_moderator(user):
        return Venue.objects.all()
    return Venue.objects.filter(
        Q(study_group__isnull=True) | Q(study_group__in=organized_group_ids(user))
    )
