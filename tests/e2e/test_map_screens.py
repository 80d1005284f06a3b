"""The map page as people see it, in Spanish and English, on a desktop and a
375 px phone: a topic search, "use my location" and a place that needs
picking. Each state fits the screen and raises no JavaScript error; the
screenshots in test-artifacts/ are for people to look at.
"""

import pytest
from playwright.sync_api import expect

from tests.demo_snapshot import load_demo
from tests.e2e.layout import page_width
from tests.e2e.mappage import MEDELLIN, open_map, reload_list, settle

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    load_demo()


def fits(page, width):
    return page_width(page) <= width


@pytest.mark.parametrize("locale", ["es-CO", "en-US"])
@pytest.mark.parametrize("width", [1366, 375])
def test_every_state_of_the_map_page_fits_the_screen(
    new_page, live_server, demo, gazetteer, screenshot, locale, width
):
    phone = width < 700
    page = new_page(
        locale=locale,
        viewport={"width": width, "height": 812 if phone else 900},
        is_mobile=phone,
        has_touch=phone,
        geolocation={"longitude": MEDELLIN[0], "latitude": MEDELLIN[1]},
        permissions=["geolocation"],
    )
    name = f"map-{locale[:2]}-{width}"
    open_map(page, live_server.url)
    page.wait_for_timeout(500)
    assert fits(page, width)
    screenshot(f"{name}-list", of=page)
    if phone:
        page.click("#show-map")
        page.wait_for_timeout(500)
        assert fits(page, width)
        screenshot(f"{name}-map", of=page)
        page.click("#show-list")

    page.fill("#q", "python")
    reload_list(page, lambda: page.press("#q", "Enter"))
    page.wait_for_timeout(500)
    assert fits(page, width)
    screenshot(f"{name}-topic", of=page)

    reload_list(page, lambda: page.click("#locate"))
    page.wait_for_timeout(500)
    assert fits(page, width)
    screenshot(f"{name}-my-location", of=page)
    if phone:
        page.click("#show-map")
        page.wait_for_timeout(500)
        assert fits(page, width)
        screenshot(f"{name}-my-location-map", of=page)
        page.click("#show-list")

    page.fill("#place", "Chapineri")
    settle(page, lambda: page.click("#search-form button[type=submit]"))
    expect(page.locator("#place-candidates")).to_be_visible()
    assert fits(page, width)
    screenshot(f"{name}-did-you-mean", of=page)
    assert not page.console_errors
