"""A view with more study groups than the map draws says so, counted or not.

The map draws at most 2,000 groups a view; the API counts matches only up to
its exact count limit (places.paging) and leaves numberMatched out beyond, so
the note under the map must still say that not all are drawn.
"""

import pytest
from django.db import connection

from places import paging
from tests.e2e.mappage import DEFAULT_CENTER, open_map, translated

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

GROUPS = 2_100


@pytest.fixture
def crowded_view(transactional_db):
    """GROUPS study groups within a few hundred metres of the map's default centre."""
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
            [DEFAULT_CENTER[0], DEFAULT_CENTER[1], GROUPS],
        )


def map_note(page):
    page.wait_for_function("() => document.body.dataset.viewLoaded !== undefined")
    return page.text_content("#map-note")


def test_the_note_gives_the_total_while_the_api_counts_it(crowded_view, live_server, page):
    open_map(page, f"{live_server.url}/?lang=en")

    assert translated(
        "Only the first %(shown)s of %(total)s study groups in view are drawn; zoom in to "
        "see them all.", "en", shown="2,000", total=f"{GROUPS:,}",
    ) in map_note(page)


def test_the_note_says_not_all_are_drawn_past_the_count_limit(
    crowded_view, live_server, new_page, monkeypatch
):
    # The live server runs in this process: a lower limit stands for 10,000.
    monkeypatch.setattr(paging, "EXACT_COUNT_LIMIT", 2_050)
    page = new_page(locale="es-CO")
    open_map(page, f"{live_server.url}/")

    note = map_note(page)
    assert translated(
        "Only the first %(shown)s of the many study groups in view are drawn; zoom in "
        "to see them all.", "es", shown="2000",
    ) in note, note
    assert page.console_errors == []
