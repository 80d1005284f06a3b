"""How fast Cerca imports 100,000 venues from a GeoJSON file in EPSG:3857.

Usage: `DEBUG=1 .venv/bin/python bench/imports.py [--rows N]`.

Writes a GeoJSON FeatureCollection of N venues (default 100,000) in Web
Mercator (EPSG:3857, named by the file's ``crs`` member) around Madrid and
Bogotá, with an id, a name, a city and a capacity each; one row in a hundred is
bad (no name). Then, in the configured database, it prints:

  - the baseline: ``ogr2ogr -f PostgreSQL`` of the file into a scratch table
    (reprojected to WGS84), then one plain ``INSERT INTO meetups_venue ...
    SELECT`` of its rows, no checks and no de-duplication;
  - Cerca's import, ``places.imports.import_file`` (what the task and
    ``manage.py import_places`` run): the same reading, every rule of the model
    as SQL with a problem row per bad field, de-duplication by id and by name
    within 50 m, batched inserts with progress, skipping the bad rows;
  - the same file imported a second time (everything already there).

Each measurement runs in a scratch database copied from the configured one
(CREATE DATABASE ... TEMPLATE), so both start from the same venues; the
copies are dropped at the end. (Deleting 100,000 venues in place takes minutes
on the tile-cell triggers.)
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoconfig.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from pyproj import Transformer  # noqa: E402

from meetups.models import Venue  # noqa: E402
from places.imports import _pg_environment  # noqa: E402
from places.models import ImportJob  # noqa: E402

SOURCE = "bench-imports"
SCRATCH = "bench_imports_scratch"
CENTRES = [("Madrid", -3.7038, 40.4168), ("Bogotá", -74.0721, 4.7110)]


def write_file(path, rows):
    to_mercator = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    random.seed(11)
    features = []
    for n in range(rows):
        city, lon, lat = CENTRES[n % 2]
        x, y = to_mercator.transform(
            lon + random.uniform(-0.2, 0.2), lat + random.uniform(-0.2, 0.2)
        )
        features.append({
            "type": "Feature",
            "properties": {
                "external_id": f"b{n}",
                "name": "" if n % 100 == 99 else f"Sala de estudio {n}",
                "city": city,
                "capacity": str(10 + n % 90),
            },
            "geometry": {"type": "Point", "coordinates": [round(x, 2), round(y, 2)]},
        })
    collection = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
        "features": features,
    }
    path.write_text(json.dumps(collection))


def baseline(path):
    started = time.perf_counter()
    subprocess.run(
        ["ogr2ogr", "-f", "PostgreSQL", "PG:", str(path), "-nln", SCRATCH, "-overwrite",
         "-t_srs", "EPSG:4326", "-lco", "GEOMETRY_NAME=geom", "--config", "PG_USE_COPY", "YES"],
        check=True, env=_pg_environment(),
    )
    read = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Venue._meta.db_table} (name, address, city, capacity, location,"
            " import_source, external_id, created_at, updated_at)"
            " SELECT name, '', city, capacity::int, geom::geography, %s, external_id, now(), now()"
            f" FROM {SCRATCH} WHERE name <> ''",
            [SOURCE + "-baseline"],
        )
    return read, time.perf_counter() - started


def cerca(path):
    from places.imports import import_file

    job = ImportJob.objects.create(
        kind="venue", file_name=path.name, source=SOURCE, mode=ImportJob.Mode.SKIP_BAD_ROWS,
        language="en", status=ImportJob.Status.RUNNING,
    )
    started = time.perf_counter()
    import_file(job, path)
    elapsed = time.perf_counter() - started
    steps = job.step_seconds
    job.refresh_from_db()
    job.step_seconds = steps
    assert job.status == ImportJob.Status.DONE, job.error
    return elapsed, job


ORIGINAL = connection.settings_dict["NAME"]


def admin_run(sql):
    """Run ``sql`` outside any transaction, connected to the "postgres" database."""
    import psycopg2

    conf = connection.settings_dict
    admin = psycopg2.connect(
        dbname="postgres", user=conf["USER"], password=conf["PASSWORD"],
        host=conf["HOST"], port=conf["PORT"],
    )
    try:
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(sql)
    finally:
        admin.close()


def use_database(name):
    """Point Django (and ogr2ogr's environment) at the database ``name``."""
    connection.close()
    connection.settings_dict["NAME"] = name


def scratch(name):
    """A fresh copy of the configured database, in use."""
    use_database(ORIGINAL)
    connection.close()
    admin_run(f"DROP DATABASE IF EXISTS {name}")
    admin_run(f"CREATE DATABASE {name} TEMPLATE {ORIGINAL}")
    use_database(name)


def drop(name):
    use_database(ORIGINAL)
    admin_run(f"DROP DATABASE IF EXISTS {name}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "venues.geojson"
        write_file(path, args.rows)
        print(f"{args.rows:,} venues, {path.stat().st_size / 1e6:.1f} MB of GeoJSON in EPSG:3857;"
              f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        try:
            scratch("cerca_bench_imports_baseline")
            read_s, baseline_s = baseline(path)
            drop("cerca_bench_imports_baseline")
            scratch("cerca_bench_imports")
            print(f"baseline: ogr2ogr into a scratch table {read_s:6.1f} s,"
                  f" plus a plain INSERT: {baseline_s:6.1f} s")
            first_s, job = cerca(path)
            print(f"Cerca's import (checked, de-duplicated, batched): {first_s:6.1f} s"
                  f" ({job.created_rows:,} imported, {job.problem_rows:,} bad rows reported,"
                  f" {args.rows / first_s:,.0f} rows/s)")
            print(f"  its steps, in seconds: {job.step_seconds}")
            again_s, job = cerca(path)
            print(f"the same file again: {again_s:6.1f} s ({job.created_rows:,} imported,"
                  f" {job.duplicate_rows:,} already there)")
            print(f"load average at the end: {os.getloadavg()[0]:.1f}")
        finally:
            drop("cerca_bench_imports_baseline")
            drop("cerca_bench_imports")


if __name__ == "__main__":
    main()
