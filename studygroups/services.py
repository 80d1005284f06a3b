"""Verbs that change study groups. Views and the API call these, never save() directly."""

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from places.timezones import site_time_zone, time_zone_at
from studygroups.permissions import manages, organizers_group

from .models import Delivery, EmailVerification, Invitation, Membership, StudyGroup
from .notifications import deliveries_create_and_dispatch


def unique_slug(name, exclude_pk=None):
    """A slug for ``name`` that no other group uses: the slugified name, then -2, -3..."""
    base = slugify(name)[:200] or "grupo"
    taken = set(
        StudyGroup.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def studygroup_time_zone_guess(location):
    """The likely time zone of a group meeting at ``location``: the zone of the
    nearest gazetteer city, or the site's (settings.TIME_ZONE) for an online
    group or an empty gazetteer."""
    return time_zone_at(location) or site_time_zone()


def studygroup_time_zone(group):
    """The time zone of ``group``'s events: its own, or else its guess from
    the location (a group saved in the admin with the zone left empty)."""
    return group.time_zone or studygroup_time_zone_guess(group.location)


@transaction.atomic
def studygroup_create(*, organizer, topics=(), **fields):
    """Create a study group with ``organizer`` as its first organizer, in the
    time zone of its location when ``time_zone`` is not given.

    Raises django.core.exceptions.ValidationError naming the field when a
    model rule or database constraint refuses the values, or with code
    "suspended" when ``organizer`` is suspended (studygroups.moderation).
    """
    from .moderation import refuse_if_suspended

    refuse_if_suspended(organizer)
    if not fields.get("slug"):
        fields["slug"] = unique_slug(fields.get("name", ""))
    if not fields.get("time_zone"):
        fields["time_zone"] = studygroup_time_zone_guess(fields.get("location"))
    group = StudyGroup(**fields)
    group.full_clean()
    group.save()
    group.topics.set(topics)
    Membership.objects.create(
        user=organizer, study_group=group, role=Membership.Role.ORGANIZER
    )
    grant_organizer_access(organizer)
    if group.location is not None:
        alerts_schedule("group", group.pk)
    return group


def alerts_schedule(kind, pk):
    """Once the transaction commits, tell members near the new ``kind``
    ("group" or "event") ``pk`` after ALERT_DELAY_SECONDS, so that quick
    edits, or a cancellation, settle first."""
    from meetups.tasks import event_alerts

    from .tasks import group_alerts

    task = group_alerts if kind == "group" else event_alerts
    task.apply_async_on_commit((pk,), countdown=settings.ALERT_DELAY_SECONDS)


@transaction.atomic
def studygroup_update(group, *, topics=None, **fields):
    """Change a study group's fields (and topics, when given); same errors as
    create. A time zone given empty is guessed again from the location."""
    for name, value in fields.items():
        setattr(group, name, value)
    if "time_zone" in fields and not group.time_zone:
        group.time_zone = studygroup_time_zone_guess(group.location)
    group.full_clean()
    group.save()
    if topics is not None:
        group.topics.set(topics)
    return group


def grant_organizer_access(user):
    """Let an organizer into the admin, where they see only their own groups'
    records (the "Organizers" group holds the model permissions)."""
    user.groups.add(organizers_group())
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])


def _locked(group):
    # Serializes joins to one group, so capacity holds under concurrent requests.
    return StudyGroup.objects.select_for_update().get(pk=group.pk)


@transaction.atomic
def studygroup_join(*, user, group):
    """Join ``group``: an active member of an open group, or a pending request
    for one whose organizers approve members, who are then emailed. Joining
    twice changes nothing and sends nothing.

    Raises ValidationError (code "full") when the group has no room left,
    "banned" when its organizers banned ``user``, "suspended" when ``user`` is
    suspended site-wide.
    """
    from .moderation import refuse_if_banned, refuse_if_suspended

    group = _locked(group)
    membership = Membership.objects.filter(user=user, study_group=group).first()
    if membership:
        return membership
    refuse_if_banned(user, group)
    refuse_if_suspended(user)
    if group.memberships.filter(status=Membership.Status.ACTIVE).count() >= group.capacity:
        raise ValidationError(_("This group is full."), code="full")
    status = (
        Membership.Status.PENDING
        if group.join_policy == StudyGroup.JoinPolicy.APPROVAL
        else Membership.Status.ACTIVE
    )
    membership = Membership.objects.create(user=user, study_group=group, status=status)
    if status == Membership.Status.PENDING:
        membership_request_notify(membership)
    return membership


def membership_request_notify(membership):
    """Email the organizers of the group that ``membership`` (a pending
    request) asks to join, each in their own language, once the transaction
    that made it commits."""
    organizers = membership.study_group.memberships.filter(
        role=Membership.Role.ORGANIZER, status=Membership.Status.ACTIVE
    ).values("user_id")
    return deliveries_create_and_dispatch(
        Delivery.Kind.JOIN_REQUEST,
        f"membership:{membership.pk}",
        organizers,
        {"membership_id": membership.pk},
    )


@transaction.atomic
def studygroup_leave(*, user, group):
    """Leave ``group`` (or withdraw a pending request).

    Raises ValidationError (code "last_organizer") rather than leave a group
    without organizers.
    """
    group = _locked(group)
    membership = Membership.objects.filter(user=user, study_group=group).first()
    if membership is None:
        return
    if (
        membership.role == Membership.Role.ORGANIZER
        and not group.memberships.filter(role=Membership.Role.ORGANIZER)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise ValidationError(
            _("You are this group's only organizer: name another organizer first."),
            code="last_organizer",
        )
    membership.delete()


def _check_organizer(actor, group):
    # Organizers of the group, and moderators, who may change every group.
    if not manages(actor, group):
        raise PermissionDenied(_("Only this group's organizers may do this."))


@transaction.atomic
def membership_approve(*, actor, membership):
    """An organizer accepts a pending request; the requester becomes a member."""
    _check_organizer(actor, membership.study_group)
    group = _locked(membership.study_group)
    if group.memberships.filter(status=Membership.Status.ACTIVE).count() >= group.capacity:
        raise ValidationError(_("This group is full."), code="full")
    membership.status = Membership.Status.ACTIVE
    membership.save(update_fields=["status"])
    _tell_requester(membership, approved=True)
    return membership


def _tell_requester(membership, *, approved):
    """Email the person who asked to join whether the organizers said yes,
    once the transaction commits, in their own language."""
    deliveries_create_and_dispatch(
        Delivery.Kind.JOIN_APPROVED if approved else Delivery.Kind.JOIN_DECLINED,
        f"membership:{membership.pk}",
        [membership.user_id],
        {"group_id": membership.study_group_id},
    )


@transaction.atomic
def membership_decline(*, actor, membership):
    """An organizer declines a pending request; it is removed."""
    _check_organizer(actor, membership.study_group)
    if membership.status != Membership.Status.PENDING:
        raise ValidationError(_("Only pending requests can be declined."), code="not_pending")
    _tell_requester(membership, approved=False)
    membership.delete()


@transaction.atomic
def organizer_add(*, actor, membership):
    """An organizer makes an active member a co-organizer."""
    _check_organizer(actor, membership.study_group)
    if membership.status != Membership.Status.ACTIVE:
        raise ValidationError(_("Approve the request first."), code="not_active")
    membership.role = Membership.Role.ORGANIZER
    membership.save(update_fields=["role"])
    grant_organizer_access(membership.user)
    return membership


# Invitations ----------------------------------------------------------------------


@transaction.atomic
def invitation_create(*, actor, group, username):
    """An organizer of ``group`` (or a moderator) invites the active account
    named exactly ``username``, who is emailed and becomes a member only by
    accepting. Inviting twice changes nothing and sends nothing more.

    Raises ValidationError: code "unknown_user" (no such active account) or
    "already_member"; PermissionDenied for anyone else.
    """
    from django.contrib.auth import get_user_model

    from .moderation import is_banned

    _check_organizer(actor, group)
    invitee = get_user_model().objects.filter(username=username, is_active=True).first()
    if invitee is None:
        raise ValidationError(_("No active user has this username."), code="unknown_user")
    if is_banned(invitee, group):
        raise ValidationError(
            _("This user is banned from the group: lift the ban in the admin first."),
            code="banned",
        )
    if Membership.objects.filter(
        user=invitee, study_group=group, status=Membership.Status.ACTIVE
    ).exists():
        raise ValidationError(_("This user is already a member."), code="already_member")
    invitation, created = Invitation.objects.get_or_create(
        study_group=group, invitee=invitee, defaults={"invited_by": actor}
    )
    if created:
        deliveries_create_and_dispatch(
            Delivery.Kind.INVITATION,
            f"invitation:{invitation.pk}",
            [invitee.pk],
            {"invitation_id": invitation.pk},
        )
    return invitation


@transaction.atomic
def invitation_accept(*, user, invitation):
    """``user`` accepts their ``invitation``: an active member of its group
    (a pending request of theirs becomes active), and the invitation goes.

    Raises ValidationError (code "full") when the group has no room left,
    PermissionDenied when the invitation is someone else's.
    """
    from .moderation import refuse_if_banned, refuse_if_suspended

    if invitation.invitee_id != user.pk:
        raise PermissionDenied(_("This invitation is for someone else."))
    group = _locked(invitation.study_group)
    refuse_if_banned(user, group)
    refuse_if_suspended(user)
    membership = Membership.objects.filter(user=user, study_group=group).first()
    if membership is None or membership.status != Membership.Status.ACTIVE:
        if group.memberships.filter(status=Membership.Status.ACTIVE).count() >= group.capacity:
            raise ValidationError(_("This group is full."), code="full")
    if membership is None:
        membership = Membership.objects.create(
            user=user, study_group=group, status=Membership.Status.ACTIVE
        )
    elif membership.status != Membership.Status.ACTIVE:
        membership.status = Membership.Status.ACTIVE
        membership.save(update_fields=["status"])
    invitation.delete()
    return membership


@transaction.atomic
def invitation_decline(*, user, invitation):
    """``user`` declines their ``invitation``; it goes, and nothing changes."""
    if invitation.invitee_id != user.pk:
        raise PermissionDenied(_("This invitation is for someone else."))
    invitation.delete()


# Email addresses ------------------------------------------------------------------

EMAIL_VERIFICATION_SALT = "cerca.email.verify"
EMAIL_VERIFICATION_MAX_AGE_S = 7 * 24 * 3600


def email_verification_start(user):
    """Hold ``user``'s address until they confirm it, and mail them the link
    once the transaction commits."""
    from .tasks import email_verification_send

    EmailVerification.objects.update_or_create(user=user, defaults={"email": user.email})
    email_verification_send.delay_on_commit(user.pk)


def email_verification_token(user, email):
    """A signed token saying "``email`` belongs to ``user``", for the link."""
    return signing.dumps([user.pk, email], salt=EMAIL_VERIFICATION_SALT)


def email_verification_message(user_id):
    """The EmailMessage carrying ``user_id``'s confirmation link, in their
    language, or None when nothing waits for confirmation."""
    from .notifications import recipient_language, site_url

    verification = (
        EmailVerification.objects.select_related("user").filter(user_id=user_id).first()
    )
    if verification is None or verification.email.lower() != verification.user.email.lower():
        return None
    user = verification.user
    link = site_url(reverse("email-verify", args=[email_verification_token(user, user.email)]))
    with translation.override(recipient_language(user)):
        context = {"user": user, "link": link, "site_name": settings.SITE_NAME}
        subject = _("[%(site)s] Confirm your email address") % {"site": settings.SITE_NAME}
        body = render_to_string("registration/email_verification_email.txt", context)
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


@transaction.atomic
def email_verify(token):
    """Confirm the address a verification link names. Returns the user, or
    raises ValidationError: code "invalid" (forged, expired, or the address
    changed since) or "taken" (another account confirmed it first)."""
    from django.contrib.auth import get_user_model

    try:
        user_id, email = signing.loads(
            token, salt=EMAIL_VERIFICATION_SALT, max_age=EMAIL_VERIFICATION_MAX_AGE_S
        )
    except (signing.BadSignature, ValueError, TypeError):
        raise ValidationError(_("This link is not valid any more."), code="invalid")
    user = get_user_model().objects.filter(pk=user_id, email__iexact=str(email)).first()
    if user is None:
        raise ValidationError(_("This link is not valid any more."), code="invalid")
    taken = (
        get_user_model().objects.filter(email__iexact=user.email)
        .exclude(pk=user.pk)
        .exclude(email_verification__email__iexact=user.email)
        .exists()
    )
    if taken:
        raise ValidationError(
            _("Another account already uses this email address."), code="taken"
        )
    EmailVerification.objects.filter(user=user).delete()
    return user
