"""Browser tests: Playwright from PyPI driving Debian's Chromium, never a downloaded browser."""

import os
import shutil
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CERCA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}; `make test` installs Debian's chromium.")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # tests make themselves (reading back what the browser saved) stay synchronous.
    # Set for the browser tests only: `check --deploy` rightly refuses it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def quiet_live_server():
    """After the test's pages are closed, no query of the live server is left
    running when pytest-django empties the tables.

    Closing a browser does not stop the server's threads from finishing the
    requests it sent last (a tile, a popup's details), and their queries can
    deadlock with the flush's TRUNCATE. Wait for them a moment, then cancel
    what is left: the client is gone.
    """
    yield
    from django.db import connection

    started = time.monotonic()
    quiet_since = None
    while time.monotonic() - started < 5:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state <> 'idle'"
                " AND backend_type = 'client backend'"
            )
            busy = [pid for (pid,) in cursor.fetchall()]
            waited = time.monotonic() - started
            if busy:
                quiet_since = None
                if waited > 1:
                    # A transaction left open holds its locks until its session ends.
                    stop = "pg_cancel_backend" if waited < 3 else "pg_terminate_backend"
                    cursor.execute(f"SELECT {stop}(pid) FROM unnest(%s) AS pid", [busy])
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > 0.1:
                return
        time.sleep(0.02)


@pytest.fixture
def new_page(browser, live_server, quiet_live_server):
    """Open pages like ``page``'s in browser contexts of their own.

    ``new_page(locale="es-CO", geolocation=..., permissions=[...])``: the
    keywords go to ``browser.new_context``; locale en-US and a 1280x900
    viewport unless given. Each page may only reach the live server, as ``page``.
    """
    live_host = urlsplit(live_server.url).netloc
    contexts = []

    def open_page(**context_options):
        options = {"locale": "en-US", "viewport": {"width": 1280, "height": 900}}
        context = browser.new_context(**{**options, **context_options})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.external_requests = []

        def only_live_server(route):
            if urlsplit(route.request.url).netloc == live_host:
                route.continue_()
            else:
                page.external_requests.append(route.request.url)
                route.abort()

        page.route("**/*", only_live_server)
        # JavaScript errors; refused tile requests are expected offline and not counted.
        page.console_errors = []
        page.on(
            "console",
            lambda message: message.type == "error"
            and not message.text.startswith("Failed to load resource")
            and page.console_errors.append(message.text),
        )
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A fresh browser page that may only reach the live server.

    Every other request (map tiles from OpenStreetMap, a CDN) is refused and
    recorded in ``page.external_requests``, so tests can assert the page works
    offline and loads nothing from elsewhere.
    """
    return new_page()


@pytest.fixture
def screenshot(request):
    """Save a screenshot to test-artifacts/, named after the test.

    ``screenshot(name=None, of=None)``: of ``page`` unless another page is given.
    """

    def take(name=None, of=None):
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name or request.node.name}.png"
        (of or request.getfixturevalue("page")).screenshot(path=str(path), full_page=True)
        return path

    return take
