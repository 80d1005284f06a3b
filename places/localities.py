"""Load places/data/localities.csv: the curated neighbourhoods and campuses.

The file is versioned with the code; ``sync_localities`` makes the tables say
what it says (rows added, changed and removed by ``key``), so a migration that
calls it again after the file changes brings a database up to date. The
tests call it too, after a transactional test has emptied the tables.
"""

import csv
from pathlib import Path

from django.contrib.gis.geos import Point
from django.db import transaction

LOCALITIES_CSV = Path(__file__).resolve().parent / "data" / "localities.csv"


def read_localities(path=LOCALITIES_CSV):
    """The file's rows as dicts, ``other_names`` split into a list; comment lines skipped."""
    with open(path, encoding="utf-8", newline="") as file:
        lines = [line for line in file if line.strip() and not line.startswith("#")]
    rows = []
    for row in csv.DictReader(lines):
        rows.append(
            {
                "key": row["key"],
                "kind": row["kind"],
                "name": row["name"],
                "other_names": [name for name in row["other_names"].split("|") if name],
                "city": int(row["city"]),
                "lon": float(row["lon"]),
                "lat": float(row["lat"]),
                "source": row["source"],
            }
        )
    return rows


def sync_localities(Locality, LocalityName, path=LOCALITIES_CSV):
    """Make the Locality and LocalityName tables hold exactly the file's rows.

    Takes the models (a migration passes its historical ones). Each locality's
    names are its own name and its other names, once each.
    """
    rows = read_localities(path)
    with transaction.atomic():
        Locality.objects.exclude(key__in=[row["key"] for row in rows]).delete()
        for row in rows:
            locality, _ = Locality.objects.update_or_create(
                key=row["key"],
                defaults={
                    "kind": row["kind"],
                    "name": row["name"],
                    "city_id": row["city"],
                    "location": Point(row["lon"], row["lat"], srid=4326),
                },
            )
            LocalityName.objects.filter(locality=locality).delete()
            names = dict.fromkeys([row["name"], *row["other_names"]])
            LocalityName.objects.bulk_create(
                LocalityName(locality=locality, name=name) for name in names
            )
