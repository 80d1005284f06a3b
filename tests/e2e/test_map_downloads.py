"""The map page's download links follow the search in a real browser.

Expected values come from the database and pyproj's geodesics, the file from
the live server, read with the ``csv`` module.
"""

import csv
import io
from urllib.parse import parse_qs, urlsplit

import pytest

from studygroups.models import StudyGroup
from tests.demo_snapshot import load_demo
from tests.e2e.mappage import DEFAULT_CENTER, groups_within, open_map, reload_list

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    """The demo fixture, committed where the live server's threads can read it."""
    load_demo()


def test_the_csv_download_holds_every_group_of_the_search_just_made(page, live_server, demo):
    open_map(page, live_server.url)
    reload_list(page, lambda: page.select_option("#radius", "25"))
    page.fill("#q", "python")
    listed = reload_list(page, lambda: page.press("#q", "Enter"))

    link = page.locator("#downloads a", has_text="CSV")
    assert link.is_visible()
    href = link.get_attribute("href")
    query = parse_qs(urlsplit(href).query)
    assert urlsplit(href).path == "/api/studygroups/export.csv"
    assert query["q"] == ["python"] and query["radius_km"] == ["25"]

    response = page.request.get(live_server.url + href)
    assert response.ok
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text().lstrip("\ufeff"), newline="")))
    exported = {int(row["id"]) for row in rows}
    python_nearby = {
        pk
        for pk in groups_within(DEFAULT_CENTER, 25)
        if "python" in StudyGroup.objects.get(pk=pk).name.lower()
    }
    assert python_nearby and python_nearby <= exported
    # The file holds the whole search, the list only its first groups.
    assert {item["id"] for item in listed} <= exported
    assert not page.console_errors
