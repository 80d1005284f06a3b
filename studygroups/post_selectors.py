"""What a conversation's panel shows to a reader (the pages' template tag)."""

from meetups.models import Event
from studygroups.services import studygroup_time_zone

from .post_permissions import can_moderate, can_read, closed_reason, is_closed, post_refusal
from .post_querysets import thread_page
from .post_services import is_following, thread_get

# Top-level posts on one page of a thread.
PAGE_SIZE = 20


def thread_context(user, owner, cursor=None):
    """The panel of ``owner``'s (a study group's or an event's) conversation
    as ``user`` sees it: the page of posts only for those who may read."""
    if isinstance(owner, Event):
        group, event = owner.study_group, owner
    else:
        group, event = owner, None
    context = {
        "owner": owner, "group": group, "event": event, "kind": "event" if event else "group",
    }
    context["time_zone"] = event.time_zone if event else studygroup_time_zone(group)
    if not can_read(user, group, event):
        context["readable"] = False
        return context
    thread = thread_get(group, event)
    posts, next_cursor = thread_page(thread, cursor, PAGE_SIZE)
    refusal = post_refusal(user, group, event, thread) if thread else post_refusal(
        user, group, event
    )
    context.update(
        readable=True,
        thread=thread,
        posts=posts,
        next_cursor=next_cursor,
        is_older_page=cursor is not None,
        can_moderate=can_moderate(user, group),
        refusal=refusal[1] if refusal else "",
        closed=is_closed(event),
        closed_reason=closed_reason(event) if is_closed(event) else "",
        following=is_following(user, thread, group),
        user_id=user.pk,
    )
    return context
