"""The moderation queue in the admin: reports (filtered by state, kind and
reason, the target linked, and on each report a form to act on it and the log
of what was done), the append-only log itself, suspensions and bans.

Moderators see everything. Organizers see the reports about their own
groups' content and act on them (never a suspension), and their groups' bans.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Membership, StudyGroup
from .moderation import (
    MAX_SUSPENSION_DAYS,
    group_ban,
    may_act,
    report_act,
    report_dismiss,
)
from .moderation_emails import target_name
from .permissions import is_moderator, organized_group_ids, organized_groups
from .reports import REPORTABLE, GroupBan, ModerationAction, Report, Suspension

Action = ModerationAction.Action

# What the form offers, said as what will be done (the log says what was).
ACTION_LABELS = {
    Action.DISMISS: _("Dismiss the report"),
    Action.HIDE: _("Hide the content"),
    Action.UNHIDE: _("Show the content again"),
    Action.WARN: _("Warn the member (emailed)"),
    Action.SUSPEND: _("Suspend the member site-wide"),
    Action.BAN: _("Ban the member from the group"),
}


class ModerationForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=Action.choices)
    reason = forms.CharField(
        label=_("Why (kept in the log; emailed to the member when warned, suspended or "
                "banned)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    days = forms.IntegerField(
        label=_("Suspension, in days"),
        min_value=1,
        max_value=MAX_SUSPENSION_DAYS,
        required=False,
        initial=7,
    )

    def __init__(self, *args, actions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if actions is not None:
            self.fields["action"].choices = [
                (value, ACTION_LABELS[value]) for value in Action.values if value in actions
            ]


def actions_for(user, report):
    """The actions ``user`` may take on ``report`` (and that fit it)."""
    entry = report.reportable
    offered = [Action.DISMISS]
    if entry and entry.hideable and report.target is not None:
        offered.append(Action.UNHIDE if report.target.hidden else Action.HIDE)
    elif entry and entry.hide_with and report.target is not None:
        offered.append(Action.HIDE)
    if entry and entry.author_of:
        offered.append(Action.WARN)
        offered.append(Action.SUSPEND)
        if report.study_group_id:
            offered.append(Action.BAN)
    return [action for action in offered if may_act(user, report, action)]


class OrganizerOrModerator:
    """Open to moderators, and to organizers for their groups' rows."""

    def has_module_permission(self, request):
        return is_moderator(request.user) or organized_groups(request.user).exists()

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request) and (
            obj is None or is_moderator(request.user) or self.organizer_may(request, obj)
        )

    def organizer_may(self, request, obj):
        return obj.study_group_id in set(organized_group_ids(request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


# The most rows the queues count (and page through, newest first): never a
# count(*) over every report, nor an OFFSET past it.
QUEUE_COUNT_CAP = 1000


class CappedPaginator(Paginator):
    """The admin's pages of a queue, counting at most QUEUE_COUNT_CAP rows: a
    count over that many entries of the queue's index, however long the queue
    grows (what is older waits for the newer to be handled or filtered)."""

    @cached_property
    def count(self):
        return self.object_list.order_by()[:QUEUE_COUNT_CAP].count()


class KindFilter(admin.SimpleListFilter):
    """By kind of content, from the kinds that can be reported (the admin's
    default read every report's kind with SELECT DISTINCT)."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(kind, entry.label) for kind, entry in REPORTABLE.items()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Report)
class ReportAdmin(OrganizerOrModerator, admin.ModelAdmin):
    list_display = ("created_at", "kind_label", "target_link", "reason", "state",
                    "study_group", "reporter")
    list_filter = ("state", KindFilter, "reason")
    list_select_related = ("reporter", "study_group", "content_type")
    show_full_result_count = False
    paginator = CappedPaginator
    list_per_page = 50
    readonly_fields = ("created_at", "kind_label", "target_link", "study_group", "reporter",
                       "reason", "details", "state", "resolved_at")
    fields = readonly_fields
    actions = ["dismiss_selected"]
    change_form_template = "admin/studygroups/report/change_form.html"

    def get_queryset(self, request):
        queryset = super().get_queryset(request).prefetch_related("target")
        if is_moderator(request.user):
            return queryset
        return queryset.filter(study_group__in=organized_group_ids(request.user))

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, obj):
        return obj.reportable.label if obj.reportable else obj.kind

    @admin.display(description=_("reported content"))
    def target_link(self, obj):
        target = obj.target
        if target is None:
            return _("(deleted)")
        url = getattr(target, "get_absolute_url", None)
        name = target_name(target)
        if getattr(target, "hidden", False):
            name = f"{name} ({_('hidden')})"
        try:
            return format_html('<a href="{}">{}</a>', url(), name) if url else name
        except Exception:  # a user model without a page
            return name

    @admin.action(description=_("Dismiss the selected reports"))
    def dismiss_selected(self, request, queryset):
        done = 0
        for report in queryset.filter(state=Report.State.OPEN):
            if may_act(request.user, report, Action.DISMISS):
                report_dismiss(actor=request.user, report=report,
                               reason=str(_("Dismissed from the queue.")))
                done += 1
        self.message_user(
            request,
            ngettext("%(count)d report dismissed.", "%(count)d reports dismissed.", done)
            % {"count": done},
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        report = self.get_object(request, object_id)
        if report is None or not self.has_view_permission(request, report):
            return super().change_view(request, object_id, form_url, extra_context)
        offered = actions_for(request.user, report)
        form = ModerationForm(
            request.POST if "_moderate" in request.POST else None, actions=offered
        )
        if request.method == "POST" and "_moderate" in request.POST:
            if form.is_valid():
                try:
                    report_act(
                        actor=request.user,
                        report=report,
                        action=form.cleaned_data["action"],
                        reason=form.cleaned_data["reason"],
                        days=form.cleaned_data.get("days"),
                    )
                except PermissionDenied as exc:
                    messages.error(request, str(exc) or _("You may not do this."))
                except ValidationError as exc:
                    for message in exc.messages:
                        messages.error(request, message)
                else:
                    messages.success(request, _("Done, and logged."))
                    return HttpResponseRedirect(
                        reverse("admin:studygroups_report_change", args=[report.pk])
                    )
        extra_context = {
            **(extra_context or {}),
            "moderation_form": form if offered else None,
            "moderation_log": report.actions.select_related("actor", "member").order_by(
                "created_at", "id"
            ),
        }
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    """The log: read only, for moderators (organizers see their reports' log
    on each report)."""

    list_display = ("created_at", "action", "actor", "member", "study_group", "report",
                    "until")
    list_filter = ("action",)
    list_select_related = ("actor", "member", "study_group", "report")
    show_full_result_count = False

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


@admin.register(Suspension)
class SuspensionAdmin(admin.ModelAdmin):
    list_display = ("user", "ends_at", "created_by", "created_at")
    list_select_related = ("user", "created_by")
    readonly_fields = ("user", "reason", "created_by", "created_at")
    fields = ("user", "ends_at", "reason", "created_by", "created_at")
    search_fields = ("user__username",)

    def has_module_permission(self, request):
        return is_moderator(request.user)

    def has_view_permission(self, request, obj=None):
        return is_moderator(request.user)

    # Moderators end a suspension early by moving its end; new ones come
    # from a report (so that the reason is logged).
    def has_change_permission(self, request, obj=None):
        return is_moderator(request.user)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class GroupBanForm(forms.ModelForm):
    """Ban a member by username from a group the organizer manages."""

    username = forms.CharField(label=_("Username"), max_length=150)

    class Meta:
        model = GroupBan
        fields = ("study_group", "reason")

    def clean_username(self):
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(
            username=self.cleaned_data["username"].strip()
        ).first()
        if user is None:
            raise ValidationError(_("No user has this username."), code="unknown_user")
        return user

    def clean(self):
        data = super().clean()
        group, user = data.get("study_group"), data.get("username")
        if group and user and Membership.objects.filter(
            user=user, study_group=group, role=Membership.Role.ORGANIZER
        ).exists():
            raise ValidationError(_("An organizer of the group cannot be banned from it."))
        if group and user and GroupBan.objects.filter(user=user, study_group=group).exists():
            raise ValidationError(_("This member is already banned from the group."))
        return data


@admin.register(GroupBan)
class GroupBanAdmin(OrganizerOrModerator, admin.ModelAdmin):
    """Bans from groups: organizers ban from their own groups here (the ban
    is logged and the member emailed); lifting one (deleting it) lets the
    member ask again."""

    list_display = ("user", "study_group", "created_by", "created_at")
    list_select_related = ("user", "study_group", "created_by")
    readonly_fields = ("user", "study_group", "reason", "created_by", "created_at")
    fields = readonly_fields

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, **kwargs)
        form = GroupBanForm
        groups = (
            StudyGroup.objects.all()
            if is_moderator(request.user)
            else organized_groups(request.user)
        )
        form.base_fields["study_group"].queryset = groups
        return form

    def get_fields(self, request, obj=None):
        return ("study_group", "username", "reason") if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def save_model(self, request, obj, form, change):
        if change:
            return
        # The form checked what group_ban refuses; it raises PermissionDenied
        # (a 403) for a group the user does not manage.
        member = form.cleaned_data["username"]
        group_ban(actor=request.user, group=form.cleaned_data["study_group"], member=member,
                  reason=form.cleaned_data["reason"])
        saved = GroupBan.objects.get(study_group=form.cleaned_data["study_group"], user=member)
        obj.pk, obj.user = saved.pk, member

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_moderator(request.user):
            return queryset
        return queryset.filter(study_group__in=organized_group_ids(request.user))

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)
