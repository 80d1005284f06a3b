"""The map page in a real browser: markers for the view, the nearest-groups list,
place and text search, geolocation, escaping, languages and a phone's width.

Expected values come from outside the page's code: group locations read back
from the database, distances measured by pyproj on the WGS84 ellipsoid, and
labels from Django's translation catalogues.
"""

from urllib.parse import urlsplit

import pytest
from django.contrib.gis.geos import Point
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from studygroups.models import StudyGroup
from studygroups.tests.factories import StudyGroupFactory
from tests.demo_snapshot import load_demo
from tests.e2e.layout import page_width
from tests.e2e.mappage import (
    BOGOTA,
    CLUSTERS,
    DEFAULT_CENTER,
    DEFAULT_RADIUS_KM,
    GEOD,
    MAP_READY,
    MEDELLIN,
    RESULTS,
    XSS_NAME,
    drawn_counts,
    groups_within,
    in_tiles,
    map_center,
    open_map,
    page_language,
    reload_list,
    reload_view,
    translated,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Each group of the loaded tiles is either alone on the map or counted in a
# cluster (whose icon counts its events apart, in .event-count).
RENDERED_GROUPS = """() => {
    const clusters = [...document.querySelectorAll('#map .marker-cluster .group-count')]
        .reduce((sum, span) => sum + Number(span.textContent.replace(/\\D/g, '')), 0);
    const single = document.querySelectorAll('#map .leaflet-marker-icon.group-marker').length;
    return clusters + single;
}"""


@pytest.fixture
def demo(transactional_db):
    """The demo fixture, committed where the live server's threads can read it."""
    load_demo()


def only_tiles_were_refused(page):
    return all(
        urlsplit(url).netloc.endswith("tile.openstreetmap.org") for url in page.external_requests
    )


def test_the_map_counts_every_group_of_its_tiles_once(page, live_server, demo, screenshot):
    open_map(page, live_server.url)
    assert page.locator(".leaflet-container").is_visible()
    assert page_language(page) == "en"  # Playwright's en-US sets Accept-Language.

    reload_view(page, "() => window.cercaMap.fitBounds([[4.55, -74.20], [4.76, -74.02]])")

    drawn, tiles = drawn_counts(page)
    expected = [
        group.pk
        for group in StudyGroup.objects.exclude(location=None)
        if in_tiles(group.location, tiles)
    ]
    assert len(expected) > 10, "the view should hold many Bogotá groups"
    assert drawn["groups"] == len(expected)
    # What the icons say adds up to the same.
    assert page.evaluate(RENDERED_GROUPS) == len(expected)
    assert page.locator("#map .marker-cluster").count() > 0

    screenshot("map-page")
    assert only_tiles_were_refused(page), page.external_requests
    assert not page.console_errors


def test_single_markers_stand_where_their_groups_meet(page, live_server, demo):
    open_map(page, live_server.url)

    reload_view(page, "() => window.cercaMap.setView([4.6380, -74.0840], 16, {animate: false})")

    singles = [
        cluster for cluster in page.evaluate(CLUSTERS)
        if cluster["counts"]["groups"] == 1 and not cluster["counts"]["events"]
    ]
    assert len(singles) >= 3, "the demo has several groups near Universidad Nacional"
    for single in singles:
        [[kind, pk]] = single["ids"]
        location = StudyGroup.objects.get(pk=pk).location
        _, _, meters = GEOD.inv(single["lon"], single["lat"], location.x, location.y)
        assert kind == "groups" and meters < 2, (pk, meters)
    assert not page.console_errors


# Distances read "1.2 km" in English and "1,2 km" in Spanish.
@pytest.mark.parametrize("locale, language", [("en-US", "en"), ("es-CO", "es")])
def test_my_location_lists_the_nearest_groups_with_their_distances(
    new_page, live_server, demo, locale, language
):
    page = new_page(
        locale=locale,
        geolocation={"longitude": MEDELLIN[0], "latitude": MEDELLIN[1]},
        permissions=["geolocation"],
    )
    open_map(page, live_server.url)
    assert page_language(page) == language

    listed = reload_list(page, lambda: page.click("#locate"))

    expected = groups_within(MEDELLIN, DEFAULT_RADIUS_KM)
    assert len(expected) >= 5, "the demo has groups in Medellín"
    assert sorted(item["id"] for item in listed) == sorted(expected)
    for item in listed:
        true_km = expected[item["id"]]
        assert abs(item["km"] - true_km) <= 0.05 + 0.005 * true_km, (item, true_km)
    # Nearest first; the index orders on a sphere, so rows closer than 0.5% may swap.
    true_distances = [expected[item["id"]] for item in listed]
    for nearer, farther in zip(true_distances, true_distances[1:]):
        assert nearer <= farther * 1.005, true_distances
    assert map_center(page) == pytest.approx(MEDELLIN, abs=1e-4)
    assert not page.console_errors


def test_a_place_typed_without_accents_moves_the_map_and_the_list(
    page, live_server, demo, gazetteer
):
    # Open in Medellín, so that reaching Bogotá is the search's doing.
    open_map(page, f"{live_server.url}/?near={MEDELLIN[0]},{MEDELLIN[1]}")
    assert map_center(page) == pytest.approx(MEDELLIN, abs=1e-4)

    page.fill("#place", "bogota")
    listed = reload_list(page, lambda: page.click("#search-form button[type=submit]"))

    assert map_center(page) == pytest.approx(BOGOTA, abs=0.1)
    assert "Bogotá" in page.text_content("#status")
    center = map_center(page)
    assert sorted(item["id"] for item in listed) == sorted(groups_within(center, 10))
    cities = set(
        StudyGroup.objects.filter(pk__in=[item["id"] for item in listed]).values_list(
            "city", flat=True
        )
    )
    assert listed and cities == {"Bogotá"}
    assert not page.console_errors


def test_a_misspelt_topic_finds_the_group(page, live_server, demo):
    open_map(page, live_server.url)
    reload_list(page, lambda: page.select_option("#radius", "25"))

    page.fill("#q", "pyton")
    listed = reload_list(page, lambda: page.press("#q", "Enter"))

    python_nearby = {
        pk
        for pk in groups_within(DEFAULT_CENTER, 25)
        if "python" in StudyGroup.objects.get(pk=pk).name.lower()
    }
    assert python_nearby, "the demo has a Python group in Bogotá"
    assert python_nearby <= {item["id"] for item in listed}
    assert all("Python" in item["name"] for item in listed), listed
    assert not page.console_errors


def test_a_group_name_is_shown_as_text_never_as_markup(page, live_server, demo):
    group = StudyGroupFactory(
        name=XSS_NAME, slug="xss", city="Bogotá", location=Point(-74.0836, 4.6384, srid=4326)
    )
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_map(page, live_server.url)

    link = page.locator(f"#results li.result[data-id='{group.pk}'] .result-link")
    assert link.text_content() == XSS_NAME
    reload_view(
        page,
        "([lon, lat]) => window.cercaMap.setView([lat, lon], 18)",
        [group.location.x, group.location.y],
    )
    page.locator(f"#map .leaflet-marker-icon[title='{XSS_NAME}']").click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()

    assert popup.locator("a").text_content() == XSS_NAME
    assert popup.locator("img").count() == 0
    assert page.evaluate("() => document.querySelectorAll('#results img').length") == 0
    assert page.locator("img[src=x]").count() == 0
    assert dialogs == []
    assert not page.console_errors


def test_show_on_map_opens_the_popup_of_a_clustered_group(page, live_server, demo):
    open_map(page, live_server.url)
    markers = page.locator("#map")
    clustered = next(
        (
            item
            for item in page.evaluate(RESULTS)
            if markers.get_by_title(item["name"], exact=True).count() == 0
        ),
        None,
    )
    assert clustered, "at zoom 12 some listed Bogotá group should be inside a cluster"
    zoom = page.evaluate("() => window.cercaMap.getZoom()")

    page.locator(f"#results li.result[data-id='{clustered['id']}'] .show-on-map").click()

    popup = page.locator(".leaflet-popup-content")
    try:
        popup.wait_for(timeout=5_000)
    except PlaywrightTimeoutError:
        pytest.fail(
            f"Show on map for {clustered['name']!r} opened no popup; the map went from zoom "
            f"{zoom} to {page.evaluate('() => window.cercaMap.getZoom()')}"
        )
    assert popup.locator("a").text_content() == clustered["name"]
    assert not page.console_errors


def test_the_language_switcher_translates_the_labels(new_page, live_server):
    labels = {
        "label[for=place]": "City or place",
        "label[for=q]": "Topic or name",
        "#search-heading": "Find study groups near you",
        "#search-form button[type=submit]": "Search",
    }
    spanish = {selector: translated(text, "es") for selector, text in labels.items()}
    untranslated = [text for selector, text in labels.items() if spanish[selector] == text]
    assert not untranslated, (
        f"no Spanish translation for {untranslated}: write them in "
        "locale/es/LC_MESSAGES/django.po and compile it (msgfmt, or `make setup`)"
    )
    page = new_page(locale="es-CO")

    def shown():
        return {selector: page.text_content(selector).strip() for selector in labels}

    open_map(page, live_server.url)
    assert page_language(page) == "es"
    assert shown() == spanish

    with page.expect_navigation():
        page.select_option("#language", "en")
    page.wait_for_function(MAP_READY)
    assert page_language(page) == "en"
    assert shown() == labels

    with page.expect_navigation():
        page.select_option("#language", "es")
    page.wait_for_function(MAP_READY)
    assert page_language(page) == "es"
    assert shown() == spanish
    assert not page.console_errors


def test_a_refused_location_says_so_and_moves_to_the_place_box(new_page, live_server):
    page = new_page(locale="es-CO")
    # Nothing granted: headless Chromium refuses the prompt, as a user would.
    page.context.clear_permissions()
    open_map(page, live_server.url)

    page.click("#locate")

    denied = translated(
        "We could not get your location (permission denied or unavailable). "
        "Type a city or place instead.",
        "es",
    )
    expect(page.locator("#status")).to_have_text(denied)
    expect(page.locator("#place")).to_be_focused()
    assert not page.console_errors


def test_the_page_fits_a_phone_in_list_and_in_map_mode(new_page, live_server, demo, screenshot):
    page = new_page(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    open_map(page, live_server.url)

    assert page_width(page) <= 375
    assert page.locator("#results li.result").first.is_visible()
    assert not page.locator("#map").is_visible(), "a phone shows the list or the map"
    screenshot("map-page-375px-list", of=page)

    page.click("#show-map")
    expect(page.locator("#map")).to_be_visible()
    assert not page.locator("#results").is_visible()
    assert page_width(page) <= 375
    map_box = page.locator("#map").bounding_box()
    assert map_box["width"] >= 370 and map_box["height"] > 400
    # The whole map is on screen, and so is the way back to the list.
    assert 0 <= map_box["y"] and map_box["y"] + map_box["height"] <= 812
    switch = page.locator("#show-list").bounding_box()
    assert switch["y"] >= 0
    screenshot("map-page-375px-map", of=page)

    page.click("#show-list")
    expect(page.locator("#results li.result").first).to_be_visible()
    assert not page.locator("#map").is_visible()
    assert not page.console_errors


def test_show_on_map_on_a_phone_brings_the_map_and_its_popup_into_view(
    new_page, live_server, demo
):
    page = new_page(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    open_map(page, live_server.url)
    item = page.locator("#results li.result").nth(3)
    name = item.locator(".result-link").text_content()
    item.scroll_into_view_if_needed()

    item.locator(".show-on-map").click()

    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.locator("a").text_content() == name
    box = page.locator(".leaflet-popup").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    assert box["y"] >= 0 and box["y"] + box["height"] <= 812, box
    assert page_width(page) <= 375
    assert not page.console_errors
