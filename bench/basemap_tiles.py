"""How big the basemap's vector tiles are, and how long one takes to build.

Usage: `.venv/bin/python bench/basemap_tiles.py [--rounds N] [--load]` (with DEBUG=1).

Runs on the configured database, loading the basemap first if it is not
loaded (`--load` reloads it and times that). For zooms 0, 3, 6 and 10 it
takes the tiles over Bogotá, Madrid and the open Pacific, and prints, per
tile: its size raw and gzipped, the median time of the tile's one SQL
statement alone, and the median time of the whole response through Django's
test Client (after one warm-up; the query log is off, as in production).
Also the median time of a 304 (If-None-Match with the tile's ETag), which
must not build the tile at all.
"""

import argparse
import gzip
import os
import statistics
import sys
import time
from pathlib import Path

PLACES = {"Bogotá": (-74.0721, 4.7110), "Madrid": (-3.7038, 40.4168), "Pacific": (-130.0, -45.0)}
ZOOMS = (0, 3, 6, 10)


def median_ms(function, rounds):
    function()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--load", action="store_true", help="reload the basemap and time it")
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoconfig.settings")
    import django

    django.setup()
    import mercantile
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from places.basemap import BUFFER, EXTENT, TILE_SQL, band_for

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    start = time.perf_counter()
    call_command("load_basemap", force=args.load, verbosity=1)
    print(f"load_basemap{' --force' if args.load else ''}: {time.perf_counter() - start:.1f} s")
    print(f"load average: {' '.join(f'{n:.1f}' for n in os.getloadavg())} "
          f"on {os.cpu_count()} cores\n")

    client = Client()
    print(f"{'tile':<18}{'place':<9}{'bytes':>8}{'gzip':>8}"
          f"{'SQL ms':>9}{'HTTP ms':>9}{'304 ms':>8}")
    for zoom in ZOOMS:
        tiles = {mercantile.tile(*lon_lat, zoom): name for name, lon_lat in PLACES.items()}
        for tile, name in tiles.items():
            params = {"z": tile.z, "x": tile.x, "y": tile.y, "band": band_for(tile.z),
                      "margin": BUFFER / EXTENT, "etags": [], "any": False}

            def sql():
                with connection.cursor() as cursor:
                    cursor.execute(TILE_SQL, params)
                    return cursor.fetchone()

            url = f"/tiles/basemap/{tile.z}/{tile.x}/{tile.y}.mvt"
            response = client.get(url)
            assert response.status_code == 200, response.content
            body = response.content
            etag = response["ETag"]
            sql_ms = median_ms(sql, args.rounds)
            http_ms = median_ms(lambda: client.get(url), args.rounds)
            not_modified_ms = median_ms(
                lambda: client.get(url, HTTP_IF_NONE_MATCH=etag), args.rounds
            )
            label = f"{tile.z}/{tile.x}/{tile.y}"
            print(f"{label:<18}{name:<9}{len(body):>8}{len(gzip.compress(body)):>8}"
                  f"{sql_ms:>9.1f}{http_ms:>9.1f}{not_modified_ms:>8.1f}")


if __name__ == "__main__":
    main()
