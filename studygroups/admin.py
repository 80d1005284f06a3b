from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from .models import Membership, StudyGroup, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "group_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(group_count=Count("study_groups"))

    @admin.display(description=_("groups"), ordering="group_count")
    def group_count(self, obj):
        return obj.group_count


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "joined_at"]
    readonly_fields = ["joined_at"]


@admin.register(StudyGroup)
class StudyGroupAdmin(LeafletGeoAdmin):
    list_display = [
        "name",
        "city",
        "language",
        "is_online",
        "member_count",
        "event_count",
        "created_at",
    ]
    list_filter = ["language", "is_online", "topics", "city", "created_at"]
    search_fields = ["name", "description", "city", "address", "topics__name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["topics"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "updated_at"]
    inlines = [MembershipInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "slug",
                    "description",
                    "topics",
                    "language",
                    "capacity",
                ]
            },
        ),
        (
            _("Where"),
            {"fields": ["is_online", "city", "address", "location", "meeting_area"]},
        ),
        (
            _("History"),
            {"fields": ["created_at", "updated_at"], "classes": ["collapse"]},
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                member_count=Count("memberships", distinct=True),
                event_count=Count("events", distinct=True),
            )
        )

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count

    @admin.display(description=_("events"), ordering="event_count")
    def event_count(self, obj):
        return obj.event_count


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "study_group", "role", "joined_at"]
    list_filter = ["role", "joined_at"]
    search_fields = ["user__username", "user__email", "study_group__name"]
    autocomplete_fields = ["user", "study_group"]
    list_select_related = ["user", "study_group"]
    date_hierarchy = "joined_at"
