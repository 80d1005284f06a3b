"""Vector tiles at /tiles/<layer>/<z>/<x>/<y>.mvt and TileJSON at /tiles/<layer>.json.

Tiles are decoded with mapbox-vector-tile, and every count and position is
checked against mercantile's tile arithmetic over the rows the test made: a
point's cell at zoom z is its mercantile tile at zoom z + 6 (64 × 64 cells per
tile), so no figure comes from the code under test.
"""

import datetime
import gzip
import json
import random
from collections import Counter

import mapbox_vector_tile
import mercantile
import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone
from psycopg2.extras import DateTimeTZRange

from meetups.models import Event
from meetups.tests.factories import EventFactory, VenueFactory
from places.tiles import CELLS_MAX_ZOOM, CLUSTER_ZOOM, EXTENT, GRID_BITS, TileSQL
from studygroups.models import StudyGroup
from studygroups.tests.factories import StudyGroupFactory, TopicFactory

pytestmark = pytest.mark.django_db

MVT = "application/vnd.mapbox-vector-tile"
UNITS_PER_CELL = EXTENT >> GRID_BITS
MERCATOR_MAX_LAT = 85.0511287798066
# Points on edges at every zoom (lon 0, lat 0), both sides of the antimeridian
# and its line itself, and a spread over the cities of the demo.
EDGE_POINTS = [
    (0.0, 0.0), (0.0, 10.0), (-0.0000001, 10.0), (10.0, 0.0), (10.0, -0.0000001),
    (180.0, 20.0), (-180.0, 20.0), (179.9999, -16.5), (-179.9999, -16.5),
    (179.99995, -16.50001), (-74.0817, 4.6097), (-74.0817, 4.6097),
]


def random_points(count, seed):
    rng = random.Random(seed)
    centres = [(-74.08, 4.61), (-75.57, 6.25), (-3.70, 40.42), (-58.38, -34.60), (179.9, -17.0)]
    points = []
    for _ in range(count):
        lon, lat = rng.choice(centres)
        points.append((
            max(-180.0, min(180.0, lon + rng.gauss(0, 0.3))),
            lat + rng.gauss(0, 0.3),
        ))
    return points


def make_groups(points, **fields):
    return [
        StudyGroupFactory(location=Point(lon, lat, srid=4326), **fields) for lon, lat in points
    ]


def get_tile(client, layer, z, x, y, **params):
    response = client.get(f"/tiles/{layer}/{z}/{x}/{y}.mvt", params)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == MVT
    return response


def decode(content, layer):
    """The layer's features, in tile coordinates with y pointing down."""
    tile = mapbox_vector_tile.decode(content, default_options={"y_coord_down": True})
    return tile.get(layer, {"features": []})["features"]


def features(client, layer, z, x, y, **params):
    return decode(get_tile(client, layer, z, x, y, **params).content, layer)


def counted(feature):
    return feature["properties"].get("count", 1)


def expected_cells(points, z, x, y):
    """Counter {(cell column, cell row) in the tile: points} from mercantile."""
    cells = Counter()
    for lon, lat in points:
        if abs(lat) >= MERCATOR_MAX_LAT:
            continue
        if mercantile.tile(lon, lat, z)[:2] == (x, y):
            cell = mercantile.tile(lon, lat, z + GRID_BITS)
            cells[(cell.x - (x << GRID_BITS), cell.y - (y << GRID_BITS))] += 1
    return cells


def pixel(lon, lat, z, x, y):
    """(px, py) of a point in tile z/x/y's coordinates, y down, from mercantile."""
    west, south, east, north = mercantile.xy_bounds(x, y, z)
    mx, my = mercantile.xy(lon, lat)
    return (mx - west) / (east - west) * EXTENT, (north - my) / (north - south) * EXTENT


def occupied_tiles(points, z):
    return {mercantile.tile(lon, lat, z)[:2] for lon, lat in points}


@pytest.fixture
def spread(db):
    points = random_points(120, seed=10) + EDGE_POINTS
    make_groups(points)
    return points


@pytest.mark.parametrize("z", [0, 1, 3, 6, 9, CELLS_MAX_ZOOM, CELLS_MAX_ZOOM + 1, 13])
def test_cluster_counts_match_mercantile_cells(client, spread, z):
    for x, y in occupied_tiles(spread, z):
        tile = features(client, "studygroups", z, x, y)
        expected = expected_cells(spread, z, x, y)
        assert sum(counted(feature) for feature in tile) == sum(expected.values())
        assert sorted(counted(feature) for feature in tile) == sorted(expected.values())
        for feature in tile:
            px, py = feature["geometry"]["coordinates"]
            # The point of a cell lies in its cell (rounded to the tile's grid).
            cell = (px // UNITS_PER_CELL, py // UNITS_PER_CELL)
            near = [
                (cx, cy) for cx, cy in expected
                if cx * UNITS_PER_CELL - 1 <= px <= (cx + 1) * UNITS_PER_CELL + 1
                and cy * UNITS_PER_CELL - 1 <= py <= (cy + 1) * UNITS_PER_CELL + 1
            ]
            assert near, (feature, cell)
            assert counted(feature) in {expected[c] for c in near}


def test_every_point_is_counted_once_across_a_zoom(client, spread):
    inside = [point for point in spread if abs(point[1]) < MERCATOR_MAX_LAT]
    for z in (1, 2, 4):
        total = sum(
            counted(feature)
            for x, y in occupied_tiles(spread, z)
            for feature in features(client, "studygroups", z, x, y)
        )
        assert total == len(inside)


def test_four_children_count_what_their_parent_counts(client, spread):
    lon, lat = 179.9999, -16.5
    for z in range(0, CLUSTER_ZOOM):
        parent = mercantile.tile(lon, lat, z)
        total = sum(counted(f) for f in features(client, "studygroups", z, parent.x, parent.y))
        children = sum(
            counted(f)
            for child in mercantile.children(parent)
            for f in features(client, "studygroups", child.z, child.x, child.y)
        )
        assert children == total > 0, z


def test_one_statement_of_many_rows_counts_them_all_in_and_out(client):
    # A bulk insert and a bulk delete are counted per statement, cell by cell
    # (an import, or a test's 100,000 rows), and come out as exact as one row.
    points = random_points(400, seed=11) + EDGE_POINTS
    StudyGroup.objects.bulk_create(
        StudyGroup(name=f"Grupo {n}", slug=f"grupo-bulk-{n}", location=Point(lon, lat, srid=4326))
        for n, (lon, lat) in enumerate(points)
    )
    StudyGroup.objects.filter(slug__regex=r"^grupo-bulk-[0-9]*[02468]$").delete()
    kept = [point for n, point in enumerate(points) if n % 2]

    for z in (0, 4, CELLS_MAX_ZOOM):
        for x, y in occupied_tiles(points, z):
            tile = features(client, "studygroups", z, x, y)
            expected = expected_cells(kept, z, x, y)
            assert sorted(counted(feature) for feature in tile) == sorted(expected.values())
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM places_tile_cell WHERE n <= 0")
        assert cursor.fetchone()[0] == 0


def test_a_cell_of_one_carries_its_feature(client):
    group = make_groups([(-75.5690, 6.2675)], name="Cálculo UdeA", city="Medellín")[0]
    z = 5
    tile = mercantile.tile(-75.5690, 6.2675, z)
    (feature,) = features(client, "studygroups", z, tile.x, tile.y)
    assert feature["id"] == group.pk
    assert feature["properties"] == {"count": 1, "name": "Cálculo UdeA"}
    px, py = pixel(-75.5690, 6.2675, z, tile.x, tile.y)
    assert abs(feature["geometry"]["coordinates"][0] - px) <= 1
    assert abs(feature["geometry"]["coordinates"][1] - py) <= 1


def test_high_zoom_tiles_carry_single_features_with_popup_properties(client):
    venue = VenueFactory(city="Bogotá", location=Point(-74.0659, 4.6015, srid=4326))
    event = EventFactory(
        title="Python en Los Andes", venue=venue, location=venue.location,
        time_zone="America/Bogota", online_url="https://meet.example.org/x",
    )
    tile = mercantile.tile(-74.0659, 4.6015, CLUSTER_ZOOM)
    (feature,) = features(client, "events", CLUSTER_ZOOM, tile.x, tile.y)
    assert feature["id"] == event.pk
    assert feature["properties"] == {
        "title": "Python en Los Andes",
        "start": event.during.lower.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": event.during.upper.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "time_zone": "America/Bogota",
        "is_online": True,
        "city": "Bogotá",
        "study_group": event.study_group_id,
    }
    px, py = pixel(-74.0659, 4.6015, CLUSTER_ZOOM, tile.x, tile.y)
    assert abs(feature["geometry"]["coordinates"][0] - px) <= 1
    assert abs(feature["geometry"]["coordinates"][1] - py) <= 1
    (venue_feature,) = features(client, "venues", 16, *mercantile.tile(-74.0659, 4.6015, 16)[:2])
    assert venue_feature["id"] == venue.pk
    assert venue_feature["properties"] == {"name": venue.name, "city": "Bogotá"}


def test_hostile_names_arrive_intact(client):
    name = '<img src=x onerror="alert(1)"> & \'quoted\' \\ ünïcödé 🚀\n<script>'
    group = make_groups([(-3.70, 40.42)], name=name)[0]
    for z in (2, CLUSTER_ZOOM):
        tile = mercantile.tile(-3.70, 40.42, z)
        (feature,) = features(client, "studygroups", z, tile.x, tile.y)
        assert feature["id"] == group.pk
        assert feature["properties"]["name"] == name


def test_filters_are_the_lists(client):
    python = TopicFactory(slug="python")
    points = random_points(40, seed=3)
    groups = make_groups(points)
    chosen = groups[::3]
    for group in chosen:
        group.topics.add(python)
    online = StudyGroupFactory(
        name="Python en línea", is_online=True, location=Point(-74.08, 4.61, srid=4326)
    )
    chosen_points = [g.location.coords for g in chosen]
    for z in (1, 4, CLUSTER_ZOOM):
        for x, y in occupied_tiles(points, z):
            topic = features(client, "studygroups", z, x, y, topic="python")
            assert sum(map(counted, topic)) == sum(expected_cells(chosen_points, z, x, y).values())
            in_person = features(client, "studygroups", z, x, y, online="false")
            assert sum(map(counted, in_person)) == sum(expected_cells(points, z, x, y).values())
    tile = mercantile.tile(-74.08, 4.61, 3)
    (feature,) = features(client, "studygroups", 3, tile.x, tile.y, online="true")
    assert feature["id"] == online.pk
    (feature,) = features(client, "studygroups", 3, tile.x, tile.y, q="línea")
    assert feature["id"] == online.pk


def test_events_are_upcoming_and_scheduled_by_default(client):
    here = Point(-58.38, -34.60, srid=4326)
    now = timezone.now()
    upcoming = EventFactory(location=here, venue=None)
    EventFactory(location=here, venue=None, during=DateTimeTZRange(
        now - datetime.timedelta(days=2), now - datetime.timedelta(days=1)))
    cancelled = EventFactory(location=here, venue=None, status=Event.Status.CANCELLED)
    for z in (0, 6, CELLS_MAX_ZOOM + 1, CLUSTER_ZOOM):
        tile = mercantile.tile(-58.38, -34.60, z)
        (feature,) = features(client, "events", z, tile.x, tile.y)
        assert feature["id"] == upcoming.pk
        if z < CLUSTER_ZOOM:
            assert feature["properties"] == {"count": 1, "title": upcoming.title}
        everything = features(client, "events", z, tile.x, tile.y, status="any",
                              start="2000-01-01")
        assert sum(map(counted, everything)) == 3
        (only,) = features(client, "events", z, tile.x, tile.y, status="cancelled")
        assert only["id"] == cancelled.pk


def set_events_as_of(moment):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE places_tile_layer SET as_of = %s WHERE layer = 'events'", [moment])


def stored_events(z, x, y):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n), 0) FROM places_tile_cell "
            "WHERE layer = 'events' AND z = %s AND tx = %s AND ty = %s", [z, x, y])
        return cursor.fetchone()[0]


def test_events_that_ended_since_the_cells_were_counted_are_taken_away(client):
    now = timezone.now()
    EventFactory(venue=None, online_url="https://meet.example.org/a")  # the layer has its row
    # Within the hour after which a write brings as_of up to now itself.
    set_events_as_of(now - datetime.timedelta(minutes=30))
    here = Point(-3.70, 40.42, srid=4326)
    ended = EventFactory(location=here, venue=None, during=DateTimeTZRange(
        now - datetime.timedelta(hours=2), now - datetime.timedelta(minutes=10)))
    upcoming = EventFactory(location=here, venue=None)
    tile = mercantile.tile(-3.70, 40.42, 4)
    # The cells still count the ended one (it ended after as_of)...
    assert stored_events(4, tile.x, tile.y) == 2
    (feature,) = features(client, "events", 4, tile.x, tile.y)
    assert (feature["id"], feature["properties"]["count"]) == (upcoming.pk, 1)
    # ...until as_of moves up to now, which changes nothing drawn.
    with connection.cursor() as cursor:
        cursor.execute("SELECT meetups_event_tile_advance()")
    assert stored_events(4, tile.x, tile.y) == 1
    (feature,) = features(client, "events", 4, tile.x, tile.y)
    assert (feature["id"], feature["properties"]["count"]) == (upcoming.pk, 1)
    assert ended.pk != upcoming.pk


def test_a_write_brings_an_hour_old_as_of_up_to_now(client):
    now = timezone.now()
    EventFactory(venue=None, online_url="https://meet.example.org/a")
    set_events_as_of(now - datetime.timedelta(minutes=50))
    here = (-58.38, -34.60)
    EventFactory(location=Point(*here, srid=4326), venue=None, during=DateTimeTZRange(
        now - datetime.timedelta(hours=2), now - datetime.timedelta(minutes=10)))
    tile = mercantile.tile(*here, 6)
    assert stored_events(6, tile.x, tile.y) == 1
    set_events_as_of(now - datetime.timedelta(hours=2))
    assert features(client, "events", 6, tile.x, tile.y) == []
    EventFactory(location=Point(-3.70, 40.42, srid=4326), venue=None)
    assert stored_events(6, tile.x, tile.y) == 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT as_of FROM places_tile_layer WHERE layer = 'events'")
        # now() of the transaction, which began before this test took its own now.
        assert cursor.fetchone()[0] > now - datetime.timedelta(minutes=30)
    assert features(client, "events", 6, tile.x, tile.y) == []


def test_cells_follow_moves_and_deletes(client):
    groups = make_groups(random_points(30, seed=5))
    moved, deleted = groups[0], groups[1]
    moved.location = Point(-74.0817, 4.6097, srid=4326)
    moved.save()
    deleted.delete()
    StudyGroup.objects.filter(pk=groups[2].pk).update(location=Point(10, 10, srid=4326))
    points = [g.location.coords for g in StudyGroup.objects.all()]
    for z in (0, 3, 8):
        for x, y in occupied_tiles(points, z):
            tile = features(client, "studygroups", z, x, y)
            assert sorted(map(counted, tile)) == sorted(expected_cells(points, z, x, y).values())


def test_a_write_changes_the_version_and_etag(client):
    make_groups([(-74.08, 4.61)])
    tile = mercantile.tile(-74.08, 4.61, 3)
    first = get_tile(client, "studygroups", 3, tile.x, tile.y)
    again = client.get(
        f"/tiles/studygroups/3/{tile.x}/{tile.y}.mvt", HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    version = json.loads(client.get("/tiles/studygroups.json").content)["tiles"][0]
    make_groups([(-74.09, 4.62)])
    assert json.loads(client.get("/tiles/studygroups.json").content)["tiles"][0] != version
    changed = client.get(
        f"/tiles/studygroups/3/{tile.x}/{tile.y}.mvt", HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]
    assert sum(map(counted, decode(changed.content, "studygroups"))) == 2


def test_event_tiles_change_etag_with_their_content(client):
    here = (-75.57, 6.25)
    EventFactory(location=Point(*here, srid=4326), venue=None)
    tile = mercantile.tile(*here, 5)
    url = f"/tiles/events/5/{tile.x}/{tile.y}.mvt"
    first = client.get(url)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    EventFactory(location=Point(*here, srid=4326), venue=None)
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def test_tile_at_the_current_version_is_cacheable_for_long(client):
    make_groups([(-74.08, 4.61)])
    document = json.loads(client.get("/tiles/studygroups.json", {"q": "python"}).content)
    template = document["tiles"][0]
    assert "q=python" in template
    url = template.replace("{z}", "0").replace("{x}", "0").replace("{y}", "0")
    pinned = client.get(url)
    assert pinned.status_code == 200
    assert "immutable" in pinned["Cache-Control"]
    make_groups([(-74.09, 4.62)])
    stale = client.get(url)
    assert "immutable" not in stale["Cache-Control"]
    assert "max-age=60" in stale["Cache-Control"]
    events = client.get("/tiles/events/0/0/0.mvt", {"v": "1"})
    assert "immutable" not in events["Cache-Control"]


def test_tiles_do_not_vary_by_cookie(client, django_user_model):
    make_groups([(-74.08, 4.61)])
    client.force_login(django_user_model.objects.create_user("ana"))
    response = get_tile(client, "studygroups", 0, 0, 0)
    assert "Cookie" not in response.get("Vary", "")


def test_tiles_are_the_same_in_every_language_and_gzipped_on_request(client):
    make_groups(random_points(100, seed=7))
    tile = mercantile.tile(-74.08, 4.61, 8)
    url = f"/tiles/studygroups/{tile.z}/{tile.x}/{tile.y}.mvt"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es", HTTP_ACCEPT_ENCODING="gzip")
    assert len(decode(english.content, "studygroups")) > 5
    assert english.content == gzip.decompress(spanish.content)
    assert spanish["Content-Encoding"] == "gzip"
    assert len(spanish.content) < len(english.content)
    for response in (english, spanish):
        # One copy per tile in a shared cache, not one per language.
        assert "accept-language" not in response.get("Vary", "").lower()
        assert "Content-Language" not in response
    assert "Accept-Encoding" in spanish["Vary"]
    # The TileJSON's words are in the request's language, and say so.
    tilejson = client.get("/tiles/studygroups.json", HTTP_ACCEPT_LANGUAGE="es")
    assert "Accept-Language" in tilejson["Vary"]


def test_tilejson_describes_the_layer(client):
    points = [(-74.08, 4.61), (-3.70, 40.42), (-58.38, -34.60)]
    make_groups(points)
    document = json.loads(client.get("/tiles/studygroups.json", {"topic": "python"}).content)
    assert document["tilejson"] == "3.0.0"
    assert document["minzoom"] == 0 and document["maxzoom"] == CLUSTER_ZOOM
    (template,) = document["tiles"]
    assert template.startswith("http://testserver/tiles/studygroups/{z}/{x}/{y}.mvt?")
    assert "topic=python" in template and "&v=" in template
    west, south, east, north = document["bounds"]
    for lon, lat in points:
        assert west <= lon <= east and south <= lat <= north
    # A cell of about 20 km around the points, no more.
    assert west > -74.08 - 0.5 and east < -3.70 + 0.5
    (layer,) = document["vector_layers"]
    assert layer["id"] == "studygroups"
    assert {"count", "name", "city"} <= set(layer["fields"])


@pytest.mark.parametrize(
    "url, parameter",
    [
        ("/tiles/studygroups/25/0/0.mvt", "z"),
        ("/tiles/studygroups/a/0/0.mvt", "z"),
        ("/tiles/studygroups/3/8/0.mvt", "x"),
        ("/tiles/studygroups/3/0/8.mvt", "y"),
        ("/tiles/studygroups/3/0/-1.mvt", "y"),
        ("/tiles/studygroups/3/0/0.mvt?bbox=1,2,3,4", "bbox"),
        ("/tiles/studygroups/3/0/0.mvt?online=maybe", "online"),
        ("/tiles/studygroups/3/0/0.mvt?v=x", "v"),
        ("/tiles/studygroups/3/0/0.mvt?q=a%00b", "q"),
        ("/tiles/events/3/0/0.mvt?start=yesterday", "start"),
        ("/tiles/events/3/0/0.mvt?status=maybe", "status"),
        ("/tiles/events/3/0/0.mvt?study_group=x", "study_group"),
        ("/tiles/venues/3/0/0.mvt?topic=python", "topic"),
        ("/tiles/events.json?v=1", "v"),
    ],
)
def test_bad_parameters_are_400_json_naming_them(client, url, parameter):
    response = client.get(url, HTTP_ACCEPT=MVT)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["code"] == "InvalidParameterValue"
    assert body["parameter"] == parameter


def test_unknown_layer_is_404_json(client):
    response = client.get("/tiles/nope/0/0/0.mvt")
    assert response.status_code == 404
    assert json.loads(response.content)["code"] == "NotFound"


def plan(sql, params):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        return json.dumps(cursor.fetchone()[0])


def test_tile_queries_use_indexes(client):
    from studygroups.api import StudyGroupKind

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO studygroups_studygroup (name, slug, description, language, is_online,
                location, city, address, capacity, time_zone, created_at, updated_at)
            SELECT 'g' || i, 'plan-' || i, '', 'es', false,
                   ST_SetSRID(ST_MakePoint(-170 + 340 * random(), -60 + 120 * random()),
                              4326)::geography, '', '', 20, 'UTC', now(), now()
            FROM generate_series(1, 5000) AS i
            """
        )
        cursor.execute("ANALYZE studygroups_studygroup, places_tile_cell")
    kind = StudyGroupKind()
    from django.http import QueryDict

    stored = plan(*TileSQL(kind, QueryDict(), 3, 2, 3).sql(stored=True))
    assert "places_tile_cell_pkey" in stored
    live = plan(*TileSQL(kind, QueryDict("q=python"), 12, 1190, 1983).sql(stored=False))
    assert "studygroup_location_geom_idx" in live or "studygroup_search_idx" in live
    single = plan(*TileSQL(kind, QueryDict(), CLUSTER_ZOOM, 4760, 7933).sql(stored=True))
    assert "studygroup_location_geom_idx" in single


def test_the_triggers_count_the_zooms_the_tiles_read(client):
    make_groups([(-74.08, 4.61)])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(z), max(z) FROM places_tile_cell WHERE layer = 'studygroups'"
        )
        assert cursor.fetchone() == (0, CELLS_MAX_ZOOM)
        cursor.execute(
            "SELECT cx, cy FROM places_tile_cell WHERE layer = 'studygroups' AND z = %s",
            [CELLS_MAX_ZOOM],
        )
        cx, cy = cursor.fetchone()
    cell = mercantile.tile(-74.08, 4.61, CELLS_MAX_ZOOM + GRID_BITS)
    assert (cx, cy) == (cell.x % 2**GRID_BITS, cell.y % 2**GRID_BITS)
