"""Verbs of the conversations: post, reply, pin, remove, delete, follow."""

import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from .post_permissions import can_moderate, post_refusal, thread_owner
from .posts import POST_MAX_LENGTH, Post, Thread, ThreadFollow

logger = logging.getLogger(__name__)

RATE_KEY_PREFIX = "post-rate"


class PostingThrottled(Exception):
    """``user`` posted POSTS_PER_WINDOW times in this window; ``wait`` is
    the number of seconds until they may post again."""

    def __init__(self, wait):
        super().__init__(wait)
        self.wait = wait

    @property
    def message(self):
        minutes = max(1, math.ceil(self.wait / 60))
        return _(
            "You are posting too fast. Wait %(minutes)s minutes and try again; your "
            "text is kept below."
        ) % {"minutes": minutes}


def thread_get(group=None, event=None, create=False):
    """The thread of ``group`` or of ``event`` (exactly one of them): None
    when it has none yet, unless ``create``."""
    lookup = {"event": event} if event is not None else {"study_group": group}
    if not create:
        thread = Thread.objects.filter(**lookup).first()
    else:
        thread, _created = Thread.objects.get_or_create(**lookup)
    if thread is not None:
        # What the permissions ask of it, without another query.
        if event is not None:
            thread.event = event
        else:
            thread.study_group = group
    return thread


def posting_rate_check(user):
    """Count one post of ``user`` in the current window (Redis, shared by
    every worker); raise PostingThrottled past POSTS_PER_WINDOW. Without
    Redis, posting goes on unthrottled rather than failing."""
    window_s = settings.POST_WINDOW_SECONDS
    now = time.time()
    key = f"{RATE_KEY_PREFIX}:{user.pk}:{int(now // window_s)}"
    try:
        # add() then incr(): atomic in Redis, so concurrent posts lose no count.
        cache.add(key, 0, timeout=window_s + 60)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.add(key, 1, timeout=window_s + 60)
            count = 1
    except RedisError as exc:
        logger.warning("Posting rate not counted: %s", exc)
        return
    if count > settings.POSTS_PER_WINDOW:
        raise PostingThrottled(max(1, math.ceil(window_s - now % window_s)))


def body_clean(body):
    """The text of a post, trimmed, or a ValidationError on ``body``."""
    body = (body or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if not body:
        raise ValidationError({"body": _("Write something first.")}, code="post_body_empty")
    if len(body) > POST_MAX_LENGTH:
        raise ValidationError(
            {"body": _("A post has at most %(max)s characters; this one has %(length)s.")
             % {"max": f"{POST_MAX_LENGTH:,}", "length": f"{len(body):,}"}},
            code="post_body_too_long",
        )
    return body


def post_create(*, author, body, group=None, event=None, parent=None):
    """Post ``body`` in the conversation of ``group`` or of ``event`` (a reply
    when ``parent``, a top-level post of the same thread, is given), follow
    the thread for its author, and tell the followers once it commits.

    Raises ValidationError (with a ``code``: not_signed_in, hidden,
    not_a_participant, thread_closed, a registered rule's (suspended,
    banned: studygroups.post_moderation), or a field error
    on ``body`` or ``parent``) and PostingThrottled."""
    from .post_tasks import post_notify

    body = body_clean(body)
    if event is not None:
        group = event.study_group
    # The registered rules (a suspension, a ban) included.
    refusal = post_refusal(author, group, event)
    if refusal:
        code, message = refusal
        raise ValidationError(message, code=code)
    thread = thread_get(group, event, create=True)
    if parent is not None and (parent.thread_id != thread.pk or parent.parent_id is not None):
        raise ValidationError(
            {"parent": _("Reply to a post of this conversation that is not itself a reply.")},
            code="post_parent_invalid",
        )
    if parent is not None and not parent.is_visible:
        raise ValidationError(
            {"parent": _("This post was removed: it takes no more replies.")},
            code="post_parent_removed",
        )
    posting_rate_check(author)
    with transaction.atomic():
        post = Post.objects.create(thread=thread, parent=parent, author=author, body=body)
        # The author follows the threads they write in, unless they said otherwise.
        ThreadFollow.objects.bulk_create(
            [ThreadFollow(thread=thread, user=author, following=True)], ignore_conflicts=True
        )
        post_notify.delay_on_commit(post.pk)
    return post


def post_pin(post, *, user, pinned):
    """Pin (or unpin) the top-level visible ``post``; organizers of its group
    and moderators only."""
    group, _event = thread_owner(post.thread)
    if not can_moderate(user, group):
        raise PermissionDenied(_("Only the organizers pin posts."))
    if pinned and (post.parent_id is not None or not post.is_visible):
        raise ValidationError(
            {"pinned": _("Only a visible post that is not a reply can be pinned.")},
            code="post_not_pinnable",
        )
    Post.objects.filter(pk=post.pk).update(pinned=pinned)
    post.pinned = pinned
    return post


def post_remove(post, *, user):
    """An organizer's (or moderator's) removal: the post stays as a tombstone
    ("removed by an organizer") so its replies keep their context; its text
    is kept for the moderators but shown to nobody."""
    group, _event = thread_owner(post.thread)
    if not can_moderate(user, group):
        raise PermissionDenied(_("Only the organizers remove posts."))
    if post.status == Post.Status.VISIBLE:
        now = timezone.now()
        Post.objects.filter(pk=post.pk).update(
            status=Post.Status.REMOVED, removed_at=now, removed_by=user, pinned=False
        )
        post.status, post.removed_at, post.removed_by, post.pinned = (
            Post.Status.REMOVED, now, user, False,
        )
    return post


def post_delete(post, *, user):
    """The author deletes their own post: gone, or, when replies hang on it,
    a tombstone ("deleted by its author") without its text. Returns None
    when the row is gone, else the tombstone."""
    if post.author_id != user.pk:
        raise PermissionDenied(_("Only its author deletes a post."))
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        if post.parent_id is None and post.replies.exists():
            post.status = Post.Status.DELETED
            post.body = ""
            post.pinned = False
            post.removed_at = post.removed_at or timezone.now()
            post.save(update_fields=["status", "body", "pinned", "removed_at"])
            return post
        post.delete()
    return None


def thread_follow(user, *, following, group=None, event=None):
    """Record whether ``user`` wants emails about new posts in the thread of
    ``group`` or ``event``."""
    thread = thread_get(group, event, create=True)
    try:
        ThreadFollow.objects.update_or_create(
            thread=thread, user=user, defaults={"following": following}
        )
    except IntegrityError:  # a concurrent first follow: the row exists now
        ThreadFollow.objects.filter(thread=thread, user=user).update(following=following)
    return thread


def is_following(user, thread, group, organizer=None):
    """Whether ``user`` follows ``thread`` (organizers of ``group`` do until
    they say otherwise; ``organizer``: whether they organize it, if known)."""
    from studygroups.permissions import organizes

    if not user.is_authenticated:
        return False
    if thread is not None:
        row = ThreadFollow.objects.filter(thread=thread, user=user).values_list(
            "following", flat=True
        ).first()
        if row is not None:
            return row
    return organizes(user, group) if organizer is None else organizer
