from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from leaflet.admin import LeafletGeoAdmin

from studygroups.permissions import is_moderator, organized_group_ids, organized_groups, organizes

from . import import_admin  # noqa: F401  (registers the admin of places.ImportJob)
from . import moderation_admin  # noqa: F401  (registers the moderation queue)
from .forms import StudyGroupAdminForm
from .models import Delivery, Invitation, Membership, StudyGroup, Topic, summary_member_count
from .notifications import deliveries_resend
from .people import display_name
from .services import (
    alerts_schedule,
    grant_organizer_access,
    invitation_create,
    studygroup_time_zone_guess,
)


class ModeratorsMayDoAll:
    """Moderators need no model permissions: ``studygroups.moderate`` covers
    every admin page that uses this mixin. Everyone else needs the model
    permissions (organizers hold them through the "Organizers" auth group)."""

    def has_module_permission(self, request):
        return is_moderator(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return is_moderator(request.user) or super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        # *args: an inline's has_add_permission also takes the parent object.
        return is_moderator(request.user) or super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return is_moderator(request.user) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_moderator(request.user) or super().has_delete_permission(request, obj)


class OrganizerScopedAdmin(ModeratorsMayDoAll):
    """A ModelAdmin whose rows belong to a study group: an organizer sees and
    changes only the rows of the groups they organize (others' are not even
    listed, found by autocomplete or reachable by URL); moderators see all."""

    # The lookup from a row to its study group, as in queryset.filter().
    study_group_lookup = "study_group"

    def study_group_of(self, obj):
        """The id of the study group ``obj`` belongs to (None: no group)."""
        return obj.study_group_id

    def may_see(self, request, obj):
        return organizes(request.user, self.study_group_of(obj))

    def may_change(self, request, obj):
        return organizes(request.user, self.study_group_of(obj))

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_moderator(request.user):
            return queryset
        return self.visible_to_organizer(queryset, request.user)

    def visible_to_organizer(self, queryset, user):
        """The rows of ``queryset`` that ``user``, not a moderator, may see."""
        return queryset.filter(**{f"{self.study_group_lookup}__in": organized_group_ids(user)})

    def has_view_permission(self, request, obj=None):
        if is_moderator(request.user):
            return True
        return super().has_view_permission(request, obj) and (
            obj is None or self.may_see(request, obj)
        )

    def has_change_permission(self, request, obj=None):
        if is_moderator(request.user):
            return True
        return super().has_change_permission(request, obj) and (
            obj is None or self.may_change(request, obj)
        )

    def has_delete_permission(self, request, obj=None):
        if is_moderator(request.user):
            return True
        return super().has_delete_permission(request, obj) and (
            obj is None or self.may_change(request, obj)
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Validation, not only the widget: a posted id of another group's row is refused.
        if db_field.name == "study_group" and not is_moderator(request.user):
            kwargs["queryset"] = organized_groups(request.user)
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PeopleByNameForOrganizers:
    """Organizers see the people of their groups by display name
    (studygroups.people.display_name), which never holds an email address, as
    on the site; a username may be one. Moderators see the accounts."""

    @admin.display(description=_("member"), ordering="user__username")
    def person(self, obj):
        return display_name(obj.user)

    def _by_name(self, request, names):
        """``names`` (of fields, columns, read-only fields) with the person's
        name for the user, unless a moderator asks."""
        if is_moderator(request.user):
            return names
        return list(dict.fromkeys("person" if name == "user" else name for name in names))

    def get_list_display(self, request):
        return self._by_name(request, super().get_list_display(request))

    def get_fields(self, request, obj=None):
        return self._by_name(request, super().get_fields(request, obj))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user__profile")


def may_pick_users(request):
    """Whether the user autocomplete (the auth app's user admin) answers this
    user. Organizers, and moderators without ``auth.view_user``, name a
    member by username instead: they do not browse the list of users."""
    return request.user.has_perm("auth.view_user")


def grant_organizers_access(memberships):
    """Let the organizers among ``memberships`` into the admin, as the site's
    own "make organizer" does."""
    for membership in memberships:
        if (
            membership.role == Membership.Role.ORGANIZER
            and membership.status == Membership.Status.ACTIVE
        ):
            grant_organizer_access(membership.user)


@admin.register(Topic)
class TopicAdmin(ModeratorsMayDoAll, admin.ModelAdmin):
    list_display = ["name_es", "name_en", "slug", "group_count"]
    search_fields = ["name_es", "name_en", "slug"]
    fields = ["name_es", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_es"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(group_count=Count("study_groups"))

    @admin.display(description=_("groups"), ordering="group_count")
    def group_count(self, obj):
        return obj.group_count


class MembershipInline(PeopleByNameForOrganizers, ModeratorsMayDoAll, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "joined_at"]
    readonly_fields = ["joined_at"]

    # Without the user autocomplete, members are added by username on the
    # membership page; here their roles change.
    def get_readonly_fields(self, request, obj=None):
        if may_pick_users(request):
            return self.readonly_fields
        return self._by_name(request, ["user", *self.readonly_fields])

    def has_add_permission(self, request, obj):
        return may_pick_users(request) and super().has_add_permission(request, obj)


@admin.register(StudyGroup)
class StudyGroupAdmin(OrganizerScopedAdmin, LeafletGeoAdmin):
    form = StudyGroupAdminForm
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
    search_fields = [
        "name",
        "description",
        "city",
        "address",
        "topics__name_es",
        "topics__name_en",
    ]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["topics"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "updated_at"]
    inlines = [MembershipInline]
    # Also orders the autocomplete's results (the member and event counts
    # group the query, and Meta.ordering does not apply to grouped queries).
    ordering = ["name"]
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
            {"fields": ["is_online", "city", "address", "time_zone", "location", "meeting_area"]},
        ),
        (
            _("History"),
            {"fields": ["created_at", "updated_at"], "classes": ["collapse"]},
        ),
    ]
    study_group_lookup = "pk"

    def study_group_of(self, obj):
        return obj.pk

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                # Active members, kept on the group's summary row.
                member_count=summary_member_count(),
                event_count=Count("events"),
            )
        )

    # Organizers create groups on the site (which makes them its organizer)
    # and never delete one here.
    def has_add_permission(self, request):
        return is_moderator(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_moderator(request.user)

    def save_model(self, request, obj, form, change):
        # As on the site: a zone left empty is the location's, saved once.
        if not obj.time_zone:
            obj.time_zone = studygroup_time_zone_guess(obj.location)
        super().save_model(request, obj, form, change)
        if not change and obj.location is not None:
            alerts_schedule("group", obj.pk)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Membership:
            grant_organizers_access(
                [*formset.new_objects, *(obj for obj, _fields in formset.changed_objects)]
            )

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count

    @admin.display(description=_("events"), ordering="event_count")
    def event_count(self, obj):
        return obj.event_count


@admin.register(Membership)
class MembershipAdmin(PeopleByNameForOrganizers, OrganizerScopedAdmin, admin.ModelAdmin):
    list_display = ["user", "study_group", "role", "status", "joined_at"]
    list_filter = ["role", "status", "joined_at"]
    search_fields = ["user__username", "user__email", "study_group__name"]
    autocomplete_fields = ["user", "study_group"]
    list_select_related = ["user", "study_group"]
    date_hierarchy = "joined_at"

    def get_search_fields(self, request):
        # Organizers search by what they may see: members' emails are private.
        if is_moderator(request.user):
            return self.search_fields
        return [field for field in self.search_fields if field != "user__email"]

    def has_add_permission(self, request):
        # Organizers invite (Invitations); only moderators enrol someone directly.
        return is_moderator(request.user)

    def get_readonly_fields(self, request, obj=None):
        if obj is None or is_moderator(request.user):
            return self.readonly_fields
        return self._by_name(request, ["user", "study_group", *self.readonly_fields])

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not may_pick_users(request):
            return forms.ModelChoiceField(
                queryset=get_user_model().objects.filter(is_active=True),
                to_field_name="username",
                widget=forms.TextInput,
                label=_("username"),
                help_text=_("The member's exact username."),
                error_messages={"invalid_choice": _("No active user has this username.")},
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        grant_organizers_access([obj])


class InvitationAdminForm(forms.ModelForm):
    """Refuses, at the username, to invite someone who is already a member."""

    class Meta:
        model = Invitation
        fields = ["study_group", "invitee"]

    def clean(self):
        cleaned = super().clean()
        group, invitee = cleaned.get("study_group"), cleaned.get("invitee")
        if group and invitee and Membership.objects.filter(
            study_group=group, user=invitee, status=Membership.Status.ACTIVE
        ).exists():
            self.add_error("invitee", _("This user is already a member."))
        return cleaned


@admin.register(Invitation)
class InvitationAdmin(OrganizerScopedAdmin, admin.ModelAdmin):
    """Organizers invite people to their groups by exact username; the
    invitee is emailed and accepts or declines on the group's page."""

    form = InvitationAdminForm
    list_display = ["invitee", "study_group", "invited_by", "created_at"]
    list_select_related = ["invitee", "study_group", "invited_by"]
    search_fields = ["invitee__username", "study_group__name"]
    fields = ["study_group", "invitee"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["study_group", "invitee"]

    def has_change_permission(self, request, obj=None):
        # An invitation is sent or withdrawn (deleted), never edited.
        return obj is None and super().has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "invitee":
            return forms.ModelChoiceField(
                queryset=get_user_model().objects.filter(is_active=True),
                to_field_name="username",
                widget=forms.TextInput,
                label=_("username"),
                help_text=_("The exact username of the person to invite."),
                error_messages={"invalid_choice": _("No active user has this username.")},
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # Through the service: the same checks as on the site, and the email.
        invitation = invitation_create(
            actor=request.user, group=obj.study_group, username=obj.invitee.get_username()
        )
        obj.pk = invitation.pk


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Every email recorded for sending, for moderators only: failed ones with
    their error, and a "Resend" action. Organizers see none (they see only
    counts of their members)."""

    list_display = ["created_at", "kind", "recipient", "status", "attempts", "subject", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["recipient__username", "recipient__email", "key", "subject"]
    readonly_fields = [
        "kind", "key", "recipient", "data", "status", "attempts", "error", "subject",
        "created_at", "updated_at", "sent_at",
    ]
    list_select_related = ["recipient"]
    show_full_result_count = False
    actions = ["resend"]

    def has_module_permission(self, request):
        return is_moderator(request.user)

    def has_view_permission(self, request, obj=None):
        return is_moderator(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Resend the selected emails (not those already sent)"))
    def resend(self, request, queryset):
        count = deliveries_resend(queryset)
        self.message_user(
            request,
            ngettext("%(count)s email will be sent again.", "%(count)s emails will be sent again.",
                     count) % {"count": count},
        )


# The conversations' posts; imported last, since their admin builds on OrganizerScopedAdmin.
from . import post_admin  # noqa: E402, F401
