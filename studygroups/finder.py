"""The groups page (/groups/): study groups near a place, by text, topic and
format, read from the URL, in keyset pages: nearest first near a place (the
GiST index's KNN walk), else best matches first for a text (the GIN indexes'
matches, ranked, equal ranks by name; for one word, the first rows of the
name words' index, studygroups.name_words), else by name (the (name, id)
B-tree).

Each row carries what the list shows: its topics, how many active members
it has and its next event, in a fixed number of queries per page."""

from django.contrib.gis.db.models.functions import GeometryDistance
from django.db import models
from django.db.models import F, Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext_lazy

from meetups.models import Event
from places.paging import RowAfter, decode_cursor, encode_cursor
from places.querysets import within_page_radius

from . import name_words
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
        # Equal ranks by name, as the API's list (and the name words' index).
        return [-F("search_rank"), F("name"), F("pk")], [
            models.FloatField(),
            models.CharField(),
            models.BigAutoField(),
        ]
    return [F("name"), F("pk")], [models.CharField(), models.BigAutoField()]


def add_list_details(groups, now=None):
    """Each of ``groups`` (rows annotated with ``member_count``, active
    members) gets its topics and ``upcoming``, holding at most its next
    event (not ended, scheduled): one query for each of the two."""
    now = now or timezone.now()
    next_event = (
        Event.objects.scheduled()
        .filter(during__endswith__gt=now)
        .order_by("during__startswith", "pk")
        .only("pk", "title", "during", "time_zone", "study_group_id")
    )
    prefetch_related_objects(
        groups,
        "topics",
        # A sliced Prefetch: one query, each group's first row (ROW_NUMBER).
        Prefetch("events", queryset=next_event[:1], to_attr="upcoming"),
    )


def page_of(groups, point=None, cursor="", now=None, text=""):
    """Up to PAGE_SIZE of ``matching()`` ``groups`` after the keyset ``cursor``
    (from a "more" link), with their list details, and the cursor of the page
    after, or "" at the end. A bad cursor raises InvalidParameter("after")."""
    keys, fields = order_keys(point, text)
    names = [f"_key{i}" for i in range(len(keys))]
    groups = groups.annotate(**dict(zip(names, keys)))
    values = decode_cursor(cursor, fields, param="after") if cursor else None
    if values:
        groups = groups.filter(RowAfter([F(name) for name in names], values, fields))
    if point is not None:
        groups = within_page_radius(groups, point, PAGE_SIZE)
    groups = groups.annotate(member_count=summary_member_count()).order_by(*names)
    rows = None
    if text and point is None:
        # The best matches of one word, without ranking every match: right
        # if all of them pass the page's filters (studygroups.name_words).
        first = name_words.first_matches(text, PAGE_SIZE + 1, values)
        if first is not None:
            rows = list(groups.filter(pk__in=first))
            rows = rows[: PAGE_SIZE + 1] if len(rows) == len(first) else None
    if rows is None:
        rows = list(groups[: PAGE_SIZE + 1])
    add_list_details(rows, now)
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
    return rows, encode_cursor([getattr(rows[-1], name) for name in names])
