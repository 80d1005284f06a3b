"""What OGC API - Features Part 2 costs: an items page in EPSG:3857 and
EPSG:4326 beside the same page in CRS84 (the baseline), measured in one run.

Usage: `DEBUG=1 .venv/bin/python bench/ogc_crs.py [--rounds N] [--limit N]` on
the configured database with data in it (`make demo`, or DATABASE_URL pointing
at one of bench/scale_db.py's databases).

For each collection, times (median of the rounds, after one warm-up) GET
/ogc/collections/<id>/items?limit=N through Django's test Client: in CRS84, with
crs=EPSG:4326 (ST_FlipCoordinates) and crs=EPSG:3857 (ST_Transform on each
row), then a bbox around Bogotá given in CRS84 and the same box given in
EPSG:3857 (bbox-crs, transformed once by PostGIS, the index still used). Django's
query log is off, as in production. Prints milliseconds and the ratio to CRS84.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
# Bogotá, lon/lat, and the same box in Web Mercator metres (pyproj).
BOGOTA = (-74.2, 4.45, -73.95, 4.85)


def timed(client, url, params, rounds):
    """Median milliseconds of ``rounds`` GETs (after one warm-up), and the last body's size."""
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(url, params)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(times), len(response.content)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--limit", type=int, default=1000)
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoconfig.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from pyproj import Transformer

    settings.DEBUG = False  # no query log
    client = Client(HTTP_HOST="127.0.0.1")
    (x1, x2), (y1, y2) = Transformer.from_crs(
        "EPSG:4326", "EPSG:3857", always_xy=True
    ).transform([BOGOTA[0], BOGOTA[2]], [BOGOTA[1], BOGOTA[3]])
    mercator_bbox = f"{x1!r},{y1!r},{x2!r},{y2!r}"

    print(f"OGC items page, limit={args.limit}, median of {args.rounds} (ms; x CRS84)")
    print(f"{'collection':<12} {'case':<26} {'ms':>8} {'ratio':>6} {'bytes':>9}")
    for collection in ("studygroups", "events", "venues"):
        url = f"/ogc/collections/{collection}/items"
        cases = [
            ("CRS84 (baseline)", {}),
            ("crs=EPSG:4326", {"crs": EPSG_4326}),
            ("crs=EPSG:3857", {"crs": EPSG_3857}),
            ("bbox CRS84 (baseline)", {"bbox": ",".join(map(str, BOGOTA))}),
            ("bbox-crs=3857, crs=3857", {"bbox": mercator_bbox, "bbox-crs": EPSG_3857,
                                         "crs": EPSG_3857}),
        ]
        baseline = None
        for name, params in cases:
            if "baseline" in name:
                baseline = None
            ms, size = timed(client, url, {"limit": args.limit, **params}, args.rounds)
            baseline = baseline or ms
            print(f"{collection:<12} {name:<26} {ms:8.1f} {ms / baseline:6.2f} {size:9,}")


if __name__ == "__main__":
    main()
