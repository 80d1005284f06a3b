"""Helpers for the browser tests of the map page (/)."""

import math
import re

import pytest
from django.utils import translation
from pyproj import Geod

from studygroups.models import StudyGroup

GEOD = Geod(ellps="WGS84")
MEDELLIN = (-75.5812, 6.2442)  # (lon, lat): Parque Berrío
BOGOTA = (-74.08, 4.61)
# Where the page opens without a place: Universidad Nacional, Bogotá (settings).
DEFAULT_CENTER = (-74.0840, 4.6380)
DEFAULT_RADIUS_KM = 10
XSS_NAME = "<img src=x onerror=alert(1)>"

MAP_READY = (
    "() => window.cercaMap && document.body.dataset.groupMarkers !== undefined"
    " && document.body.dataset.listLoaded !== undefined"
)
RESULTS = """() => [...document.querySelectorAll('#results li.result')].map((item) => ({
    id: Number(item.dataset.id),
    name: item.querySelector('.result-link').textContent,
    distance: item.querySelector('.distance').textContent,
}))"""
# What each cluster (or single marker) drawn holds: lat, lon, counts {groups,
# events} and, when every feature in it is known, ids [[kind, id], ...].
CLUSTERS = "() => window.cercaClusters()"
# The data tiles under the view, "z/x/y" each.
TILES = "() => document.body.dataset.tiles.split(' ').filter(Boolean)"


def open_map(page, url):
    page.goto(url)
    page.wait_for_function(MAP_READY)
    return page


def settle(page, action):
    """Do ``action`` and wait until the search it starts has ended, either way."""
    page.evaluate("() => { delete document.body.dataset.searchSettled; }")
    action()
    page.wait_for_function("() => document.body.dataset.searchSettled !== undefined")


def reload_list(page, action):
    """Do ``action`` and wait for the list it asks for."""
    page.evaluate("() => { delete document.body.dataset.listLoaded; }")
    settle(page, action)
    if page.evaluate("() => document.body.dataset.listLoaded") is None:
        pytest.fail(f"The list did not load again. Status line: {page.text_content('#status')!r}")
    return listed(page)


def listed(page):
    return [
        {**item, "km": shown_km(item["distance"], page_language(page))}
        for item in page.evaluate(RESULTS)
    ]


def reload_view(page, script, arg=None):
    """Move the map with ``script`` and wait for the markers of the new view."""
    # In one step: a view loaded in between would pass for the new one.
    page.evaluate(
        f"(arg) => {{ delete document.body.dataset.groupMarkers; ({script})(arg); }}", arg
    )
    page.wait_for_function("() => document.body.dataset.groupMarkers !== undefined")


def page_language(page):
    return page.evaluate("() => document.documentElement.lang")


def shown_km(text, language):
    """The number in "1,234.5 km" (en) or "1234,5 km" (es)."""
    number = re.fullmatch(r"([\d.,\u00a0\u202f]+)\s*km", text.strip())
    assert number, f"not a distance in km: {text!r}"
    digits = re.sub(r"[\u00a0\u202f]", "", number.group(1))
    if language == "es":
        digits = digits.replace(".", "").replace(",", ".")
    else:
        digits = digits.replace(",", "")
    return float(digits)


def geodesic_km(origin, location):
    _, _, meters = GEOD.inv(origin[0], origin[1], location.x, location.y)
    return meters / 1000


def groups_within(origin, radius_km):
    """{pk: km} of in-person groups within ``radius_km`` of (lon, lat), by pyproj."""
    distances = {
        group.pk: geodesic_km(origin, group.location)
        for group in StudyGroup.objects.exclude(location=None)
    }
    return {pk: km for pk, km in distances.items() if km <= radius_km}


def map_center(page):
    """Where the map's centre comes to rest (a pan or zoom animates)."""
    page.wait_for_function("() => document.body.dataset.mapMoving === undefined")
    return page.evaluate("() => { const c = window.cercaMap.getCenter(); return [c.lng, c.lat]; }")


def map_bounds(page):
    """(west, south, east, north) of the map's view, once it rests."""
    page.wait_for_function("() => document.body.dataset.mapMoving === undefined")
    return page.evaluate(
        "() => { const b = window.cercaMap.getBounds();"
        " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"
    )


def translated(message, language, **values):
    with translation.override(language):
        text = translation.gettext(message)
    return text % values if values else text


def translated_plural(singular, plural, count, language):
    with translation.override(language):
        return translation.ngettext(singular, plural, count) % {"count": count}


def tile_bounds(tile):
    """(west, south, east, north) of the XYZ tile "z/x/y" in degrees: the
    slippy-map formulas of Web Mercator (OpenStreetMap's wiki)."""
    z, x, y = (int(part) for part in tile.split("/"))
    n = 2**z

    def lat(row):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)


def in_tiles(location, tiles):
    """Whether a point lies in one of ``tiles`` ("z/x/y")."""
    return any(
        west <= location.x < east and south < location.y <= north
        for west, south, east, north in map(tile_bounds, tiles)
    )


def drawn_counts(page):
    """{kind: features counted by the clusters drawn}, and the tiles they came from."""
    clusters = page.evaluate(CLUSTERS)
    totals = {"groups": 0, "events": 0}
    for cluster in clusters:
        for kind in totals:
            totals[kind] += cluster["counts"][kind]
    return totals, page.evaluate(TILES)
