import pytest
from django.urls import reverse

from places.tests.admin_helpers import assert_leaflet_widget
from studygroups.models import StudyGroup

from .factories import MembershipFactory, StudyGroupFactory

pytestmark = pytest.mark.django_db


def test_change_page_renders_leaflet_widgets_for_location_and_area(admin_client):
    group = StudyGroupFactory()

    response = admin_client.get(reverse("admin:studygroups_studygroup_change", args=[group.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert_leaflet_widget(html, "location")
    assert_leaflet_widget(html, "meeting_area")
    # The stored point is handed to the widget as GeoJSON, lon first.
    assert "-75.569" in html and "6.2675" in html


def test_add_page_renders_leaflet_widget(admin_client):
    response = admin_client.get(reverse("admin:studygroups_studygroup_add"))

    assert response.status_code == 200
    assert_leaflet_widget(response.content.decode(), "location")


def test_changelist_shows_city_and_member_count(admin_client):
    group = StudyGroupFactory(name="Club de Cálculo", city="Cali")
    MembershipFactory.create_batch(3, study_group=group)

    response = admin_client.get(reverse("admin:studygroups_studygroup_changelist"))

    assert response.status_code == 200
    row = next(r for r in response.context["cl"].result_list if r.pk == group.pk)
    assert (row.city, row.member_count, row.event_count) == ("Cali", 3, 0)
    assert "Cali" in response.content.decode()


def test_changelist_search_and_filters_narrow_the_list(admin_client):
    StudyGroupFactory(name="Python Bogotá", city="Bogotá", language="en")
    StudyGroupFactory(name="Matemáticas Lima", city="Lima", language="es")
    url = reverse("admin:studygroups_studygroup_changelist")

    searched = admin_client.get(url, {"q": "python"})
    filtered = admin_client.get(url, {"language__exact": "es"})

    assert [g.name for g in searched.context["cl"].result_list] == ["Python Bogotá"]
    assert [g.name for g in filtered.context["cl"].result_list] == ["Matemáticas Lima"]


def test_admin_creates_a_group_from_a_geojson_point(admin_client):
    response = admin_client.post(
        reverse("admin:studygroups_studygroup_add"),
        {
            "name": "Física en Quito",
            "slug": "fisica-quito",
            "language": "es",
            "capacity": "15",
            "city": "Quito",
            "location": '{"type": "Point", "coordinates": [-78.5044, -0.2012]}',
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    stored = StudyGroup.objects.get(slug="fisica-quito")
    assert stored.location.coords == pytest.approx((-78.5044, -0.2012), abs=1e-9)


def test_admin_refuses_out_of_range_point_with_a_field_error(admin_client):
    response = admin_client.post(
        reverse("admin:studygroups_studygroup_add"),
        {
            "name": "Polo",
            "slug": "polo",
            "language": "es",
            "capacity": "15",
            "location": '{"type": "Point", "coordinates": [10, 95]}',
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "location" in response.context["adminform"].form.errors
