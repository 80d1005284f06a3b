"""The site's group form: errors at the field they are about, numbers in range,
and a warning before a second group takes a name already in use."""

import pytest
from django.db import connection

from studygroups.models import MemberProfile, StudyGroup

from .factories import StudyGroupFactory, UserFactory

pytestmark = pytest.mark.django_db

# Pontificia Universidad Javeriana, Bogotá.
JAVERIANA = '{"type": "Point", "coordinates": [-74.0646, 4.6280]}'


def group_form(**overrides):
    data = {
        "name": "Física en la Javeriana",
        "description": "Mecánica clásica.",
        "language": "es",
        "join_policy": "open",
        "location": JAVERIANA,
        "city": "Bogotá",
        "capacity": "15",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


@pytest.fixture
def student(client):
    user = UserFactory(username="lucia", password="!")
    client.force_login(user)
    return user


def test_a_missing_location_is_an_error_at_the_map(client, student):
    response = client.post("/groups/new/", group_form(location=""), HTTP_ACCEPT_LANGUAGE="es")
    form = response.context["form"]
    assert form.errors == {"location": ["Un grupo que se reúne en persona necesita una ubicación."]}
    assert not StudyGroup.objects.exists()


def test_an_online_group_needs_no_location(client, student):
    response = client.post("/groups/new/", group_form(location="", is_online="on"))
    assert response.status_code == 302, response.context["form"].errors


def test_the_admin_shows_a_missing_location_at_the_map(admin_client):
    response = admin_client.post(
        "/admin/studygroups/studygroup/add/",
        {
            "name": "Sin lugar",
            "slug": "sin-lugar",
            "language": "es",
            "capacity": "10",
            "join_policy": "open",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "location" in form.errors and not form.non_field_errors()
    assert not StudyGroup.objects.exists()


@pytest.mark.parametrize("capacity", ["0", "-1", "2147483648", "99999999999999999999", "veinte"])
def test_a_capacity_out_of_range_is_a_field_error(client, student, capacity):
    response = client.post("/groups/new/", group_form(capacity=capacity))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["capacity"]
    assert not StudyGroup.objects.exists()


def test_the_capacity_input_says_its_range(client, student):
    html = client.get("/groups/new/").content.decode()
    assert 'name="capacity"' in html
    assert 'min="1"' in html and 'max="2147483647"' in html


def test_a_capacity_error_uses_tu_in_spanish(client, student):
    response = client.post("/groups/new/", group_form(capacity="0"), HTTP_ACCEPT_LANGUAGE="es")
    assert response.context["form"].errors["capacity"] == [
        "Asegúrate de que este valor sea mayor o igual que 1."
    ]


@pytest.mark.parametrize("radius", ["0", "-3", "501", "99999999999"])
def test_an_alert_radius_out_of_range_is_a_field_error(client, student, radius):
    response = client.post("/accounts/profile/", {"home_location": "", "alert_radius_km": radius})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["alert_radius_km"]
    assert not MemberProfile.objects.filter(alert_radius_km=int(radius)).exists()


def test_the_online_checkbox_comes_before_its_label(client, student):
    # The stylesheet puts a checkbox beside its label; this is the markup it expects.
    html = client.get("/groups/new/").content.decode()
    assert 'type="checkbox" name="is_online"' in html


def test_a_taken_name_is_refused_until_confirmed_and_lists_the_others(client, student):
    existing = StudyGroupFactory(name="Física en la Javeriana", city="Bogotá")
    response = client.post(
        "/groups/new/", group_form(name="FISICA EN LA JAVERIANA"), HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["name"]
    assert form.same_name_groups == [existing]
    html = response.content.decode()
    assert f'<a href="{existing.get_absolute_url()}">Física en la Javeriana</a> · Bogotá' in html
    assert 'type="checkbox" name="confirm_same_name"' in html
    assert StudyGroup.objects.count() == 1


def test_a_confirmed_second_group_gets_its_own_slug(client, student):
    existing = StudyGroupFactory(name="Física en la Javeriana", slug="fisica-en-la-javeriana")
    response = client.post("/groups/new/", group_form(confirm_same_name="on"))
    assert response.status_code == 302
    second = StudyGroup.objects.exclude(pk=existing.pk).get()
    assert second.slug == "fisica-en-la-javeriana-2"
    assert response.url == "/groups/fisica-en-la-javeriana-2/"


def test_editing_a_group_without_renaming_it_does_not_warn(client, student):
    from .factories import MembershipFactory

    StudyGroupFactory(name="Física en la Javeriana")
    mine = MembershipFactory(
        user=student, role="organizer", study_group__name="Fisica en la Javeriana"
    ).study_group
    response = client.post(f"/groups/{mine.slug}/edit/", group_form())
    assert response.status_code == 302, response.context["form"].errors


def test_the_group_pages_title_names_its_city(client):
    group = StudyGroupFactory(name="Club de Cálculo", city="Medellín")
    html = client.get(group.get_absolute_url()).content.decode()
    assert "<title>Club de Cálculo · Medellín · Cerca</title>" in html


def test_same_name_runs_on_its_index():
    # 20,000 groups with fresh statistics: the planner picks the index on its own.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO studygroups_studygroup (
                id, name, slug, description, language, is_online, location, city,
                address, capacity, created_at, updated_at
            )
            SELECT 1500000000 + n, 'Grupo ' || n, 'plan-grupo-' || n, '', 'es', true,
                   NULL, '', '', 20, now(), now()
            FROM generate_series(1, 20000) AS n
            """
        )
        cursor.execute("ANALYZE studygroups_studygroup")
        query = StudyGroup.objects.same_name("GRUPO 1234").values("pk")
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "studygroup_name_folded" in plan, plan
    assert list(query) == [{"pk": 1500001234}]


@pytest.mark.parametrize("capacity", ["0", "-1", "2147483648"])
def test_an_event_capacity_out_of_range_is_a_field_error(client, capacity):
    from .factories import MembershipFactory

    organizer = MembershipFactory(role="organizer")
    client.force_login(organizer.user)
    response = client.post(
        "/events/new/",
        {
            "title": "Repaso",
            "study_group": organizer.study_group_id,
            "online_url": "https://meet.example.org/repaso",
            "during_0": "2027-10-14T18:00",
            "during_1": "2027-10-14T20:00",
            "time_zone": "America/Bogota",
            "capacity": capacity,
            "status": "scheduled",
            "occurrences": "1",
        },
    )
    assert response.status_code == 200
    assert "capacity" in response.context["form"].errors


def test_a_groups_capacity_cannot_go_below_its_members(client, student):
    from .factories import MembershipFactory

    client.post("/groups/new/", group_form())
    group = StudyGroup.objects.get()
    MembershipFactory(study_group=group)
    MembershipFactory(study_group=group, status="pending")  # not a member yet
    edit = f"/groups/{group.slug}/edit/"
    response = client.post(edit, group_form(capacity="1"), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "capacity": ["El grupo tiene 2 miembros: su cupo no puede ser menor."]
    }
    assert StudyGroup.objects.get().capacity == 15
    assert client.post(edit, group_form(capacity="2")).status_code == 302
    assert StudyGroup.objects.get().capacity == 2
