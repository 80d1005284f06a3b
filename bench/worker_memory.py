"""A gunicorn worker's memory over 50 large lists: does it give back what a
request used?

Usage: `.venv/bin/python bench/worker_memory.py [--size 10k|100k|1m]
[--requests 50] [--limit 10000]`

It serves bench/scale.py's database cerca_bench_<size> (built first if
missing, as bench/scale.py builds it) with gunicorn, one sync worker and
DEBUG=0, and asks it, one request at a time, for ``--requests`` large lists
in turn: study groups and events of /api/ and OGC items, ``--limit`` features
each (several MB of GeoJSON). It prints the worker's resident memory (VmRSS)
after each fifth request and its peak (VmHWM), in MiB, beside a baseline in
the same run: the same server and requests with a full garbage collection
(``gc.collect()``) after every request, which frees anything left in
reference cycles. A worker that keeps no response alive tracks the baseline.
"""

import argparse
import os
import sys
import tempfile
import time

from scale_db import build, database_url
from scale_servers import memory_kib, request, serve_cerca

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
GC_EACH_REQUEST = """import gc


def post_request(worker, req, environ, resp):
    gc.collect()
"""


def lists(limit):
    """The large lists asked for in turn."""
    return [
        f"/api/studygroups/?limit={limit}",
        f"/api/events/?limit={limit}",
        f"/ogc/collections/studygroups/items?limit={limit}",
        f"/api/studygroups/?bbox=-79.1,-4.3,-66.8,12.5&limit={limit}",
    ]


def run(url, name, args, options):
    """[(requests done, VmRSS MiB)], peak MiB, seconds, for one server."""
    server = serve_cerca(url, name, 120, workers=1, options=options)
    try:
        (pid,) = server.workers()
        paths = lists(args.limit)
        samples = [(0, memory_kib([pid])[pid][0] / 1024)]
        start = time.perf_counter()
        for number in range(1, args.requests + 1):
            _, status, body, _ = request(server.base_url + paths[number % len(paths)], 120)
            if status != 200:
                sys.exit(f"{paths[number % len(paths)]}: HTTP {status}: {body[:300]!r}")
            if number % 5 == 0:
                samples.append((number, memory_kib([pid])[pid][0] / 1024))
        seconds = time.perf_counter() - start
        return samples, memory_kib([pid])[pid][1] / 1024, seconds
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="10k", choices=SIZES)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--limit", type=int, default=10_000)
    args = parser.parse_args()
    url = database_url()
    name = f"cerca_bench_{args.size}"
    build(url, name, SIZES[args.size])
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as config:
        config.write(GC_EACH_REQUEST)
    try:
        ours = run(url, name, args, [])
        collected = run(url, name, args, ["--config", config.name])
    finally:
        os.unlink(config.name)
    print(
        f"Worker memory ({time.strftime('%F %H:%M %Z')}, {name}): one gunicorn sync "
        f"worker, DEBUG=0, {args.requests} lists of {args.limit:,} features; VmRSS in MiB"
    )
    print(f"  {'requests':>8} {'ours':>8} {'gc.collect() after each':>24}")
    for (number, rss), (_, baseline) in zip(ours[0], collected[0]):
        print(f"  {number:>8} {rss:>8.0f} {baseline:>24.0f}")
    print(f"  {'peak':>8} {ours[1]:>8.0f} {collected[1]:>24.0f}")
    print(f"  {'seconds':>8} {ours[2]:>8.1f} {collected[2]:>24.1f}")


if __name__ == "__main__":
    main()
