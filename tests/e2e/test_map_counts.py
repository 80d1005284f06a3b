"""A view with thousands of study groups counts every one of them.

The map draws the tiles' clusters, not a sample of features: 2,100 groups
within a few hundred metres show as clusters whose counts add up to 2,100,
at a city's zoom and at a continent's, and zooming into a cluster splits it
into clusters that add up to what it said.
"""

import pytest
from django.db import connection

from tests.e2e.mappage import CLUSTERS, DEFAULT_CENTER, drawn_counts, open_map, reload_view

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

GROUPS = 2_100


def crowd(groups):
    """``groups`` study groups in a square around the map's default centre,
    50 to a row 11 m apart (2,100 of them: a few hundred metres)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO studygroups_studygroup (
                name, slug, description, language, is_online, location, city, address,
                capacity, time_zone, join_policy, created_at, updated_at
            )
            SELECT 'Grupo ' || n, 'grupo-lleno-' || n, '', 'es', false,
                   ST_SetSRID(ST_MakePoint(%s + (n %% 50) * 0.0001, %s + (n / 50) * 0.0001),
                              4326)::geography,
                   'Bogotá', '', 20, 'America/Bogota', 'open', now(), now()
            FROM generate_series(1, %s) AS n
            """,
            [DEFAULT_CENTER[0], DEFAULT_CENTER[1], groups],
        )


@pytest.fixture
def crowded_view(transactional_db):
    crowd(GROUPS)


def move(page, zoom, lonlat=DEFAULT_CENTER):
    reload_view(
        page,
        "([lon, lat, zoom]) => window.cercaMap.setView([lat, lon], zoom, {animate: false})",
        [*lonlat, zoom],
    )


@pytest.mark.parametrize("zoom", [4, 12])
def test_every_group_in_a_crowded_view_is_counted(crowded_view, live_server, page, zoom):
    open_map(page, f"{live_server.url}/?lang=en")

    move(page, zoom)

    drawn, _tiles = drawn_counts(page)
    assert drawn["groups"] == GROUPS
    labels = page.locator("#map .marker-cluster").evaluate_all(
        "(icons) => icons.map((icon) => icon.getAttribute('aria-label'))"
    )
    assert f"{GROUPS:,} study groups" in labels
    assert page.console_errors == []


def test_zooming_into_a_cluster_splits_its_count(crowded_view, live_server, page):
    open_map(page, f"{live_server.url}/?lang=en")
    move(page, 15)
    clusters = page.evaluate(CLUSTERS)
    biggest = max(clusters, key=lambda cluster: cluster["counts"]["groups"])
    assert 1 < biggest["counts"]["groups"] < GROUPS

    move(page, 18, (biggest["lon"], biggest["lat"]))

    # The groups of the big cluster are all in the view at zoom 18 (a few
    # tens of metres across), now in smaller clusters or alone.
    parts = page.evaluate(CLUSTERS)
    assert sum(cluster["counts"]["groups"] for cluster in parts) >= biggest["counts"]["groups"]
    assert max(cluster["counts"]["groups"] for cluster in parts) < biggest["counts"]["groups"]
    assert page.console_errors == []


# The circle of a cluster with a six-digit count holds its digits: the widest
# line of text inside a circle is the chord at the text's top or bottom edge.
COUNT_FITS = """(icons) => icons.map((icon) => {
    const circle = icon.querySelector(".group-count");
    const range = document.createRange();
    range.selectNodeContents(circle);
    const text = range.getBoundingClientRect();
    const radius = circle.clientWidth / 2;
    const chord = 2 * Math.sqrt(radius * radius - (text.height / 2) ** 2);
    return {count: circle.textContent, text: text.width, room: chord};
})"""


@pytest.mark.parametrize("locale, shown", [("es-CO", "123.456"), ("en-US", "123,456")])
def test_a_six_digit_count_fits_in_its_circle(transactional_db, live_server, new_page,
                                              locale, shown):
    crowd(123_456)
    page = open_map(new_page(locale=locale), live_server.url)

    move(page, 4)

    fits = page.locator("#map .marker-cluster").evaluate_all(COUNT_FITS)
    assert shown in [icon["count"] for icon in fits], fits
    assert all(icon["text"] <= icon["room"] for icon in fits), fits
    assert page.console_errors == []
