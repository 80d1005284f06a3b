"""GeoJSON endpoints for study groups: /api/studygroups/ and /api/studygroups/<id>/."""

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from places import parsers
from places.api import FeatureCollectionView, FeatureKind, FeatureView
from places.geojson import geometry_json

from .models import Membership, StudyGroup, Topic


class StudyGroupKind(FeatureKind):
    name = "studygroups"
    title = "Study groups"
    description = "Study groups and where they meet (online groups have no geometry)."
    model = StudyGroup
    parameters = frozenset({"topic", "q", "online"})
    ordering = ("name", "pk")

    def properties(self):
        members = (
            Membership.objects.filter(study_group=OuterRef("pk"))
            .order_by()
            .values("study_group")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return {
            "name": F("name"),
            "slug": F("slug"),
            "description": F("description"),
            "language": F("language"),
            "is_online": F("is_online"),
            "city": F("city"),
            "address": F("address"),
            "capacity": F("capacity"),
            "member_count": Coalesce(Subquery(members), Value(0)),
            "topics": ArraySubquery(
                Topic.objects.filter(study_groups=OuterRef("pk")).order_by("slug").values("slug")
            ),
            "meeting_area": geometry_json("meeting_area"),
            "created_at": F("created_at"),
            "updated_at": F("updated_at"),
        }

    def filter(self, queryset, params):
        if params.get("topic"):
            queryset = queryset.with_topic(params["topic"])
        if params.get("q"):
            queryset = queryset.search(params["q"])
        if "online" in params:
            queryset = queryset.online(parsers.parse_bool(params["online"], "online"))
        return queryset


class StudyGroupListView(FeatureCollectionView):
    kind = StudyGroupKind()


class StudyGroupDetailView(FeatureView):
    kind = StudyGroupKind()
