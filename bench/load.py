"""Cerca under load: 200 concurrent clients for 60 s on a realistic mix.

Usage: `.venv/bin/python bench/load.py [--size 10k|100k|1m] [--clients 200]
[--seconds 60] [--workers 2] [--worker-class sync|gthread] [--threads 1]
[--mode both|gunicorn|proxy] [--no-keep-alive] [--base-url URL]
[--profile [KIND]]`

It serves bench/scale.py's database cerca_bench_<size> (built first if
missing) with gunicorn (``--workers`` workers of ``--worker-class``, DEBUG=0,
production settings over plain HTTP) in two ways, one after the other, and
prints both: ``gunicorn``, gunicorn alone on a port, as bench/scale.py serves
it (the baseline); and ``proxy``, the stack of `make serve`: nginx from
.ci/proxy (its static files, its micro-cache of anonymous reads, kept
PROXY_CACHE_SECONDS, 30 by default) in front of the same gunicorn on a Unix
socket. ``--mode`` runs one of them alone; ``--base-url`` times a running
server instead (loopback only). Then ``--clients`` clients, each one request at
a time and no pause between them (a closed loop: latency = clients /
throughput), pick requests from a fixed mix around real cities, in a fixed
random order per client:

- the map page (``/``) and a vector tile of the map around a city,
- near me (study groups and events within 25 km),
- bbox lists (study groups and events in a city's box, 100 a page),
- a study group's page and an event's page, of random rows (200 of each),
- an event's and a group's calendar (``.ics``).

It prints, for the whole run and per kind of request, the throughput
(requests a second), p50 and p99 of a request's time, and errors by kind (a
status other than 200, or a connection that failed or took over
``--timeout`` seconds); what the proxy's cache did (X-Cache-Status), and the
times of what it answered and of what gunicorn answered; and the load
average at the end of each run. The proxy's cache starts empty; one warm-up
request of each kind comes first and is not counted. The client
is asyncio with plain HTTP/1.1, no cookie (an anonymous visitor) and
``Accept-Language: es``; like a browser, it keeps its connection where the
server keeps it (nginx does, gunicorn's sync workers do not;
``--no-keep-alive``: never), and a request's time runs from connecting (or
sending, on a kept connection) to the last byte. It runs beside the server on
the same cores, as a real client would not, so it costs the server CPU
(more, the more requests a second it makes). Nothing asserts a time.

``--profile`` serves nothing: it times each kind's CPU a request in-process
(Django's test client, production settings, the same database; Python's
share, not PostgreSQL's), and with a KIND (``--profile "group page"``) prints
cProfile's top of 100 of them.
"""

import argparse
import asyncio
import collections
import math
import os
import random
import secrets
import statistics
import sys
import time
import urllib.parse

from scale_db import ROOT, build, connect, database_url, with_database
from scale_servers import serve_behind_proxy, serve_cerca

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


class Connection:
    """A client's connection, kept between requests when the server keeps it
    (nginx does, as with a browser; gunicorn's sync workers close it)."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.streams = None

    def close(self):
        if self.streams:
            self.streams[1].close()
        self.streams = None


async def read_response(reader):
    """(status line, {header: value}, whether the connection may be kept) of
    the response on ``reader``, its body read to the end."""
    status_line = await reader.readline()
    headers = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    keep = status_line.startswith(b"HTTP/1.1") and headers.get("connection") != "close"
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while size := int((await reader.readline()).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        while await reader.readline() not in (b"\r\n", b""):
            pass
    else:
        while await reader.read(1 << 16):
            pass
        keep = False
    return status_line, headers, keep


async def get(connection, path, timeout, keep_alive=True):
    """(status or an error's name, seconds, X-Cache-Status) of GET ``path``,
    body read to the end, on ``connection`` (opened if it is not)."""
    start = time.perf_counter()
    cache = ""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {connection.host}\r\nAccept-Language: es\r\n"
        + ("" if keep_alive else "Connection: close\r\n") + "\r\n"
    ).encode()
    try:
        async with asyncio.timeout(timeout):
            for attempt in (1, 2):
                reused = connection.streams is not None
                if not reused:
                    connection.streams = await asyncio.open_connection(
                        connection.host, connection.port
                    )
                reader, writer = connection.streams
                writer.write(request)
                await writer.drain()
                try:
                    status_line, headers, keep = await read_response(reader)
                except asyncio.IncompleteReadError:
                    status_line, headers, keep = b"", {}, False
                if status_line or not reused:
                    break
                connection.close()  # closed by the server while idle: once more
            if not (keep and keep_alive):
                connection.close()
        cache = headers.get("x-cache-status", "")
        status = int(status_line.split()[1]) if status_line else "no answer"
    except TimeoutError:
        status = "timed out"
        connection.close()
    except OSError as error:
        status = type(error).__name__
        connection.close()
    return status, time.perf_counter() - start, cache


async def client(number, args, host, port, slugs, events, results, deadline):
    rng = random.Random(number)
    kinds = [kind for kind, weight in MIX for _ in range(weight)]
    connection = Connection(host, port)
    while time.monotonic() < deadline:
        kind = rng.choice(kinds)
        status, seconds, cache = await get(
            connection, request_paths(kind, rng, slugs, events), args.timeout,
            keep_alive=args.keep_alive,
        )
        results.append((kind, status, seconds, time.monotonic() <= deadline, cache))
    connection.close()


# Who answered, by X-Cache-Status: nginx alone, or gunicorn behind it.
CACHE_ANSWERS = {
    "answered from the cache (HIT, STALE, UPDATING)": {"HIT", "STALE", "UPDATING"},
    "answered by gunicorn (MISS, EXPIRED, BYPASS)": {"MISS", "EXPIRED", "BYPASS", "-"},
}


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
        errors = collections.Counter(str(row[1]) for row in rows if row[1] != 200)
        lines.append(
            f"  {kind:<18} {len(rows):>7} {len(rows) / seconds:>7.1f} "
            f"{statistics.median(times) * 1000:>6.0f}ms {percentile(times, 0.99) * 1000:>6.0f}ms "
            f"{sum(errors.values()):>7}"
            + (f"  ({', '.join(f'{n} {error}' for error, n in sorted(errors.items()))})"
               if errors else "")
        )
    caches = collections.Counter(row[4] or "-" for row in counted)
    if set(caches) != {"-"}:
        lines.append("  X-Cache-Status: " + ", ".join(
            f"{status} {count / len(counted):.1%}" for status, count in caches.most_common()
        ))
        for label, statuses in CACHE_ANSWERS.items():
            times = [row[2] for row in counted if (row[4] or "-") in statuses]
            if times:
                lines.append(
                    f"  {label:<44} p50 {statistics.median(times) * 1000:>6.0f}ms, "
                    f"p99 {percentile(times, 0.99) * 1000:>6.0f}ms ({len(times)})"
                )
    return lines


async def run(args, base, slugs, events):
    parts = urllib.parse.urlsplit(base)
    host, port = parts.hostname, parts.port or 80
    rng = random.Random(0)
    connection = Connection(host, port)
    for kind, _ in MIX:  # warm-up, not counted
        await get(connection, request_paths(kind, rng, slugs, events), args.timeout,
                  keep_alive=False)
    results = []
    start = time.monotonic()
    deadline = start + args.seconds
    await asyncio.gather(*[
        client(number, args, host, port, slugs, events, results, deadline)
        for number in range(args.clients)
    ])
    return results, time.monotonic() - start


def serve(args, url, name, mode):
    """The servers of ``mode``, and a line saying what they are."""
    options = ["--backlog", "2048", "--worker-class", args.worker_class,
               "--threads", str(args.threads)]
    gunicorn = (f"gunicorn, {args.workers} {args.worker_class} workers"
                + (f" of {args.threads} threads" if args.worker_class == "gthread" else ""))
    if mode == "gunicorn":
        server = serve_cerca(url, name, args.timeout, workers=args.workers, options=options)
        return [server], f"{gunicorn}, DEBUG=0"
    server, proxy = serve_behind_proxy(url, name, args.timeout, args.workers, options)
    seconds = os.environ.get("PROXY_CACHE_SECONDS", "30")
    return [server, proxy], f"nginx (cache {seconds} s) in front of {gunicorn}, DEBUG=0"


def profile(args, url, name, slugs, events):
    """The mix in-process (Django's test client, production settings, the
    bench database): each kind's CPU time a request in this process (Python,
    not PostgreSQL), and a cProfile of ``args.profile`` if it names a kind."""
    import cProfile
    import io
    import pstats

    os.environ.update({
        "DATABASE_URL": with_database(url, name), "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0", "LOG_LEVEL": "ERROR",
        "CONN_MAX_AGE": "3600", "DJANGO_SETTINGS_MODULE": "geoconfig.settings",
    })
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    rng = random.Random(0)
    print(f"CPU a request, in-process ({name}, {time.strftime('%F %H:%M %Z')}, load average "
          f"{os.getloadavg()[0]:.2f}), median of 5 rounds of 20:")
    for kind, _ in MIX:
        client.get(request_paths(kind, rng, slugs, events))  # warm-up
        rounds = []
        for _ in range(5):
            start = time.process_time()
            for _ in range(20):
                response = client.get(request_paths(kind, rng, slugs, events))
                assert response.status_code == 200, (kind, response.status_code)
            rounds.append((time.process_time() - start) / 20)
        print(f"  {kind:<18} {statistics.median(rounds) * 1000:6.1f} ms")
    if args.profile in dict(MIX):
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(100):
            client.get(request_paths(args.profile, rng, slugs, events))
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
        print(out.getvalue())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="10k", choices=SIZES)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--timeout", type=float, default=30, help="seconds per request")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=1, help="threads per gthread worker")
    parser.add_argument("--mode", default="both", choices=["both", "gunicorn", "proxy"])
    parser.add_argument("--base-url", help="time this running server (loopback only)")
    parser.add_argument("--no-keep-alive", dest="keep_alive", action="store_false",
                        help="one connection per request, whatever the server allows")
    parser.add_argument("--profile", nargs="?", const="all", metavar="KIND",
                        help="no server: each kind's CPU a request in-process, and a "
                        "cProfile of KIND (e.g. 'group page')")
    args = parser.parse_args()
    url = database_url()
    name = f"cerca_bench_{args.size}"
    if args.base_url:
        if urllib.parse.urlsplit(args.base_url).hostname not in ("127.0.0.1", "localhost"):
            parser.error("--base-url: loopback only (127.0.0.1 or localhost)")
        modes = ["given"]
    else:
        build(url, name, SIZES[args.size])
        modes = [mode for mode in ("gunicorn", "proxy") if args.mode in ("both", mode)]
    slugs, events = samples_of_rows(url, name)
    if args.profile:
        profile(args, url, name, slugs, events)
        return
    for mode in modes:
        servers = []
        if mode == "given":
            base, what = args.base_url.rstrip("/"), "a running server"
        else:
            servers, what = serve(args, url, name, mode)
            base = servers[0].base_url
        try:
            results, seconds = asyncio.run(run(args, base, slugs, events))
        finally:
            for server in servers:
                server.stop()
        load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
        print(
            f"Load, {mode} ({time.strftime('%F %H:%M %Z')}, {name}): {args.clients} clients "
            f"for {args.seconds:g} s against {base}, {what}; connections "
            f"{'kept where the server keeps them' if args.keep_alive else 'closed'}; times "
            f"from the request (or connect) to the last byte; load average after the run "
            f"{load} ({os.cpu_count()} cores)",
            flush=True,
        )
        for line in report(results, seconds):
            print(line, flush=True)


if __name__ == "__main__":
    main()
