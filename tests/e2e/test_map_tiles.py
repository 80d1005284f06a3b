"""The map drawn from vector tiles in a real browser: an offline basemap under
every map, clusters that open (by mouse or keyboard) into what they hold, and
tiles that fail being retried or said, never drawn as if empty.

Expected values come from outside the page's code: rows read back from the
database, the basemap's own style document, and Django's translations.
"""

import datetime
import shutil

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect
from psycopg2.extras import DateTimeTZRange

from meetups.tests.factories import EventFactory, VenueFactory
from places.basemap import COLOURS
from places.management.commands.load_basemap import DEFAULT_SOURCE_DIR
from studygroups.tests.factories import StudyGroupFactory
from tests.e2e.mappage import CLUSTERS, drawn_counts, open_map, reload_view, translated

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CANDELARIA = (-74.0736, 4.5970)  # (lon, lat): Biblioteca Luis Ángel Arango, Bogotá


@pytest.fixture
def basemap(gazetteer, tmp_path):
    """The basemap, at Natural Earth's coarsest scale for every zoom (the
    finer ones take a minute to load, and draw the same colours)."""
    for scale in ("110m", "50m", "10m"):
        shutil.copy(
            DEFAULT_SOURCE_DIR / "countries-110m.json", tmp_path / f"countries-{scale}.json"
        )
    call_command("load_basemap", source_dir=tmp_path, verbosity=0)


def move(page, lonlat, zoom):
    reload_view(
        page,
        "([lon, lat, zoom]) => window.cercaMap.setView([lat, lon], zoom, {animate: false})",
        [*lonlat, zoom],
    )


def hex_rgb(colour):
    return [int(colour[i : i + 2], 16) for i in (1, 3, 5)]


# The share of the basemap's painted pixels (canvas tiles in the tile pane)
# that have each colour, exactly.
PAINTED = """(colours) => {
    const counts = Object.fromEntries(Object.keys(colours).map((name) => [name, 0]));
    let total = 0;
    for (const canvas of document.querySelectorAll('.leaflet-tile-pane canvas.leaflet-tile')) {
        if (!canvas.width) continue;
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < data.length; i += 4 * 7) {
            total += 1;
            for (const [name, [r, g, b]] of Object.entries(colours)) {
                if (data[i] === r && data[i + 1] === g && data[i + 2] === b) counts[name] += 1;
            }
        }
    }
    return { total, shares: Object.fromEntries(
        Object.entries(counts).map(([name, n]) => [name, total ? n / total : 0])) };
}"""


def painted(page):
    colours = {name: hex_rgb(COLOURS[name]) for name in ("water", "land")}
    page.wait_for_function(f"(colours) => ({PAINTED})(colours).total > 0", arg=colours)
    # Canvas tiles are painted a few at a time.
    page.wait_for_timeout(500)
    return page.evaluate(PAINTED, colours)["shares"]


def test_the_map_has_land_and_sea_with_no_tile_server(basemap, page, live_server, screenshot):
    # South America and the Caribbean: land and sea both fill a good part of the view.
    open_map(page, f"{live_server.url}/?map=4/5.00000/-70.00000")

    shares = painted(page)

    assert shares["water"] > 0.1 and shares["land"] > 0.1, shares
    # Only the raster tiles (TILES_URL, OpenStreetMap by default) were refused.
    assert all("tile.openstreetmap.org" in url for url in page.external_requests)
    screenshot("map-basemap-z4")
    assert not page.console_errors


def test_a_group_page_map_has_the_basemap_too(basemap, page, live_server):
    group = StudyGroupFactory(slug="fisica", location=Point(*CANDELARIA, srid=4326))

    page.goto(f"{live_server.url}{group.get_absolute_url()}")

    shares = painted(page)
    assert shares["land"] > 0.5, shares  # La Candelaria is well inland.
    assert not page.console_errors


def test_a_cluster_opened_with_the_keyboard_zooms_in_until_it_splits(page, live_server):
    # Three groups a few hundred metres apart: one cluster at zoom 12, three at 17.
    for n, (dlon, dlat) in enumerate([(0, 0), (0.004, 0.001), (-0.003, 0.003)]):
        StudyGroupFactory(
            name=f"Grupo {n}", slug=f"grupo-{n}",
            location=Point(CANDELARIA[0] + dlon, CANDELARIA[1] + dlat, srid=4326),
        )
    open_map(page, live_server.url)
    move(page, CANDELARIA, 12)
    cluster = page.locator("#map .marker-cluster", has_text="3")
    expect(cluster).to_have_attribute("aria-label", "3 study groups")

    page.evaluate("() => { delete document.body.dataset.viewLoaded; }")
    cluster.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.body.dataset.viewLoaded !== undefined")
    page.wait_for_function("() => document.body.dataset.mapMoving === undefined")

    assert page.evaluate("() => window.cercaMap.getZoom()") > 12
    counts = [c["counts"]["groups"] for c in page.evaluate(CLUSTERS) if c["counts"]["groups"]]
    assert sum(counts) == 3 and max(counts) < 3, counts
    assert not page.console_errors


def test_events_at_one_venue_are_listed_and_each_opens(page, live_server):
    venue = VenueFactory(name="Biblioteca Luis Ángel Arango",
                         location=Point(*CANDELARIA, srid=4326))
    start = timezone.now() + datetime.timedelta(days=2)
    titles = ["Tertulia de física", "Club de álgebra", "Taller de redacción"]
    for day, title in enumerate(titles):
        begins = start + datetime.timedelta(days=day)
        EventFactory(title=title, venue=venue, location=venue.location,
                     during=DateTimeTZRange(begins, begins + datetime.timedelta(hours=2), "[)"))
    open_map(page, live_server.url)
    move(page, CANDELARIA, 19)

    page.locator("#map .marker-cluster", has_text="3").click()

    popup = page.locator(".leaflet-popup-content")
    expect(popup.locator(".cluster-list-title")).to_have_text("3 events")
    assert sorted(popup.locator("li button").all_text_contents()) == sorted(titles)
    popup.locator("li button", has_text="Club de álgebra").click()
    expect(popup.locator("a")).to_have_text("Club de álgebra")
    assert not page.console_errors


def test_a_tile_that_fails_twice_is_asked_again_and_drawn(page, live_server):
    StudyGroupFactory(slug="candelaria", location=Point(*CANDELARIA, srid=4326))
    failures = {}

    def flaky(route):
        failures[route.request.url] = failures.get(route.request.url, 0) + 1
        if failures[route.request.url] <= 2:
            route.fulfill(status=503, body="busy")
        else:
            route.continue_()

    page.route("**/tiles/studygroups/**", flaky)
    open_map(page, live_server.url)
    move(page, CANDELARIA, 13)

    drawn, _tiles = drawn_counts(page)
    assert drawn["groups"] == 1
    assert failures and all(count == 3 for count in failures.values()), failures
    assert translated(
        "Part of the map could not be loaded; move or zoom the map to try again.", "en"
    ) not in page.text_content("#map-note")


def test_a_tile_that_keeps_failing_is_said_not_drawn_as_empty(page, live_server):
    StudyGroupFactory(slug="candelaria", location=Point(*CANDELARIA, srid=4326))
    page.route("**/tiles/studygroups/**", lambda route: route.fulfill(status=500, body="no"))
    open_map(page, live_server.url)
    move(page, CANDELARIA, 13)

    expect(page.locator("#map-note")).to_contain_text(translated(
        "Part of the map could not be loaded; move or zoom the map to try again.", "en"
    ))
