"""People: how a member is named to others, and who sees which lists of people.

The rules, the same on the site and in the API:

- A member's public profile (``/people/<id>/``, ``/api/people/<id>/``) shows
  their display name, bio and the groups they organize, and, unless they hide
  from member lists, the groups they are a member of. Never their email or
  home location. The address is the account's id, which never holds an email.
- A group's organizers are shown to everyone. Its members are shown to its
  active members, organizers and moderators; members who hide are shown only
  to organizers and moderators.
- Who is going to an event is shown to the others who answered "going"
  (seated or waitlisted), to the active members of its group, and to its
  organizers and moderators; people who hide, only to organizers and
  moderators. The waitlist, in order, only to organizers and moderators.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import Membership
from .permissions import manages

# A group page lists this many of its members and an event page this many of
# the people going or waiting; the members page pages by as many.
PEOPLE_SHOWN = 50
# A profile lists this many of the member's groups.
GROUPS_SHOWN = 50


def display_name(user):
    """What others call ``user``: their display name, else their username
    unless it holds an "@" (an email address, or a part of one), else
    "Member <id>". Never anything from their email address."""
    profile = getattr(user, "profile", None)
    if profile is not None and profile.display_name:
        return profile.display_name
    if "@" not in user.get_username():
        return user.get_username()
    return _("Member %(id)s") % {"id": user.pk}


def is_active_member(user, group):
    if not user.is_authenticated or group is None:
        return False
    return Membership.objects.active().filter(user=user, study_group=group).exists()


@dataclass(frozen=True)
class GroupPeopleAccess:
    """What a viewer sees of a group's people (organizers: everyone)."""

    members: bool  # the list of members
    hidden: bool  # members who hide from lists, too


def group_people_access(user, group):
    if manages(user, group):
        return GroupPeopleAccess(members=True, hidden=True)
    return GroupPeopleAccess(members=is_active_member(user, group), hidden=False)


@dataclass(frozen=True)
class EventPeopleAccess:
    """What a viewer sees of an event's people."""

    going: bool  # who is going
    waitlist: bool  # the waitlist, in order
    hidden: bool  # people who hide from lists, too


def event_people_access(user, event):
    from meetups.models import RSVP

    if manages(user, event.study_group):
        return EventPeopleAccess(going=True, waitlist=True, hidden=True)
    going = user.is_authenticated and (
        RSVP.objects.filter(
            event=event, user=user, status__in=[RSVP.Status.YES, RSVP.Status.WAITLIST]
        ).exists()
        or is_active_member(user, event.study_group)
    )
    return EventPeopleAccess(going=going, waitlist=False, hidden=False)


def public_memberships(person):
    """The active memberships ``person``'s profile shows, by group name: those
    where they organize, and, unless they hide from member lists, the rest."""
    memberships = Membership.objects.active().filter(user=person)
    profile = getattr(person, "profile", None)
    if profile is not None and profile.hidden_from_member_lists:
        memberships = memberships.filter(role=Membership.Role.ORGANIZER)
    # The name the membership keeps (its group's): membership_user_name_idx.
    return memberships.select_related("study_group").order_by("group_name", "pk")


def first_of(queryset, limit=PEOPLE_SHOWN):
    """Up to ``limit`` rows of ``queryset`` and how many more there are (a
    count only when there are more; it stops at the cap of
    places.paging.capped_count and is then None)."""
    from places.paging import capped_count

    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return rows, 0
    total = capped_count(queryset, at_least=limit + 1)
    return rows[:limit], (total - limit) if total is not None else None
