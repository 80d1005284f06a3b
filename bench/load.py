"""Cerca under load: 200 concurrent clients for 60 s on a realistic mix.

Usage: `.venv/bin/python bench/load.py [--size 10k|100k|1m] [--clients 200]
[--seconds 60] [--workers 2] [--base-url URL]`

It serves bench/scale.py's database cerca_bench_<size> (built first if
missing) with gunicorn as bench/scale.py does (sync workers, DEBUG=0,
production settings over plain HTTP), or times ``--base-url`` (loopback
only). Then ``--clients`` clients, each one request at a time and no pause
between them (a closed loop: latency = clients / throughput), pick requests
from a fixed mix around real cities, in a fixed random order per client:

- the map page (``/``) and a vector tile of the map around a city,
- near me (study groups and events within 25 km),
- bbox lists (study groups and events in a city's box, 100 a page),
- a study group's page and an event's page, of random rows,
- an event's and a group's calendar (``.ics``).

It prints, for the whole run and per kind of request, the throughput
(requests a second), p50 and p99 of the time from connect to the last byte,
and errors (a status other than 200, or a connection that failed or took
over ``--timeout`` seconds). One warm-up request of each kind comes first and
is not counted. The client is asyncio with plain HTTP/1.1, one connection
per request (gunicorn's sync workers close them anyway); it runs beside the
server on the same cores, as a real proxy would not, so it costs the server
a little CPU. Nothing asserts a time.
"""

import argparse
import asyncio
import math
import random
import statistics
import time
import urllib.parse

from scale_db import build, connect, database_url
from scale_servers import serve_cerca

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
CITIES = {
    "Bogotá": (-74.0721, 4.7110), "Madrid": (-3.7038, 40.4168), "CDMX": (-99.1332, 19.4326),
    "Lima": (-77.0428, -12.0464), "Buenos Aires": (-58.3816, -34.6037),
}
# (kind, weight): how often each kind comes in the mix.
MIX = [
    ("map page", 10), ("map tile", 20), ("near me", 15), ("events near me", 10),
    ("bbox list", 10), ("events bbox list", 5), ("group page", 10), ("event page", 10),
    ("event .ics", 5), ("group .ics", 5),
]


def tile_of(lon, lat, z):
    """The (x, y) of the z/x/y tile holding (lon, lat), Web Mercator."""
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def samples_of_rows(url, name, count=200):
    """Random study group slugs and (upcoming) event ids of the database."""
    connection = connect(url, name)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT slug FROM studygroups_studygroup ORDER BY random() LIMIT %s", [count]
        )
        slugs = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT id FROM meetups_event ORDER BY random() LIMIT %s", [count])
        events = [row[0] for row in cursor.fetchall()]
    connection.close()
    return slugs, events


def request_paths(kind, rng, slugs, events):
    """A path of ``kind``, drawn with ``rng``."""
    city = rng.choice(list(CITIES))
    lon, lat = CITIES[city]
    box = f"{lon - 0.15:.4f},{lat - 0.2:.4f},{lon + 0.15:.4f},{lat + 0.2:.4f}"
    if kind == "map page":
        return "/"
    if kind == "map tile":
        z = rng.choice([5, 8, 11, 13])
        x, y = tile_of(lon + rng.uniform(-0.05, 0.05), lat + rng.uniform(-0.05, 0.05), z)
        return f"/tiles/{rng.choice(['studygroups', 'events'])}/{z}/{x}/{y}.mvt"
    if kind == "near me":
        return f"/api/studygroups/?near={lon},{lat}&radius_km=25&limit=100"
    if kind == "events near me":
        return f"/api/events/?near={lon},{lat}&radius_km=25&limit=100"
    if kind == "bbox list":
        return f"/api/studygroups/?bbox={box}&limit=100"
    if kind == "events bbox list":
        return f"/api/events/?bbox={box}&limit=100"
    if kind == "group page":
        return f"/groups/{urllib.parse.quote(rng.choice(slugs))}/"
    if kind == "event page":
        return f"/events/{rng.choice(events)}/"
    if kind == "event .ics":
        return f"/calendar/events/{rng.choice(events)}.ics"
    if kind == "group .ics":
        return f"/calendar/groups/{urllib.parse.quote(rng.choice(slugs))}.ics"
    raise ValueError(kind)


async def get(host, port, path, timeout):
    """(status or an error's name, seconds) of GET ``path``, body read to the end."""
    start = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept-Language: es\r\n"
                "Connection: close\r\n\r\n".encode()
            )
            await writer.drain()
            status_line = await reader.readline()
            while await reader.read(1 << 16):
                pass
            writer.close()
        status = int(status_line.split()[1]) if status_line else "no answer"
    except TimeoutError:
        status = "timed out"
    except OSError as error:
        status = type(error).__name__
    return status, time.perf_counter() - start


async def client(number, args, host, port, slugs, events, results, deadline):
    rng = random.Random(number)
    kinds = [kind for kind, weight in MIX for _ in range(weight)]
    while time.monotonic() < deadline:
        kind = rng.choice(kinds)
        status, seconds = await get(
            host, port, request_paths(kind, rng, slugs, events), args.timeout
        )
        results.append((kind, status, seconds, time.monotonic() <= deadline))


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(results, seconds):
    """Lines of throughput, p50/p99 and errors, in all and per kind."""
    counted = [row for row in results if row[3]]
    lines = [f"  {'requests':<18} {'count':>7} {'per s':>7} {'p50':>8} {'p99':>8} {'errors':>7}"]
    for kind in ["all"] + [kind for kind, _ in MIX]:
        rows = [row for row in counted if kind in ("all", row[0])]
        if not rows:
            continue
        times = [row[2] for row in rows]
        errors = [row[1] for row in rows if row[1] != 200]
        lines.append(
            f"  {kind:<18} {len(rows):>7} {len(rows) / seconds:>7.1f} "
            f"{statistics.median(times) * 1000:>6.0f}ms {percentile(times, 0.99) * 1000:>6.0f}ms "
            f"{len(errors):>7}" + (f"  ({', '.join(sorted(set(map(str, errors))))})"
                                   if errors else "")
        )
    return lines


async def run(args, base, slugs, events):
    parts = urllib.parse.urlsplit(base)
    host, port = parts.hostname, parts.port or 80
    rng = random.Random(0)
    for kind, _ in MIX:  # warm-up, not counted
        await get(host, port, request_paths(kind, rng, slugs, events), args.timeout)
    results = []
    start = time.monotonic()
    deadline = start + args.seconds
    await asyncio.gather(*[
        client(number, args, host, port, slugs, events, results, deadline)
        for number in range(args.clients)
    ])
    return results, time.monotonic() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="10k", choices=SIZES)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--timeout", type=float, default=30, help="seconds per request")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--base-url", help="time this running server (loopback only)")
    args = parser.parse_args()
    url = database_url()
    name = f"cerca_bench_{args.size}"
    server = None
    if args.base_url:
        if urllib.parse.urlsplit(args.base_url).hostname not in ("127.0.0.1", "localhost"):
            parser.error("--base-url: loopback only (127.0.0.1 or localhost)")
        base = args.base_url.rstrip("/")
    else:
        build(url, name, SIZES[args.size])
        server = serve_cerca(url, name, args.timeout, workers=args.workers,
                             options=["--backlog", "2048"])
        base = server.base_url
    try:
        slugs, events = samples_of_rows(url, name)
        results, seconds = asyncio.run(run(args, base, slugs, events))
    finally:
        if server:
            server.stop()
    print(
        f"Load ({time.strftime('%F %H:%M %Z')}, {name}): {args.clients} clients for "
        f"{args.seconds:g} s against {base}"
        + (f" (gunicorn, {args.workers} sync workers, DEBUG=0)" if server else "")
        + "; times from connect to the last byte"
    )
    for line in report(results, seconds):
        print(line)


if __name__ == "__main__":
    main()
