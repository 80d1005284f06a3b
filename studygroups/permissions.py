"""Who may change what, in one place for the admin, the API and the site's forms.

Organizers (active memberships with the organizer role) change only their own
study groups and those groups' events and venues. Moderators (superusers, or
anyone granted ``studygroups.moderate``) see and change everything.

The model permissions ("change_event" ...) only let a user into a part of the
admin: organizers hold them through the "Organizers" auth group, so they never
mean "may change every row". Ask ``is_moderator`` for that.
"""

ORGANIZERS_GROUP = "Organizers"
MODERATE_PERMISSION = "studygroups.moderate"

# What the "Organizers" auth group lets its users do in the admin. The admin
# then narrows every page to the organizer's own groups. (Migration
# studygroups 0008 creates the group with a frozen copy of this list.)
ORGANIZER_PERMISSIONS = frozenset(
    {
        "studygroups.view_studygroup",
        "studygroups.change_studygroup",
        "studygroups.view_membership",
        "studygroups.add_membership",
        "studygroups.change_membership",
        "studygroups.delete_membership",
        "studygroups.view_invitation",
        "studygroups.add_invitation",
        "studygroups.delete_invitation",
        "studygroups.view_topic",
        "meetups.view_venue",
        "meetups.add_venue",
        "meetups.change_venue",
        "meetups.delete_venue",
        "meetups.view_event",
        "meetups.add_event",
        "meetups.change_event",
        "meetups.delete_event",
        "meetups.view_rsvp",
        "meetups.change_rsvp",
        "meetups.view_eventphoto",
        "meetups.delete_eventphoto",
        # Conversations: see and remove posts (studygroups 0027 grants them).
        "studygroups.view_post",
        "studygroups.change_post",
    }
)


def is_moderator(user):
    """Whether ``user`` sees and changes every study group, event and venue."""
    # has_perm is True for active superusers and False for inactive or anonymous users.
    return user.has_perm(MODERATE_PERMISSION)


def organized_groups(user):
    """The study groups ``user`` organizes (a QuerySet; none when signed out)."""
    # Imported here: the models' app imports this module.
    from studygroups.models import StudyGroup

    return StudyGroup.objects.organized_by(user)


def organized_group_ids(user):
    """Ids of the study groups ``user`` organizes, as a lazy QuerySet to filter
    with (``study_group__in=...`` becomes a subquery, not a list)."""
    return organized_groups(user).values_list("pk", flat=True)


def organizes(user, study_group):
    """Whether ``user`` organizes ``study_group`` (a StudyGroup or its id; None: no)."""
    if study_group is None:
        return False
    pk = getattr(study_group, "pk", study_group)
    return organized_groups(user).filter(pk=pk).exists()


def manages(user, study_group):
    """Whether ``user`` may change ``study_group`` and its events and venues:
    a moderator, or one of the group's organizers. Only moderators manage
    what belongs to no group (shared venues)."""
    return is_moderator(user) or organizes(user, study_group)


def organizers_group():
    """The "Organizers" auth group, with its admin permissions; created (or
    completed) when missing, as after a database flush, which keeps the
    permissions but not the groups that migrations made."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    group, _created = Group.objects.get_or_create(name=ORGANIZERS_GROUP)
    wanted = Q()
    for name in ORGANIZER_PERMISSIONS:
        app_label, codename = name.split(".")
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group.permissions.add(*Permission.objects.filter(wanted))
    return group
