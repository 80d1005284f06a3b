"""Place search on the map page in a real browser: a strong match moves the
map and the list, a weak one asks "¿Quisiste decir…?" with buttons, an
unknown place says so and changes nothing, and every place request says
where the map is looking.

Expected places come from the gazetteer's rows and from
``places.gazetteer.search_places`` (the backend the page talks to), never
from the page's own code.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.gis.geos import Point
from django.utils import translation
from playwright.sync_api import expect

from meetups.tests.factories import VenueFactory
from places.gazetteer import search_places
from places.models import Locality
from tests.demo_snapshot import load_demo
from tests.e2e.mappage import (
    DEFAULT_CENTER,
    XSS_NAME,
    groups_within,
    listed,
    map_center,
    open_map,
    reload_list,
    settle,
    translated,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db, gazetteer):
    load_demo()


def ids(items):
    return sorted(item["id"] for item in items)


def submit(page):
    page.click("#search-form button[type=submit]")


def test_a_strong_match_moves_the_map_and_the_list_there(page, live_server, demo):
    chapinero = Locality.objects.get(key="chapinero-bogota").location
    open_map(page, live_server.url)

    page.fill("#place", "Chapinero")
    items = reload_list(page, lambda: submit(page))

    assert map_center(page) == pytest.approx((chapinero.x, chapinero.y), abs=1e-3)
    assert ids(items) == sorted(groups_within((chapinero.x, chapinero.y), 10))
    assert "Chapinero, Bogotá, Colombia" in page.text_content("#status")
    assert page.locator("#place-candidates").is_hidden()
    assert not page.console_errors


def test_a_weak_match_asks_which_place_with_buttons_that_search_there(
    new_page, live_server, demo, screenshot
):
    page = new_page(locale="es-CO")
    open_map(page, live_server.url)
    before = ids(listed(page))
    center = map_center(page)
    with translation.override("es"):
        expected = search_places("Chapineri", near=Point(*center, srid=4326))
    assert expected.match == "weak"

    page.fill("#place", "Chapineri")
    settle(page, lambda: page.press("#place", "Enter"))

    box = page.locator("#place-candidates")
    expect(box).to_be_visible()
    assert box.locator(".candidates-title").text_content() == "¿Quisiste decir…?"
    buttons = box.locator("button.candidate")
    assert buttons.all_text_contents() == [place.label for place in expected.places]
    metas = box.locator(".candidate-meta").all_text_contents()
    assert all(place.country in meta for place, meta in zip(expected.places, metas))
    # Nothing moved yet: the list and the map wait for a choice.
    assert ids(listed(page)) == before
    assert map_center(page) == pytest.approx(center, abs=1e-6)
    screenshot("map-es-1366-did-you-mean", of=page)

    # From the place box, Tab reaches the first candidate (after "Use my location").
    page.focus("#place")
    for _ in range(4):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('candidate')"):
            break
    assert page.evaluate("() => document.activeElement.textContent") == expected.places[0].label
    items = reload_list(page, lambda: page.keyboard.press("Enter"))

    first = expected.places[0]
    assert map_center(page) == pytest.approx((first.lon, first.lat), abs=1e-3)
    assert ids(items) == sorted(groups_within((first.lon, first.lat), 10))
    assert page.input_value("#place") == first.label
    assert box.is_hidden()
    query = parse_qs(urlsplit(page.url).query)
    assert query["place"] == [first.label]
    assert not page.console_errors


def test_an_unknown_place_says_so_and_keeps_the_list_the_view_and_the_url(
    page, live_server, demo
):
    open_map(page, live_server.url)
    before, center, url = ids(listed(page)), map_center(page), page.url

    page.fill("#place", "asdfgh")
    settle(page, lambda: submit(page))

    assert page.text_content("#status") == translated(
        "We could not find “%(place)s”. Try another city or place. "
        "The list still shows the last search.",
        "en",
        place="asdfgh",
    )
    assert ids(listed(page)) == before
    assert map_center(page) == pytest.approx(center, abs=1e-6)
    assert page.url == url
    assert not page.console_errors


def test_place_requests_say_where_the_map_is_looking(page, live_server, demo):
    open_map(page, f"{live_server.url}/?map=11/6.2442/-75.5812")
    center = map_center(page)
    asked = []
    page.on(
        "request",
        lambda request: "/api/places/" in request.url and asked.append(request.url),
    )

    page.type("#place", "Laure", delay=30)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#place-options option')]"
        ".some((option) => option.value.startsWith('Laureles'))"
    )
    settle(page, lambda: submit(page))

    assert len(asked) >= 2, "the suggestions and the search both ask the place API"
    for url in asked:
        lon, lat = (float(part) for part in parse_qs(urlsplit(url).query)["near"][0].split(","))
        assert (lon, lat) == pytest.approx(center, abs=1e-4)
    assert not page.console_errors


def test_a_suggestion_picked_from_the_list_is_searched_as_that_place(page, live_server, demo):
    chapinero = Locality.objects.get(key="chapinero-bogota").location
    open_map(page, f"{live_server.url}/?near={DEFAULT_CENTER[0]},{DEFAULT_CENTER[1]}")

    page.type("#place", "Chapin", delay=30)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#place-options option')]"
        ".some((option) => option.value === 'Chapinero, Bogotá, Colombia')"
    )
    page.fill("#place", "Chapinero, Bogotá, Colombia")
    reload_list(page, lambda: submit(page))

    assert map_center(page) == pytest.approx((chapinero.x, chapinero.y), abs=1e-3)
    assert page.locator("#place-candidates").is_hidden()


def test_a_candidates_name_is_shown_as_text_never_as_markup(page, live_server, demo):
    VenueFactory(
        name=f"{XSS_NAME} Biblioteca Zapatoca", city="Bogotá",
        location=Point(-74.07, 4.60, srid=4326),
    )
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_map(page, live_server.url)

    page.fill("#place", "Biblioteca Zapatca")
    settle(page, lambda: submit(page))

    buttons = page.locator("#place-candidates button.candidate")
    expect(buttons.first).to_have_text(f"{XSS_NAME} Biblioteca Zapatoca, Bogotá, Colombia")
    assert page.locator("#place-candidates img").count() == 0
    assert page.locator("img[src=x]").count() == 0
    assert dialogs == []
