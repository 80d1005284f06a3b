"""Who may read, post in and moderate a conversation.

- A study group's thread: its active members and organizers read and post.
- An event's thread: the people going or waitlisted, and the active members
  of the event's group, read and post.
- Moderators (studygroups.permissions) read every thread; they and the
  organizers of the thread's group pin and remove posts. An event without a
  group is moderated by moderators only.
- Posting closes on a cancelled event, and a week after an event ended
  (``POSTING_DAYS_AFTER_EVENT``): the thread stays readable, and organizers
  still pin and remove.
- A group or event hidden by moderation (studygroups.moderation) hides its
  thread with it: only its organizers and the moderators read it then.

Every post goes through ``services.post_create``, which asks ``post_refusal``;
other rules (a suspended member, say) plug in with ``register_posting_rule``.
"""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from studygroups.permissions import MODERATE_PERMISSION, is_moderator, manages, organizes

# Posting in an event's thread stays open this long after the event ends
# (thanks, photos, "who found my umbrella").
POSTING_DAYS_AFTER_EVENT = 7

# Functions ``(user, thread) -> (code, message) | None``, asked in order after
# the rules of this module: the first refusal wins.
POSTING_RULES = []


def register_posting_rule(rule):
    """Add ``rule`` (``(user, thread) -> (code, message) | None``) to what a
    post must pass; usable as a decorator."""
    POSTING_RULES.append(rule)
    return rule


def thread_owner(thread):
    """(study group or None, event or None) of ``thread``."""
    if thread.event_id:
        return thread.event.study_group, thread.event
    return thread.study_group, None


def is_hidden(group, event=None):
    """Whether the thread of ``group`` or ``event`` is hidden by moderation
    (hiding a group hides its events too)."""
    return bool((group is not None and group.hidden) or (event is not None and event.hidden))


def hidden_from(user, group, event=None):
    """Whether ``user`` may not see that the thread of ``group`` or ``event``
    exists: it is hidden and they neither organize the group nor moderate."""
    return is_hidden(group, event) and not manages(user, group)


def is_participant(user, group, event=None):
    """Whether ``user`` takes part in the conversation of ``group`` (or of
    ``event``, whose group is ``group``): an active member of the group, or
    for an event someone going or waitlisted."""
    from meetups.models import RSVP
    from studygroups.models import Membership

    if not user.is_authenticated:
        return False
    if group is not None and Membership.objects.filter(
        user=user, study_group=group, status=Membership.Status.ACTIVE
    ).exists():
        return True
    return event is not None and RSVP.objects.filter(
        user=user, event=event, status__in=[RSVP.Status.YES, RSVP.Status.WAITLIST]
    ).exists()


def can_read(user, group, event=None, participant=None):
    """Whether ``user`` sees the conversation of ``group`` or ``event``
    (``participant``: ``is_participant``'s answer, when already known)."""
    if not user.is_authenticated or hidden_from(user, group, event):
        return False
    if is_moderator(user):
        return True
    return is_participant(user, group, event) if participant is None else participant


def can_moderate(user, group):
    """Whether ``user`` pins and removes posts in the conversations of
    ``group`` (None: an event without a group, moderators only)."""
    return is_moderator(user) or organizes(user, group)


def is_closed(event, now=None):
    """Whether posting is over in ``event``'s thread (None: a group's, never)."""
    if event is None:
        return False
    now = now or timezone.now()
    return event.status == "cancelled" or event.during.upper + datetime.timedelta(
        days=POSTING_DAYS_AFTER_EVENT
    ) <= now


def closed_reason(event):
    if event.status == "cancelled":
        return _("This event was cancelled: its conversation is closed.")
    return _("This event is over: its conversation is closed.")


def post_refusal(user, group, event=None, thread=None, participant=None, moderates=None):
    """Why ``user`` may not post in the conversation of ``group`` or
    ``event``: (code, message), or None when they may (``participant`` and
    ``moderates``: ``is_participant``'s and ``can_moderate``'s answers, when
    the caller knows them already). The registered rules
    are asked first (a suspension or a ban says why), with the ``thread`` or,
    when it does not exist yet, an unsaved one of ``group`` or ``event``."""
    if not user.is_authenticated:
        return "not_signed_in", _("Sign in to take part in the conversation.")
    if hidden_from(user, group, event):
        return "hidden", _("This conversation is hidden by moderation.")
    if thread is None:
        from .posts import Thread

        thread = Thread(study_group=None if event is not None else group, event=event)
    if refusal := rules_refusal(user, thread):
        return refusal
    if participant is None:
        participant = is_participant(user, group, event)
    if not participant and not (can_moderate(user, group) if moderates is None else moderates):
        if event is not None:
            message = _("Only the group's members and the people going take part here.")
        else:
            message = _("Only the group's members take part in its conversation.")
        return "not_a_participant", message
    if is_closed(event):
        return "thread_closed", closed_reason(event)
    return None


def rules_refusal(user, thread):
    """The first refusal of the registered POSTING_RULES, or None."""
    for rule in POSTING_RULES:
        refusal = rule(user, thread)
        if refusal:
            return refusal
    return None


def can_post(user, thread):
    """Whether ``user`` may post in ``thread`` now (the hook's entry point)."""
    group, event = thread_owner(thread)
    return post_refusal(user, group, event, thread) is None


def readers(group, event=None):
    """The users who may read the conversation of ``group`` or ``event``, as
    a QuerySet of user ids (a subquery, never loaded)."""
    from meetups.models import RSVP
    from studygroups.models import Membership

    app_label, codename = MODERATE_PERMISSION.split(".")
    moderate = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    who = (
        Q(is_superuser=True)
        | Q(pk__in=get_user_model().user_permissions.through.objects.filter(
            permission__in=moderate
        ).values("user_id"))
        | Q(groups__permissions__in=moderate)
    )
    if is_hidden(group, event):  # moderators only, as the page itself
        return get_user_model().objects.filter(who, is_active=True).values("pk")
    if group is not None:
        who |= Q(pk__in=Membership.objects.filter(
            study_group=group, status=Membership.Status.ACTIVE
        ).values("user_id"))
    if event is not None:
        who |= Q(pk__in=RSVP.objects.filter(
            event=event, status__in=[RSVP.Status.YES, RSVP.Status.WAITLIST]
        ).values("user_id"))
    return get_user_model().objects.filter(who, is_active=True).values("pk")
