"""Organizers invite; nobody becomes a member without accepting, and
organizers never search members by their private email."""

import pytest
from django.core import mail
from django.urls import reverse

from studygroups.models import Invitation, Membership

from .factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lucia(db):
    return UserFactory(username="lucia", email="lucia.secreta@example.org")


def invite(client, group, username):
    return client.post(f"/groups/{group.slug}/invite/", {"username": username})


def test_an_organizer_invites_and_nobody_is_enrolled_until_they_accept(
    client, group_a, organizer_a, lucia, django_capture_on_commit_callbacks
):
    client.force_login(organizer_a)
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, group_a, "lucia")
    assert not Membership.objects.filter(user=lucia, study_group=group_a).exists()
    assert Invitation.objects.filter(invitee=lucia, study_group=group_a).exists()
    assert [message.to for message in mail.outbox] == [["lucia.secreta@example.org"]]

    client.force_login(lucia)
    page = client.get(group_a.get_absolute_url()).content.decode()
    assert 'id="invitation"' in page
    client.post(f"/groups/{group_a.slug}/accept/")
    membership = Membership.objects.get(user=lucia, study_group=group_a)
    assert membership.status == Membership.Status.ACTIVE
    assert not Invitation.objects.exists()


def test_declining_leaves_no_membership(client, group_a, organizer_a, lucia):
    client.force_login(organizer_a)
    invite(client, group_a, "lucia")
    client.force_login(lucia)
    client.post(f"/groups/{group_a.slug}/decline-invitation/")
    assert not Membership.objects.filter(user=lucia).exists()
    assert not Invitation.objects.exists()


def test_only_the_groups_organizers_invite(client, group_a, organizer_b, lucia):
    client.force_login(organizer_b)
    assert invite(client, group_a, "lucia").status_code == 403
    assert not Invitation.objects.exists()


def test_nobody_accepts_anothers_invitation(client, group_a, organizer_a, lucia, member_a):
    client.force_login(organizer_a)
    invite(client, group_a, "lucia")
    intruder = UserFactory(username="intruso")
    client.force_login(intruder)
    assert client.post(f"/groups/{group_a.slug}/accept/").status_code == 404
    assert not Membership.objects.filter(user=intruder).exists()


def test_organizers_cannot_search_members_by_email(client, group_a, organizer_a, lucia):
    Membership.objects.create(user=lucia, study_group=group_a)
    client.force_login(organizer_a)
    url = reverse("admin:studygroups_membership_changelist")
    assert "lucia" in client.get(url, {"q": "lucia"}).content.decode()
    by_email = client.get(url, {"q": "secreta"}).content.decode()
    assert "lucia" not in by_email


def test_organizers_invite_in_the_admin_instead_of_enrolling(
    client, group_a, organizer_a, lucia, django_capture_on_commit_callbacks
):
    client.force_login(organizer_a)
    assert client.get(reverse("admin:studygroups_membership_add")).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:studygroups_invitation_add"),
            {"study_group": group_a.pk, "invitee": "lucia"},
        )
    assert response.status_code == 302
    assert Invitation.objects.filter(invitee=lucia, study_group=group_a).exists()
    assert not Membership.objects.filter(user=lucia).exists()
    assert [message.to for message in mail.outbox] == [["lucia.secreta@example.org"]]


def test_the_admin_refuses_to_invite_a_member_at_the_username(
    client, group_a, organizer_a, member_a
):
    client.force_login(organizer_a)
    response = client.post(
        reverse("admin:studygroups_invitation_add"),
        {"study_group": group_a.pk, "invitee": member_a.username},
    )
    assert response.status_code == 200
    assert "invitee" in response.context["adminform"].form.errors
    assert not Invitation.objects.exists()
