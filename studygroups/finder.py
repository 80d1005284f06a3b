"""The groups page (/groups/): study groups near a place, by text, topic and
format, read from the URL, in keyset pages: nearest first near a place (the
GiST index's KNN walk), else best matches first for a text (the GIN indexes'
matches, ranked), else by name (the (name, id) B-tree).

Each row carries what the list shows: its topics, how many active members
it has and its next event, in a fixed number of queries per page."""

from django.contrib.gis.db.models.functions import GeometryDistance
from django.db import models
from django.db.models import F, Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy

from meetups.models import Event
from places.paging import RowAfter, decode_cursor, encode_cursor
from places.querysets import within_page_radius

from .models import StudyGroup, summary_member_count

PAGE_SIZE = 20

FORMAT_CHOICES = (
    ("any", gettext_lazy("In person or online")),
    ("in_person", gettext_lazy("In person")),
    ("online", gettext_lazy("Online")),
)


def matching(*, point=None, radius_m=None, text="", topic="", group_format="any"):
    """Study groups within ``radius_m`` meters of ``point`` if given (nearest
    first, ``distance_m`` annotated), matching ``text`` (full text or a typo
    of the name), tagged with the topic slug ``topic``, meeting online,
    in person or either ("any"); by name without a point. Hidden groups
    (studygroups.moderation) are in no list."""
    groups = StudyGroup.objects.visible()
    if text:
        groups = groups.search(text)
    if topic:
        groups = groups.with_topic(topic)
    if group_format == "online":
        groups = groups.online(True)
    elif group_format == "in_person":
        groups = groups.online(False)
    if point is not None:
        groups = groups.near(point, radius_m)
    return groups


def order_keys(point, text=""):
    """The list's ascending sort keys, the primary key last: the KNN
    distance (``<->``, what the GiST index walks) near a place; else, for a
    text, the best matches first (``search_rank``, worked out for the matches
    the GIN indexes find: walking the name index instead, testing each name's
    trigrams, took seconds for a word common in the last names); else the name."""
    if point is not None:
        return [GeometryDistance("location", point), F("pk")], [
            models.FloatField(),
            models.BigAutoField(),
        ]
    if text:
        return [-F("search_rank"), F("pk")], [models.FloatField(), models.BigAutoField()]
    return [F("name"), F("pk")], [models.CharField(), models.BigAutoField()]


def with_list_details(groups, now=None):
    """``groups`` with ``member_count`` (active members) annotated, their
    topics, and ``upcoming`` holding at most their next event (not ended,
    scheduled): one query for the page and one for each of the two prefetches."""
    now = now or timezone.now()
    next_event = (
        Event.objects.scheduled()
        .filter(during__endswith__gt=now)
        .order_by("during__startswith", "pk")
        .only("pk", "title", "during", "time_zone", "study_group_id")
    )
    return groups.annotate(member_count=summary_member_count()).prefetch_related(
        "topics",
        # A sliced Prefetch: one query, each group's first row (ROW_NUMBER).
        Prefetch("events", queryset=next_event[:1], to_attr="upcoming"),
    )


def page_of(groups, point=None, cursor="", now=None, text=""):
    """Up to PAGE_SIZE of ``matching()`` ``groups`` after the keyset ``cursor``
    (from a "more" link), with their list details, and the cursor of the page
    after, or "" at the end. A bad cursor raises InvalidParameter("after")."""
    keys, fields = order_keys(point, text)
    groups = groups.annotate(_key0=keys[0], _key1=keys[1])
    if cursor:
        values = decode_cursor(cursor, fields, param="after")
        groups = groups.filter(RowAfter([F("_key0"), F("_key1")], values, fields))
    if point is not None:
        groups = within_page_radius(groups, point, PAGE_SIZE)
    rows = list(with_list_details(groups.order_by("_key0", "_key1"), now)[: PAGE_SIZE + 1])
    for group in rows:
        if point is not None:
            group.distance_km = group.distance_m / 1000
        group.next_event = group.upcoming[0] if group.upcoming else None
        # The group's own zone; the event's (which defaults to it) when the
        # group was saved without one, so no row costs a gazetteer lookup.
        group.next_event_zone = (
            (group.time_zone or group.next_event.time_zone) if group.next_event else ""
        )
    if len(rows) <= PAGE_SIZE:
        return rows, ""
    rows = rows[:PAGE_SIZE]
    return rows, encode_cursor([rows[-1]._key0, rows[-1].pk])
