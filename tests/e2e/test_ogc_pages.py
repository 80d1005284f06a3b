"""The OGC API's web pages in Chromium: a browser's Accept gets HTML with a map,
in Spanish or English, with no inline script and user text escaped."""

import pytest
from django.contrib.gis.geos import Point
from playwright.sync_api import expect

from meetups.models import Venue
from tests.e2e.layout import page_width

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HOSTILE = '<img src=x onerror="window.hacked=1">Sala <b>grande</b>'


@pytest.fixture
def venues():
    """Seven venues in Bogotá, one named with markup."""
    located = [
        Venue.objects.create(
            name=f"Sala {n}", location=Point(-74.08 + n / 100, 4.6 + n / 100, srid=4326),
            capacity=10,
        )
        for n in range(6)
    ]
    located.append(
        Venue.objects.create(name=HOSTILE, location=Point(-74.0, 4.7, srid=4326), capacity=5)
    )
    return located


def inline_scripts(page):
    """Scripts a strict Content-Security-Policy would block: inline code."""
    return page.evaluate(
        """() => [...document.scripts]
            .filter((s) => !s.src && s.type !== 'application/json')
            .map((s) => s.textContent.slice(0, 80))"""
    )


def test_items_page_draws_a_map_and_pages_on_in_spanish(new_page, live_server, venues):
    page = new_page(locale="es-CO")

    page.goto(f"{live_server.url}/ogc/collections/venues/items?limit=5")

    expect(page.locator("h1")).to_have_text("Lugares")
    expect(page.locator(".ogc-items tbody tr")).to_have_count(5)
    # One circle per located item of the page, drawn by ogc_map.js.
    expect(page.locator("#ogc-map")).to_have_attribute("data-features", "5")
    expect(page.locator("#ogc-map path.leaflet-interactive")).to_have_count(5)
    assert page.locator("#ogc-map").bounding_box()["height"] > 200
    for circle in page.locator("#ogc-map path.leaflet-interactive").all():
        expect(circle).to_be_visible()
    assert inline_scripts(page) == []

    page.get_by_role("link", name="Página siguiente").click()

    expect(page.locator(".ogc-items tbody tr")).to_have_count(2)
    expect(page.locator(".ogc-items")).to_contain_text(HOSTILE)
    assert page.evaluate("window.hacked") is None
    assert page.locator(".ogc-items img").count() == 0
    assert page.console_errors == []
    assert page.external_requests == []


def test_pages_speak_english_and_link_landing_to_items(new_page, live_server, venues):
    page = new_page(locale="en-US")

    page.goto(f"{live_server.url}/ogc/")
    expect(page.locator("h1")).to_have_text("OGC API - Features")
    page.get_by_role("link", name="Collections", exact=True).first.click()
    expect(page.locator("h1")).to_have_text("Collections")
    page.get_by_role("link", name="Venues", exact=True).click()
    expect(page.locator("h1")).to_have_text("Venues")
    expect(page.locator(".ogc-collection")).to_contain_text("EPSG/0/3857")
    page.get_by_role("link", name="Browse the items").click()
    expect(page.locator("#ogc-map path.leaflet-interactive")).to_have_count(len(venues))

    page.locator("#ogc-map path.leaflet-interactive").first.click()
    page.locator(".leaflet-popup-content a").click()

    expect(page.locator("h1")).to_have_text("Sala 0")
    expect(page.locator("#ogc-map path.leaflet-interactive")).to_have_count(1)
    assert inline_scripts(page) == []
    assert page.console_errors == []


def test_items_table_scrolls_sideways_on_a_phone_without_breaking_words(
    new_page, live_server, venues
):
    page = new_page(locale="es-ES", viewport={"width": 375, "height": 800})

    page.goto(f"{live_server.url}/ogc/collections/venues/items?limit=5")

    expect(page.locator(".ogc-items tbody tr")).to_have_count(5)
    # Each header (a field's name: one word) on one line: "ca/pa/ci/ty" was
    # what a 375 px screen showed, every cell squeezed to a few letters.
    lines = page.evaluate(
        """() => [...document.querySelectorAll('.ogc-items th')].map((th) => {
            const range = document.createRange();
            range.selectNodeContents(th);
            return [th.textContent.trim(),
                    new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size];
        })"""
    )
    assert len(lines) >= 4
    assert [name for name, count in lines if count != 1] == []
    # The table scrolls in its own box; the page does not.
    assert page_width(page) <= page.evaluate("window.innerWidth")
    assert page.evaluate(
        "(() => { const t = document.querySelector('.ogc-items');"
        " return t.scrollWidth > t.clientWidth; })()"
    )
