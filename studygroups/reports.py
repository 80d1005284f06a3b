"""Reports and moderation: what members report, and what organizers and
moderators did about it (studygroups.moderation holds the verbs).

A report names its target generically (a content type and an id), so that any
app can make its rows reportable with one call to ``reportable()``: groups,
events and members are registered here, posts and photos by their own apps.
"""

import dataclasses

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Kinds of reportable things ---------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Reportable:
    """How one kind of thing is reported and acted on.

    ``model`` is an "app_label.ModelName" label; ``group_of(obj)`` the study
    group whose organizers receive its reports (None: moderators only);
    ``author_of(obj)`` the member a warning, suspension or ban falls on (None:
    nobody); ``hideable``: it has ``hidden``/``hidden_at`` and the public lists
    leave hidden rows out; ``visible`` a queryset filter (a dict) of the rows
    that may be reported (a hidden group is not reported again);
    ``readable_by(user, obj)`` whether ``user`` may see ``obj`` at all (None:
    everyone signed in), so that nobody reports, or reads through the report
    form, what they cannot read."""

    kind: str
    model: str
    label: object
    group_of: object = None
    author_of: object = None
    hideable: bool = False
    # For content without a hidden state (a post, a photo): ``hide_with(target,
    # actor=...)`` takes it down its own way (a post's tombstone, a photo deleted).
    hide_with: object = None
    visible: dict = dataclasses.field(default_factory=dict)
    readable_by: object = None

    def model_class(self):
        from django.apps import apps

        return apps.get_model(self.model)

    def group(self, obj):
        return self.group_of(obj) if self.group_of else None

    def author(self, obj):
        return self.author_of(obj) if self.author_of else None


REPORTABLE = {}


def reportable(kind, model, label, **options):
    """Make ``model`` ("app_label.ModelName") reportable under the name
    ``kind`` (the API's ``target_kind``); see ``Reportable`` for options."""
    REPORTABLE[kind] = Reportable(kind=kind, model=model, label=label, **options)
    return REPORTABLE[kind]


def reportable_kind_of(obj):
    """The registered Reportable of ``obj``'s model, or None."""
    label = obj._meta.label
    for entry in REPORTABLE.values():
        if entry.model == label or (
            entry.model == settings.AUTH_USER_MODEL and label == settings.AUTH_USER_MODEL
        ):
            return entry
    return None


reportable(
    "group",
    "studygroups.StudyGroup",
    _("study group"),
    group_of=lambda group: group,
    hideable=True,
    visible={"hidden": False},
)
reportable(
    "event",
    "meetups.Event",
    _("event"),
    group_of=lambda event: event.study_group,
    hideable=True,
    visible={"hidden": False},
)
reportable(
    "member",
    settings.AUTH_USER_MODEL,
    _("member"),
    author_of=lambda user: user,
    visible={"is_active": True},
)


# Reports ----------------------------------------------------------------------


class ReportQuerySet(models.QuerySet):
    def open(self):
        """Reports nobody has acted on yet."""
        return self.filter(state=Report.State.OPEN)

    def for_organizer(self, user):
        """The reports that ``user`` acts on as an organizer: those about the
        content of the study groups they organize (reports about members,
        with no group, go to moderators only), newest first."""
        from .permissions import organized_group_ids

        return (
            self.filter(study_group__in=organized_group_ids(user))
            .select_related("reporter", "study_group", "content_type")
            .order_by("-created_at", "-id")
        )

    def for_moderator(self):
        """Every report, newest first (the admin's queue)."""
        return self.select_related("reporter", "study_group", "content_type").order_by(
            "-created_at", "-id"
        )


class Report(models.Model):
    """Someone signed in says a group, event, member (or, later, a post or a
    photo) breaks the rules. It stays open until an organizer of the target's
    group, or a moderator, dismisses it or acts on it."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam or advertising")
        HARASSMENT = "harassment", _("Harassment or hate")
        INAPPROPRIATE = "inappropriate", _("Inappropriate or offensive content")
        MISLEADING = "misleading", _("Misleading, fake or dangerous")
        OTHER = "other", _("Something else")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DISMISSED = "dismissed", _("Dismissed")
        ACTIONED = "actioned", _("Acted on")

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reports_made",
        verbose_name=_("reported by"),
    )
    kind = models.CharField(_("kind"), max_length=20)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, verbose_name=_("content type")
    )
    object_id = models.PositiveBigIntegerField(_("object id"))
    target = GenericForeignKey("content_type", "object_id")
    # The group whose organizers see the report (None: moderators only); kept
    # on the row so that an organizer's queue is one indexed filter.
    study_group = models.ForeignKey(
        "studygroups.StudyGroup",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("study group"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    details = models.TextField(_("details"), max_length=2000, blank=True, default="")
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=State.choices,
        default=State.OPEN,
        db_default=State.OPEN,
    )
    created_at = models.DateTimeField(_("reported on"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [
            # The admin's queue and an organizer's: newest first, by state.
            models.Index(fields=["state", "-created_at", "-id"], name="report_state_created_idx"),
            models.Index(
                fields=["study_group", "-created_at", "-id"], name="report_group_created_idx"
            ),
            models.Index(fields=["content_type", "object_id"], name="report_target_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "content_type", "object_id"],
                condition=Q(state="open"),
                name="report_one_open_per_reporter_and_target",
                violation_error_message=_("You have already reported this."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=["open", "dismissed", "actioned"]),
                name="report_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    reason__in=["spam", "harassment", "inappropriate", "misleading", "other"]
                ),
                name="report_reason_valid",
            ),
            models.CheckConstraint(
                condition=Q(state="open", resolved_at__isnull=True)
                | (~Q(state="open") & Q(resolved_at__isnull=False)),
                name="report_resolved_when_closed",
            ),
        ]

    def __str__(self):
        return f"{self.kind} #{self.object_id}: {self.get_reason_display()}"

    @property
    def reportable(self):
        return REPORTABLE.get(self.kind)


class ModerationAction(models.Model):
    """One thing an organizer or a moderator did, with why: append-only (the
    database refuses to delete a row or to change what it says, migration
    studygroups 0023)."""

    class Action(models.TextChoices):
        DISMISS = "dismiss", _("Dismissed the report")
        HIDE = "hide", _("Hid the content")
        UNHIDE = "unhide", _("Showed the content again")
        WARN = "warn", _("Warned the member")
        SUSPEND = "suspend", _("Suspended the member")
        BAN = "ban", _("Banned the member from the group")

    report = models.ForeignKey(
        Report,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("report"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    content_type = models.ForeignKey(
        ContentType,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("content type"),
    )
    object_id = models.PositiveBigIntegerField(_("object id"), null=True, blank=True)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_actions",
        verbose_name=_("member"),
    )
    study_group = models.ForeignKey(
        "studygroups.StudyGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("study group"),
    )
    reason = models.TextField(_("why"), max_length=2000)
    until = models.DateTimeField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")
        indexes = [
            models.Index(fields=["member", "-created_at"], name="modaction_member_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["dismiss", "hide", "unhide", "warn", "suspend", "ban"]),
                name="modaction_action_valid",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="modaction_reason_given"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} ({self.created_at:%Y-%m-%d %H:%M})"


class Suspension(models.Model):
    """A member may not post, RSVP, join or create groups site-wide until
    ``ends_at``. Only moderators suspend."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="suspensions",
        verbose_name=_("member"),
    )
    ends_at = models.DateTimeField(_("suspended until"))
    reason = models.TextField(_("why"), max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("suspended by"),
    )
    created_at = models.DateTimeField(_("suspended"), auto_now_add=True)

    class Meta:
        ordering = ["-ends_at"]
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")
        indexes = [models.Index(fields=["user", "-ends_at"], name="suspension_user_ends_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("created_at")), name="suspension_ends_later"
            ),
        ]

    def __str__(self):
        return f"{self.user} → {self.ends_at:%Y-%m-%d %H:%M}"


class GroupBan(models.Model):
    """A member banned from one study group: not a member any more, and may
    not join, ask to join or accept an invitation again."""

    study_group = models.ForeignKey(
        "studygroups.StudyGroup",
        on_delete=models.CASCADE,
        related_name="bans",
        verbose_name=_("study group"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="group_bans",
        verbose_name=_("member"),
    )
    reason = models.TextField(_("why"), max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("banned by"),
    )
    created_at = models.DateTimeField(_("banned"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ban from a group")
        verbose_name_plural = _("bans from groups")
        constraints = [
            models.UniqueConstraint(
                fields=["study_group", "user"],
                name="groupban_one_per_user_and_group",
                violation_error_message=_("This member is already banned from the group."),
            ),
        ]

    def __str__(self):
        return f"{self.user} ⊘ {self.study_group}"
