"""GeoJSON endpoints for events and venues under /api/."""

from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from places import parsers
from places.api import FeatureCollectionView, FeatureKind, FeatureView

from .models import RSVP, Event, Venue


class EventKind(FeatureKind):
    name = "events"
    title = "Events"
    description = (
        "Study group events and meetups: where (the venue's point; online events have no "
        "geometry) and when. Upcoming scheduled events unless start, end or status say otherwise."
    )
    model = Event
    time_field = "during"
    parameters = frozenset({"topic", "q", "online", "start", "end", "status", "study_group"})
    ordering = ("during", "pk")

    def get_queryset(self):
        return Event.objects.all()

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
            "capacity": F("capacity"),
            "going_count": Coalesce(Subquery(going), Value(0)),
            "online_url": F("online_url"),
            "study_group": F("study_group_id"),
            "study_group_name": F("study_group__name"),
            "venue": F("venue_id"),
            "venue_name": F("venue__name"),
            "city": Coalesce(F("venue__city"), F("study_group__city")),
            "created_at": F("created_at"),
            "updated_at": F("updated_at"),
        }

    def filter(self, queryset, params):
        status = params.get("status", Event.Status.SCHEDULED)
        if status not in {*Event.Status.values, "any"}:
            raise parsers.InvalidParameter(
                "status", f"Expected scheduled, cancelled or any, got {status!r}."
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


class VenueKind(FeatureKind):
    name = "venues"
    title = "Venues"
    description = "Places where events happen: libraries, campuses, coworking spaces."
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


class EventListView(FeatureCollectionView):
    kind = EventKind()


class EventDetailView(FeatureView):
    kind = EventKind()


class VenueListView(FeatureCollectionView):
    kind = VenueKind()


class VenueDetailView(FeatureView):
    kind = VenueKind()
