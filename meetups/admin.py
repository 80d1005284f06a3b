from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from leaflet.admin import LeafletGeoAdmin

from meetups.permissions import bookable_venues
from places.timezones import format_span
from studygroups.admin import (
    ModeratorsMayDoAll,
    OrganizerScopedAdmin,
    PeopleByNameForOrganizers,
)
from studygroups.permissions import is_moderator
from studygroups.services import alerts_schedule

from .forms import EventAdminForm, venue_group_help
from .models import RSVP, Event, Venue
from .series import Scope, event_series_update
from .services import event_cancel, rsvp_waitlist_promote


@admin.register(Venue)
class VenueAdmin(OrganizerScopedAdmin, LeafletGeoAdmin):
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
    # Also orders the autocomplete's results (Meta.ordering does not apply to
    # the grouped query that counts events).
    ordering = ["city", "name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(event_count=Count("events"))

    # Organizers also see the shared venues (no group), read-only: they book
    # events there, and moderators manage them.
    def visible_to_organizer(self, queryset, user):
        return queryset & bookable_venues(user)

    def may_see(self, request, obj):
        return obj.study_group_id is None or super().may_see(request, obj)

    @admin.display(description=_("events"), ordering="event_count")
    def event_count(self, obj):
        return obj.event_count

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "study_group":
            kwargs["help_text"] = venue_group_help(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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


class RSVPInline(PeopleByNameForOrganizers, ModeratorsMayDoAll, admin.TabularInline):
    model = RSVP
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "status", "created_at"]
    readonly_fields = ["created_at"]

    def get_readonly_fields(self, request, obj=None):
        if is_moderator(request.user):
            return self.readonly_fields
        return self._by_name(request, ["user", *self.readonly_fields])


@admin.register(Event)
class EventAdmin(OrganizerScopedAdmin, LeafletGeoAdmin):
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
    readonly_fields = ["created_at", "updated_at", "cancelled_at", "cancelled_by"]
    inlines = [RSVPInline]
    ordering = ["during"]  # As Meta's, which grouped queries (going_count) drop.
    fieldsets = [
        (
            None,
            {"fields": ["title", "description", "study_group", "status", "capacity"]},
        ),
        (_("When"), {"fields": ["start", "end", "time_zone"]}),
        (_("Where"), {"fields": ["venue", "location", "online_url"]}),
        (
            _("Cancellation"),
            {"fields": ["cancellation_reason", "cancelled_at", "cancelled_by"]},
        ),
        (
            _("History"),
            {"fields": ["created_at", "updated_at"], "classes": ["collapse"]},
        ),
    ]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            # A new event is scheduled: nothing about a cancellation yet.
            return [fs for fs in self.fieldsets if "cancellation_reason" not in fs[1]["fields"]]
        if obj.series:
            # Which dates of the series a change is for (meetups.series).
            return [(_("Series"), {"fields": ["scope"]}), *self.fieldsets]
        return self.fieldsets

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(going_count=Count("rsvps", filter=Q(rsvps__status="yes")))
        )

    def save_model(self, request, obj, form, change):
        # The same consequences as a change through the site or the API:
        # cancelling goes through event_cancel, which records it and emails.
        scope = form.chosen_scope() if change and "scope" in form.fields else Scope.THIS
        if scope != Scope.THIS:
            # The form checked the whole series (EventAdminForm._check_series).
            event_series_update(
                Event.objects.get(pk=obj.pk), scope=scope, actor=request.user,
                **form.event_fields(),
            )
            obj.refresh_from_db()
            return
        before = Event.objects.filter(pk=obj.pk).values("capacity", "status").first()
        cancelling = before and before["status"] != "cancelled" and obj.status == "cancelled"
        reason = obj.cancellation_reason
        if cancelling:
            obj.status, obj.cancellation_reason = before["status"], ""
        super().save_model(request, obj, form, change)
        if not change and obj.location is not None:
            alerts_schedule("event", obj.pk)
        if before and obj.capacity > before["capacity"]:
            rsvp_waitlist_promote(event=obj)
        if cancelling:
            notified = event_cancel(obj, reason=reason, actor=request.user)
            obj.refresh_from_db()
            self.message_user(
                request,
                ngettext(
                    "Event cancelled; %(count)s person was emailed.",
                    "Event cancelled; %(count)s people were emailed.",
                    notified,
                )
                % {"count": notified},
            )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "venue":
            kwargs["queryset"] = bookable_venues(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("city"), ordering="venue__city")
    def city(self, obj):
        if obj.venue:
            return obj.venue.city
        return obj.study_group.city if obj.study_group else ""

    # In the event's own time zone, named: the admin would show the site's.
    @admin.display(description=_("starts"), ordering="during")
    def starts_at(self, obj):
        start, _end, zone = format_span(obj.starts_at, obj.ends_at, obj.time_zone, weekday=False)
        return f"{start}, {zone}"

    @admin.display(description=_("ends"))
    def ends_at(self, obj):
        return format_span(obj.starts_at, obj.ends_at, obj.time_zone, weekday=False)[1]

    @admin.display(description=_("going"), ordering="going_count")
    def going_count(self, obj):
        return obj.going_count


@admin.register(RSVP)
class RSVPAdmin(PeopleByNameForOrganizers, OrganizerScopedAdmin, admin.ModelAdmin):
    list_display = ["user", "event", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["user__username", "event__title"]
    autocomplete_fields = ["user", "event"]
    list_select_related = ["user", "event"]
    study_group_lookup = "event__study_group"

    def study_group_of(self, obj):
        return obj.event.study_group_id

    # Organizers answer for no one: they only change an RSVP's status.
    def get_readonly_fields(self, request, obj=None):
        if is_moderator(request.user):
            return self.readonly_fields
        return self._by_name(request, ["user", "event", *self.readonly_fields])
