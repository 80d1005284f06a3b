"""The map page at scale, in Debian's Chromium: how long until the clusters of a
city view and of a continent view are on screen, cold and warm, beside the
time the same vector tiles take to download with no browser at all.

Usage: `.venv/bin/python bench/map_render.py [--sizes 10k,100k,1m] [--repeats N]
[--width 1366] [--screenshots DIR] [--proxy]`

For each size it builds or reuses the scratch database cerca_bench_<size> of
bench/scale.py (the same groups and events, clustered around real cities),
loads the offline basemap into it once, serves it with gunicorn under the
production settings (bench/scale_servers.py; with --proxy, as `make serve`
does: two gthread workers of four threads behind nginx from .ci/proxy, which
serves the static files and keeps its micro-cache), and opens the map page in
headless Chromium (Playwright, /usr/bin/chromium) at each view:

- cold: a new browser profile, from navigation to the clusters drawn
  (`document.body.dataset.viewLoaded`, set by static/js/map.js once every
  tile of the view is drawn); "first" is the first of them, when nothing
  had asked for the view's tiles yet (nginx's cache keeps them for the
  repeats after it, as it does for a city's next visitors), after two
  loads of an empty view (WARM_UP) have started the browser and the
  server's workers;
- warm: the same page loaded again, the tiles now in the browser's cache;
- move: a pan by half the view, from the move to the new clusters drawn.

The baseline, measured in the same run between the browser's repeats: the
view's data tiles (both layers), downloaded over HTTP by this script with six
connections at a time (as a browser does), no decoding or drawing. It also
checks that the counts the page shows are true: the clusters' sum over the
loaded tiles against a count in PostGIS of the rows in those tiles.

Figures are medians of --repeats runs. Screenshots of each view go to
--screenshots (default test-artifacts/bench/). Nothing asserts a time.
"""

import argparse
import concurrent.futures
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright
from scale_db import ROOT, build, connect, database_url, with_database
from scale_servers import request, serve_behind_proxy, serve_cerca

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
# (label, zoom, lat, lon)
VIEWS = [
    ("Bogotá, city", 12, 4.6480, -74.0900),
    ("Madrid, city", 12, 40.4168, -3.7038),
    ("Latin America, continent", 4, 5.0, -70.0),
]
# Opened (and not measured) before the views: a stretch of the South Pacific
# with no groups, no events and no land at this zoom, so that "first" is the
# first visitor of a view's tiles, not the first page a fresh browser process
# and fresh server workers ever served (their start-up alone put 0.3 s on
# the first view measured, whichever it was).
WARM_UP = ("the South Pacific, warming up", 12, -30.0, -140.0)
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
    # Offline: no host but this one resolves (raster tiles from TILES_URL fail
    # at once). Playwright's request interception would do it too, but it
    # delays every request the page makes.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
DRAWN = "() => document.body.dataset.viewLoaded !== undefined"
# The tiles' rows, counted in PostGIS: the groups whose points lie in the data
# tiles of the view (Web Mercator fractions as places/tiles.py computes them).
COUNT_SQL = """
SELECT count(*) FROM studygroups_studygroup g,
  LATERAL (SELECT cerca_tile_fx(ST_X(g.location::geometry)) AS fx,
                  cerca_tile_fy(ST_Y(g.location::geometry)) AS fy) p
WHERE g.location::geometry && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4326)
  AND floor(p.fx * 2 ^ %(z)s) = %(x)s AND floor(p.fy * 2 ^ %(z)s) = %(y)s
"""


def ensure_basemap(url, name):
    """The offline basemap in the bench database, loaded once (a minute or so)."""
    target = with_database(url, name)
    with connect(url, name) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM places_basemap")
        if cursor.fetchone()[0]:
            return
    print("  loading the basemap into it...", flush=True)
    subprocess.run(
        [sys.executable, "manage.py", "load_basemap"], cwd=ROOT, check=True,
        env={**os.environ, "DATABASE_URL": target, "DEBUG": "1"},
    )


def tile_urls(base, page_tiles, templates):
    return [
        template.replace("{z}", z).replace("{x}", x).replace("{y}", y)
        for template in templates
        for z, x, y in (tile.split("/") for tile in page_tiles)
    ]


def download(urls):
    """Seconds to GET every URL, six at a time, and the bytes received."""
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        sizes = list(pool.map(lambda url: len(request(url, 60)[2] or b""), urls))
    return time.perf_counter() - started, sum(sizes)


def open_view(browser, base, view, width, shot=None):
    """(seconds to draw cold, page) for a new profile at ``view``."""
    label, zoom, lat, lon = view
    context = browser.new_context(
        viewport={"width": width, "height": 800 if width > 500 else 740}, locale="es-CO"
    )
    page = context.new_page()
    page.goto(f"{base}/?map={zoom}/{lat:.5f}/{lon:.5f}")
    page.wait_for_function(DRAWN, timeout=120_000)
    seconds = page.evaluate("() => (Number(document.body.dataset.viewLoaded)"
                            " - performance.timeOrigin) / 1000")
    if shot:
        page.wait_for_timeout(1500)  # the basemap's canvas tiles
        page.screenshot(path=str(shot))
    return seconds, page


def warm(page):
    page.evaluate("() => { delete document.body.dataset.viewLoaded; }")
    page.reload()
    page.wait_for_function(DRAWN, timeout=120_000)
    return page.evaluate("() => (Number(document.body.dataset.viewLoaded)"
                         " - performance.timeOrigin) / 1000")


def pan(page):
    return page.evaluate("""() => new Promise((resolve) => {
        delete document.body.dataset.viewLoaded;
        const started = performance.now();
        const map = window.cercaMap;
        const size = map.getSize();
        map.panBy([size.x / 2, 0], { animate: false });
        const check = () => document.body.dataset.viewLoaded
            ? resolve((performance.now() - started) / 1000) : setTimeout(check, 5);
        check();
    })""")


def true_counts(url, name, page):
    """(groups the page counts, groups PostGIS counts in the same tiles)."""
    drawn = page.evaluate(
        "() => window.cercaClusters().reduce((sum, c) => sum + c.counts.groups, 0)"
    )
    tiles = page.evaluate("() => document.body.dataset.tiles.split(' ').filter(Boolean)")
    total = 0
    with connect(url, name) as connection, connection.cursor() as cursor:
        for tile in tiles:
            z, x, y = (int(part) for part in tile.split("/"))
            cursor.execute(COUNT_SQL, {"z": z, "x": x, "y": y})
            total += cursor.fetchone()[0]
    return drawn, total, tiles


def seconds_text(values):
    return f"{statistics.median(values):.2f} s"


def run_size(args, url, label, groups, browser):
    name = f"cerca_bench_{label}"
    reused, _timings, _size = build(url, name, groups)
    ensure_basemap(url, name)
    if args.proxy:
        servers = serve_behind_proxy(
            url, name, 120, options=["--worker-class", "gthread", "--threads", "4"]
        )
    else:
        servers = [serve_cerca(url, name, 120)]
    base = servers[0].base_url
    rows = []
    try:
        templates = []
        for layer in ("studygroups", "events"):
            body = request(f"{base}/tiles/{layer}.json", 60)[2]
            templates.append(json.loads(body)["tiles"][0])
        for _ in range(2):
            open_view(browser, base, WARM_UP, args.width)[1].context.close()
        for view in VIEWS:
            cold, warm_s, moves, floor = [], [], [], []
            counts = None
            size = 0
            for repeat in range(args.repeats):
                shot = None
                if repeat == 0 and args.screenshots:
                    shot = Path(args.screenshots) / (
                        f"map-{label}-{view[0].split(',')[0].lower().replace(' ', '-')}"
                        f"-{args.width}.png"
                    )
                seconds, page = open_view(browser, base, view, args.width, shot)
                cold.append(seconds)
                if counts is None:
                    counts = true_counts(url, name, page)
                warm_s.append(warm(page))
                moves.append(pan(page))
                page.context.close()
                # The baseline: the same tiles with no browser, new every time
                # (the server draws them again; its own caches stay warm).
                elapsed, size = download(tile_urls(base, counts[2], templates))
                floor.append(elapsed)
            drawn, total, tiles = counts
            rows.append((view[0], f"{cold[0]:.2f} s", seconds_text(cold), seconds_text(warm_s),
                         seconds_text(moves),
                         seconds_text(floor), f"{len(tiles) * 2} tiles, {size / 1024:.0f} KiB",
                         f"{drawn:,} = {total:,}" if drawn == total else f"{drawn:,} ≠ {total:,}"))
    finally:
        for server in servers:
            server.stop()
    print(f"\n{label}: {groups:,} study groups and {groups:,} events"
          f"{' (database reused)' if reused else ''}, {args.width} px, "
          f"{'nginx in front of gunicorn (make serve), ' if args.proxy else ''}"
          f"medians of {args.repeats}")
    header = ("view", "first", "cold", "warm", "pan", "tiles alone (baseline)", "tiles",
              "groups counted")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  " + " | ".join(str(cell).ljust(width) for cell, width in zip(row, widths)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--width", type=int, default=1366)
    parser.add_argument("--screenshots", default=str(ROOT / "test-artifacts" / "bench"))
    parser.add_argument("--proxy", action="store_true", help="serve as make serve does")
    args = parser.parse_args()
    if args.screenshots:
        Path(args.screenshots).mkdir(parents=True, exist_ok=True)
    url = database_url()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        for label in args.sizes.split(","):
            run_size(args, url, label, SIZES[label], browser)
        browser.close()


if __name__ == "__main__":
    main()
