"""A study group's time zone: given, or taken from the nearest gazetteer city to
its location (the site's for online groups); its events default to it."""

from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from places.timezones import time_zone_at
from studygroups.models import StudyGroup
from studygroups.services import studygroup_create, studygroup_time_zone, studygroup_update

from .factories import StudyGroupFactory, UserFactory

pytestmark = pytest.mark.django_db

# Real places, (lon, lat).
COMPLUTENSE = Point(-3.7269, 40.4494, srid=4326)  # Ciudad Universitaria, Madrid
UNAM = Point(-99.1870, 19.3320, srid=4326)  # Ciudad Universitaria, Mexico City
UBA = Point(-58.3960, -34.5990, srid=4326)  # Facultad de Medicina, Buenos Aires
LA_LAGUNA = Point(-16.3167, 28.4833, srid=4326)  # Universidad de La Laguna


@pytest.fixture
def organizer():
    return UserFactory(username="olga_organizadora", password="!")


@pytest.mark.parametrize(
    "location, zone",
    [
        (COMPLUTENSE, "Europe/Madrid"),
        (UNAM, "America/Mexico_City"),
        (UBA, "America/Argentina/Buenos_Aires"),
        (LA_LAGUNA, "Atlantic/Canary"),
    ],
)
def test_a_new_group_takes_the_zone_of_its_location(organizer, location, zone):
    group = studygroup_create(
        organizer=organizer, name="Grupo", location=location, city="x"
    )
    assert group.time_zone == zone


def test_an_online_group_takes_the_sites_zone(organizer, settings):
    group = studygroup_create(organizer=organizer, name="En línea", is_online=True)
    assert group.time_zone == settings.TIME_ZONE


def test_a_given_zone_is_kept(organizer):
    group = studygroup_create(
        organizer=organizer, name="Madrileños en Bogotá", location=COMPLUTENSE,
        time_zone="America/Bogota",
    )
    assert group.time_zone == "America/Bogota"


def test_emptying_the_zone_takes_it_again_from_the_location(organizer):
    group = studygroup_create(organizer=organizer, name="Grupo", location=UNAM, city="CDMX")
    studygroup_update(group, time_zone="", location=COMPLUTENSE)
    assert StudyGroup.objects.get(pk=group.pk).time_zone == "Europe/Madrid"


def test_a_group_saved_without_a_zone_still_has_its_locations():
    group = StudyGroupFactory(location=UBA, time_zone="")
    assert studygroup_time_zone(group) == "America/Argentina/Buenos_Aires"


def test_a_zone_nobody_lives_in_is_refused(organizer):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        studygroup_create(organizer=organizer, name="X", location=UNAM, time_zone="Factory")
    assert "time_zone" in refused.value.message_dict


def test_the_nearest_city_is_found_on_the_index_in_one_query():
    with CaptureQueriesContext(connection) as queries:
        assert time_zone_at(COMPLUTENSE) == "Europe/Madrid"
    (query,) = queries.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + query["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Scan using" in plan and "Order By: (location <->" in plan, plan
    assert "Sort" not in plan


def test_the_migration_fills_existing_groups_from_their_locations(settings):
    madrid = StudyGroupFactory(location=COMPLUTENSE, time_zone="")
    online = StudyGroupFactory(is_online=True, location=None, time_zone="")
    kept = StudyGroupFactory(location=UNAM, time_zone="America/Bogota")
    migration = import_module("studygroups.migrations.0011_studygroup_time_zone_from_nearest_city")
    migration.derive_time_zones(apps, SimpleNamespace(connection=connection))
    zones = dict(StudyGroup.objects.values_list("pk", "time_zone"))
    assert zones[madrid.pk] == "Europe/Madrid"
    assert zones[online.pk] == settings.TIME_ZONE
    assert zones[kept.pk] == "America/Bogota"


def test_the_group_form_offers_the_zones_grouped_by_country(client, organizer):
    client.force_login(organizer)
    html = client.get(reverse("studygroup-new"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<select name="time_zone"' in html
    assert '<optgroup label="Colombia">' in html
    assert '<option value="" selected>Según el lugar del grupo</option>' in html


def test_the_group_admin_offers_the_zones_in_a_select(admin_client):
    group = StudyGroupFactory(time_zone="Europe/Madrid")
    html = admin_client.get(
        reverse("admin:studygroups_studygroup_change", args=[group.pk])
    ).content.decode()
    assert '<option value="Europe/Madrid" selected>' in html


def test_a_group_saved_in_the_admin_with_no_zone_keeps_its_locations(admin_client):
    response = admin_client.post(
        reverse("admin:studygroups_studygroup_add"),
        {
            "name": "Topología en la Complutense",
            "slug": "topologia-complutense",
            "language": "es",
            "capacity": "15",
            "city": "Madrid",
            "time_zone": "",
            "location": f'{{"type": "Point", "coordinates": [{COMPLUTENSE.x}, {COMPLUTENSE.y}]}}',
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert StudyGroup.objects.get(slug="topologia-complutense").time_zone == "Europe/Madrid"
