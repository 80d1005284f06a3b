"""How long /api/studygroups/ takes to build a GeoJSON list, beside plain DRF-GIS.

Usage: `.venv/bin/python bench/api_features.py [--rounds N]` (with DEBUG=1).

Creates a scratch database (cerca_bench_api) beside the configured one, migrates
it and fills it with 10,000 study groups (3 topics and 3 members each, one in
five with a meeting area). Then, for each page size, times (median of the rounds,
after one warm-up):
  - ours: GET /api/studygroups/?limit=N through Django's test Client, the whole
    response (Features built as JSON text in PostGIS and joined);
  - baseline: the plain djangorestframework-gis way, a GeoFeatureModelSerializer
    over the same rows (prefetched topics, annotated member count), rendered to
    bytes by DRF's JSONRenderer, without a request, middleware or view around it.
Both must return the same features in the same order. Django's query log is
switched off (as in production) so it weighs on neither. Prints the table and
the peak Python memory of one N=10,000 list each, then drops the scratch database.
"""

import argparse
import json
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

GROUPS = 10_000
USERS = 100
TOPICS = 12
SIZES = (100, 1_000, 10_000)


def fill(connection, StudyGroup, Topic, Membership, User):
    """Insert the users, topics, study groups, their topics and memberships in SQL."""
    groups = StudyGroup._meta.db_table
    through = StudyGroup.topics.through._meta
    topic_group = through.get_field("studygroup").column
    topic_topic = through.get_field("topic").column
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(
            f"""
            INSERT INTO {User._meta.db_table}
                (password, is_superuser, username, first_name, last_name, email,
                 is_staff, is_active, date_joined)
            SELECT '!', false, 'bench' || i, 'Bench', 'User ' || i,
                   'bench' || i || '@example.org', false, true, now()
            FROM generate_series(1, {USERS}) AS i
            """
        )
        cursor.execute(
            f"""
            INSERT INTO {Topic._meta.db_table} (name_es, name_en, slug)
            SELECT 'Tema ' || i, 'Topic ' || i, 'topic-' || i
            FROM generate_series(1, {TOPICS}) AS i
            """
        )
        # Points spread over Latin America (lon -110..-35, lat -55..30); names
        # from md5 so that name order is not pk order; a square meeting area
        # of about 2 km around one group in five.
        cursor.execute(
            f"""
            INSERT INTO {groups}
                (name, slug, description, language, is_online, location, meeting_area,
                 city, address, capacity, created_at, updated_at)
            SELECT 'Grupo ' || substr(md5(i::text), 1, 10),
                   'grupo-' || i,
                   'Grupo de estudio número ' || i || '. ' || repeat('Leemos y charlamos. ', 8),
                   CASE WHEN i % 3 = 0 THEN 'en' ELSE 'es' END,
                   false,
                   ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography,
                   CASE WHEN i % 5 = 0 THEN ST_MakeEnvelope(
                       lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01, 4326
                   )::geography END,
                   'Ciudad ' || (i % 250),
                   'Calle ' || (i % 97) || ' # ' || (i % 41) || '-' || (i % 13),
                   5 + i % 40,
                   now() - i * interval '1 hour',
                   now() - i * interval '1 minute'
            FROM (
                SELECT i, -110 + 75 * random() AS lon, -55 + 85 * random() AS lat
                FROM generate_series(1, {GROUPS}) AS i
            ) AS points
            """
        )
        cursor.execute(
            f"""
            WITH t AS (
                SELECT id, row_number() OVER (ORDER BY id) - 1 AS n
                FROM {Topic._meta.db_table}
            )
            INSERT INTO {through.db_table} ({topic_group}, {topic_topic})
            SELECT g.id, t.id FROM {groups} AS g
            JOIN t ON t.n IN (g.id % {TOPICS}, (g.id + 4) % {TOPICS}, (g.id + 8) % {TOPICS})
            """
        )
        cursor.execute(
            f"""
            WITH u AS (
                SELECT id, row_number() OVER (ORDER BY id) - 1 AS n
                FROM {User._meta.db_table}
            )
            INSERT INTO {Membership._meta.db_table} (user_id, study_group_id, role, joined_at)
            SELECT u.id, g.id,
                   CASE WHEN u.n = g.id % {USERS} THEN 'organizer' ELSE 'member' END, now()
            FROM {groups} AS g
            JOIN u ON u.n IN (g.id % {USERS}, (g.id + 33) % {USERS}, (g.id + 66) % {USERS})
            """
        )
        cursor.execute(f"ANALYZE {groups}, {through.db_table}, {Membership._meta.db_table}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoconfig.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from rest_framework import serializers
    from rest_framework.renderers import JSONRenderer
    from rest_framework_gis.serializers import GeoFeatureModelSerializer

    from studygroups.models import Membership, StudyGroup, Topic

    class BaselineSerializer(GeoFeatureModelSerializer):
        topics = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
        member_count = serializers.IntegerField(read_only=True)

        class Meta:
            model = StudyGroup
            geo_field = "location"
            fields = (
                "id",
                "name",
                "slug",
                "description",
                "language",
                "is_online",
                "city",
                "address",
                "capacity",
                "topics",
                "member_count",
                "meeting_area",
                "created_at",
                "updated_at",
            )

    client = Client(HTTP_HOST="localhost")
    renderer = JSONRenderer()

    def ours(n):
        response = client.get("/api/studygroups/", {"limit": n})
        if response.status_code != 200:
            raise RuntimeError(f"GET returned {response.status_code}: {response.content[:500]!r}")
        return response.content

    def baseline(n):
        queryset = (
            StudyGroup.objects.annotate(member_count=Count("memberships"))
            .prefetch_related("topics")
            .order_by("name", "pk")[:n]
        )
        return renderer.render(BaselineSerializer(queryset, many=True).data)

    methods = {"ours": ours, "baseline": baseline}

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "cerca_bench_api"
    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(
        verbosity=0, autoclobber=True, serialize=False, keepdb=False
    )
    # Like production: no query log, which would otherwise keep every SQL string.
    settings.DEBUG = False
    timings = {(n, label): [] for n in SIZES for label in methods}
    sizes = {}
    peaks = {}
    try:
        start = time.perf_counter()
        fill(connection, StudyGroup, Topic, Membership, get_user_model())
        fill_s = time.perf_counter() - start
        counts = (
            StudyGroup.objects.count(),
            StudyGroup.topics.through.objects.count(),
            Membership.objects.count(),
        )
        for n in SIZES:
            outputs = {label: method(n) for label, method in methods.items()}  # warm-up
            for _ in range(args.rounds):
                for label, method in methods.items():
                    start = time.perf_counter()
                    outputs[label] = method(n)
                    timings[n, label].append(time.perf_counter() - start)
            collections = {label: json.loads(body) for label, body in outputs.items()}
            ids = {
                label: [feature["id"] for feature in collection["features"]]
                for label, collection in collections.items()
            }
            if not len(ids["ours"]) == len(ids["baseline"]) == n:
                raise RuntimeError(
                    f"N={n}: ours returned {len(ids['ours'])} features, "
                    f"baseline {len(ids['baseline'])}"
                )
            if ids["ours"] != ids["baseline"]:
                raise RuntimeError(f"N={n}: the features are not the same, in the same order")
            keys = {
                label: set(collection["features"][0]["properties"])
                for label, collection in collections.items()
            }
            if keys["ours"] != keys["baseline"]:
                raise RuntimeError(f"N={n}: the properties differ: {keys}")
            sizes[n] = {label: len(body) for label, body in outputs.items()}
        for label, method in methods.items():
            tracemalloc.start()
            method(max(SIZES))
            peaks[label] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)

    print(
        f"Study group lists: {counts[0]:,} groups, {counts[1]:,} group topics, "
        f"{counts[2]:,} memberships (filled in {fill_s:.1f} s); "
        f"median of {args.rounds} rounds after one warm-up"
    )
    print(
        f"  {'N':>6}  {'ours (ms)':>10}  {'baseline (ms)':>13}  {'speed-up':>8}  "
        f"{'ours size':>10}  {'baseline size':>13}"
    )
    for n in SIZES:
        ours_ms = 1000 * statistics.median(timings[n, "ours"])
        baseline_ms = 1000 * statistics.median(timings[n, "baseline"])
        print(
            f"  {n:>6,}  {ours_ms:>10.1f}  {baseline_ms:>13.1f}  {baseline_ms / ours_ms:>7.1f}x  "
            f"{sizes[n]['ours'] / 1024:>7.0f} kB  {sizes[n]['baseline'] / 1024:>10.0f} kB"
        )
    print(
        f"  Peak Python memory for N={max(SIZES):,}: ours {peaks['ours'] / 2**20:.1f} MiB, "
        f"baseline {peaks['baseline'] / 2**20:.1f} MiB"
    )


if __name__ == "__main__":
    main()
