"""GeoJSON endpoints for events and venues under /api/."""

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, JSONObject, Now
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from psycopg2.extras import DateTimeTZRange
from rest_framework import serializers

from places import parsers
from places.api import (
    FeatureSerializer,
    WritableFeatureCollectionView,
    WritableFeatureView,
)
from places.schema import FeatureSchema, parameters
from places.timezones import canonical_time_zone
from places.validators import validate_geometry_type
from studygroups.api import GroupManagedKind
from studygroups.models import StudyGroup
from studygroups.permissions import is_moderator, manages, organizes

from . import title_words
from .forms import time_zone_choices
from .models import RSVP, Event, Venue
from .series import SERIES_SHOWN, Scope, event_series_update, scope_check
from .services import event_create, venue_create, venue_update


class AwareDateTimeField(serializers.DateTimeField):
    """An RFC 3339 date-time that must carry its UTC offset: a bare local time
    is ambiguous for an event that has its own time zone."""

    def to_internal_value(self, value):
        if isinstance(value, str) and (parsed := parse_datetime(value)) and not parsed.tzinfo:
            self.fail("naive")
        return super().to_internal_value(value)

    default_error_messages = {
        "naive": _("Give the UTC offset, as in 2026-12-08T18:00:00-05:00 or ...Z."),
    }


class EventSerializer(FeatureSerializer):
    """An event as a GeoJSON Feature written by a client; geometry is optional
    when a venue is given (the event is then at the venue)."""

    start = AwareDateTimeField()
    end = AwareDateTimeField()
    time_zone = serializers.ChoiceField(
        choices=time_zone_choices(),
        required=False,
        help_text=_("A zone people live in, such as America/Bogota; the group's when left out."),
    )

    class Meta:
        model = Event
        geo_field = "location"
        id_field = False
        fields = [
            "title",
            "description",
            "study_group",
            "venue",
            "location",
            "online_url",
            "start",
            "end",
            "time_zone",
            "capacity",
            "status",
            "cancellation_reason",
        ]

    def validate_time_zone(self, value):
        # Old names ("America/Buenos_Aires") are stored under today's.
        return canonical_time_zone(value)

    def validate_location(self, value):
        return validate_geometry_type(value, "Point")

    def validate(self, attrs):
        current = self.instance.during if self.instance else None
        if "start" in attrs or "end" in attrs or not self.instance:
            start = attrs.pop("start", current.lower if current else None)
            end = attrs.pop("end", current.upper if current else None)
            if start is None or end is None:
                raise serializers.ValidationError({"start": _("Give both start and end.")})
            if end <= start:
                raise serializers.ValidationError({"end": _("Must be after start.")})
            attrs["during"] = DateTimeTZRange(start, end, "[)")
        return attrs


class VenueSerializer(FeatureSerializer):
    """A venue as a GeoJSON Feature written by a client (geometry: location)."""

    class Meta:
        model = Venue
        geo_field = "location"
        id_field = False
        fields = ["name", "address", "city", "location", "capacity", "study_group"]

    def validate_location(self, value):
        return validate_geometry_type(value, "Point")


def group_field(name):
    """The event's study group's ``name`` field, as a subquery."""
    return Subquery(StudyGroup.objects.filter(pk=OuterRef("study_group_id")).values(name)[:1])


def venue_field(name):
    """The event's venue's ``name`` field, as a subquery."""
    return Subquery(Venue.objects.filter(pk=OuterRef("venue_id")).values(name)[:1])


class EventKind(GroupManagedKind):
    name = "events"
    # Lazy: OGC API documents and the schema show them in the request's language.
    title = gettext_lazy("Events")
    description = gettext_lazy(
        "Study group events and meetups: where (the venue's point; online events have no "
        "geometry) and when (start, end and the event's time zone)."
    )
    model = Event
    time_field = "during"
    parameters = frozenset(
        {"topic", "q", "online", "start", "end", "status", "study_group", "sortby"}
    )
    ordering = ("during__startswith", "pk")
    sortby = "start"

    def get_queryset(self):
        # Hidden events (studygroups.moderation) are in no list, tile or export.
        return Event.objects.visible()

    def properties(self):
        going = (
            RSVP.objects.filter(event=OuterRef("pk"), status=RSVP.Status.YES)
            .order_by()
            .values("event")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return {
            "title": F("title"),
            "description": F("description"),
            "start": F("during__startswith"),
            "end": F("during__endswith"),
            "time_zone": F("time_zone"),
            "status": F("status"),
            "cancellation_reason": F("cancellation_reason"),
            "capacity": F("capacity"),
            "going_count": Coalesce(Subquery(going), Value(0)),
            "online_url": F("online_url"),
            "study_group": F("study_group_id"),
            # Looked up per row shown, not joined: a list sorted by start
            # (events near a city, soonest first) then sorts the events alone
            # and reads the names of a page's rows, instead of joining all of
            # the 8,500 events within 10 km of Bogotá before the sort (108 ms
            # at a million events, now 18).
            "study_group_name": group_field("name"),
            "venue": F("venue_id"),
            "venue_name": venue_field("name"),
            "city": Coalesce(venue_field("city"), group_field("city")),
            "series": F("series"),
            "created_at": F("created_at"),
            "updated_at": F("updated_at"),
        }

    def detail_properties(self):
        # The other occurrences of its series still to come, soonest first
        # (on the series index; a series has at most 52).
        upcoming = (
            Event.objects.filter(series=OuterRef("series"), during__startswith__gt=Now())
            .exclude(pk=OuterRef("pk"))
            .order_by("during__startswith", "pk")
            .values(
                json=JSONObject(
                    id=F("pk"),
                    start=F("during__startswith"),
                    end=F("during__endswith"),
                    status=F("status"),
                )
            )[:SERIES_SHOWN]
        )
        return {**self.properties(), "series_upcoming": ArraySubquery(upcoming)}

    def filter(self, queryset, params):
        status = params.get("status", Event.Status.SCHEDULED)
        if status not in {*Event.Status.values, "any"}:
            raise parsers.InvalidParameter(
                "status",
                _("Expected scheduled, cancelled or any, got %(value)r.") % {"value": status},
            )
        if status != "any":
            queryset = queryset.filter(status=status)
        start = parsers.parse_datetime(params["start"], "start") if "start" in params else None
        end = parsers.parse_datetime(params["end"], "end") if "end" in params else None
        if start and end and end <= start:
            raise parsers.InvalidParameter("end", "Must be after start.")
        if start or end:
            queryset = queryset.between(start, end)
        else:
            queryset = queryset.between(timezone.now(), None)
        if params.get("study_group"):
            queryset = queryset.filter(
                study_group=parsers.parse_int(params["study_group"], "study_group", minimum=1)
            )
        if params.get("topic"):
            queryset = queryset.with_topic(params["topic"])
        if params.get("q"):
            queryset = queryset.search(params["q"])
        if "online" in params:
            queryset = queryset.online(parsers.parse_bool(params["online"], "online"))
        return queryset

    def first_matches(self, params, count, after=None):
        # The title words' order is this kind's ranked order: -rank, start, id.
        return title_words.first_matches(params, count, after)

    def matches_at_least(self, params):
        return title_words.matches_at_least(params)

    def tile_properties(self):
        return {
            "title": F("title"),
            "start": F("during__startswith"),
            "end": F("during__endswith"),
            "time_zone": F("time_zone"),
            "is_online": ~Q(online_url=""),
            "city": Coalesce(F("venue__city"), F("study_group__city")),
            "study_group": F("study_group_id"),
        }

    def changes_with_time(self, params):
        # Without start or end the list is the upcoming events: each ending changes it.
        return "start" not in params and "end" not in params

    def tile_expired(self, as_of, now):
        # The tiles' cells count the scheduled events with a place that end after
        # as_of (meetups 0011); those that ended by now are upcoming no more.
        ended = Event.objects.visible().filter(
            status=Event.Status.SCHEDULED,
            location__isnull=False,
            during__overlap=DateTimeTZRange(as_of, now, "(]"),
            during__endswith__lte=now,
        )
        return ended.filter(during__endswith__gt=as_of) if as_of else ended

    # Writes: organizers of the event's study group, and moderators (see
    # studygroups.permissions). An organizer books shared venues or their own
    # group's, never another group's.
    serializer_class = EventSerializer
    error_fields = {
        "event_venue_not_double_booked": "venue",
        "event_has_place_or_url": "location",
        "event_ends_after_start": "end",
        "event_at_most_31_days": "end",
        "event_within_years_2000_2099": "start",
    }

    def __init__(self, actor=None, scope=Scope.THIS):
        # Who is writing: a cancellation records it (see EventDetailView);
        # and which occurrences of a series a change is for (meetups.series).
        self.actor = actor
        self.scope = scope

    def may_use(self, user, data):
        venue = data.get("venue")
        return venue is None or venue.study_group is None or organizes(user, venue.study_group)

    def can_create(self, user, data):
        if is_moderator(user):
            return True
        return organizes(user, data.get("study_group")) and self.may_use(user, data)

    def can_change_to(self, user, data):
        if is_moderator(user):
            return True
        if "study_group" in data and not organizes(user, data["study_group"]):
            return False
        return self.may_use(user, data)

    def create(self, user, data):
        return event_create(**data)

    def update(self, instance, data):
        return event_series_update(instance, scope=self.scope, actor=self.actor, **data)


class VenueKind(GroupManagedKind):
    name = "venues"
    title = gettext_lazy("Venues")
    description = gettext_lazy(
        "Places where events happen: libraries, campuses, coworking spaces."
    )
    model = Venue
    parameters = frozenset({"q", "study_group"})
    ordering = ("city", "name", "pk")

    def properties(self):
        return {
            "name": F("name"),
            "address": F("address"),
            "city": F("city"),
            "capacity": F("capacity"),
            "study_group": F("study_group_id"),
            "created_at": F("created_at"),
            "updated_at": F("updated_at"),
        }

    def filter(self, queryset, params):
        if params.get("study_group"):
            queryset = queryset.filter(
                study_group=parsers.parse_int(params["study_group"], "study_group", minimum=1)
            )
        if params.get("q"):
            queryset = queryset.search(params["q"])
        return queryset

    # Writes: organizers of the venue's study group, and moderators. Shared
    # venues (no group) are the moderators'.
    serializer_class = VenueSerializer

    def can_create(self, user, data):
        return manages(user, data.get("study_group"))

    def can_change_to(self, user, data):
        return "study_group" not in data or manages(user, data["study_group"])

    def create(self, user, data):
        return venue_create(**data)

    def update(self, instance, data):
        return venue_update(instance, **data)


class EventListView(WritableFeatureCollectionView):
    kind = EventKind()


SCOPE_PARAMETER = (
    {"type": "string", "enum": Scope.values, "default": Scope.THIS},
    "For an event in a series: `this` event only (the default), `following` (this one "
    "and the scheduled ones after it, which become a series of their own) or `all` (this "
    "one and every scheduled one not started yet). A new time keeps each date's "
    "wall-clock time in the event's zone; past and cancelled dates are never changed; "
    "with `status: cancelled` the same dates are cancelled, each person going emailed "
    "once. A refused date (a booked venue) refuses the whole change.",
)


class EventDetailSchema(FeatureSchema):
    def get_override_parameters(self):
        if self.method == "PATCH":
            return parameters(["scope"], {"scope": SCOPE_PARAMETER})
        return super().get_override_parameters()


class EventDetailView(WritableFeatureView):
    kind = EventKind()
    schema = EventDetailSchema()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # A kind of this request's own, so that a PATCH status=cancelled is
        # cancelled by (and recorded for) the signed-in user.
        self.kind = EventKind(actor=request.user)

    def patch(self, request, pk):
        value = request.query_params.get("scope", Scope.THIS)
        try:
            self.kind.scope = scope_check(value)
        except DjangoValidationError:
            raise parsers.InvalidParameter(
                "scope", _("Expected this, following or all, got %(value)r.") % {"value": value}
            )
        return super().patch(request, pk)


class VenueListView(WritableFeatureCollectionView):
    kind = VenueKind()


class VenueDetailView(WritableFeatureView):
    kind = VenueKind()
