"""Accounts, joining and leaving, approvals and co-organizers, on the site."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from studygroups.models import MemberProfile, Membership, StudyGroup

from .factories import MembershipFactory, StudyGroupFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_signing_up_creates_the_account_and_signs_in(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "lucia",
            "email": "lucia@example.org",
            "password1": "una-clave-bastante-larga-42",
            "password2": "una-clave-bastante-larga-42",
        },
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(username="lucia")
    assert user.email == "lucia@example.org"
    assert client.get("/").context["user"] == user


def test_signup_refuses_mismatched_passwords(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "x", "email": "x@example.org", "password1": "abcdefgh-123",
         "password2": "different-456"},
    )
    assert response.status_code == 200
    assert "password2" in response.context["form"].errors
    assert not get_user_model().objects.filter(username="x").exists()


def test_login_logout_and_password_reset_by_email(client):
    UserFactory(username="ana", email="ana@example.org")
    assert client.get("/accounts/login/").status_code == 200
    response = client.post(
        "/accounts/login/", {"username": "ana", "password": "cerca-test-password"}
    )
    assert response.status_code == 302
    assert client.post("/accounts/logout/").status_code == 302
    client.post("/accounts/password_reset/", {"email": "ana@example.org"})
    assert len(mail.outbox) == 1
    assert "ana@example.org" in mail.outbox[0].to
    assert "/accounts/reset/" in mail.outbox[0].body


def test_joining_an_open_group_makes_you_a_member(client):
    group = StudyGroupFactory()
    user = UserFactory()
    client.force_login(user)
    client.post(f"/groups/{group.slug}/join/")
    membership = Membership.objects.get(user=user, study_group=group)
    assert (membership.role, membership.status) == ("member", "active")
    client.post(f"/groups/{group.slug}/leave/")
    assert not Membership.objects.filter(user=user, study_group=group).exists()


def test_approval_groups_take_requests_that_organizers_approve_or_decline(client):
    group = StudyGroupFactory(join_policy="approval")
    organizer = MembershipFactory(study_group=group, role="organizer").user
    alice, bob = UserFactory(), UserFactory()
    for user in (alice, bob):
        client.force_login(user)
        client.post(f"/groups/{group.slug}/join/")
        assert Membership.objects.get(user=user, study_group=group).status == "pending"

    # A pending member cannot approve anyone.
    client.force_login(alice)
    bob_request = Membership.objects.get(user=bob, study_group=group)
    response = client.post(f"/groups/{group.slug}/approve/", {"membership": bob_request.pk})
    assert response.status_code == 403
    assert Membership.objects.get(pk=bob_request.pk).status == "pending"

    client.force_login(organizer)
    page = client.get(f"/groups/{group.slug}/").content.decode()
    assert alice.username in page and bob.username in page
    alice_request = Membership.objects.get(user=alice, study_group=group)
    client.post(f"/groups/{group.slug}/approve/", {"membership": alice_request.pk})
    client.post(f"/groups/{group.slug}/decline/", {"membership": bob_request.pk})
    assert Membership.objects.get(pk=alice_request.pk).status == "active"
    assert not Membership.objects.filter(pk=bob_request.pk).exists()


def test_a_full_group_refuses_new_members(client):
    group = StudyGroupFactory(capacity=1)
    MembershipFactory(study_group=group)
    user = UserFactory()
    client.force_login(user)
    response = client.post(f"/groups/{group.slug}/join/", follow=True)
    assert not Membership.objects.filter(user=user, study_group=group).exists()
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_an_organizer_names_a_co_organizer_who_gets_into_the_admin(client):
    organizer = MembershipFactory(role="organizer")
    member = MembershipFactory(study_group=organizer.study_group)
    client.force_login(organizer.user)
    client.post(
        f"/groups/{organizer.study_group.slug}/promote/", {"membership": member.pk}
    )
    member.refresh_from_db()
    assert member.role == "organizer"
    assert member.user.is_staff
    assert member.user.groups.filter(name="Organizers").exists()


def test_the_last_organizer_cannot_leave(client):
    organizer = MembershipFactory(role="organizer")
    client.force_login(organizer.user)
    client.post(f"/groups/{organizer.study_group.slug}/leave/")
    assert Membership.objects.filter(pk=organizer.pk).exists()


def test_creating_a_group_on_the_site_makes_you_its_organizer(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        "/groups/new/",
        {
            "name": "Física en la Javeriana",
            "description": "Mecánica clásica.",
            "language": "es",
            "join_policy": "open",
            "location": '{"type": "Point", "coordinates": [-74.0646, 4.6280]}',
            "city": "Bogotá",
            "capacity": "15",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    group = StudyGroup.objects.get(name="Física en la Javeriana")
    assert (group.location.x, group.location.y) == (-74.0646, 4.6280)
    assert Membership.objects.get(study_group=group).user == user
    user.refresh_from_db()
    assert user.is_staff


def test_the_group_form_refuses_a_point_outside_wgs84(client):
    client.force_login(UserFactory())
    response = client.post(
        "/groups/new/",
        {"name": "Fuera", "language": "es", "join_policy": "open", "capacity": "5",
         "location": '{"type": "Point", "coordinates": [200, 10]}'},
    )
    assert response.status_code == 200
    assert "location" in response.context["form"].errors
    assert not StudyGroup.objects.exists()


@pytest.mark.parametrize("role", [None, "member", "organizer of another group"])
def test_only_organizers_edit_a_group_on_the_site(client, role):
    group = StudyGroupFactory(name="Original")
    user = UserFactory()
    if role == "member":
        MembershipFactory(user=user, study_group=group)
    elif role:
        MembershipFactory(user=user, role="organizer")
    client.force_login(user)
    assert client.get(f"/groups/{group.slug}/edit/").status_code == 403
    response = client.post(f"/groups/{group.slug}/edit/", {"name": "Hijacked"})
    assert response.status_code == 403
    assert StudyGroup.objects.get(pk=group.pk).name == "Original"


def test_a_members_home_location_never_leaves_the_database(client):
    member = MembershipFactory()
    MemberProfile.objects.create(
        user=member.user, home_location="SRID=4326;POINT (-75.123456 6.654321)"
    )
    organizer = MembershipFactory(study_group=member.study_group, role="organizer")
    client.force_login(organizer.user)
    pages = [
        client.get(f"/groups/{member.study_group.slug}/"),
        client.get("/api/studygroups/"),
        client.get(f"/api/studygroups/{member.study_group.pk}/"),
        client.get("/ogc/collections/studygroups/items"),
        client.get("/", {"near": "-75.1,6.6"}),
    ]
    for response in pages:
        body = response.content.decode()
        assert "75.123456" not in body and "6.654321" not in body


def test_organizer_access_rebuilds_a_missing_organizers_group():
    from django.contrib.auth.models import Group

    from studygroups.services import grant_organizer_access

    Group.objects.filter(name="Organizers").delete()
    user = UserFactory()
    grant_organizer_access(user)
    user = get_user_model().objects.get(pk=user.pk)
    assert user.has_perm("meetups.add_event")
    assert user.has_perm("studygroups.change_studygroup")
    assert not user.has_perm("studygroups.moderate")


def test_members_set_their_private_home_location_and_radius(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/accounts/profile/").status_code == 200
    response = client.post(
        "/accounts/profile/",
        {"home_location": '{"type": "Point", "coordinates": [-75.5812, 6.2442]}',
         "alert_radius_km": "25"},
    )
    assert response.status_code == 302
    profile = MemberProfile.objects.get(user=user)
    assert (profile.home_location.x, profile.home_location.y) == (-75.5812, 6.2442)
    assert profile.alert_radius_km == 25
    refused = client.post("/accounts/profile/", {"alert_radius_km": "0"})
    assert "alert_radius_km" in refused.context["form"].errors
    assert MemberProfile.objects.get(user=user).alert_radius_km == 25


def test_the_requester_is_told_the_organizers_answer_in_their_language(
    client, django_capture_on_commit_callbacks
):
    group = StudyGroupFactory(join_policy="approval", language="es", name="Club de Topología")
    organizer = MembershipFactory(study_group=group, role="organizer").user
    yes = MembershipFactory(study_group=group, status="pending", user__email="si@example.org")
    no = MembershipFactory(study_group=group, status="pending", user__email="no@example.org")
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/groups/{group.slug}/approve/", {"membership": yes.pk})
        client.post(f"/groups/{group.slug}/decline/", {"membership": no.pk})
    told = {message.to[0]: message for message in mail.outbox if message.to[0] in
            ("si@example.org", "no@example.org")}
    assert told["si@example.org"].subject == "[Cerca] Ya eres miembro de Club de Topología"
    assert "aprobaron tu solicitud" in told["si@example.org"].body
    assert "rechazaron tu solicitud" in told["no@example.org"].body
