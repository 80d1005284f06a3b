"""How fast Cerca finds whom to alert of a new event, and composes weekly digests,
among 1,000,000 members.

Usage: `.venv/bin/python bench/notifications.py [--members N] [--events N]
[--rounds R] [--digests N] [--keep|--reuse]` (with DEBUG=1). `--keep` keeps
the scratch database; `--reuse` measures a kept one again without building it.

Creates a scratch database (cerca_bench_notifications) beside the configured
one, migrates it, and fills it in SQL (generate_series): N members (default
1,000,000) with a profile each, their homes scattered around 20 cities of
Latin America and Spain (a city's share by its population, most within 15 km
of its centre), alert radii of 1 to 50 km (most 5 to 25), every kind of email
on; and E upcoming events (default 20,000) in the coming week around the same
cities. The profiles' indexes are built after the load, as a bulk load would.
Then it prints, medians of the rounds after a warm-up:

  - recipients of one event near the centre of Bogotá, Madrid and Lima:
    ``MemberProfile.objects.alerted_at(point)`` (the alert-area GiST index,
    then ST_DWithin) beside the plain scan (ST_DWithin with each member's
    radius over every profile, which no index can serve), in recipients per
    second, and recording them (the INSERT ... SELECT that makes the
    deliveries, rolled back);
  - digests composed per second: the events of the week for a member (two
    indexed queries) and the email (text and HTML), for the first D members
    (default 500), beside the same with PostgreSQL's index scans off
    (sequential scans: the baseline), for a tenth of them.

Django's query log is off (as in production). Drops the scratch database
unless --keep.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

# (name, lon, lat, share of the members): the cities' centres.
CITIES = [
    ("Ciudad de México", -99.1332, 19.4326, 14),
    ("São Paulo", -46.6333, -23.5505, 12),
    ("Buenos Aires", -58.3816, -34.6037, 10),
    ("Bogotá", -74.0721, 4.7110, 9),
    ("Lima", -77.0428, -12.0464, 8),
    ("Madrid", -3.7038, 40.4168, 7),
    ("Santiago", -70.6693, -33.4489, 6),
    ("Barcelona", 2.1734, 41.3851, 5),
    ("Medellín", -75.5636, 6.2442, 4),
    ("Guadalajara", -103.3496, 20.6597, 4),
    ("Caracas", -66.9036, 10.4806, 3),
    ("Quito", -78.4678, -0.1807, 3),
    ("Monterrey", -100.3161, 25.6866, 3),
    ("Montevideo", -56.1645, -34.9011, 2),
    ("Cali", -76.5320, 3.4516, 2),
    ("La Paz", -68.1193, -16.4897, 2),
    ("Guatemala", -90.5069, 14.6349, 2),
    ("San José", -84.0907, 9.9281, 1),
    ("Asunción", -57.5759, -25.2637, 1),
    ("Valencia", -0.3763, 39.4699, 2),
]
PROBES = ["Bogotá", "Madrid", "Lima"]
DATABASE = "cerca_bench_notifications"


def fill(connection, members, events):
    """Insert the members, their profiles and the week's events in SQL; the
    profiles' indexes are built after the load. {step: seconds}."""
    lons = [city[1] for city in CITIES]
    lats = [city[2] for city in CITIES]
    # Where each city's share starts in [0, 1): width_bucket() picks a city
    # from one random number.
    total = sum(city[3] for city in CITIES)
    starts, running = [], 0
    for city in CITIES:
        starts.append(running / total)
        running += city[3]
    timings = {}
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SELECT setseed(0.2026)")
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes AS i
            JOIN pg_class AS c ON c.relname = i.indexname
            JOIN pg_index AS x ON x.indexrelid = c.oid
            WHERE i.tablename = 'studygroups_memberprofile' AND NOT x.indisprimary
              AND NOT x.indisunique
            """
        )
        indexes = dict(cursor.fetchall())
        for name in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        start = time.perf_counter()
        cursor.execute(
            """
            INSERT INTO auth_user (username, email, password, is_superuser, is_staff,
                                   is_active, first_name, last_name, date_joined)
            SELECT 'member' || n, 'member' || n || '@example.org', '!', false, false, true,
                   '', '', now()
            FROM generate_series(1, %s) AS n
            """,
            [members],
        )
        timings["members"] = time.perf_counter() - start
        # A city by its share, then a point around its centre: a distance
        # whose square root spreads most homes within 15 km, some to 40 km.
        start = time.perf_counter()
        cursor.execute(
            """
            INSERT INTO studygroups_memberprofile (
                user_id, home_location, alert_radius_km, calendar_token, language,
                notify_event_nearby, notify_group_nearby, notify_reminders, notify_digest,
                notify_event_updates, notify_membership)
            SELECT u.id,
                   ST_Project(
                       ST_SetSRID(ST_MakePoint(c.lons[k], c.lats[k]), 4326)::geography,
                       40000 * power(random(), 1.5), 2 * pi() * random()),
                   CASE WHEN random() < 0.8 THEN 5 + floor(random() * 21)::int
                        ELSE 1 + floor(random() * 50)::int END,
                   md5(u.id::text), CASE WHEN u.id %% 3 = 0 THEN 'en' ELSE 'es' END,
                   true, true, true, true, true, true
            FROM auth_user AS u
            CROSS JOIN (SELECT %s::float8[] AS lons, %s::float8[] AS lats,
                               %s::float8[] AS starts) AS c
            CROSS JOIN LATERAL (
                SELECT width_bucket(random() + u.id * 0, c.starts) AS k
            ) AS pick
            WHERE u.username LIKE 'member%%'
            """,
            [lons, lats, starts],
        )
        timings["profiles"] = time.perf_counter() - start
        start = time.perf_counter()
        cursor.execute(
            """
            INSERT INTO meetups_event (title, description, location, online_url, during,
                                       time_zone, capacity, status, cancellation_reason,
                                       created_at, updated_at)
            SELECT 'Encuentro ' || n, '',
                   ST_Project(
                       ST_SetSRID(ST_MakePoint(c.lons[k], c.lats[k]), 4326)::geography,
                       30000 * power(random(), 1.5), 2 * pi() * random()),
                   '',
                   tstzrange(now() + interval '1 day' + n %% 144 * interval '1 hour',
                             now() + interval '1 day' + n %% 144 * interval '1 hour'
                             + interval '2 hours', '[)'),
                   'UTC', 30, 'scheduled', '', now(), now()
            FROM generate_series(1, %s) AS n
            CROSS JOIN (SELECT %s::float8[] AS lons, %s::float8[] AS lats) AS c
            CROSS JOIN LATERAL (SELECT 1 + (n * 7919) %% array_length(c.lons, 1) AS k) AS pick
            """,
            [events, lons, lats],
        )
        timings["events"] = time.perf_counter() - start
        start = time.perf_counter()
        for statement in indexes.values():
            cursor.execute(statement)
        cursor.execute("ANALYZE")
        timings["indexes"] = time.perf_counter() - start
    return timings


def median_s(function, rounds):
    function()  # warm-up
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--digests", type=int, default=500)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="measure a kept scratch database")
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoconfig.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.gis.geos import Point
    from django.db import connection, transaction

    from meetups.notifications import digest_events, digest_members, digest_week
    from studygroups.models import Delivery, MemberProfile
    from studygroups.notifications import deliveries_create, email_build

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = DATABASE
    original_name = connection.settings_dict["NAME"]
    start = time.perf_counter()
    if args.reuse:
        connection.close()
        connection.settings_dict["NAME"] = DATABASE
    else:
        connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False, keepdb=False
        )
    migrate_s = time.perf_counter() - start
    settings.DEBUG = False
    try:
        if not args.reuse:
            load = fill(connection, args.members, args.events)
            print(f"Built in {migrate_s:.0f} s (migrate) + "
                  + ", ".join(f"{step} {seconds:.0f} s" for step, seconds in load.items()))
        cities = {city[0]: Point(city[1], city[2], srid=4326) for city in CITIES}
        print(f"\nRecipients of one new event among {MemberProfile.objects.count():,} members "
              f"(median of {args.rounds}):")
        print(f"{'event at':<12}{'recipients':>11}{'indexed':>10}{'plain scan':>12}"
              f"{'indexed/s':>13}{'scan/s':>11}{'record (INSERT)':>17}")
        for name in PROBES:
            point = cities[name]
            indexed = MemberProfile.objects.alerted_at(point).values_list("user_id", flat=True)
            count = len(list(indexed))
            with connection.cursor() as cursor:
                ewkb = bytes(point.ewkb)

                def plain_scan():
                    cursor.execute(
                        """
                        SELECT user_id FROM studygroups_memberprofile
                        WHERE home_location IS NOT NULL
                          AND ST_DWithin(home_location, ST_GeogFromWKB(%s),
                                         alert_radius_km * 1000.0)
                        """,
                        [ewkb],
                    )
                    return cursor.fetchall()

                assert len(plain_scan()) == count, "the plain scan finds other members"
                indexed_s = median_s(lambda: list(indexed.all()), args.rounds)
                scan_s = median_s(plain_scan, args.rounds)

            def record():
                with transaction.atomic():
                    deliveries_create(
                        Delivery.Kind.EVENT_NEARBY, "bench", indexed.values("user_id")
                    )
                    transaction.set_rollback(True)

            record_s = median_s(record, max(1, args.rounds // 2))
            print(f"{name:<12}{count:>11,}{indexed_s * 1000:>8.0f} ms{scan_s * 1000:>9.0f} ms"
                  f"{count / indexed_s:>13,.0f}{count / scan_s:>11,.0f}"
                  f"{record_s * 1000:>14.0f} ms")

        key, week_start, week_end = digest_week()
        profiles = list(digest_members(0, args.digests))

        def compose(profile):
            events = digest_events(profile, week_start, week_end)
            if not events:
                return False
            delivery = Delivery(
                kind=Delivery.Kind.DIGEST, key=key, recipient=profile.user,
                data={"event_ids": [event.pk for event in events]},
            )
            return email_build(delivery) is not None

        for profile in profiles[:5]:
            compose(profile)  # warm-up
        start = time.perf_counter()
        sent = sum(compose(profile) for profile in profiles)
        indexed_s = time.perf_counter() - start
        few = profiles[: max(1, len(profiles) // 10)]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            start = time.perf_counter()
            for profile in few:
                compose(profile)
            scan_s = time.perf_counter() - start
        print(f"\nWeekly digests composed (events of the week, text and HTML email), "
              f"{len(profiles)} members ({sent} with something to say):")
        print(f"  indexed:    {len(profiles) / indexed_s:8.1f} digests/s "
              f"({indexed_s / len(profiles) * 1000:.1f} ms each)")
        print(f"  index scans off ({len(few)} members): {len(few) / scan_s:8.1f} digests/s "
              f"({scan_s / len(few) * 1000:.1f} ms each)")
    finally:
        if args.keep or args.reuse:
            connection.close()
            connection.settings_dict["NAME"] = original_name
            print(f"\nKept {DATABASE}.")
        else:
            connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    main()
