"""``{% join_prompt event %}``: on an event page, what a visitor who is not (yet)
a member of the event's approval-required group can do about it."""

from django import template
from django.utils import timezone

from studygroups.models import Membership, StudyGroup

register = template.Library()


@register.inclusion_tag("studygroups/join_prompt.html", takes_context=True)
def join_prompt(context, event):
    """Ask to join the event's group and come back here, or see that the
    request is pending. Nothing for open groups, events without a group,
    members, or events that can no longer be answered (cancelled or started)."""
    request, group = context["request"], event.study_group
    shown = {"group": group, "request": request, "membership": None, "show": False}
    if (
        group is None
        or group.join_policy != StudyGroup.JoinPolicy.APPROVAL
        or event.status != event.Status.SCHEDULED
        or event.during.lower <= timezone.now()
    ):
        return shown
    if request.user.is_authenticated:
        shown["membership"] = Membership.objects.filter(
            user=request.user, study_group=group
        ).first()
        if shown["membership"] and shown["membership"].status == Membership.Status.ACTIVE:
            return shown
    shown["show"] = True
    return shown
