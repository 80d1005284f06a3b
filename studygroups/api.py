"""GeoJSON endpoints for study groups: /api/studygroups/ and /api/studygroups/<id>/."""

from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from places import parsers
from places.api import (
    FeatureSerializer,
    GeoJSONGeometryField,
    WritableFeatureCollectionView,
    WritableFeatureKind,
    WritableFeatureView,
)
from places.geojson import geometry_json
from places.validators import validate_geometry_type

from . import name_words
from .models import StudyGroup, SummaryTopics, Topic, summary_member_count
from .permissions import manages
from .services import studygroup_create, studygroup_update


class StudyGroupSerializer(FeatureSerializer):
    """A study group as a GeoJSON Feature written by a client (geometry: location)."""

    topics = serializers.SlugRelatedField(
        slug_field="slug", many=True, queryset=Topic.objects.all(), required=False
    )
    meeting_area = GeoJSONGeometryField(required=False, allow_null=True)
    slug = serializers.SlugField(max_length=220, required=False)

    class Meta:
        model = StudyGroup
        geo_field = "location"
        id_field = False
        fields = [
            "name",
            "slug",
            "description",
            "topics",
            "language",
            "is_online",
            "location",
            "meeting_area",
            "city",
            "address",
            "time_zone",
            "join_policy",
            "capacity",
        ]

    def validate_location(self, value):
        return validate_geometry_type(value, "Point")

    def validate_meeting_area(self, value):
        return validate_geometry_type(value, "Polygon")

    def validate_slug(self, value):
        others = StudyGroup.objects.filter(slug=value)
        if self.instance:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError(_("Another study group uses this slug."))
        return value


class GroupManagedKind(WritableFeatureKind):
    """A kind whose features belong to a study group: its organizers, and
    moderators, change them (studygroups.permissions)."""

    def study_group_of(self, instance):
        """The study group whose organizers manage ``instance``."""
        return instance.study_group

    def can_change(self, user, instance):
        return manages(user, self.study_group_of(instance))


class StudyGroupKind(GroupManagedKind):
    name = "studygroups"
    # Lazy: OGC API documents and the schema show them in the request's language.
    title = gettext_lazy("Study groups")
    description = gettext_lazy(
        "Study groups and where they meet (online groups have no geometry). `topics` "
        "holds the topics' slugs (filter with `topic`), and `topic_names` their names "
        "in the request's language, in the same order."
    )
    model = StudyGroup
    parameters = frozenset({"topic", "q", "online"})
    ordering = ("name", "pk")

    def get_queryset(self):
        # Hidden groups (studygroups.moderation) are in no list, tile or export.
        return StudyGroup.objects.visible()

    def properties(self):
        return {
            "name": F("name"),
            "slug": F("slug"),
            "description": F("description"),
            "language": F("language"),
            "is_online": F("is_online"),
            "city": F("city"),
            "address": F("address"),
            "time_zone": F("time_zone"),
            "join_policy": F("join_policy"),
            "capacity": F("capacity"),
            # The group's summary row (GroupSummary, kept by the database):
            # one lookup a feature, not a count and two topic queries.
            "member_count": summary_member_count(),
            "topics": SummaryTopics(),
            # In the language active for the request, as TopicName.
            "topic_names": SummaryTopics(names=True),
            # Lists carry points: the polygon itself comes with the detail.
            "has_meeting_area": ExpressionWrapper(
                Q(meeting_area__isnull=False), output_field=BooleanField()
            ),
            "created_at": F("created_at"),
            "updated_at": F("updated_at"),
        }

    def detail_properties(self):
        return {**self.properties(), "meeting_area": geometry_json("meeting_area")}

    def filter(self, queryset, params):
        if params.get("topic"):
            queryset = queryset.with_topic(params["topic"])
        if params.get("q"):
            queryset = queryset.search(params["q"])
        if "online" in params:
            queryset = queryset.online(parsers.parse_bool(params["online"], "online"))
        return queryset

    def first_matches(self, params, count, after=None):
        # The name words' order is this kind's ranked order: -rank, name, id.
        return name_words.first_matches(params["q"], count, after)

    def matches_at_least(self, params):
        return name_words.matches_at_least(params["q"])

    def tile_properties(self):
        return {"name": F("name"), "slug": F("slug"), "city": F("city"),
                "is_online": F("is_online")}

    # Writes: anyone signed in creates a group and becomes its organizer; its
    # organizers and moderators change and delete it (studygroups.permissions).
    serializer_class = StudyGroupSerializer
    error_fields = {
        "studygroup_location_unless_online": "location",
        "meeting_area_too_many_points": "meeting_area",
        "meeting_area_too_large": "meeting_area",
    }

    def can_create(self, user, data):
        return user.is_authenticated

    def study_group_of(self, instance):
        return instance

    def create(self, user, data):
        return studygroup_create(organizer=user, **data)

    def update(self, instance, data):
        return studygroup_update(instance, **data)


class StudyGroupListView(WritableFeatureCollectionView):
    kind = StudyGroupKind()


class StudyGroupDetailView(WritableFeatureView):
    kind = StudyGroupKind()
