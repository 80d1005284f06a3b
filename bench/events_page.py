"""The events page (/events/) at scale: a list by day and a month's calendar,
everywhere and near a city, first page and deep pages, beside the raw SQL
that answers the same list.

Usage: `.venv/bin/python bench/events_page.py [--size 10k|100k|1m] [--repeats N]`

It builds or reuses the scratch database cerca_bench_<size> of bench/scale.py
(1,000,000 events around real cities at 1m), serves it with gunicorn under
the production settings (bench/scale_servers.py), and prints for each case
the median and slowest of --repeats interleaved requests beside the median of
the raw SQL query for the same rows (the page's list query, with no HTML).
Nothing asserts a time.
"""

import argparse
import re
import statistics
import sys
import time
import urllib.parse

from scale_db import build, connect, database_url
from scale_servers import request, serve_cerca

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
# (label, lon, lat)
BOGOTA = (-74.0721, 4.7110)
MADRID = (-3.7038, 40.4168)
PAGE = 20

# Events last at most 31 days (a CHECK): the walk of the (start, id) index
# begins there, not at the oldest past event.
UPCOMING_SQL = """
SELECT e.id, e.title, lower(e.during) FROM meetups_event e
WHERE e.status = 'scheduled' AND upper(e.during) > now()
  AND lower(e.during) > now() - interval '31 days' {near}
ORDER BY lower(e.during), e.id LIMIT %(limit)s
"""
NEAR_SQL = (
    "AND ST_DWithin(e.location, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography,"
    " %(radius_m)s)"
)


def page_cases(base):
    """(label, URL, raw SQL or None, its parameters) for each case."""
    near_bogota = f"near={BOGOTA[0]},{BOGOTA[1]}&radius_km=25"
    near_madrid = f"near={MADRID[0]},{MADRID[1]}&radius_km=10"
    everywhere = {"limit": PAGE + 1, "near": ""}
    bogota = {"limit": PAGE + 1, "lon": BOGOTA[0], "lat": BOGOTA[1], "radius_m": 25_000}
    return [
        ("upcoming, everywhere", f"{base}/events/", UPCOMING_SQL.format(near=""), everywhere),
        (
            "upcoming, 25 km of Bogotá",
            f"{base}/events/?{near_bogota}",
            UPCOMING_SQL.format(near=NEAR_SQL),
            bogota,
        ),
        ("this weekend, 10 km of Madrid", f"{base}/events/?{near_madrid}&when=weekend", None, {}),
        ("next week's range, everywhere", f"{base}/events/?when=week", None, {}),
        ("month, 25 km of Bogotá", f"{base}/events/?{near_bogota}&view=month", None, {}),
        ("month, everywhere", f"{base}/events/?view=month", None, {}),
    ]


def deep_url(base, pages, timeout):
    """The URL of the page ``pages`` "Later events" links after the first."""
    url = f"{base}/events/"
    for _ in range(pages):
        _seconds, status, body, _headers = request(url, timeout)
        if status != 200:
            sys.exit(f"{url} answered {status}")
        match = re.search(rb'<a href="([^"]+)" rel="next">', body)
        if not match:
            return url
        url = base + urllib.parse.unquote(match[1].decode().replace("&amp;", "&"))
    return url


def timed_sql(cursor, sql, params):
    start = time.perf_counter()
    cursor.execute(sql, params)
    cursor.fetchall()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=SIZES, default="10k")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()
    url = database_url()
    name = f"cerca_bench_{args.size}"
    build(url, name, SIZES[args.size])
    server = serve_cerca(url, name, args.timeout)
    try:
        base = server.base_url
        cases = [(*case, []) for case in page_cases(base)]
        deep = deep_url(base, 49, args.timeout)
        cases.append(("page 50 by cursor, everywhere", deep, None, {}, []))
        sql_samples = {label: [] for label, *_rest in cases}
        database = connect(url, name)
        with database.cursor() as cursor:
            for label, page_url, sql, params, samples in cases:
                request(page_url, args.timeout)  # warm-up
                if sql:
                    timed_sql(cursor, sql, params)
            for _round in range(args.repeats):
                for label, page_url, sql, params, samples in cases:
                    seconds, status, _body, _headers = request(page_url, args.timeout)
                    if status != 200:
                        sys.exit(f"{page_url} answered {status}")
                    samples.append(seconds)
                    if sql:
                        sql_samples[label].append(timed_sql(cursor, sql, params))
        database.close()
    finally:
        server.stop()
    print(f"/events/ at {args.size} ({args.repeats} interleaved repeats, medians; slowest)")
    print(f"{'case':40} {'page':>10} {'slowest':>10} {'raw SQL':>10}")
    for label, _url, _sql, _params, samples in cases:
        raw = sql_samples[label]
        raw_text = f"{1000 * statistics.median(raw):8.1f} ms" if raw else ""
        print(
            f"{label:40} {1000 * statistics.median(samples):7.1f} ms "
            f"{1000 * max(samples):7.1f} ms {raw_text:>10}"
        )


if __name__ == "__main__":
    main()
