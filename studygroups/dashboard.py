"""A signed-in member's dashboard, /me/: their upcoming events (going and
waitlisted), their groups, their requests to join, and, for organizers,
what needs them (join requests to approve, upcoming in-person events without
a venue). Each list is bounded (SHOWN rows and a "see all" link to its own
keyset-paged page, /me/<section>/) and costs one query whatever its length."""

import dataclasses

from django.contrib.auth.decorators import login_required
from django.db import models
from django.db.models import F
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from meetups.models import Event
from meetups.my_rsvps import after_cursor, cursor_of, rsvps_of, upcoming_answers
from places import parsers
from places.paging import RowAfter, decode_cursor, encode_cursor

from .models import Membership

# Rows of each list on the dashboard; its "see all" page shows PAGE_SIZE a page.
SHOWN = 5
PAGE_SIZE = 20


def organized_group_ids(user):
    """The ids of the groups ``user`` organizes, as a subquery."""
    return Membership.objects.filter(
        user=user, role=Membership.Role.ORGANIZER, status=Membership.Status.ACTIVE
    ).values("study_group_id")


def my_groups(user, now):
    """``user``'s active memberships with their groups, by group name (a
    hidden group only to its organizers, who still see its page), on
    ``membership_user_name_idx`` (the membership keeps its group's name)."""
    return (
        Membership.objects.filter(user=user, status=Membership.Status.ACTIVE)
        .exclude(study_group__hidden=True, role=Membership.Role.MEMBER)
        .select_related("study_group")
        .alias(_k0=F("group_name"), _k1=F("pk"))
        .order_by("_k0", "_k1")
    )


def my_requests(user, now):
    """``user``'s requests to join groups that approve their members, oldest first."""
    return (
        Membership.objects.filter(user=user, status=Membership.Status.PENDING)
        .select_related("study_group")
        .alias(_k0=F("joined_at"), _k1=F("pk"))
        .order_by("_k0", "_k1")
    )


def requests_to_approve(user, now):
    """Pending requests to join the groups ``user`` organizes, oldest first,
    with the asker (only their username is shown) and the group."""
    return (
        Membership.objects.filter(
            study_group__in=organized_group_ids(user), status=Membership.Status.PENDING
        )
        .select_related("user", "study_group")
        .alias(_k0=F("joined_at"), _k1=F("pk"))
        .order_by("_k0", "_k1")
    )


def events_without_venue(user, now):
    """Upcoming scheduled events of the groups ``user`` organizes that meet in
    person (they have a place: a point, hybrid ones included) but name no
    venue, soonest first."""
    return (
        Event.objects.scheduled()
        .between(now, None)
        .filter(
            study_group__in=organized_group_ids(user),
            venue__isnull=True,
            location__isnull=False,
        )
        .select_related("study_group")
        .alias(_k0=F("during__startswith"), _k1=F("pk"))
        .order_by("_k0", "_k1")
    )


def my_events(user, now):
    return upcoming_answers(rsvps_of(user), now)


DATE = models.DateTimeField()
ID = models.BigIntegerField()


@dataclasses.dataclass(frozen=True)
class Section:
    name: str
    title: str
    rows: object  # (user, now) -> a QuerySet ordered by its keys _k0, _k1
    fields: tuple  # the keys' model fields, for the cursor
    organizers_only: bool = False


SECTIONS = {
    section.name: section
    for section in (
        Section("events", gettext_lazy("My upcoming events"), my_events, (DATE, ID)),
        Section("groups", gettext_lazy("My groups"), my_groups, (models.CharField(), ID)),
        Section("requests", gettext_lazy("My requests to join"), my_requests, (DATE, ID)),
        Section(
            "to-approve", gettext_lazy("Join requests to approve"), requests_to_approve,
            (DATE, ID), organizers_only=True,
        ),
        Section(
            "without-venue", gettext_lazy("Upcoming in-person events without a venue"),
            events_without_venue, (DATE, ID), organizers_only=True,
        ),
    )
}


def row_cursor(section, row):
    if section.name == "events":
        return cursor_of(row)
    if section.name == "groups":
        return encode_cursor([row.study_group.name, row.pk])
    if section.name == "without-venue":
        return encode_cursor([row.during.lower, row.pk])
    return encode_cursor([row.joined_at, row.pk])


def after(section, rows, cursor):
    if section.name == "events":
        return after_cursor(rows, cursor, param="after")
    values = decode_cursor(cursor, list(section.fields), param="after")
    return rows.filter(RowAfter([F("_k0"), F("_k1")], values, list(section.fields)))


def is_organizer(user):
    return organized_group_ids(user).exists()


@require_safe
@login_required
def dashboard(request):
    """The member's own page: each section's first SHOWN rows."""
    now = timezone.now()
    organizer = is_organizer(request.user)
    lists = {}
    for section in SECTIONS.values():
        if section.organizers_only and not organizer:
            continue
        rows = list(section.rows(request.user, now)[: SHOWN + 1])
        lists[section.name.replace("-", "_")] = {
            "rows": rows[:SHOWN],
            "title": section.title,
            "all_url": reverse("dashboard-list", args=[section.name])
            if len(rows) > SHOWN
            else "",
        }
    return render(
        request, "dashboard/dashboard.html", {"lists": lists, "is_organizer": organizer}
    )


@require_safe
@login_required
def dashboard_list(request, section):
    """One section of the dashboard, whole, in keyset pages ("after")."""
    section = SECTIONS.get(section)
    if section is None:
        raise Http404
    organizer = is_organizer(request.user) if section.organizers_only else False
    if section.organizers_only and not organizer:
        raise Http404
    rows = section.rows(request.user, timezone.now())
    cursor = request.GET.get("after", "")
    error = ""
    page, next_url = [], ""
    try:
        if "\x00" in cursor:
            raise parsers.InvalidParameter("after", _("Contains a NUL character."))
        if cursor:
            rows = after(section, rows, cursor)
        page = list(rows[: PAGE_SIZE + 1])
    except parsers.InvalidParameter as exc:
        error = exc.message
    if len(page) > PAGE_SIZE:
        page = page[:PAGE_SIZE]
        next_url = reverse("dashboard-list", args=[section.name]) + "?after=" + row_cursor(
            section, page[-1]
        )
    return render(
        request,
        "dashboard/list.html",
        {
            "section": section,
            "kind": section.name.replace("-", "_"),
            "rows": page,
            "next_url": next_url,
            "first_url": reverse("dashboard-list", args=[section.name]) if cursor else "",
            "error": error,
        },
        status=400 if error else 200,
    )
