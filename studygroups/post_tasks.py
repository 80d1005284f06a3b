"""Celery tasks of the conversations: thin, idempotent, taking ids."""

from celery import shared_task

from studygroups import notifications
from studygroups.models import Delivery

from .post_notifications import post_recipients
from .posts import Post


@shared_task
def post_notify(post_id):
    """Record and send the email of the new post ``post_id`` to the thread's
    followers (one Delivery each: a second run sends nothing more), unless
    it was removed meanwhile."""
    post = (
        Post.objects.select_related("thread__event")
        .filter(pk=post_id, status=Post.Status.VISIBLE)
        .first()
    )
    if post is None:
        return 0
    return notifications.deliveries_create_and_dispatch(
        Delivery.Kind.POST, f"post:{post.pk}", post_recipients(post), {"post_id": post.pk}
    )
