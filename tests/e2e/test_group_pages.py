"""The group form and joining an approval-required group, in a real browser."""

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from playwright.sync_api import expect

from meetups.tests.factories import EventFactory, hours_from_now
from studygroups.models import Membership, StudyGroup
from studygroups.tests.factories import StudyGroupFactory, UserFactory, organizer_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CAPTURE_MAPS = """
window.cercaMaps = {};
window.addEventListener('map:init', function (e) { window.cercaMaps[e.detail.id] = e.detail.map; });
"""


def signed_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


@pytest.mark.parametrize("width", [1366, 375])
def test_the_online_checkbox_sits_beside_its_label(new_page, live_server, screenshot, width):
    page = signed_in(
        new_page(locale="es", viewport={"width": width, "height": 900}),
        live_server,
        UserFactory(username="lucia", password="!"),
    )
    page.goto(f"{live_server.url}/groups/new/")
    box = page.locator("#id_is_online").bounding_box()
    label = page.locator("label[for=id_is_online]").bounding_box()
    # Same line, the box first, a few pixels apart.
    assert abs((box["y"] + box["height"] / 2) - (label["y"] + label["height"] / 2)) < 8
    assert 0 <= label["x"] - (box["x"] + box["width"]) < 16
    screenshot(f"group-form-online-{width}", of=page)


def test_a_second_group_with_a_taken_name_is_confirmed_and_placed_on_the_map(
    new_page, live_server, screenshot
):
    existing = StudyGroupFactory(
        name="Club de Cálculo", slug="club-de-calculo", city="Medellín"
    )
    student = UserFactory(username="lucia", password="!")
    page = signed_in(new_page(locale="es"), live_server, student)
    page.add_init_script(CAPTURE_MAPS)
    page.goto(f"{live_server.url}/groups/new/")
    page.fill("#id_name", "CLUB DE CALCULO")
    page.fill("#id_city", "Bogotá")
    page.click("form.stacked-form button[type=submit]")

    # The name's error, with the other group linked, and the map's own error at the map.
    expect(page.locator("#id_name_error")).to_contain_text("Ya existe un grupo de estudio")
    link = page.locator(f'a[href="{existing.get_absolute_url()}"]')
    expect(link).to_have_text("Club de Cálculo")
    location_field = page.locator("div:has(> #id_location-map)")
    expect(location_field.locator(".errorlist")).to_contain_text("necesita una ubicación")
    expect(page.locator(".errorlist.nonfield")).to_have_count(0)
    screenshot("group-form-same-name-and-location-errors", of=page)

    page.check("#id_confirm_same_name")
    map_box = page.locator("#id_location-map")
    map_box.scroll_into_view_if_needed()
    page.wait_for_function("window.cercaMaps && window.cercaMaps['id_location-map']")
    page.locator("#id_location-map .leaflet-draw-draw-marker").click()
    box = map_box.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2 - 5, box["y"] + box["height"] / 2 - 5)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("document.querySelector('#id_location').value.includes('Point')")
    page.click("form.stacked-form button[type=submit]")

    page.wait_for_url(f"{live_server.url}/groups/club-de-calculo-2/")
    expect(page).to_have_title("CLUB DE CALCULO · Bogotá · Cerca")
    assert StudyGroup.objects.same_name("club de calculo").count() == 2


def test_a_student_asks_to_join_from_the_event_page_and_sees_it_pending(
    new_page, live_server, screenshot
):
    group = StudyGroupFactory(
        name="Seminario de Topología",
        join_policy="approval",
        location=Point(-74.0840, 4.6380, srid=4326),
        city="Bogotá",
    )
    organizer_of(group, "olga")
    event = EventFactory(study_group=group, title="Homotopía", during=hours_from_now(48, 50))
    student = UserFactory(username="santi", password="!")
    page = signed_in(new_page(locale="es", viewport={"width": 375, "height": 800}), live_server,
                     student)
    page.goto(f"{live_server.url}{event.get_absolute_url()}")
    page.get_by_role("button", name="Solicitar unirse a Seminario de Topología").click()

    page.wait_for_url(f"{live_server.url}{event.get_absolute_url()}")
    expect(page.locator(".messages")).to_contain_text("Tu solicitud fue enviada")
    expect(page.locator(".join-prompt")).to_contain_text("está esperando a sus organizadores")
    assert Membership.objects.get(user=student, study_group=group).status == "pending"
    screenshot("event-page-join-request-pending", of=page)
