"""How long the demo data takes to load into an empty database.

Usage: `make bench` (or `.venv/bin/python bench/demo_load.py [--rounds N]`).

Creates a scratch database (cerca_bench) beside the configured one, migrates it,
then, for each round, empties it and times:
  - baseline: Django's plain `loaddata demo`, the floor for loading this fixture;
  - load_demo: what `make run` calls (loaddata plus moving events next to today).
Prints the median of each beside the 30 s target, then drops the scratch database.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

TARGET_S = 30.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoconfig.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from meetups.models import Event, Venue
    from studygroups.models import StudyGroup

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "cerca_bench"
    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    timings = {"baseline: loaddata demo": [], "load_demo": []}
    try:
        for _ in range(args.rounds):
            for label, command in (
                ("baseline: loaddata demo", ("loaddata", "demo")),
                ("load_demo", ("load_demo",)),
            ):
                call_command("flush", interactive=False, verbosity=0)
                start = time.perf_counter()
                call_command(*command, verbosity=0, stdout=open(os.devnull, "w"))
                timings[label].append(time.perf_counter() - start)
        counts = (StudyGroup.objects.count(), Venue.objects.count(), Event.objects.count())
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)

    print(
        f"Demo data: {counts[0]} study groups, {counts[1]} venues, {counts[2]} events; "
        f"median of {args.rounds} rounds into an empty database"
    )
    for label, values in timings.items():
        median = statistics.median(values)
        verdict = "within" if median < TARGET_S else "OVER"
        print(f"  {label:<26} {median:7.2f} s   ({verdict} the {TARGET_S:.0f} s target)")


if __name__ == "__main__":
    main()
