"""Conversations under moderation (studygroups.moderation): posts are
reportable, and members suspended site-wide or banned from the group do not
post or reply (the rules of ``post_permissions.register_posting_rule``).
Hidden groups and events hide their threads in ``post_permissions`` itself."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .moderation import is_banned, suspension_refusal
from .post_permissions import can_read, register_posting_rule, thread_owner
from .reports import reportable


def post_group(post):
    """The study group whose organizers receive reports about ``post``
    (None for an event without a group: moderators only)."""
    return thread_owner(post.thread)[0]


reportable(
    "post",
    "studygroups.Post",
    gettext_lazy("post"),
    group_of=post_group,
    author_of=lambda post: post.author,
    visible={"status": "visible"},
    readable_by=lambda user, post: can_read(user, *thread_owner(post.thread)),
    # Hiding a post is an organizer's removal: a tombstone that keeps its replies.
    hide_with=lambda post, actor: _remove(post, actor),
)


def _remove(post, actor):
    from .post_services import post_remove

    return post_remove(post, user=actor)


@register_posting_rule
def suspended_members_do_not_post(user, thread):
    refusal = suspension_refusal(user)
    return ("suspended", refusal.messages[0]) if refusal else None


@register_posting_rule
def banned_members_do_not_post(user, thread):
    group, _event = thread_owner(thread)
    if is_banned(user, group):
        return "banned", _(
            "The organizers of this group have banned you from it: you cannot post "
            "in its conversations."
        )
    return None
