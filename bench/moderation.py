"""What hiding costs (studygroups.moderation): the lists' ``NOT hidden`` filter,
and the tile-cell triggers that take a hidden group or event out of the
clusters, beside what they cost without.

Usage: `.venv/bin/python bench/moderation.py [--size 10k] [--repeats 20]`.
Reuses (or builds) bench/scale.py's scratch database cerca_bench_<size>, and
changes nothing in it: each write is rolled back. Prints medians in ms and
whether each list query's plan still reads an index (no Sort over the table).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import scale_db  # noqa: E402

SIZES = {"10k": 10_000, "100k": 100_000}


def median_ms(function, repeats):
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="10k", choices=sorted(SIZES))
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    url = scale_db.database_url()
    name = f"cerca_bench_{args.size}"
    reused, _timings, _size = scale_db.build(url, name, SIZES[args.size])
    print(f"{name}: {'reused' if reused else 'built'}")

    os.environ["DATABASE_URL"] = scale_db.with_database(url, name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoconfig.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.gis.geos import Point
    from django.db import connection, transaction

    from meetups.models import Event
    from studygroups.models import StudyGroup
    from studygroups.moderation import content_hide

    point = Point(-74.08, 4.64, srid=4326)
    lists = {
        "groups by name, first 100": lambda qs: qs.order_by("name", "id")[:100],
        "groups near Bogotá, 10 km, 100": lambda qs: qs.near(point, 10_000)[:100],
    }
    print(f"\n{'list':<34} {'all rows':>10} {'visible()':>10}  index in plan")
    for label, make in lists.items():
        every = make(StudyGroup.objects.all())
        visible = make(StudyGroup.objects.visible())
        plan = visible.explain()
        uses_index = "Index" in plan and "Seq Scan" not in plan
        print(
            f"{label:<34} {median_ms(lambda: list(every.all()), args.repeats):>8.2f}ms "
            f"{median_ms(lambda: list(visible.all()), args.repeats):>8.2f}ms  {uses_index}"
        )

    moderator, _created = get_user_model().objects.get_or_create(
        username="bench-moderator", defaults={"is_superuser": True}
    )
    group = StudyGroup.objects.exclude(location=None).order_by("pk").first()
    event = Event.objects.exclude(location=None).filter(study_group=group).first()

    class Rollback(Exception):
        pass

    def rolled_back(write):
        def run():
            try:
                with transaction.atomic():
                    write()
                    raise Rollback
            except Rollback:
                pass

        return run

    def move_group():
        StudyGroup.objects.filter(pk=group.pk).update(location=Point(-74.0, 4.6, srid=4326))

    def hide_group():
        content_hide(actor=moderator, target=group, reason="bench")

    def move_event():
        Event.objects.filter(pk=event.pk).update(location=Point(-74.0, 4.6, srid=4326))

    def hide_event():
        content_hide(actor=moderator, target=event, reason="bench")

    print(f"\n{'write (rolled back)':<44} {'median':>9}")
    for label, write in (
        ("move a group (the cells' existing trigger)", move_group),
        ("hide a group (its cells, its events', the log)", hide_group),
        ("move an event (the cells' existing trigger)", move_event),
        ("hide an event (its cells, the log)", hide_event),
    ):
        print(f"{label:<44} {median_ms(rolled_back(write), args.repeats):>7.2f}ms")
    moderator.delete()
    connection.close()


if __name__ == "__main__":
    main()
