"""Emails to members: recorded as Delivery rows, composed in the recipient's
language when sent, sent once.

A notice goes out in three steps, each safe to repeat:

1. ``deliveries_create`` inserts one Delivery per recipient in one statement
   (``INSERT ... SELECT ... ON CONFLICT DO NOTHING``), inside the transaction
   that made the news, or in a task for the alerts and reminders;
2. ``studygroups.tasks.deliveries_dispatch`` walks the pending ones by keyset,
   500 to a task, and
3. ``delivery_send`` sends one: it locks the row (``SKIP LOCKED``: a second
   worker on the same batch passes it by), sends, and marks it sent, so a task
   delivered twice, a retry or a second beat never sends the same message
   twice. A failure is recorded on the row and retried with backoff; a row
   still failing is kept as failed (the admin lists and resends it).

Each app registers how to write its kinds (``composer``); a composer returns
None when there is nothing to say any more (a cancelled event's alert).
"""

import dataclasses
import json
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Delivery, EmailVerification, MemberProfile

logger = logging.getLogger(__name__)

Kind = Delivery.Kind

# The member's setting (a MemberProfile field) that each kind obeys; its
# unsubscribe link turns that setting off.
PREFERENCE = {
    Kind.EVENT_NEARBY: "notify_event_nearby",
    Kind.GROUP_NEARBY: "notify_group_nearby",
    Kind.REMINDER_24H: "notify_reminders",
    Kind.REMINDER_2H: "notify_reminders",
    Kind.DIGEST: "notify_digest",
    Kind.EVENT_CANCELLED: "notify_event_updates",
    Kind.EVENT_CHANGED: "notify_event_updates",
    Kind.WAITLIST_PROMOTED: "notify_event_updates",
    Kind.JOIN_REQUEST: "notify_membership",
    Kind.JOIN_APPROVED: "notify_membership",
    Kind.JOIN_DECLINED: "notify_membership",
    Kind.INVITATION: "notify_membership",
    Kind.POST: "notify_posts",
}
PREFERENCES = tuple(dict.fromkeys(PREFERENCE.values()))
# Kinds not in PREFERENCE (reports to review, a moderator's warning, a
# suspension, a ban) are about the member's account or their duties as an
# organizer: always sent, without an unsubscribe link.

# How many recipients one sending task takes.
BATCH_SIZE = 500

UNSUBSCRIBE_SALT = "cerca.notifications.unsubscribe"


def site_url(path=""):
    """``path`` on the site's address (settings.SITE_URL): emails leave every
    request behind, so their links cannot come from one."""
    return f"{settings.SITE_URL}{path}"


class SiteRequest:
    """The two things meetups.feeds asks of a request (its host, absolute
    URLs), answered from SITE_URL, to build an .ics outside any request."""

    def get_host(self):
        return urlsplit(settings.SITE_URL).netloc

    def build_absolute_uri(self, path):
        return site_url(path)


# Composing --------------------------------------------------------------------


@dataclasses.dataclass
class Message:
    """What a composer says; ``lines`` are paragraphs of plain text, ``items``
    a list (the digest's events), each a dict with ``title``, ``when``,
    ``where`` and ``url``."""

    subject: str
    lines: list
    url: str = ""
    url_label: str = ""
    items: list = dataclasses.field(default_factory=list)
    attachments: list = dataclasses.field(default_factory=list)  # (name, bytes, mimetype)


COMPOSERS = {}


def composer(*kinds):
    """Register a function ``(delivery) -> Message | None`` that writes the
    emails of ``kinds``, called in the recipient's language."""

    def register(function):
        for kind in kinds:
            COMPOSERS[kind] = function
        return function

    return register


def recipient_language(user):
    """The language of ``user``'s emails: their profile's, else the site's."""
    profile = MemberProfile.objects.filter(user=user).only("language").first()
    return profile.language if profile else settings.LANGUAGE_CODE


def wants(user, kind):
    """Whether ``user`` still wants emails of ``kind`` (yes without a profile:
    every kind is on by default)."""
    preference = PREFERENCE.get(kind)
    if preference is None:
        return True
    return not MemberProfile.objects.filter(user=user, **{preference: False}).exists()


def email_confirmed(user):
    """Whether mail may go to ``user.email``: there is one, and it is not an
    address still waiting for its owner to confirm it (EmailVerification)."""
    return bool(user.email) and not EmailVerification.objects.filter(
        user=user, email__iexact=user.email
    ).exists()


def unsubscribe_token(user, preference):
    """A signed token saying "turn ``preference`` off for ``user``": only this
    site can make one, and any change to it breaks the signature."""
    return signing.dumps([user.pk, preference], salt=UNSUBSCRIBE_SALT)


def unsubscribe_read(token):
    """(user id, preference) from a token, or None when it is forged,
    altered or names no preference."""
    try:
        user_id, preference = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if preference not in PREFERENCES or not isinstance(user_id, int):
        return None
    return user_id, preference


def unsubscribe_url(user, preference):
    return site_url(reverse("unsubscribe", args=[unsubscribe_token(user, preference)]))


def preference_label(preference):
    """What a preference turns on or off, in the active language."""
    return str(MemberProfile._meta.get_field(preference).verbose_name)


def email_build(delivery):
    """The EmailMultiAlternatives for ``delivery`` (text and HTML, in the
    recipient's language, with the one-click unsubscribe of RFC 8058), or None
    when its composer has nothing to say any more."""
    user = delivery.recipient
    with translation.override(recipient_language(user)):
        message = COMPOSERS[delivery.kind](delivery)
        if message is None:
            return None
        preference = PREFERENCE.get(delivery.kind)
        unsubscribe = unsubscribe_url(user, preference) if preference else ""
        context = {
            "message": message,
            "site_name": settings.SITE_NAME,
            "site_url": site_url("/"),
            "user": user,
            "unsubscribe_url": unsubscribe,
            "preference_label": preference_label(preference) if preference else "",
            "settings_url": site_url(reverse("notification-settings")),
        }
        text = render_to_string("emails/message.txt", context)
        html = render_to_string("emails/message.html", context)
        subject = f"[{settings.SITE_NAME}] {message.subject}"
    headers = {}
    if unsubscribe:
        headers = {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    email = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, [user.email], headers=headers
    )
    email.attach_alternative(html, "text/html")
    for name, content, mimetype in message.attachments:
        email.attach(name, content, mimetype)
    return email


# Recording and sending --------------------------------------------------------


def deliveries_create(kind, key, user_ids, data=None):
    """Record a ``kind`` email about ``key`` for each user in ``user_ids`` (a
    QuerySet of user ids, run inside the INSERT, never loaded into Python)
    who has an email address and has not been sent this one. Returns how
    many were recorded; the caller dispatches them (``deliveries_dispatch``)."""
    from django.contrib.auth import get_user_model

    user_ids = get_user_model().objects.filter(pk__in=user_ids).exclude(email="").values("pk")
    sql, params = user_ids.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Delivery._meta.db_table}
                (kind, key, recipient_id, data, created_at, updated_at)
            SELECT %s, %s, recipients.pk, %s::jsonb, now(), now()
            FROM ({sql}) AS recipients
            ON CONFLICT (kind, key, recipient_id) DO NOTHING
            """,
            [kind, key, json.dumps(data or {}, cls=DjangoJSONEncoder), *params],
        )
        return cursor.rowcount


def deliveries_create_and_dispatch(kind, key, user_ids, data=None):
    """``deliveries_create``, and the sending once the transaction commits."""
    from .tasks import deliveries_dispatch

    count = deliveries_create(kind, key, user_ids, data)
    if count:
        deliveries_dispatch.delay_on_commit(kind, key)
    return count


def pending_batches(kind, key, size=BATCH_SIZE):
    """The ids of the pending deliveries of ``kind`` about ``key``, in lists of
    ``size``, walked by recipient on the unique index (keyset, no OFFSET)."""
    after = 0
    while True:
        rows = list(
            Delivery.objects.pending()
            .filter(kind=kind, key=key, recipient_id__gt=after)
            .order_by("recipient_id")
            .values_list("pk", "recipient_id")[:size]
        )
        if not rows:
            return
        yield [pk for pk, _recipient in rows]
        after = rows[-1][1]


def delivery_send(delivery_id):
    """Send the delivery ``delivery_id`` if it is still pending. Returns False
    when sending failed (the error is recorded on it, and the caller retries),
    True otherwise: sent now, sent or given up before, being sent by another
    worker, or not wanted any more (marked skipped)."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True)
            .select_related("recipient")
            .filter(pk=delivery_id, status=Delivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return True
        email = (
            email_build(delivery)
            if delivery.recipient.is_active
            and email_confirmed(delivery.recipient)
            and wants(delivery.recipient, delivery.kind)
            else None
        )
        if email is None:
            delivery.status = Delivery.Status.SKIPPED
            delivery.save(update_fields=["status", "updated_at"])
            return True
        delivery.attempts += 1
        delivery.subject = email.subject[:255]
        try:
            # The row stays locked while the mail server answers, so no other
            # worker sends it meanwhile.
            email.send()
        except Exception as exc:  # any backend error: recorded, retried
            logger.warning("Delivery %s failed: %s", delivery.pk, exc)
            delivery.error = f"{type(exc).__name__}: {exc}"[:2000]
            delivery.save(update_fields=["attempts", "error", "subject", "updated_at"])
            return False
        delivery.status = Delivery.Status.SENT
        delivery.sent_at = timezone.now()
        delivery.error = ""
        delivery.save(
            update_fields=["status", "sent_at", "attempts", "error", "subject", "updated_at"]
        )
        return True


def deliveries_fail(delivery_ids):
    """Give up on the still-pending deliveries of ``delivery_ids``: they are
    kept, marked failed with their last error, for a moderator to resend."""
    return (
        Delivery.objects.pending()
        .filter(pk__in=delivery_ids)
        .update(status=Delivery.Status.FAILED, updated_at=timezone.now())
    )


def deliveries_resend(queryset):
    """Make failed (or skipped) deliveries pending again and send them; the
    admin's "Resend" action. Returns how many."""
    from .tasks import deliveries_send

    ids = list(
        queryset.exclude(status=Delivery.Status.SENT).values_list("pk", flat=True)
    )
    Delivery.objects.filter(pk__in=ids).update(
        status=Delivery.Status.PENDING, attempts=0, updated_at=timezone.now()
    )
    for start in range(0, len(ids), BATCH_SIZE):
        deliveries_send.delay_on_commit(ids[start : start + BATCH_SIZE])
    return len(ids)


def retry_countdown(retries):
    """Seconds before retry number ``retries + 1``: DELIVERY_RETRY_SECONDS,
    doubled each time."""
    return settings.DELIVERY_RETRY_SECONDS * 2**retries


# The study groups' own emails ---------------------------------------------------


@composer(Kind.JOIN_REQUEST)
def join_request_message(delivery):
    from .models import Membership

    membership = (
        Membership.objects.select_related("user", "study_group")
        .filter(pk=delivery.data.get("membership_id"), status=Membership.Status.PENDING)
        .first()
    )
    if membership is None:  # withdrawn or answered meanwhile
        return None
    names = {"user": membership.user.get_username(), "group": membership.study_group.name}
    return Message(
        subject=_("%(user)s asks to join %(group)s") % names,
        lines=[
            _(
                "%(user)s asks to join your study group “%(group)s”. Approve or decline "
                "the request on the group's page."
            )
            % names
        ],
        url=site_url(membership.study_group.get_absolute_url()),
        url_label=_("Open the group's page"),
    )


@composer(Kind.JOIN_APPROVED, Kind.JOIN_DECLINED)
def join_answer_message(delivery):
    from .models import StudyGroup

    group = StudyGroup.objects.filter(pk=delivery.data.get("group_id")).first()
    if group is None:
        return None
    names = {"group": group.name}
    if delivery.kind == Kind.JOIN_APPROVED:
        subject = _("You are now a member of %(group)s") % names
        line = _("The organizers of “%(group)s” approved your request to join.") % names
    else:
        subject = _("Your request to join %(group)s") % names
        line = _("The organizers of “%(group)s” declined your request to join.") % names
    return Message(
        subject=subject,
        lines=[line],
        url=site_url(group.get_absolute_url()),
        url_label=_("Open the group's page"),
    )


@composer(Kind.INVITATION)
def invitation_message(delivery):
    from .models import Invitation

    invitation = (
        Invitation.objects.select_related("study_group", "invited_by")
        .filter(pk=delivery.data.get("invitation_id"))
        .first()
    )
    if invitation is None:  # answered or withdrawn meanwhile
        return None
    group = invitation.study_group
    names = {
        "group": group.name,
        "organizer": invitation.invited_by.get_username() if invitation.invited_by else "",
    }
    return Message(
        subject=_("You are invited to join %(group)s") % names,
        lines=[
            _(
                "%(organizer)s invites you to join the study group “%(group)s”. You are "
                "not a member unless you accept: accept or decline on the group's page."
            )
            % names
        ],
        url=site_url(group.get_absolute_url()),
        url_label=_("Open the group's page"),
    )


@composer(Kind.GROUP_NEARBY)
def group_nearby_message(delivery):
    from .models import StudyGroup

    group = StudyGroup.objects.filter(pk=delivery.data.get("group_id")).first()
    if group is None or group.location is None:
        return None
    lines = [
        _("A new study group meets near you: “%(group)s”.") % {"group": group.name},
    ]
    where = ", ".join(part for part in (group.address, group.city) if part)
    if where:
        lines.append(_("Where: %(where)s") % {"where": where})
    if group.description:
        lines.append(group.description)
    return Message(
        subject=_("New study group near you: %(group)s") % {"group": group.name},
        lines=lines,
        url=site_url(group.get_absolute_url()),
        url_label=_("Open the group's page"),
    )
