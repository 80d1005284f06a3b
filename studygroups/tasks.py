"""Celery tasks of the study groups: sending the recorded emails (every app's),
and new groups near members. Thin, idempotent, taking ids."""

import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone, translation

from . import notifications
from .models import Delivery, MemberProfile, Membership, StudyGroup


@shared_task(bind=True, max_retries=None)
def deliveries_send(self, delivery_ids):
    """Send the pending deliveries among ``delivery_ids``; retry those that
    failed after DELIVERY_RETRY_SECONDS, doubled each time, and after
    DELIVERY_MAX_RETRIES retries keep them as failed."""
    failed = [pk for pk in delivery_ids if not notifications.delivery_send(pk)]
    if not failed:
        return
    if self.request.retries >= settings.DELIVERY_MAX_RETRIES:
        notifications.deliveries_fail(failed)
        return
    raise self.retry(
        args=[failed], countdown=notifications.retry_countdown(self.request.retries)
    )


@shared_task
def deliveries_dispatch(kind, key):
    """Send the pending deliveries of ``kind`` about ``key``, one task per
    batch of recipients."""
    for batch in notifications.pending_batches(kind, key):
        deliveries_send.delay(batch)


# Deliveries still pending this long after they were recorded lost their task
# (the broker was down when the transaction committed, say): sent again.
STALE_AFTER = datetime.timedelta(minutes=15)


@shared_task
def deliveries_sweep():
    """Send again the deliveries left pending for STALE_AFTER (beat runs this)."""
    before = timezone.now() - STALE_AFTER
    after = 0
    while True:
        ids = list(
            Delivery.objects.pending()
            .filter(pk__gt=after, updated_at__lt=before)
            .order_by("pk")
            .values_list("pk", flat=True)[: notifications.BATCH_SIZE]
        )
        if not ids:
            return
        deliveries_send.delay(ids)
        after = ids[-1]


@shared_task
def group_alerts(group_id):
    """Tell the members whose home lies within their alert radius of the new
    study group ``group_id``, once (its members and organizers excepted).
    Run ALERT_DELAY_SECONDS after the group is created."""
    group = StudyGroup.objects.visible().filter(pk=group_id).first()
    if group is None or group.location is None:
        return 0
    recipients = (
        MemberProfile.objects.alerted_at(group.location)
        .wanting("notify_group_nearby")
        .exclude(user__in=Membership.objects.filter(study_group=group).values("user"))
        .values("user_id")
    )
    return notifications.deliveries_create_and_dispatch(
        Delivery.Kind.GROUP_NEARBY, f"group:{group.pk}", recipients, {"group_id": group.pk}
    )


@shared_task
def password_reset_send(email, domain, use_https, language):
    """Mail a password reset link to the active accounts with the confirmed
    address ``email`` (none: nothing), in ``language``, with links to
    ``domain``. The reset page enqueues this for any address it is given."""
    from .forms import VerifiedPasswordResetForm

    with translation.override(language):
        form = VerifiedPasswordResetForm({"email": email})
        if form.is_valid():
            form.save(
                domain_override=domain,
                use_https=use_https,
                subject_template_name="registration/password_reset_subject.txt",
                email_template_name="registration/password_reset_email.html",
            )


@shared_task
def email_verification_send(user_id):
    """Mail ``user_id`` the link that confirms their address, if it still
    waits for confirmation."""
    from .services import email_verification_message

    message = email_verification_message(user_id)
    if message is not None:
        message.send()


# The conversations' task lives with them; imported so that the worker finds it.
from .post_tasks import post_notify  # noqa: E402, F401
