"""The map page's search in a real browser: my location that sticks, a
loading state that claims only what is shown, the search kept in the URL
(reload, share, back, language switch), and the page without JavaScript.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from places.models import City
from studygroups.models import StudyGroup
from tests.demo_snapshot import load_demo
from tests.e2e.mappage import (
    DEFAULT_CENTER,
    GEOD,
    MAP_READY,
    MEDELLIN,
    geodesic_km,
    groups_within,
    listed,
    map_center,
    open_map,
    page_language,
    reload_list,
    translated,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MEDELLIN_GEOLOCATION = {"longitude": MEDELLIN[0], "latitude": MEDELLIN[1]}


@pytest.fixture
def demo(transactional_db):
    load_demo()


def query(page):
    return {key: values[-1] for key, values in parse_qs(urlsplit(page.url).query).items()}


def ids(items):
    return sorted(item["id"] for item in items)


def test_my_location_replaces_the_place_for_every_later_search(
    new_page, live_server, demo, gazetteer
):
    page = new_page(geolocation=MEDELLIN_GEOLOCATION, permissions=["geolocation"])
    open_map(page, f"{live_server.url}/?place=bogota")
    assert page.input_value("#place") == "bogota"

    reload_list(page, lambda: page.click("#locate"))
    assert page.input_value("#place") == ""

    after_radius = reload_list(page, lambda: page.select_option("#radius", "5"))
    assert ids(after_radius) == sorted(groups_within(MEDELLIN, 5))
    page.fill("#q", "python")
    after_topic = reload_list(page, lambda: page.press("#q", "Enter"))
    assert after_topic, "the demo has a Python group in Medellín"
    assert all(
        geodesic_km(MEDELLIN, StudyGroup.objects.get(pk=item["id"]).location) <= 5
        for item in after_topic
    )
    after_search = reload_list(page, lambda: page.click("#search-form button[type=submit]"))
    assert ids(after_search) == ids(after_topic)
    assert map_center(page) == pytest.approx(MEDELLIN, abs=1e-3)
    assert query(page)["near"] == "-75.58120,6.24420" and "place" not in query(page)
    assert page.text_content("#status") == translated(
        "Showing groups near %(place)s.", "en", place=translated("your location", "en")
    )
    assert not page.console_errors


def list_request(url):
    return "/api/studygroups/" in url and "near=" in url


def test_while_the_list_loads_the_page_says_so_and_claims_only_what_it_shows(
    new_page, live_server, demo
):
    page = new_page(geolocation=MEDELLIN_GEOLOCATION, permissions=["geolocation"])
    open_map(page, live_server.url)
    bogota = ids(listed(page))
    status = page.text_content("#status")
    held = []
    # The list's request (near=...) waits until the test lets it through.
    page.route(list_request, lambda route: held.append(route))
    page.evaluate("() => { delete document.body.dataset.listLoaded; }")

    page.click("#locate")
    while not held:
        page.wait_for_timeout(50)

    expect(page.locator("#loading")).to_be_visible()
    expect(page.locator("#loading")).to_have_text(translated("Loading…", "en"))
    assert page.get_attribute("#results", "aria-busy") == "true"
    assert ids(listed(page)) == bogota
    near_me = translated(
        "Showing groups near %(place)s.", "en", place=translated("your location", "en")
    )
    assert page.text_content("#status") != near_me
    assert page.text_content("#status") in {status, translated("Finding your location…", "en")}

    page.unroute(list_request)
    for route in held:
        route.continue_()
    page.wait_for_function("() => document.body.dataset.listLoaded !== undefined")

    expect(page.locator("#loading")).to_be_hidden()
    assert page.get_attribute("#results", "aria-busy") == "false"
    assert ids(listed(page)) == sorted(groups_within(MEDELLIN, 10))
    assert page.text_content("#status") == translated(
        "Showing groups near %(place)s.", "en", place=translated("your location", "en")
    )
    assert not page.console_errors


def test_a_search_survives_a_reload_and_a_language_switch(new_page, live_server, demo):
    page = new_page(
        locale="es-CO", geolocation=MEDELLIN_GEOLOCATION, permissions=["geolocation"]
    )
    open_map(page, live_server.url)
    reload_list(page, lambda: page.click("#locate"))
    reload_list(page, lambda: page.select_option("#radius", "25"))
    page.fill("#q", "python")
    before = reload_list(page, lambda: page.press("#q", "Enter"))
    # The visitor moves the map once it has settled after the search.
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => document.body.dataset.mapMoving === undefined")
    page.evaluate("() => window.cercaMap.setView([6.30, -75.60], 11)")
    page.wait_for_function(
        "() => (new URL(location.href).searchParams.get('map') || '').startsWith('11/6.3')"
    )
    shared = query(page)
    zoom, lat, lon = (float(part) for part in shared.pop("map").split("/"))
    assert (zoom, lat, lon) == pytest.approx((11, 6.30, -75.60), abs=1e-3)
    assert shared == {"near": "-75.58120,6.24420", "radius_km": "25", "q": "python"}
    assert page.get_attribute(".language-switcher input[name=next]", "value") == (
        urlsplit(page.url).path + "?" + urlsplit(page.url).query
    )

    page.reload()
    page.wait_for_function(MAP_READY)
    assert ids(listed(page)) == ids(before)
    assert (page.input_value("#q"), page.input_value("#radius")) == ("python", "25")
    assert map_center(page) == pytest.approx((lon, lat), abs=1e-4)
    assert page.evaluate("() => window.cercaMap.getZoom()") == 11

    with page.expect_navigation():
        page.select_option("#language", "en")
    page.wait_for_function(MAP_READY)
    assert page_language(page) == "en"
    assert query(page)["q"] == "python" and query(page)["near"] == "-75.58120,6.24420"
    assert ids(listed(page)) == ids(before)
    assert page.text_content("#results-heading") == translated(
        "Best matches for “%(q)s” nearby", "en", q="python"
    )
    assert not page.console_errors


def test_a_shared_link_opens_its_map_view_and_its_search(page, live_server, demo):
    open_map(page, f"{live_server.url}/?map=7/6.25/-75.57&q=python&radius_km=25")

    assert map_center(page) == pytest.approx((-75.57, 6.25), abs=1e-4)
    assert page.evaluate("() => window.cercaMap.getZoom()") == 7
    assert page.input_value("#q") == "python"
    items = listed(page)
    python = set(StudyGroup.objects.search("python").values_list("pk", flat=True))
    assert items and {item["id"] for item in items} <= python
    assert all(item["id"] in groups_within(DEFAULT_CENTER, 25) for item in items)
    assert not page.console_errors


def test_back_returns_to_the_previous_search(page, live_server, demo):
    open_map(page, live_server.url)
    page.fill("#q", "python")
    python = reload_list(page, lambda: page.press("#q", "Enter"))
    page.fill("#q", "cálculo")
    reload_list(page, lambda: page.press("#q", "Enter"))

    page.go_back()
    page.wait_for_function(MAP_READY)

    assert page.input_value("#q") == "python"
    assert ids(listed(page)) == ids(python)
    assert not page.console_errors


def test_without_javascript_the_page_says_the_map_needs_it_and_lists_groups(
    new_page, live_server, demo, gazetteer, screenshot
):
    page = new_page(locale="es-CO", java_script_enabled=False)
    page.goto(live_server.url)

    note = page.locator(".map-needs-js")
    expect(note).to_be_visible()
    assert note.text_content() == translated(
        "The map needs JavaScript, which is off or blocked in this browser. The list works "
        "without it: search by place, topic and radius.",
        "es",
    )
    assert not page.locator("#map").is_visible()
    assert page.locator(".map-panel").bounding_box()["height"] < 200, "no blank half-page"
    assert page.text_content("#map-note").strip() == ""
    assert not page.locator("#view-switch").is_visible()
    assert not page.locator("#locate").is_visible()
    assert page.locator("#results li.result").count() > 0
    screenshot("map-page-no-javascript-es", of=page)

    page.fill("#place", "medellin")
    page.click("#search-form button[type=submit]")

    medellin = City.objects.get(name="Medellín", country_code="CO").location
    items = listed(page)
    assert items and ids(items) == sorted(groups_within((medellin.x, medellin.y), 10))
    assert "Medellín" in page.text_content("#status")
    assert page.locator("#list-note").is_visible()
    # The upcoming events within the same circle, by the server too.
    assert page.locator("#event-list-note").is_visible()
    assert "Medellín" in page.text_content("#all-events")


def km_between(a, b):
    """Kilometres between two (lon, lat) points on the WGS84 ellipsoid."""
    return GEOD.inv(a[0], a[1], b[0], b[1])[2] / 1000


@pytest.mark.parametrize("locale", ["es", "en-US"])
def test_search_this_area_lists_the_groups_around_where_the_map_was_moved(
    new_page, live_server, demo, gazetteer, screenshot, locale
):
    page = new_page(locale=locale)
    open_map(page, f"{live_server.url}/?place=bogota")
    area = page.locator(".search-area-button")
    expect(area).to_be_hidden()
    # The visitor drags the map from Bogotá to Medellín, at the same zoom.
    page.evaluate("([lon, lat]) => window.cercaMap.setView([lat, lon], 12)", list(MEDELLIN))
    expect(area).to_be_visible()
    expect(area).to_have_text(translated("Search this area", page_language(page)))
    center = map_center(page)
    items = reload_list(page, area.click)
    radius_km = float(page.input_value("#radius"))
    # The largest radius choice that fits in the view, around the map's centre.
    bounds = page.evaluate("() => window.cercaMap.getBounds().toBBoxString()").split(",")
    west, south, east, north = map(float, bounds)
    half_view_km = min(
        km_between(center, (east, center[1])), km_between(center, (center[0], north))
    )
    assert radius_km <= half_view_km
    assert ids(items) == sorted(groups_within(center, radius_km))
    assert items, "the demo has groups in central Medellín"
    # The map stayed where the visitor put it, and the search is in the URL.
    assert km_between(map_center(page), center) < 0.1
    near = [float(value) for value in query(page)["near"].split(",")]
    assert km_between(near, center) < 0.05
    expect(area).to_be_hidden()
    screenshot(f"map-search-this-area-{locale}", of=page)
