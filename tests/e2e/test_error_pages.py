"""The error pages in a real browser, as production serves them (the live
server runs with DEBUG off): styled by the site's stylesheet, in the
visitor's language, as wide as a phone at most, with a working way back."""

import pytest

from tests.e2e.layout import page_width

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True),
              pytest.mark.urls("tests.error_urls")]

PAGES = {404: "/no-such-page/", 500: "/broken/", 403: "/forbidden/", 400: "/suspicious/"}


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("width", [1366, 375])
def test_error_pages_are_styled_and_lead_back(new_page, live_server, screenshot, language, width):
    page = new_page(locale=language, viewport={"width": width, "height": 800})
    for status, path in PAGES.items():
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == status
        assert page.evaluate("document.documentElement.lang") == language
        # The stylesheet applied: the header has the site's dark background.
        assert page.evaluate(
            "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
        ) == "rgb(8, 63, 83)"
        assert page_width(page) <= width
        screenshot(f"error-{status}-{language}-{width}", of=page)
    # The search on the last page leads to the map page's search for the words typed.
    page.fill("#error-q", "cálculo")
    with page.expect_navigation() as navigation:
        page.click(".error-search button")
    assert navigation.value.url == f"{live_server.url}/?q=c%C3%A1lculo"
    assert navigation.value.status == 200
