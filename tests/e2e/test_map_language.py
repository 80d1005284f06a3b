"""Leaflet speaks the page's language on every map: the zoom buttons'
tooltips, the map's credits and the draw toolbar, on the site and in the admin."""

import pytest
from django.contrib.gis.geos import Point

from studygroups.models import Topic
from studygroups.services import studygroup_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password-for-the-maps"
WORDS = {
    "es-CO": {
        "zoom": ["Acercar", "Alejar"],
        "credit": "© colaboradores de OpenStreetMap",
        "leaflet": "Una biblioteca de JavaScript para mapas interactivos",
        "marker": "Dibujar un marcador",
        "polygon": "Dibujar un polígono",
        "topics": ["Cálculo", "Ciencia de datos"],
    },
    "en-US": {
        "zoom": ["Zoom in", "Zoom out"],
        "credit": "© OpenStreetMap contributors",
        "leaflet": "A JavaScript library for interactive maps",
        "marker": "Draw a marker",
        "polygon": "Draw a polygon",
        "topics": ["Calculus", "Data science"],
    },
}


@pytest.fixture
def group(django_user_model):
    organizer = django_user_model.objects.create_user("camila", "camila@example.org", PASSWORD)
    group = studygroup_create(
        organizer=organizer,
        name="Semillero de cálculo – Ciudad Universitaria",
        location=Point(-74.0840, 4.6380, srid=4326),
        city="Bogotá",
    )
    group.topics.set(
        [
            Topic.objects.create(name_es="Cálculo", name_en="Calculus", slug="calculo"),
            Topic.objects.create(
                name_es="Ciencia de datos", name_en="Data science", slug="data-science"
            ),
        ]
    )
    return group


def signed_in(new_page, live_server, locale, width):
    page = new_page(locale=locale, viewport={"width": width, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "camila")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def leaflet_words(page, map_selector):
    page.wait_for_selector(f"{map_selector} .leaflet-control-zoom-in")
    page.hover(f"{map_selector} .leaflet-control-zoom-in")
    return {
        "zoom": [
            page.get_attribute(f"{map_selector} .leaflet-control-zoom-in", "title"),
            page.get_attribute(f"{map_selector} .leaflet-control-zoom-out", "title"),
        ],
        "credit": page.inner_text(f"{map_selector} .leaflet-control-attribution"),
        "leaflet": page.get_attribute(f"{map_selector} .leaflet-control-attribution a", "title"),
    }


@pytest.mark.parametrize("locale", ["es-CO", "en-US"])
def test_the_sites_maps_speak_the_pages_language(new_page, live_server, group, screenshot, locale):
    words = WORDS[locale]
    for width in (1366, 375):
        page = signed_in(new_page, live_server, locale, width)
        for name, path, selector in (
            ("map", "/", "#map"),
            ("group", group.get_absolute_url(), "#detail-map"),
            ("group-form", f"/groups/{group.slug}/edit/", "#id_location-map"),
        ):
            page.goto(live_server.url + path)
            if name == "map" and width < 760:
                # On a phone the map page opens on its list; the switch shows the map.
                page.click("#show-map")
            shown = leaflet_words(page, selector)
            assert shown["zoom"] == words["zoom"], (name, width)
            assert words["credit"] in shown["credit"], (name, width)
            assert shown["leaflet"] == words["leaflet"], (name, width)
            screenshot(f"map-language-{name}-{locale}-{width}", of=page)
        # The group form: the draw toolbar and the topic checkboxes.
        assert page.get_attribute(
            "#id_location-map .leaflet-draw-draw-marker", "title"
        ) == words["marker"]
        assert page.get_attribute(
            "#id_meeting_area-map .leaflet-draw-draw-polygon", "title"
        ) == words["polygon"]
        labels = [text.strip() for text in page.locator("label:has(input[name=topics])")
                  .all_inner_texts()]
        assert [label for label in labels if label in words["topics"]] == words["topics"]
        assert page.console_errors == []


@pytest.mark.parametrize("locale", ["es-CO", "en-US"])
def test_the_admins_maps_speak_the_pages_language(new_page, live_server, group, locale):
    words = WORDS[locale]
    page = new_page(locale=locale)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "camila")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/studygroups/studygroup/{group.pk}/change/")
    shown = leaflet_words(page, "#id_location-map")
    assert shown["zoom"] == words["zoom"]
    assert words["credit"] in shown["credit"]
    assert page.get_attribute(
        "#id_location-map .leaflet-draw-draw-marker", "title"
    ) == words["marker"]
    assert page.get_attribute(
        "#id_meeting_area-map .leaflet-draw-draw-polygon", "title"
    ) == words["polygon"]
    assert page.console_errors == []
