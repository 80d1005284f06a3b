"""The emails of reports and moderation (studygroups.notifications.composer):
a new report to the organizers and moderators, and a warning, a suspension or
a ban to the member concerned. Always sent (no notification setting turns
them off), in the recipient's language."""

from django.urls import reverse
from django.utils.translation import gettext as _

from places.timezones import format_local_named

from .models import Delivery
from .notifications import Message, composer, site_url
from .reports import ModerationAction, Report

Kind = Delivery.Kind


def target_name(obj):
    """What a person calls a reported thing: a group's name, an event's
    title, a member's username."""
    if obj is None:
        return "?"
    for attribute in ("name", "title"):
        if getattr(obj, attribute, None):
            return getattr(obj, attribute)
    if hasattr(obj, "get_username"):
        return obj.get_username()
    return str(obj)


@composer(Kind.REPORT)
def report_message(delivery):
    report = (
        Report.objects.select_related("study_group", "content_type")
        .filter(pk=delivery.data.get("report_id"), state=Report.State.OPEN)
        .first()
    )
    if report is None:  # answered meanwhile
        return None
    names = {
        "kind": report.reportable.label if report.reportable else report.kind,
        "name": target_name(report.target),
        "reason": report.get_reason_display(),
    }
    lines = [_("Someone reported the %(kind)s “%(name)s”: %(reason)s.") % names]
    if report.details:
        lines.append(_("They wrote: %(details)s") % {"details": report.details})
    lines.append(_("Dismiss it, or act on it, in the moderation queue."))
    return Message(
        subject=_("New report: %(kind)s “%(name)s”") % names,
        lines=lines,
        url=site_url(reverse("admin:studygroups_report_change", args=[report.pk])),
        url_label=_("Open the report"),
    )


def _action(delivery, action):
    return (
        ModerationAction.objects.select_related("study_group")
        .filter(pk=delivery.data.get("action_id"), action=action)
        .first()
    )


@composer(Kind.MODERATION_WARNING)
def warning_message(delivery):
    action = _action(delivery, ModerationAction.Action.WARN)
    if action is None:
        return None
    who = (
        _("The organizers of “%(group)s”") % {"group": action.study_group.name}
        if action.study_group
        else _("The moderators")
    )
    return Message(
        subject=_("A warning about your activity"),
        lines=[
            _("%(who)s warn you about your activity on the site. Their reason:")
            % {"who": who},
            action.reason,
            _("Please keep to the community's rules; a repeat may lead to a ban or a "
              "suspension."),
        ],
    )


@composer(Kind.SUSPENSION)
def suspension_message(delivery):
    action = _action(delivery, ModerationAction.Action.SUSPEND)
    if action is None or action.until is None:
        return None
    until = format_local_named(action.until)
    return Message(
        subject=_("Your account is suspended"),
        lines=[
            _(
                "The moderators suspended your account until %(until)s: until "
                "then you cannot post, answer events, join or create groups. Their reason:"
            )
            % {"until": until},
            action.reason,
        ],
    )


@composer(Kind.GROUP_BAN)
def ban_message(delivery):
    action = _action(delivery, ModerationAction.Action.BAN)
    if action is None or action.study_group is None:
        return None
    names = {"group": action.study_group.name}
    return Message(
        subject=_("You were removed from %(group)s") % names,
        lines=[
            _("The organizers of “%(group)s” removed you from the group and banned you "
              "from joining it again. Their reason:") % names,
            action.reason,
        ],
    )
