"""People's pages: a member's public profile and a group's members, page by page.
Who sees what is decided in studygroups/people.py."""

from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import F
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode

from places import parsers
from places.paging import RowAfter, decode_cursor, encode_cursor

from .models import StudyGroup
from .people import (
    GROUPS_SHOWN,
    PEOPLE_SHOWN,
    display_name,
    first_of,
    group_people_access,
    public_memberships,
)


def person_page(request, pk):
    """A member's public profile: name, bio and public groups; never their
    email or home location. Accounts that are switched off have none."""
    person = get_object_or_404(
        get_user_model().objects.select_related("profile"), pk=pk, is_active=True
    )
    memberships, more_groups = first_of(public_memberships(person), GROUPS_SHOWN)
    return render(
        request,
        "people/person.html",
        {
            "person": person,
            "name": display_name(person),
            "profile": getattr(person, "profile", None),
            "memberships": memberships,
            "more_groups": more_groups,
            "is_me": request.user.pk == person.pk,
        },
    )


def studygroup_members(request, slug):
    """Everyone in a group, for its members (organizers also see those who
    hide): its organizers, then its members by when they joined, PEOPLE_SHOWN
    at a time, the next page after the keyset (joined_at, id) in ``after``."""
    group = get_object_or_404(StudyGroup, slug=slug)
    access = group_people_access(request.user, group)
    if not access.members:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    members = group.memberships.members().listed(with_hidden=access.hidden).in_list_order()
    cursor = request.GET.get("after", "")
    error = ""
    if cursor:
        fields = [models.DateTimeField(), models.BigAutoField()]
        try:
            values = decode_cursor(cursor, fields, param="after")
        except parsers.InvalidParameter as exc:
            error = exc.message
            members = members.none()
        else:
            members = members.filter(RowAfter([F("joined_at"), F("pk")], values, fields))
    rows = list(members[: PEOPLE_SHOWN + 1])
    next_url = ""
    if len(rows) > PEOPLE_SHOWN:
        rows = rows[:PEOPLE_SHOWN]
        last = rows[-1]
        next_url = "?" + urlencode({"after": encode_cursor([last.joined_at, last.pk])})
    organizers = []
    if not cursor:
        organizers = list(group.memberships.organizers().in_list_order()[:PEOPLE_SHOWN])
    return render(
        request,
        "people/members.html",
        {
            "group": group,
            "organizers": organizers,
            "members": rows,
            "show_hidden": access.hidden,
            "next_url": next_url,
            "first_url": reverse("studygroup-members", args=[group.slug]) if cursor else "",
            "error": error,
        },
        status=400 if error else 200,
    )
