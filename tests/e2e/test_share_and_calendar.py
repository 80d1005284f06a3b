"""An event page's share and calendar actions, in Chromium: the copy button puts
the page's link on the clipboard, the phone's share sheet opens where the
browser has one, and the calendar links go nowhere until followed."""

import datetime
import zoneinfo
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect
from psycopg2.extras import DateTimeTZRange

from meetups.tests.factories import EventFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Records what the page asks the share sheet to share, as a phone's browser would open it.
FAKE_SHARE_SHEET = """
window.sharedWith = [];
navigator.share = (data) => { window.sharedWith.push(data); return Promise.resolve(); };
"""


def madrid_event():
    start = datetime.datetime(2031, 7, 10, 19, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Madrid"))
    return EventFactory(
        title="Café & <b>código</b>",
        during=DateTimeTZRange(start, start + datetime.timedelta(hours=2), "[)"),
        time_zone="Europe/Madrid",
    )


@pytest.mark.parametrize("locale,copied", [("es", "Enlace copiado."), ("en-US", "Link copied.")])
def test_copy_button_puts_the_pages_link_on_the_clipboard(
    new_page, live_server, screenshot, locale, copied
):
    event = madrid_event()
    page = new_page(locale=locale, permissions=["clipboard-read", "clipboard-write"])
    page.goto(f"{live_server.url}{event.get_absolute_url()}")
    page.locator("section.share button.copy-link").click()
    expect(page.locator("section.share .copy-status")).to_have_text(copied)
    assert page.evaluate("navigator.clipboard.readText()") == (
        f"{live_server.url}{event.get_absolute_url()}"
    )
    # A browser without the Web Share API (desktop Chromium here) shows no share button.
    expect(page.locator("section.share button.share-native")).to_be_hidden()
    assert page.console_errors == []
    screenshot(f"event-share-{locale}", of=page)


@pytest.mark.parametrize("width", [375, 1366])
def test_share_sheet_gets_the_title_and_link_where_the_browser_has_one(
    new_page, live_server, screenshot, width
):
    event = madrid_event()
    page = new_page(locale="es", viewport={"width": width, "height": 800})
    page.add_init_script(FAKE_SHARE_SHEET)
    page.goto(f"{live_server.url}{event.get_absolute_url()}")
    share = page.locator("section.share button.share-native")
    expect(share).to_have_text("Compartir…")
    share.click()
    assert page.evaluate("window.sharedWith") == [
        {"title": "Café & <b>código</b>", "url": f"{live_server.url}{event.get_absolute_url()}"}
    ]
    # The title is text on the page, never markup.
    assert page.locator("h1 b").count() == 0
    screenshot(f"event-share-sheet-{width}", of=page)


def test_calendar_links_carry_the_madrid_evening_and_ask_nothing_until_followed(
    page, live_server
):
    event = madrid_event()
    page.goto(f"{live_server.url}{event.get_absolute_url()}")
    calendar = page.locator("section.add-to-calendar")
    expect(calendar.get_by_role("link", name="Google Calendar")).to_be_visible()
    google = calendar.get_by_role("link", name="Google Calendar").get_attribute("href")
    dates = parse_qs(urlsplit(google).query)["dates"][0]
    assert dates == "20310710T170000Z/20310710T190000Z"
    ics = calendar.locator("a[download]").get_attribute("href")
    assert ics == f"/calendar/events/{event.pk}.ics"
    # The page's own map asks for raster tiles (TILES_URL); no calendar service is asked.
    hosts = {urlsplit(url).netloc for url in page.external_requests}
    assert not hosts & {"calendar.google.com", "outlook.live.com", "outlook.office.com"}
