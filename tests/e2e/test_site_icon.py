"""In Chromium, a page's icon comes from the link in its head: the browser
loads the SVG and never asks for /favicon.ico (which reached Django twice on
every cold load of the map)."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_browser_loads_the_pages_icon(live_server, page):
    answers = {}
    page.on("response", lambda response: answers.setdefault(response.url, response.status))
    page.goto(f"{live_server.url}/groups/")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    page.wait_for_function(
        "(icon) => performance.getEntriesByType('resource').some((e) => e.name.endsWith(icon))",
        arg=icon,
    )
    assert answers[live_server.url + icon] == 200
    assert not [url for url in answers if url.endswith("/favicon.ico")]
