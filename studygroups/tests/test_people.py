"""People: public profiles, names, and the lists of people on group and
event pages (studygroups/people.py). Who sees which list, role by role, is in
tests/test_permission_matrix.py."""

import pytest
from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.urls import reverse

from meetups.models import RSVP
from meetups.tests.factories import AttendeeFactory, EventFactory, RSVPFactory
from studygroups.models import MemberProfile, Membership
from studygroups.people import PEOPLE_SHOWN, display_name
from studygroups.tests.factories import (
    MemberProfileFactory,
    MembershipFactory,
    StudyGroupFactory,
    UserFactory,
    organizer_of,
)

pytestmark = pytest.mark.django_db

# Reykjavík: far from every map default and demo place, so a leak shows.
HOME = Point(-21.94268, 64.14661, srid=4326)


def person_url(user):
    return reverse("person-page", args=[user.pk])


def profile_of(user, **fields):
    return MemberProfileFactory(user=user, home_location=HOME, **fields)


def test_a_display_name_is_the_members_choice():
    user = UserFactory(username="lucia_m")
    profile_of(user, display_name="Lucía Méndez")
    assert display_name(user) == "Lucía Méndez"


def test_without_a_display_name_the_username_names_the_member():
    assert display_name(UserFactory(username="lucia_m")) == "lucia_m"


def test_a_username_that_is_an_email_address_is_never_shown():
    user = UserFactory(username="lucia@example.org", email="lucia@example.org")
    name = display_name(user)
    assert "lucia" not in name and "@" not in name
    assert str(user.pk) in name


def test_the_profile_page_shows_name_bio_and_groups(client):
    user = UserFactory(username="lucia_m")
    profile_of(user, display_name="Lucía Méndez", bio="Estudio cálculo.")
    group = StudyGroupFactory(name="Club de Cálculo")
    MembershipFactory(user=user, study_group=group)
    pending = StudyGroupFactory(name="Grupo Pendiente")
    MembershipFactory(user=user, study_group=pending, status=Membership.Status.PENDING)
    response = client.get(person_url(user), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1 class=\"person-name\">Lucía Méndez</h1>" in html
    # No picture yet: the avatar beside it is her initial (the heading names her).
    head = html[html.index('<div class="person-head">'):html.index("</h1>")]
    assert 'aria-hidden="true">L</span>' in head
    assert "Estudio cálculo." in html
    assert f'href="{group.get_absolute_url()}"' in html
    # A request waiting for approval is not a membership yet.
    assert "Grupo Pendiente" not in html


def test_a_bio_is_escaped_and_its_links_clickable(client):
    user = UserFactory()
    profile_of(user, bio='<script>alert(1)</script> Mira https://cerca.example/club "ya"')
    html = client.get(person_url(user)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    link = "https://cerca.example/club"
    assert f'<a href="{link}" rel="nofollow">{link}</a>' in html


def test_a_hidden_member_profile_lists_only_the_groups_they_organize(client):
    user = UserFactory(username="oculta")
    profile_of(user, hidden_from_member_lists=True)
    MembershipFactory(user=user, study_group=StudyGroupFactory(name="Grupo Secreto"))
    organized = StudyGroupFactory(name="Grupo Organizado")
    MembershipFactory(user=user, study_group=organized, role=Membership.Role.ORGANIZER)
    html = client.get(person_url(user)).content.decode()
    assert "Grupo Organizado" in html
    assert "Grupo Secreto" not in html


def test_switched_off_and_unknown_accounts_have_no_profile(client):
    off = UserFactory(is_active=False)
    assert client.get(person_url(off)).status_code == 404
    assert client.get("/people/999999999/").status_code == 404
    assert client.get("/api/people/999999999/").status_code == 404
    assert client.get("/api/people/999999999/").json()["code"]


def test_no_profile_page_or_api_shows_an_email_or_home_coordinates(client):
    """Grep every answer about a person for their email address (and its local
    part) and their home's coordinates, whoever asks."""
    person = UserFactory(username="mail@example.org", email="secret.person@example.org")
    profile_of(person, bio="Hola")
    group = StudyGroupFactory()
    MembershipFactory(user=person, study_group=group)
    event = EventFactory(study_group=group)
    RSVPFactory(user=person, event=event, status=RSVP.Status.YES)
    organizer = organizer_of(group, "ana_org")
    fellow = MembershipFactory(study_group=group).user
    secrets = [
        "secret.person", "mail@example.org", "@example.org",
        "21.942", "64.146", "21,942", "64,146",
    ]
    urls = [
        person_url(person),
        reverse("api:person-detail", args=[person.pk]),
        group.get_absolute_url(),
        reverse("studygroup-members", args=[group.slug]),
        event.get_absolute_url(),
    ]
    for viewer in (None, fellow, organizer):
        client.logout()
        if viewer:
            client.force_login(viewer)
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 302), url
            body = response.content.decode()
            if viewer is not None and url != urls[0] and url != urls[1]:
                # The person is listed by their fallback name there.
                assert f"Member {person.pk}" in body or f"Miembro {person.pk}" in body, url
            for secret in secrets:
                assert secret not in body, (url, secret, viewer)


def test_the_api_profile_has_the_pages_fields_and_nothing_private(client):
    user = UserFactory(username="lucia_m", email="lucia@example.org")
    profile_of(user, display_name="Lucía", bio="Hola")
    group = StudyGroupFactory(name="Club de Cálculo")
    MembershipFactory(user=user, study_group=group, role=Membership.Role.ORGANIZER)
    body = client.get(reverse("api:person-detail", args=[user.pk])).json()
    assert set(body) == {"id", "display_name", "bio", "url", "groups", "more_groups"}
    assert (body["id"], body["display_name"], body["bio"]) == (user.pk, "Lucía", "Hola")
    assert body["url"].endswith(person_url(user))
    assert [(g["slug"], g["role"]) for g in body["groups"]] == [(group.slug, "organizer")]
    assert body["more_groups"] == 0


def test_the_profile_form_saves_the_public_fields(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("profile"),
        {"display_name": "  Lucía  ", "bio": "Hola", "hidden_from_member_lists": "on",
         "home_location": "", "alert_radius_km": "10"},
    )
    assert response.status_code == 302
    profile = MemberProfile.objects.get(user=user)
    assert (profile.display_name, profile.bio, profile.hidden_from_member_lists) == (
        "Lucía", "Hola", True
    )


def test_a_too_long_bio_or_name_is_a_field_error(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("profile"),
        {"display_name": "x" * 81, "bio": "y" * 501, "alert_radius_km": "10"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"display_name", "bio"}
    assert "at most 500 characters" in errors["bio"][0]
    assert not MemberProfile.objects.filter(user=user, bio__startswith="y").exists()


def test_a_nul_character_is_a_field_error_not_a_crash(client):
    client.force_login(UserFactory())
    response = client.post(
        reverse("profile"), {"display_name": "a\x00b", "bio": "", "alert_radius_km": "10"}
    )
    assert response.status_code == 200
    assert "display_name" in response.context["form"].errors


@pytest.mark.parametrize(
    "fields, constraint",
    [({"bio": "y" * 501}, "profile_bio_length"),
     ({"display_name": "   "}, "profile_display_name_not_blank")],
)
def test_the_database_refuses_what_the_form_refuses(fields, constraint):
    profile = MemberProfileFactory()
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        MemberProfile.objects.filter(pk=profile.pk).update(**fields)


def test_the_group_page_lists_members_in_order_and_hides_those_who_hide(client):
    group = StudyGroupFactory()
    organizer = organizer_of(group, "ana_org")
    first = MembershipFactory(study_group=group, user=UserFactory(username="primero")).user
    hidden = MembershipFactory(study_group=group, user=UserFactory(username="escondida")).user
    profile_of(hidden, hidden_from_member_lists=True)
    MembershipFactory(study_group=group, user=UserFactory(username="segundo"))
    client.force_login(first)
    response = client.get(group.get_absolute_url())
    names = [display_name(m.user) for m in response.context["members"]]
    assert names == ["primero", "segundo"]
    assert [m.user for m in response.context["organizers"]] == [organizer]
    assert "escondida" not in response.content.decode()
    client.force_login(organizer)
    response = client.get(group.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    names = [display_name(m.user) for m in response.context["members"]]
    assert names == ["primero", "escondida", "segundo"]
    assert "hidden from other members" in response.content.decode()


def test_the_group_page_shows_the_first_members_and_how_many_more(
    client, django_assert_max_num_queries
):
    group = StudyGroupFactory(capacity=200)
    member = MembershipFactory(study_group=group).user
    for _ in range(PEOPLE_SHOWN + 3):
        profile_of(MembershipFactory(study_group=group).user, display_name="Alguien")
    client.force_login(member)
    # Bounded whatever the group's size: no query per member. The page's own
    # 19, and 5 for its conversation panel (a participant? the thread, a
    # suspension? a ban? an organizer?).
    with django_assert_max_num_queries(24):
        response = client.get(group.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert len(response.context["members"]) == PEOPLE_SHOWN
    assert response.context["more_members"] == 4
    html = response.content.decode()
    assert "and 4 more" in html
    assert reverse("studygroup-members", args=[group.slug]) in html


def test_the_members_page_pages_by_keyset(client, django_assert_max_num_queries):
    group = StudyGroupFactory(capacity=200)
    organizer = organizer_of(group, "ana_org")
    members = [MembershipFactory(study_group=group).user for _ in range(PEOPLE_SHOWN + 2)]
    client.force_login(organizer)
    url = reverse("studygroup-members", args=[group.slug])
    with django_assert_max_num_queries(20):
        first = client.get(url)
    assert [m.user for m in first.context["organizers"]] == [organizer]
    assert [m.user for m in first.context["members"]] == members[:PEOPLE_SHOWN]
    second = client.get(url + first.context["next_url"])
    assert [m.user for m in second.context["members"]] == members[PEOPLE_SHOWN:]
    assert second.context["next_url"] == "" and second.context["organizers"] == []


def test_a_bad_cursor_is_a_400_naming_it(client):
    group = StudyGroupFactory()
    client.force_login(MembershipFactory(study_group=group).user)
    response = client.get(
        reverse("studygroup-members", args=[group.slug]) + "?after=nonsense",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "after: Not a cursor" in response.content.decode()


def test_the_event_page_lists_who_is_going_and_the_waitlist_in_order(
    client, django_assert_max_num_queries
):
    group = StudyGroupFactory()
    organizer = organizer_of(group, "ana_org")
    event = EventFactory(study_group=group, capacity=2)
    going = [AttendeeFactory(username=f"va_{n}") for n in range(2)]
    waiting = [AttendeeFactory(username=f"espera_{n}") for n in range(3)]
    for user in going:
        RSVPFactory(event=event, user=user, status=RSVP.Status.YES)
    for user in waiting:
        RSVPFactory(event=event, user=user, status=RSVP.Status.WAITLIST)
    client.force_login(organizer)
    with django_assert_max_num_queries(25):
        response = client.get(event.get_absolute_url())
    assert [r.user for r in response.context["going"]] == going
    assert [r.user for r in response.context["waitlist"]] == waiting
    client.force_login(going[0])
    response = client.get(event.get_absolute_url())
    assert [r.user for r in response.context["going"]] == going
    assert response.context["waitlist"] is None
    assert "espera_0" not in response.content.decode()


# The admin: organizers see their groups' people by name, never by an email
# address (a username may be one); moderators see the accounts.


@pytest.fixture
def emailed_member(group_a):
    user = UserFactory(username="lucia@example.org", email="lucia@example.org")
    MembershipFactory(study_group=group_a, user=user)
    return user


def admin_change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def test_organizers_see_no_email_in_the_admin(client, organizer_a, group_a, emailed_member):
    membership = Membership.objects.get(user=emailed_member)
    event = EventFactory(study_group=group_a)
    rsvp = RSVPFactory(event=event, user=emailed_member, status=RSVP.Status.YES)
    client.force_login(organizer_a)
    for url in (
        reverse("admin:studygroups_membership_changelist"),
        admin_change_url(membership),
        admin_change_url(group_a),
        reverse("admin:meetups_rsvp_changelist"),
        admin_change_url(rsvp),
        admin_change_url(event),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "lucia@example.org" not in html, url
        assert f"Member {emailed_member.pk}" in html or f"Miembro {emailed_member.pk}" in html


def test_an_organizer_cannot_swap_the_member_of_a_membership(
    client, organizer_a, group_a, emailed_member
):
    membership = Membership.objects.get(user=emailed_member)
    other = UserFactory(username="otro")
    client.force_login(organizer_a)
    response = client.post(
        admin_change_url(membership),
        {"user": other.username, "study_group": group_a.pk, "role": "member", "status": "active"},
    )
    assert response.status_code == 302
    assert Membership.objects.get(pk=membership.pk).user == emailed_member


def test_moderators_still_see_the_account(client, moderator, emailed_member):
    client.force_login(moderator)
    html = client.get(reverse("admin:studygroups_membership_changelist")).content.decode()
    assert "lucia@example.org" in html
