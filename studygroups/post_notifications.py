"""The email of a new post, sent by studygroups.notifications to the thread's
followers who still may read it (never its author)."""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from studygroups.models import Delivery, Membership
from studygroups.notifications import Message, composer, site_url

from .people import display_name
from .post_permissions import can_read, readers, thread_owner
from .post_services import is_following
from .posts import Post, ThreadFollow

Kind = Delivery.Kind

# An email quotes at most this much of the post.
QUOTED_LENGTH = 1500


def followers(thread, group):
    """Who follows ``thread`` (user ids, a subquery): those whose row says
    so, and the organizers of ``group`` who have no row."""
    from django.contrib.auth import get_user_model

    said_yes = ThreadFollow.objects.filter(thread=thread, following=True).values("user_id")
    organizers = Membership.objects.filter(
        study_group=group, role=Membership.Role.ORGANIZER, status=Membership.Status.ACTIVE
    ).exclude(
        Exists(ThreadFollow.objects.filter(thread=thread, user_id=OuterRef("user_id")))
    ).values("user_id")
    who = Q(pk__in=said_yes)
    if group is not None:
        who |= Q(pk__in=organizers)
    return get_user_model().objects.filter(who).values("pk")


def post_recipients(post):
    """The users told of ``post`` (ids, a subquery): the thread's followers
    who may read it and want these emails, its author excepted."""
    from django.contrib.auth import get_user_model

    group, event = thread_owner(post.thread)
    return (
        get_user_model().objects.filter(pk__in=followers(post.thread, group))
        .filter(pk__in=readers(group, event))
        .exclude(pk=post.author_id)
        .exclude(profile__notify_posts=False)
        .values("pk")
    )


def post_quote(body):
    """Paragraphs of ``body`` for an email (plain text: the templates escape)."""
    if len(body) > QUOTED_LENGTH:
        body = body[:QUOTED_LENGTH].rstrip() + "…"
    return [line for line in body.split("\n") if line.strip()]


def signature(post):
    """Who wrote ``post``, in the active language."""
    return display_name(post.author) if post.author else _("a former member")


@composer(Kind.POST)
def post_message(delivery):
    post = (
        Post.objects.select_related(
            "author__profile", "thread__study_group", "thread__event__study_group",
            "parent__author__profile",
        )
        .filter(pk=delivery.data.get("post_id"), status=Post.Status.VISIBLE)
        .first()
    )
    if post is None:  # removed or deleted before it went out
        return None
    group, event = thread_owner(post.thread)
    user = delivery.recipient
    # Left the group, no longer going, or unfollowed since.
    if not can_read(user, group, event) or not is_following(user, post.thread, group):
        return None
    names = {"author": signature(post), "where": str(event or group)}
    if post.parent_id:
        opening = _("%(author)s replied to %(parent)s in the conversation of “%(where)s”:") % {
            **names, "parent": signature(post.parent)
        }
    else:
        opening = _("%(author)s wrote in the conversation of “%(where)s”:") % names
    return Message(
        subject=_("%(author)s in “%(where)s”") % names,
        lines=[opening, *post_quote(post.body)],
        url=site_url(post.get_absolute_url()),
        url_label=_("Read and answer"),
    )
