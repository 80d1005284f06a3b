from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from .forms import EventAdminForm
from .models import RSVP, Event, Venue


@admin.register(Venue)
class VenueAdmin(LeafletGeoAdmin):
    list_display = [
        "name",
        "city",
        "capacity",
        "study_group",
        "event_count",
        "created_at",
    ]
    list_filter = ["city", "created_at"]
    search_fields = ["name", "address", "city"]
    autocomplete_fields = ["study_group"]
    list_select_related = ["study_group"]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(event_count=Count("events"))

    @admin.display(description=_("events"), ordering="event_count")
    def event_count(self, obj):
        return obj.event_count


class StartsFilter(admin.SimpleListFilter):
    title = _("when")
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("upcoming", _("Upcoming")), ("past", _("Past"))]

    def queryset(self, request, queryset):
        if self.value() == "upcoming":
            return queryset.upcoming()
        if self.value() == "past":
            return queryset.past()
        return queryset


class RSVPInline(admin.TabularInline):
    model = RSVP
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "status", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Event)
class EventAdmin(LeafletGeoAdmin):
    form = EventAdminForm
    list_display = [
        "title",
        "study_group",
        "city",
        "starts_at",
        "ends_at",
        "status",
        "going_count",
        "capacity",
    ]
    list_filter = [StartsFilter, "status", "venue__city", "study_group__language"]
    search_fields = [
        "title",
        "description",
        "study_group__name",
        "venue__name",
        "venue__city",
    ]
    autocomplete_fields = ["study_group", "venue"]
    list_select_related = ["study_group", "venue"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [RSVPInline]
    fieldsets = [
        (
            None,
            {"fields": ["title", "description", "study_group", "status", "capacity"]},
        ),
        (_("When"), {"fields": ["during", "time_zone"]}),
        (_("Where"), {"fields": ["venue", "location", "online_url"]}),
        (
            _("History"),
            {"fields": ["created_at", "updated_at"], "classes": ["collapse"]},
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(going_count=Count("rsvps", filter=Q(rsvps__status="yes")))
        )

    @admin.display(description=_("city"), ordering="venue__city")
    def city(self, obj):
        if obj.venue:
            return obj.venue.city
        return obj.study_group.city if obj.study_group else ""

    @admin.display(description=_("starts"), ordering="during")
    def starts_at(self, obj):
        return obj.starts_at

    @admin.display(description=_("ends"))
    def ends_at(self, obj):
        return obj.ends_at

    @admin.display(description=_("going"), ordering="going_count")
    def going_count(self, obj):
        return obj.going_count


@admin.register(RSVP)
class RSVPAdmin(admin.ModelAdmin):
    list_display = ["user", "event", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["user__username", "event__title"]
    autocomplete_fields = ["user", "event"]
    list_select_related = ["user", "event"]
