"""In the admin, an organizer sees and changes only the study groups they
organize, and their memberships; moderators see and change everything."""

import importlib

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from studygroups.models import Invitation, Membership, StudyGroup, Topic
from studygroups.permissions import ORGANIZERS_GROUP, organizers_group

from .factories import TopicFactory, UserFactory

pytestmark = pytest.mark.django_db

GROUPS_URL = reverse("admin:studygroups_studygroup_changelist")
MEMBERSHIPS_URL = reverse("admin:studygroups_membership_changelist")


@pytest.fixture
def everyone(organizer_a, organizer_b, moderator, member_a):
    """All four users exist (so a list that leaks shows their rows)."""


def signed_in(client, user):
    client.force_login(user)
    return client


def group_form(group, **overrides):
    data = {
        "name": group.name,
        "slug": group.slug,
        "description": group.description,
        "language": group.language,
        "capacity": str(group.capacity),
        "city": group.city,
        "address": group.address,
        "location": '{"type": "Point", "coordinates": [-75.569, 6.2675]}',
        "meeting_area": "",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


# What migration 0008 granted; 0019 adds the invitations.
ORGANIZER_PERMISSIONS_0008 = {
    "studygroups.view_studygroup",
    "studygroups.change_studygroup",
    "studygroups.view_membership",
    "studygroups.add_membership",
    "studygroups.change_membership",
    "studygroups.delete_membership",
    "studygroups.view_topic",
    "meetups.view_venue",
    "meetups.add_venue",
    "meetups.change_venue",
    "meetups.delete_venue",
    "meetups.view_event",
    "meetups.add_event",
    "meetups.change_event",
    "meetups.delete_event",
    "meetups.view_rsvp",
    "meetups.change_rsvp",
}
INVITATION_PERMISSIONS = {
    "studygroups.view_invitation",
    "studygroups.add_invitation",
    "studygroups.delete_invitation",
}
# meetups 0017 lets organizers see and delete their groups' event photos.
PHOTO_PERMISSIONS = {"meetups.view_eventphoto", "meetups.delete_eventphoto"}
# studygroups 0028: organizers see and remove their groups' posts.
POST_PERMISSIONS = {"studygroups.view_post", "studygroups.change_post"}
ORGANIZER_PERMISSIONS = (
    ORGANIZER_PERMISSIONS_0008 | INVITATION_PERMISSIONS | PHOTO_PERMISSIONS | POST_PERMISSIONS
)


def granted_to_organizers():
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=ORGANIZERS_GROUP).permissions.all()
    }


def test_the_migration_creates_the_organizers_group_with_its_permissions():
    Group.objects.filter(name=ORGANIZERS_GROUP).delete()
    migration = importlib.import_module(
        "studygroups.migrations.0008_moderate_permission_organizers_group"
    )

    with connection.schema_editor() as schema_editor:
        migration.create_organizers_group(apps, schema_editor)

    assert granted_to_organizers() == ORGANIZER_PERMISSIONS_0008


def test_the_invitations_migration_lets_organizers_invite():
    Group.objects.filter(name=ORGANIZERS_GROUP).delete()
    before = importlib.import_module(
        "studygroups.migrations.0008_moderate_permission_organizers_group"
    )
    invitations = importlib.import_module("studygroups.migrations.0020_invitations")

    with connection.schema_editor() as schema_editor:
        before.create_organizers_group(apps, schema_editor)
        invitations.let_organizers_invite(apps, schema_editor)

    assert granted_to_organizers() == ORGANIZER_PERMISSIONS_0008 | INVITATION_PERMISSIONS


def test_the_photos_migration_lets_organizers_see_and_delete_photos():
    Group.objects.filter(name=ORGANIZERS_GROUP).delete()
    photos = importlib.import_module("meetups.migrations.0017_event_photos")

    with connection.schema_editor() as schema_editor:
        photos.let_organizers_moderate_photos(apps, schema_editor)

    assert granted_to_organizers() == PHOTO_PERMISSIONS


def test_the_conversation_migration_lets_organizers_moderate_posts():
    Group.objects.filter(name=ORGANIZERS_GROUP).delete()
    before = importlib.import_module(
        "studygroups.migrations.0008_moderate_permission_organizers_group"
    )
    invitations = importlib.import_module("studygroups.migrations.0020_invitations")
    posts = importlib.import_module(
        "studygroups.migrations.0028_organizers_moderate_posts_in_the_admin"
    )
    with connection.schema_editor() as schema_editor:
        before.create_organizers_group(apps, schema_editor)
        invitations.let_organizers_invite(apps, schema_editor)
        posts.grant(apps, schema_editor)

    assert granted_to_organizers() == (
        ORGANIZER_PERMISSIONS_0008 | INVITATION_PERMISSIONS | POST_PERMISSIONS
    )


def test_the_organizers_group_is_made_again_when_missing():
    Group.objects.filter(name=ORGANIZERS_GROUP).delete()

    first, again = organizers_group(), organizers_group()

    assert first.pk == again.pk
    assert granted_to_organizers() == ORGANIZER_PERMISSIONS


def test_a_member_without_staff_status_is_sent_to_the_admin_login(client, everyone, member_a):
    response = signed_in(client, member_a).get(GROUPS_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize(
    "organizer, visible, hidden",
    [("organizer_a", "Grupo Alfa", "Grupo Beta"), ("organizer_b", "Grupo Beta", "Grupo Alfa")],
)
def test_an_organizer_lists_only_the_groups_they_organize(
    client, request, everyone, organizer, visible, hidden
):
    response = signed_in(client, request.getfixturevalue(organizer)).get(GROUPS_URL)

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert [g.name for g in response.context["cl"].result_list] == [visible]
    html = response.content.decode()
    assert visible in html
    assert hidden not in html


def test_a_moderator_lists_every_group(client, everyone, moderator):
    response = signed_in(client, moderator).get(GROUPS_URL)

    assert response.status_code == 200
    assert response.context["cl"].result_count == 2
    assert "Grupo Alfa" in response.content.decode()
    assert "Grupo Beta" in response.content.decode()


def test_an_organizer_opens_their_groups_change_page(client, everyone, organizer_a, group_a):
    response = signed_in(client, organizer_a).get(change_url(group_a))

    assert response.status_code == 200
    assert response.context["has_change_permission"] is True
    assert response.context["has_delete_permission"] is False


def test_another_groups_change_page_redirects_to_the_admin_index(
    client, everyone, organizer_a, group_b
):
    response = signed_in(client, organizer_a).get(change_url(group_b))

    # The admin's answer for an object outside get_queryset(): "doesn't exist".
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_an_organizer_edits_their_group(client, everyone, organizer_a, group_a):
    response = signed_in(client, organizer_a).post(
        change_url(group_a), group_form(group_a, capacity="12")
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert StudyGroup.objects.get(pk=group_a.pk).capacity == 12


def test_an_organizers_edit_to_another_group_changes_nothing(
    client, everyone, organizer_a, group_b
):
    response = signed_in(client, organizer_a).post(
        change_url(group_b), group_form(group_b, name="Secuestrado", capacity="3")
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    stored = StudyGroup.objects.get(pk=group_b.pk)
    assert (stored.name, stored.capacity) == ("Grupo Beta", group_b.capacity)


def test_organizers_create_groups_on_the_site_not_in_the_admin(client, everyone, organizer_a):
    add_url = reverse("admin:studygroups_studygroup_add")
    client = signed_in(client, organizer_a)

    assert client.get(add_url).status_code == 403
    response = client.post(add_url, group_form(StudyGroup(name="Nuevo", slug="nuevo")))
    assert response.status_code == 403
    assert not StudyGroup.objects.filter(slug="nuevo").exists()


def test_organizers_cannot_delete_even_their_own_group(client, everyone, organizer_a, group_a):
    delete_url = reverse("admin:studygroups_studygroup_delete", args=[group_a.pk])
    client = signed_in(client, organizer_a)

    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert StudyGroup.objects.filter(pk=group_a.pk).exists()


def test_organizers_cannot_delete_a_group_even_with_the_model_permission(
    client, everyone, organizer_a, group_a
):
    organizer_a.user_permissions.add(Permission.objects.get(codename="delete_studygroup"))

    response = signed_in(client, organizer_a).post(
        reverse("admin:studygroups_studygroup_delete", args=[group_a.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert StudyGroup.objects.filter(pk=group_a.pk).exists()


def test_organizers_cannot_delete_another_group(client, everyone, organizer_a, group_b):
    delete_url = reverse("admin:studygroups_studygroup_delete", args=[group_b.pk])

    response = signed_in(client, organizer_a).post(delete_url, {"post": "yes"})

    # The delete view asks for the permission before looking the object up.
    assert response.status_code == 403
    assert StudyGroup.objects.filter(pk=group_b.pk).exists()


def test_a_moderator_edits_any_group(client, everyone, moderator, group_b):
    response = signed_in(client, moderator).post(
        change_url(group_b), group_form(group_b, capacity="7")
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert StudyGroup.objects.get(pk=group_b.pk).capacity == 7


def test_a_moderator_adds_and_deletes_groups(client, everyone, moderator, group_b):
    client = signed_in(client, moderator)

    response = client.post(
        reverse("admin:studygroups_studygroup_add"),
        group_form(StudyGroup(name="Nuevo", slug="nuevo", capacity=10)),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert StudyGroup.objects.filter(slug="nuevo").exists()
    response = client.post(
        reverse("admin:studygroups_studygroup_delete", args=[group_b.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not StudyGroup.objects.filter(pk=group_b.pk).exists()


def test_a_moderator_sees_both_apps_on_the_admin_index(client, everyone, moderator):
    response = signed_in(client, moderator).get(reverse("admin:index"))

    models = {
        (app["app_label"], model["object_name"])
        for app in response.context["app_list"]
        for model in app["models"]
    }
    assert {
        ("studygroups", "StudyGroup"),
        ("studygroups", "Membership"),
        ("meetups", "Event"),
        ("meetups", "Venue"),
        ("meetups", "RSVP"),
    } <= models


def test_the_membership_inline_lets_organizers_change_roles_but_not_pick_users(
    client, everyone, organizer_a, group_a
):
    response = signed_in(client, organizer_a).get(change_url(group_a))

    (inline,) = response.context["inline_admin_formsets"]
    assert inline.has_add_permission is False
    assert inline.has_change_permission is True
    # The member is read-only, shown by name (never a username that may be an email).
    assert "person" in inline.readonly_fields
    assert all("user" not in form.fields for form in inline.formset.forms)
    # The rows are this group's members only.
    assert {f.instance.user.username for f in inline.formset.forms} == {"ana_alfa", "mia_miembro"}


def test_an_organizer_lists_only_their_groups_memberships(client, everyone, organizer_a):
    response = signed_in(client, organizer_a).get(MEMBERSHIPS_URL)

    assert response.context["cl"].result_count == 2
    assert {m.user.username for m in response.context["cl"].result_list} == {
        "ana_alfa",
        "mia_miembro",
    }
    assert "bruno_beta" not in response.content.decode()


def test_a_moderator_lists_every_membership(client, everyone, moderator):
    response = signed_in(client, moderator).get(MEMBERSHIPS_URL)

    assert response.context["cl"].result_count == 3


def test_another_groups_membership_is_out_of_reach(client, everyone, organizer_a, organizer_b):
    membership = Membership.objects.get(user=organizer_b)
    client = signed_in(client, organizer_a)

    response = client.post(change_url(membership), {"role": "member", "status": "active"})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert Membership.objects.get(pk=membership.pk).role == "organizer"


def test_an_organizer_cannot_enrol_anyone_directly(client, everyone, organizer_a, group_a):
    """Issue 12 (8): organizers invite; nobody becomes a member without accepting."""
    newcomer = UserFactory(username="nico_nuevo")

    response = signed_in(client, organizer_a).post(
        reverse("admin:studygroups_membership_add"),
        {"user": "nico_nuevo", "study_group": group_a.pk, "role": "member", "status": "active"},
    )

    assert response.status_code == 403
    assert not Membership.objects.filter(user=newcomer).exists()


def test_an_organizer_cannot_hand_a_membership_to_someone_else(
    client, everyone, organizer_a, organizer_b, member_a, group_a, group_b
):
    membership = Membership.objects.get(user=member_a)

    response = signed_in(client, organizer_a).post(
        change_url(membership),
        {"user": "bruno_beta", "study_group": group_b.pk, "role": "member", "status": "active"},
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    stored = Membership.objects.get(pk=membership.pk)
    assert (stored.user_id, stored.study_group_id) == (member_a.pk, group_a.pk)


def test_a_moderator_adds_a_member_to_any_group_by_username(
    client, everyone, moderator, group_b
):
    newcomer = UserFactory(username="nico_nuevo")

    response = signed_in(client, moderator).post(
        reverse("admin:studygroups_membership_add"),
        {"user": "nico_nuevo", "study_group": group_b.pk, "role": "member", "status": "active"},
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Membership.objects.filter(user=newcomer, study_group=group_b).exists()


def test_the_membership_inline_offers_the_user_list_to_those_who_may_browse_it(
    admin_client, group_a
):
    response = admin_client.get(change_url(group_a))

    (inline,) = response.context["inline_admin_formsets"]
    assert inline.has_add_permission is True
    assert "user" not in inline.readonly_fields


def test_an_organizer_cannot_invite_to_another_group(client, everyone, organizer_a, group_b):
    UserFactory(username="nico_nuevo")

    response = signed_in(client, organizer_a).post(
        reverse("admin:studygroups_invitation_add"),
        {"invitee": "nico_nuevo", "study_group": group_b.pk},
    )

    assert response.status_code == 200
    assert "study_group" in response.context["adminform"].form.errors
    assert not Invitation.objects.filter(invitee__username="nico_nuevo").exists()


def test_a_co_organizer_named_in_the_admin_can_reach_the_admin(
    client, everyone, moderator, group_a
):
    newcomer = UserFactory(username="nico_nuevo")

    signed_in(client, moderator).post(
        reverse("admin:studygroups_membership_add"),
        {"user": "nico_nuevo", "study_group": group_a.pk, "role": "organizer", "status": "active"},
    )

    newcomer.refresh_from_db()
    assert newcomer.is_staff
    assert newcomer.groups.filter(name=ORGANIZERS_GROUP).exists()


def test_autocomplete_offers_an_organizer_only_their_groups(
    client, everyone, organizer_a, group_a
):
    response = signed_in(client, organizer_a).get(
        reverse("admin:autocomplete"),
        {
            "app_label": "studygroups",
            "model_name": "membership",
            "field_name": "study_group",
            "term": "",
        },
    )

    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Grupo Alfa"]
    assert [r["id"] for r in response.json()["results"]] == [str(group_a.pk)]


def test_autocomplete_offers_a_moderator_every_group(client, everyone, moderator):
    response = signed_in(client, moderator).get(
        reverse("admin:autocomplete"),
        {
            "app_label": "studygroups",
            "model_name": "membership",
            "field_name": "study_group",
            "term": "grupo",
        },
    )

    assert [r["text"] for r in response.json()["results"]] == ["Grupo Alfa", "Grupo Beta"]


def test_topics_are_view_only_for_organizers(client, everyone, organizer_a):
    topic = TopicFactory(name_es="Álgebra", name_en="Algebra", slug="algebra")
    client = signed_in(client, organizer_a)

    assert client.get(reverse("admin:studygroups_topic_changelist")).status_code == 200
    response = client.post(
        change_url(topic), {"name_es": "Cambiado", "name_en": "Changed", "slug": "algebra"}
    )
    assert response.status_code == 403
    assert client.get(reverse("admin:studygroups_topic_add")).status_code == 403
    assert Topic.objects.get(pk=topic.pk).name_es == "Álgebra"


def test_the_change_permission_checks_the_objects_group(everyone, organizer_a, group_a, group_b):
    # Independent of get_queryset: the object checks refuse on their own.
    model_admin = admin.site.get_model_admin(StudyGroup)
    request = RequestFactory().get("/")
    request.user = organizer_a

    assert model_admin.has_change_permission(request, group_a) is True
    assert model_admin.has_change_permission(request, group_b) is False
    assert model_admin.has_view_permission(request, group_b) is False
