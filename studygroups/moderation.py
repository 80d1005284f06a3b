"""Verbs of reports and moderation (the models are in studygroups.reports).

Anyone signed in reports a group, an event or a member (``report_create``),
at most REPORTS_PER_WINDOW times per REPORT_WINDOW_SECONDS (counted in the
shared cache, as failed sign-ins are). The report reaches the organizers of
the group the content belongs to and the site's moderators by email.

They act on it (``report_act``): dismiss it, hide the content, warn the
member, ban the member from the group, or (moderators only) suspend the
member site-wide. Every action is a ModerationAction row, written in the
same transaction as the change it records.
"""

import datetime
import logging
import math
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from redis.exceptions import RedisError
from rest_framework.exceptions import Throttled

from places.timezones import format_local_named

from .models import Delivery, Invitation, Membership, StudyGroup
from .notifications import deliveries_create_and_dispatch
from .permissions import MODERATE_PERMISSION, is_moderator, manages, organizes
from .reports import REPORTABLE, GroupBan, ModerationAction, Report, Suspension

logger = logging.getLogger(__name__)

Action = ModerationAction.Action

# What an organizer may do about their groups' content; moderators do all.
ORGANIZER_ACTIONS = frozenset({Action.DISMISS, Action.HIDE, Action.UNHIDE, Action.WARN,
                               Action.BAN})

MAX_SUSPENSION_DAYS = 365


# Suspensions and bans: what the other services ask -----------------------------


def suspension_of(user):
    """``user``'s suspension in force now (the one ending last), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Suspension.objects.filter(user=user, ends_at__gt=timezone.now())
        .order_by("-ends_at")
        .first()
    )


def is_suspended(user):
    """Whether ``user`` is suspended site-wide now: they may not post, RSVP,
    join or create groups. For every service that lets a member say something."""
    return suspension_of(user) is not None


def suspension_refusal(user):
    """A ValidationError (code "suspended") naming until when ``user`` is
    suspended, or None when they are not."""
    suspension = suspension_of(user)
    if suspension is None:
        return None
    # In the site's zone, named ("hora de Colombia (UTC−5)"), not a zone id.
    until = format_local_named(suspension.ends_at)
    return ValidationError(
        _(
            "Your account is suspended until %(until)s: you cannot post, "
            "answer events, join or create groups until then."
        )
        % {"until": until},
        code="suspended",
    )


def refuse_if_suspended(user):
    """Raise ``suspension_refusal(user)`` when there is one."""
    if refusal := suspension_refusal(user):
        raise refusal


def is_banned(user, group):
    """Whether ``user`` is banned from ``group`` (a StudyGroup or its id)."""
    if not getattr(user, "is_authenticated", False) or group is None:
        return False
    return GroupBan.objects.filter(user=user, study_group=getattr(group, "pk", group)).exists()


def refuse_if_banned(user, group):
    if is_banned(user, group):
        raise ValidationError(
            _("The organizers of this group have banned you from it."), code="banned"
        )


# Throttling -------------------------------------------------------------------


class ReportsThrottled(Throttled):
    """Too many reports from this member lately; ``wait`` is in seconds."""

    default_detail = gettext_lazy(
        "You have sent many reports in a short time. Wait a little and try again."
    )
    default_code = "reports_throttled"


def _throttle_key(user):
    window = int(time.time() // settings.REPORT_WINDOW_SECONDS)
    return f"reports:user:{user.pk}:{window}"


def report_wait(user):
    """Seconds ``user`` must wait before reporting again (0: may report now)."""
    try:
        count = cache.get(_throttle_key(user), 0)
    except RedisError as exc:
        # Without the cache, reports go on unthrottled rather than all fail.
        logger.warning("Report throttle unavailable: %s", exc)
        return 0
    if count < settings.REPORTS_PER_WINDOW:
        return 0
    window_s = settings.REPORT_WINDOW_SECONDS
    return max(1, math.ceil(window_s - time.time() % window_s))


def _report_count(user):
    key = _throttle_key(user)
    try:
        cache.add(key, 0, timeout=settings.REPORT_WINDOW_SECONDS + 60)
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.add(key, 1, timeout=settings.REPORT_WINDOW_SECONDS + 60)
    except RedisError as exc:
        logger.warning("Report not counted: %s", exc)


# Reports ------------------------------------------------------------------------


def report_target(kind, pk, user=None):
    """The reportable thing of ``kind`` ("group", "event", "member" ...) with
    id ``pk``, or raise ValidationError naming the field: ``target_kind`` for
    an unknown kind, ``target_id`` for no such (visible) thing, or one
    ``user`` may not read (a post of another group's conversation)."""
    entry = REPORTABLE.get(kind)
    if entry is None:
        raise ValidationError(
            {"target_kind": _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(REPORTABLE)}},
            code="invalid",
        )
    target = entry.model_class()._default_manager.filter(pk=pk, **entry.visible).first()
    if target is not None and user is not None and entry.readable_by is not None:
        target = target if entry.readable_by(user, target) else None
    if target is None:
        raise ValidationError({"target_id": _("Nothing to report has this id.")}, code="invalid")
    return target


def moderator_ids():
    """Ids of the active moderators (``studygroups.moderate`` given directly,
    through an auth group such as "Moderators", or superusers), as a lazy
    QuerySet."""
    app_label, codename = MODERATE_PERMISSION.split(".")
    perm = Q(content_type__app_label=app_label, codename=codename)
    from django.contrib.auth.models import Permission

    permission = Permission.objects.filter(perm).values("pk")
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__in=permission)
            | Q(groups__permissions__in=permission)
        )
        .values("pk")
    )


def report_recipients(report):
    """Who is told of ``report``: the active organizers of its group, and the
    moderators (a lazy QuerySet of user ids; nobody is told of their own report)."""
    users = get_user_model().objects.filter(pk__in=moderator_ids())
    if report.study_group_id:
        organizers = Membership.objects.filter(
            study_group_id=report.study_group_id,
            role=Membership.Role.ORGANIZER,
            status=Membership.Status.ACTIVE,
        ).values("user_id")
        users = get_user_model().objects.filter(
            Q(pk__in=moderator_ids()) | Q(pk__in=organizers)
        )
    return users.exclude(pk=report.reporter_id).values("pk")


@transaction.atomic
def report_create(*, reporter, target, reason, details=""):
    """``reporter`` reports ``target`` (a registered reportable: a group, an
    event, a member ...) for ``reason`` (Report.Reason), with ``details`` in
    plain text. The group's organizers and the moderators are emailed once
    the transaction commits.

    Raises ReportsThrottled (with ``wait``) past the rate limit, and
    ValidationError naming the field: ``reason`` (not a choice), ``details``
    (too long), ``target_id`` (yourself), or code "already_reported" while
    the reporter's earlier report of the same target is open.
    """
    entry = next(
        (e for e in REPORTABLE.values() if e.model_class() is type(target)), None
    )
    if entry is None:
        raise ValidationError({"target_kind": _("This cannot be reported.")}, code="invalid")
    if reason not in Report.Reason.values:
        raise ValidationError({"reason": _("Choose one of the reasons.")}, code="invalid")
    details = (details or "").strip()
    if len(details) > 2000:
        raise ValidationError(
            {"details": _("Say it in at most 2,000 characters.")}, code="max_length"
        )
    if entry.kind == "member" and target.pk == reporter.pk:
        raise ValidationError({"target_id": _("You cannot report yourself.")}, code="invalid")
    if wait := report_wait(reporter):
        raise ReportsThrottled(wait=wait)
    group = entry.group(target)
    author = entry.author(target)
    if group is not None and author is not None and organizes(author, group):
        # An organizer's own post or photo: the moderators judge it, not its
        # author (who would see who reported them, and could dismiss it).
        group = None
    report = Report(
        reporter=reporter,
        kind=entry.kind,
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
        study_group=group,
        reason=reason,
        details=details,
    )
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        raise ValidationError(
            _("You have already reported this; the organizers or moderators will look at it."),
            code="already_reported",
        )
    _report_count(reporter)
    deliveries_create_and_dispatch(
        Delivery.Kind.REPORT, f"report:{report.pk}", report_recipients(report),
        {"report_id": report.pk},
    )
    return report


# Acting on reports ---------------------------------------------------------------


def may_act(user, report, action=None):
    """Whether ``user`` may take ``action`` (any, when None) on ``report``:
    moderators on every report; organizers on reports about their groups'
    content, and never a suspension."""
    if is_moderator(user):
        return True
    if not report.study_group_id or not organizes(user, report.study_group_id):
        return False
    return action is None or action in ORGANIZER_ACTIONS


def _log(*, actor, action, reason, report=None, target=None, member=None, group=None,
         until=None):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why: it is kept with the action.")},
                              code="required")
    return ModerationAction.objects.create(
        report=report,
        actor=actor,
        action=action,
        content_type=ContentType.objects.get_for_model(target) if target is not None else None,
        object_id=target.pk if target is not None else None,
        member=member,
        study_group=group if isinstance(group, StudyGroup) else None,
        reason=reason[:2000],
        until=until,
    )


def _resolve(report, state):
    if report is not None and report.state == Report.State.OPEN:
        report.state = state
        report.resolved_at = timezone.now()
        report.save(update_fields=["state", "resolved_at"])


@transaction.atomic
def report_dismiss(*, actor, report, reason):
    """Close ``report`` without acting on its target."""
    if not may_act(actor, report, Action.DISMISS):
        raise PermissionDenied(_("Only the organizers of the group or moderators may do this."))
    logged = _log(actor=actor, action=Action.DISMISS, reason=reason, report=report,
                  target=report.target, group=report.study_group)
    _resolve(report, Report.State.DISMISSED)
    return logged


def _hideable(target):
    entry = next((e for e in REPORTABLE.values() if e.model_class() is type(target)), None)
    if entry is None or not (entry.hideable or entry.hide_with):
        raise ValidationError(_("This cannot be hidden."), code="not_hideable")
    return entry


@transaction.atomic
def content_hide(*, actor, target, reason, report=None, hidden=True):
    """Hide ``target`` (a group or an event; ``hidden=False`` shows it again)
    from every public list, tile, feed and API. Hiding a group hides its
    visible events with it, at the same moment, so showing the group again
    shows those events and not the ones hidden on their own."""
    entry = _hideable(target)
    group = entry.group(target)
    if not manages(actor, group):
        raise PermissionDenied(_("Only the organizers of the group or moderators may do this."))
    model = type(target)
    target = model._default_manager.select_for_update().get(pk=target.pk)
    if entry.hide_with is not None:
        if not hidden:
            raise ValidationError(_("This cannot be shown again."), code="not_hideable")
        logged = _log(actor=actor, action=Action.HIDE, reason=reason, report=report,
                      target=target, group=group)
        _resolve_reports_of(target)
        entry.hide_with(target, actor=actor)
        return logged
    action = Action.HIDE if hidden else Action.UNHIDE
    logged = _log(actor=actor, action=action, reason=reason, report=report, target=target,
                  group=group)
    if hidden and not target.hidden:
        moment = timezone.now()
        model._default_manager.filter(pk=target.pk).update(hidden=True, hidden_at=moment)
        if isinstance(target, StudyGroup):
            target.events.filter(hidden=False).update(hidden=True, hidden_at=moment)
    elif not hidden and target.hidden:
        if isinstance(target, StudyGroup):
            target.events.filter(hidden=True, hidden_at=target.hidden_at).update(
                hidden=False, hidden_at=None
            )
        model._default_manager.filter(pk=target.pk).update(hidden=False, hidden_at=None)
    if hidden:
        _resolve_reports_of(target)
    return logged


def _resolve_reports_of(target):
    """The content is gone: every open report of it is answered."""
    for other in Report.objects.open().filter(
        content_type=ContentType.objects.get_for_model(target), object_id=target.pk
    ):
        _resolve(other, Report.State.ACTIONED)


def _member_of_report(report):
    member = report.reportable.author(report.target) if report.target is not None else None
    if member is None:
        raise ValidationError(
            _("This report names no member to act on."), code="no_member"
        )
    return member


@transaction.atomic
def member_warn(*, actor, member, reason, report=None, group=None):
    """Warn ``member``: the reason is emailed to them. Moderators warn anyone;
    organizers warn about their groups' content (``group``)."""
    if not (is_moderator(actor) or (group is not None and organizes(actor, group))):
        raise PermissionDenied(_("Only the organizers of the group or moderators may do this."))
    logged = _log(actor=actor, action=Action.WARN, reason=reason, report=report,
                  target=report.target if report else member, member=member, group=group)
    deliveries_create_and_dispatch(
        Delivery.Kind.MODERATION_WARNING, f"action:{logged.pk}", [member.pk],
        {"action_id": logged.pk},
    )
    _resolve(report, Report.State.ACTIONED)
    return logged


@transaction.atomic
def member_suspend(*, actor, member, days, reason, report=None):
    """Suspend ``member`` site-wide for ``days`` (1 to 365) days: moderators only.
    They are emailed why and until when."""
    if not is_moderator(actor):
        raise PermissionDenied(_("Only moderators may suspend a member."))
    if member.pk == actor.pk or is_moderator(member):
        raise ValidationError(_("Moderators cannot be suspended."), code="moderator")
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_SUSPENSION_DAYS:
        raise ValidationError(
            {"days": _("Suspend for 1 to %(max)s days.") % {"max": MAX_SUSPENSION_DAYS}},
            code="invalid",
        )
    until = timezone.now() + datetime.timedelta(days=days)
    logged = _log(actor=actor, action=Action.SUSPEND, reason=reason, report=report,
                  target=report.target if report else member, member=member,
                  group=report.study_group if report else None, until=until)
    Suspension.objects.create(user=member, ends_at=until, reason=logged.reason, created_by=actor)
    deliveries_create_and_dispatch(
        Delivery.Kind.SUSPENSION, f"action:{logged.pk}", [member.pk], {"action_id": logged.pk}
    )
    _resolve(report, Report.State.ACTIONED)
    return logged


@transaction.atomic
def group_ban(*, actor, group, member, reason, report=None):
    """Ban ``member`` from ``group``: their membership (or request) and any
    invitation go, and they may not join, ask or accept again. The group's
    organizers and moderators may; an organizer of the group cannot be banned."""
    if not manages(actor, group):
        raise PermissionDenied(_("Only the organizers of the group or moderators may do this."))
    if Membership.objects.filter(
        user=member, study_group=group, role=Membership.Role.ORGANIZER
    ).exists():
        raise ValidationError(
            _("An organizer of the group cannot be banned from it."), code="organizer"
        )
    logged = _log(actor=actor, action=Action.BAN, reason=reason, report=report,
                  target=report.target if report else member, member=member, group=group)
    GroupBan.objects.get_or_create(
        study_group=group, user=member,
        defaults={"reason": logged.reason, "created_by": actor},
    )
    Membership.objects.filter(user=member, study_group=group).delete()
    Invitation.objects.filter(invitee=member, study_group=group).delete()
    deliveries_create_and_dispatch(
        Delivery.Kind.GROUP_BAN, f"action:{logged.pk}", [member.pk], {"action_id": logged.pk}
    )
    _resolve(report, Report.State.ACTIONED)
    return logged


def report_act(*, actor, report, action, reason, days=None):
    """Take ``action`` (ModerationAction.Action) on ``report``'s target, as
    ``actor``; returns the ModerationAction. Raises PermissionDenied when
    ``actor`` may not, ValidationError when the action does not fit the
    report (no member to warn, content that cannot be hidden)."""
    if action not in Action.values:
        raise ValidationError({"action": _("Choose an action.")}, code="invalid")
    if not may_act(actor, report, action):
        raise PermissionDenied(_("You may not take this action on this report."))
    target = report.target
    if target is None and action != Action.DISMISS:
        raise ValidationError(_("What was reported no longer exists."), code="gone")
    if action == Action.DISMISS:
        return report_dismiss(actor=actor, report=report, reason=reason)
    if action in (Action.HIDE, Action.UNHIDE):
        return content_hide(actor=actor, target=target, reason=reason, report=report,
                            hidden=action == Action.HIDE)
    member = _member_of_report(report)
    if action == Action.WARN:
        return member_warn(actor=actor, member=member, reason=reason, report=report,
                           group=report.study_group)
    if action == Action.SUSPEND:
        return member_suspend(actor=actor, member=member, days=days, reason=reason,
                              report=report)
    if report.study_group is None:
        raise ValidationError(
            _("This report is about no group: there is no group to ban from."), code="no_group"
        )
    return group_ban(actor=actor, group=report.study_group, member=member, reason=reason,
                     report=report)
