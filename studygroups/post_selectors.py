"""What a conversation's panel shows to a reader (the pages' template tag)."""

from meetups.models import Event
from studygroups.permissions import is_moderator, organizes
from studygroups.services import studygroup_time_zone

from .post_permissions import can_read, closed_reason, is_closed, is_participant, post_refusal
from .post_querysets import REPLIES_ON_PAGE, thread_page
from .post_services import is_following, thread_get

# Top-level posts on one page of a thread.
PAGE_SIZE = 20


def thread_context(user, owner, cursor=None, time_zone=None):
    """The panel of ``owner``'s (a study group's or an event's) conversation
    as ``user`` sees it: the page of posts only for those who may read.
    ``time_zone``: the group's, when the page knows it already. Each question
    (a participant? an organizer?) is asked of the database once."""
    if isinstance(owner, Event):
        group, event = owner.study_group, owner
    else:
        group, event = owner, None
    context = {
        "owner": owner, "group": group, "event": event, "kind": "event" if event else "group",
    }
    context["time_zone"] = (
        event.time_zone if event else time_zone or studygroup_time_zone(group)
    )
    participant = is_participant(user, group, event)
    if not can_read(user, group, event, participant=participant):
        context["readable"] = False
        return context
    thread = thread_get(group, event)
    posts, next_cursor = thread_page(
        thread, cursor, PAGE_SIZE, replies=REPLIES_ON_PAGE, newest_replies=True
    )
    organizer = organizes(user, group)
    moderates = organizer or is_moderator(user)
    refusal = post_refusal(user, group, event, thread, participant=participant,
                           moderates=moderates)
    context.update(
        readable=True,
        thread=thread,
        posts=posts,
        next_cursor=next_cursor,
        is_older_page=cursor is not None,
        can_moderate=moderates,
        refusal=refusal[1] if refusal else "",
        closed=is_closed(event),
        closed_reason=closed_reason(event) if is_closed(event) else "",
        following=is_following(user, thread, group, organizer=organizer),
        user_id=user.pk,
    )
    return context
