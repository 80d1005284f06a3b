"""The offline basemap: loading Natural Earth into PostGIS, and its vector tiles.

Expected values come from outside the code under test: world-atlas's TopoJSON
read as plain JSON, real coordinates, the land area of the Earth, tile
numbers from mercantile, tiles decoded by mapbox-vector-tile.
"""

import json
import shutil
import subprocess
from pathlib import Path

import mapbox_vector_tile
import mercantile
import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command
from django.db import connection

from places.models import Basemap, BasemapCity, BasemapCountry, BasemapLand

pytestmark = pytest.mark.django_db

SOURCE_DIR = Path(settings.BASE_DIR) / "static" / "vendor" / "world-atlas"
SCALES = {0: "110m", 3: "50m", 6: "10m"}
BOGOTA = (-74.0721, 4.7110)
MADRID = (-3.7038, 40.4168)
# GeoNames' points for the cities, and their ids (the tiles' feature ids).
BOGOTA_CITY = (3688689, -74.08175, 4.60971)
CHIA_CITY = (3686675, -74.05866, 4.85876)
MEDELLIN_CITY = (3674962, -75.57151, 6.245)
HOST = "cerca.example"


@pytest.fixture(scope="module")
def basemap(gazetteer_restored, django_db_blocker):
    """The basemap, loaded (and committed) once: a no-op when it already is."""
    with django_db_blocker.unblock():
        call_command("load_basemap", verbosity=0)


@pytest.fixture
def client(client, settings):
    settings.ALLOWED_HOSTS = [HOST]
    client.defaults["HTTP_HOST"] = HOST
    return client


def topojson(scale):
    return json.loads((SOURCE_DIR / f"countries-{scale}.json").read_text())


def mercator(lon, lat):
    return Point(lon, lat, srid=4326).transform(3857, clone=True)


def tile_at(client, lon, lat, zoom, **headers):
    tile = mercantile.tile(lon, lat, zoom)
    return tile, client.get(f"/tiles/basemap/{tile.z}/{tile.x}/{tile.y}.mvt", **headers)


def decode(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(response.content, default_options={"y_coord_down": True})


def lon_lat(tile, point, extent=4096):
    """A tile's pixel coordinates (y down) as lon, lat."""
    bounds = mercantile.xy_bounds(tile)
    x = bounds.left + point[0] / extent * (bounds.right - bounds.left)
    y = bounds.top - point[1] / extent * (bounds.top - bounds.bottom)
    return mercantile.lnglat(x, y)


def cities_in(layers):
    return {feature["id"]: feature for feature in layers.get("cities", {}).get("features", [])}


def table_checksum():
    """Every basemap row's content, without ids, as one md5 per table."""
    sums = {}
    with connection.cursor() as cursor:
        for table, columns in {
            "places_basemapland": "band, ST_AsEWKB(geometry)",
            "places_basemapcountry": "band, iso_a2, iso_n3, name_en, name_es, ST_AsEWKB(geometry)",
            "places_basemapboundary": "band, ST_AsEWKB(geometry)",
            "places_basemapcity": "geonameid, name_en, name_es, population, min_zoom, "
            "ST_AsEWKB(location)",
        }.items():
            cursor.execute(
                f"SELECT count(*), md5(string_agg(row::text, ',' ORDER BY row::text)) "
                f"FROM (SELECT ({columns}) AS row FROM {table}) AS rows"
            )
            sums[table] = cursor.fetchone()
    return sums


# The loader


@pytest.mark.parametrize("band", SCALES)
def test_every_country_of_the_file_is_loaded(basemap, band):
    geometries = topojson(SCALES[band])["objects"]["countries"]["geometries"]
    countries = BasemapCountry.objects.filter(band=band)
    expected = {geometry["id"] for geometry in geometries if "id" in geometry}
    if band == 6:
        # At 1:10m world-atlas draws the Vatican as three points on a line: no area.
        expected.remove("336")
    assert set(countries.exclude(iso_n3="").values_list("iso_n3", flat=True)) == expected
    unnumbered = {g["properties"]["name"] for g in geometries if "id" not in g}
    assert set(countries.filter(iso_n3="").values_list("name_en", flat=True)) == unnumbered


@pytest.mark.parametrize("band", SCALES)
def test_land_has_every_island_of_the_file(basemap, band):
    land = topojson(SCALES[band])["objects"]["land"]["geometries"]
    polygons = sum(len(g["arcs"]) if g["type"] == "MultiPolygon" else 1 for g in land)
    # Subdividing and making valid only ever add pieces.
    assert BasemapLand.objects.filter(band=band).count() >= polygons


@pytest.mark.parametrize("band", SCALES)
def test_land_covers_the_earths_land_area(basemap, band):
    """About 149 million km² of land, less Antarctica south of 85.05°S (~1 million km²,
    where Web Mercator stops) and, at 1:10m, its ice shelves (~1.5 million km²)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sum(ST_Area(ST_Transform(geometry, 4326)::geography)) / 1e12 "
            "FROM places_basemapland WHERE band = %s",
            [band],
        )
        (million_km2,) = cursor.fetchone()
    assert 143 < million_km2 < 150


@pytest.mark.parametrize("band", SCALES)
@pytest.mark.parametrize(
    "lon_lat, iso_a2, name_en, name_es",
    [(BOGOTA, "CO", "Colombia", "Colombia"), (MADRID, "ES", "Spain", "España")],
)
def test_a_capital_lies_in_its_country_alone(basemap, band, lon_lat, iso_a2, name_en, name_es):
    containing = BasemapCountry.objects.filter(
        band=band, geometry__contains=mercator(*lon_lat)
    ).values_list("iso_a2", "name_en", "name_es")
    assert list(containing) == [(iso_a2, name_en, name_es)]


def test_geometries_are_valid_and_inside_web_mercator(basemap):
    with connection.cursor() as cursor:
        for table in ("places_basemapland", "places_basemapcountry", "places_basemapboundary"):
            cursor.execute(
                f"SELECT count(*) FILTER (WHERE NOT ST_IsValid(geometry)), "
                f"ST_Extent(geometry)::text FROM {table}"
            )
            invalid, extent = cursor.fetchone()
            assert invalid == 0, table
            numbers = [float(n) for n in extent[4:-1].replace(",", " ").split()]
            assert all(abs(n) <= 20037508.35 for n in numbers), (table, extent)


def test_antimeridian_countries_keep_their_size(basemap):
    """Russia (17.1 million km²) and Fiji (18,300 km²) cross the antimeridian."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT iso_a2, band, sum(ST_Area(ST_Transform(geometry, 4326)::geography)) / 1e6 "
            "FROM places_basemapcountry WHERE iso_a2 IN ('RU', 'FJ') GROUP BY 1, 2"
        )
        areas = {(code, band): km2 for code, band, km2 in cursor.fetchall()}
    for band in SCALES:
        assert areas["RU", band] == pytest.approx(17.1e6, rel=0.03)
        assert areas["FJ", band] == pytest.approx(18_300, rel=0.1)


def test_borders_are_land_borders_only(basemap):
    """The Colombia–Venezuela border crosses (-72.4, 7.9) near Cúcuta; Bogotá's
    sabana and the Caribbean coast at Cartagena have none within 20 km."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT band, min(ST_Distance(ST_Transform(geometry, 4326)::geography, "
            "ST_SetSRID(ST_Point(%s, %s), 4326)::geography)) FROM places_basemapboundary "
            "GROUP BY band",
            [-72.45, 7.85],
        )
        assert all(distance_m < 25_000 for _, distance_m in cursor.fetchall())
        for lon, lat in (BOGOTA, (-75.5144, 10.3910)):
            cursor.execute(
                "SELECT count(*) FROM places_basemapboundary WHERE ST_DWithin("
                "ST_Transform(geometry, 4326)::geography, "
                "ST_SetSRID(ST_Point(%s, %s), 4326)::geography, 20000)",
                [lon, lat],
            )
            assert cursor.fetchone()[0] == 0


def test_cities_have_spanish_and_english_names(basemap):
    mexico = BasemapCity.objects.get(geonameid=3530597)
    assert (mexico.name_en, mexico.name_es) == ("Mexico City", "Ciudad de México")
    bogota = BasemapCity.objects.get(geonameid=BOGOTA_CITY[0])
    assert (bogota.name_en, bogota.name_es) == ("Bogotá", "Bogotá")


def test_loading_again_leaves_the_same_rows(basemap):
    before, loaded = table_checksum(), Basemap.objects.get()
    call_command("load_basemap", verbosity=0)
    assert Basemap.objects.get().loaded_at == loaded.loaded_at
    call_command("load_basemap", force=True, verbosity=0)
    assert table_checksum() == before
    assert Basemap.objects.get().digest == loaded.digest


def test_missing_source_files_are_named(basemap, tmp_path):
    with pytest.raises(CommandError, match="fetch-static"):
        call_command("load_basemap", source_dir=tmp_path, verbosity=0)


# The tiles


def test_zoom_2_around_bogota_has_land_and_only_the_big_cities(basemap, client):
    tile, response = tile_at(client, *BOGOTA, 2)
    layers = decode(response)
    assert layers["land"]["features"]
    assert {"land", "countries", "boundaries", "cities"} <= set(layers)
    cities = cities_in(layers)
    assert BOGOTA_CITY[0] in cities
    assert MEDELLIN_CITY[0] not in cities and CHIA_CITY[0] not in cities
    bogota = cities[BOGOTA_CITY[0]]
    assert bogota["properties"]["name_es"] == "Bogotá"
    assert bogota["properties"]["population"] > 7_000_000
    lon, lat = lon_lat(tile, bogota["geometry"]["coordinates"])
    # A pixel of a zoom 2 tile is 0.022° wide.
    assert lon == pytest.approx(BOGOTA_CITY[1], abs=0.03)
    assert lat == pytest.approx(BOGOTA_CITY[2], abs=0.03)


def test_zoom_10_around_bogota_has_the_towns_of_the_sabana(basemap, client):
    tile, response = tile_at(client, *BOGOTA, 10)
    layers = decode(response)
    cities = cities_in(layers)
    assert {BOGOTA_CITY[0], CHIA_CITY[0]} <= set(cities)
    chia = cities[CHIA_CITY[0]]
    lon, lat = lon_lat(tile, chia["geometry"]["coordinates"])
    assert lon == pytest.approx(CHIA_CITY[1], abs=0.001)
    assert lat == pytest.approx(CHIA_CITY[2], abs=0.001)
    # Inland: one land polygon covering the tile, in Colombia, far from any border.
    assert len(layers["land"]["features"]) >= 1
    assert {f["properties"]["iso_a2"] for f in layers["countries"]["features"]} == {"CO"}
    assert "boundaries" not in layers


def test_zoom_0_has_the_most_populous_city_and_few_others(basemap, client):
    layers = decode(client.get("/tiles/basemap/0/0/0.mvt"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT geonameid FROM places_city ORDER BY population DESC LIMIT 1")
        (largest,) = cursor.fetchone()
    cities = cities_in(layers)
    assert largest in cities
    assert len(cities) <= 16


def test_open_ocean_has_no_land(basemap, client):
    # The middle of the South Pacific, 2,000 km from any island.
    layers = decode(tile_at(client, -130.0, -45.0, 8)[1])
    assert "land" not in layers and "countries" not in layers


@pytest.mark.parametrize("zoom", range(5))
def test_low_zoom_tiles_stay_small(basemap, client, zoom):
    """Every tile of zooms 0–2, and the tiles over Bogotá and Madrid at 3–4."""
    if zoom <= 2:
        tiles = [mercantile.Tile(x, y, zoom) for x in range(2**zoom) for y in range(2**zoom)]
    else:
        tiles = [mercantile.tile(*place, zoom) for place in (BOGOTA, MADRID)]
    for tile in tiles:
        response = client.get(f"/tiles/basemap/{tile.z}/{tile.x}/{tile.y}.mvt")
        assert response.status_code == 200
        assert len(response.content) < 128 * 1024, tile


def test_tiles_are_gzipped_for_clients_that_ask(basemap, client):
    response = client.get("/tiles/basemap/0/0/0.mvt", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]


def test_a_tile_the_client_has_is_not_sent_again(basemap, client):
    first = client.get("/tiles/basemap/3/2/3.mvt")
    etag = first["ETag"]
    assert etag.startswith('"') and first.content
    again = client.get("/tiles/basemap/3/2/3.mvt", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    weak = client.get("/tiles/basemap/3/2/3.mvt", HTTP_IF_NONE_MATCH=f'"other", W/{etag}')
    assert weak.status_code == 304
    assert client.get("/tiles/basemap/3/2/3.mvt", HTTP_IF_NONE_MATCH="*").status_code == 304
    assert client.get("/tiles/basemap/3/2/3.mvt", HTTP_IF_NONE_MATCH='"old"').status_code == 200


def test_reloading_changes_the_etag(basemap, client):
    etag = client.get("/tiles/basemap/1/0/0.mvt")["ETag"]
    Basemap.objects.update(digest="0" * 64)
    response = client.get("/tiles/basemap/1/0/0.mvt", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and response["ETag"] != etag


def test_tiles_of_the_current_version_are_cached_for_a_year(basemap, client):
    template = client.get("/tiles/basemap.json").json()["tiles"][0]
    url = template.replace("{z}/{x}/{y}", "4/4/7").removeprefix(f"http://{HOST}")
    assert client.get(url)["Cache-Control"] == "public, max-age=31536000, immutable"
    unversioned = client.get("/tiles/basemap/4/4/7.mvt")["Cache-Control"]
    assert unversioned.startswith("public, max-age=") and "immutable" not in unversioned
    stale = client.get("/tiles/basemap/4/4/7.mvt?v=0123456789abcdef")["Cache-Control"]
    assert "immutable" not in stale


@pytest.mark.parametrize(
    "path",
    [
        "/tiles/basemap/25/0/0.mvt",
        "/tiles/basemap/2/4/0.mvt",
        "/tiles/basemap/2/0/4.mvt",
        "/tiles/basemap/-1/0/0.mvt",
        "/tiles/basemap/a/b/c.mvt",
        "/tiles/basemap/1.5/0/0.mvt",
        "/tiles/basemap/99999999999999999999/0/0.mvt",
    ],
)
def test_a_tile_that_does_not_exist_is_a_400_naming_it(basemap, client, path):
    response = client.get(path)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "InvalidParameterValue"
    assert body["parameter"] == "tile"
    assert body["description"]


@pytest.mark.parametrize(
    "path",
    ["/tiles/basemap/1/0/0.png", "/tiles/basemap/1/0", "/tiles/basemap/", "/tiles/basemap/x"],
)
def test_other_addresses_under_the_basemap_are_json_404s(basemap, client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "NotFound"


def test_writing_is_a_json_405(basemap, client):
    client.handler.enforce_csrf_checks = True
    response = client.post("/tiles/basemap/1/0/0.mvt")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["code"] == "MethodNotAllowed"


def test_before_loading_the_tiles_say_so(basemap, client):
    Basemap.objects.all().delete()
    for path in ("/tiles/basemap/0/0/0.mvt", "/tiles/basemap.json"):
        response = client.get(path)
        assert response.status_code == 503
        assert "load_basemap" in response.json()["description"]


# TileJSON and style


def test_tilejson_describes_the_layers_with_absolute_urls(basemap, client):
    response = client.get("/tiles/basemap.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    document = response.json()
    assert document["tilejson"] == "3.0.0"
    assert {layer["id"] for layer in document["vector_layers"]} == {
        "land", "countries", "boundaries", "cities"
    }
    (template,) = document["tiles"]
    assert template.startswith(f"http://{HOST}/tiles/basemap/{{z}}/{{x}}/{{y}}.mvt")
    assert 0 == document["minzoom"] < document["maxzoom"] <= 24
    west, south, east, north = document["bounds"]
    assert (west, east) == (-180, 180) and south == -north


def test_tilejson_has_an_etag(basemap, client):
    etag = client.get("/tiles/basemap.json")["ETag"]
    assert client.get("/tiles/basemap.json", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_style_is_maplibre_json_whose_sources_resolve(basemap, client):
    response = client.get("/tiles/basemap/style.json")
    assert response.status_code == 200
    style = json.loads(response.content)
    assert style["version"] == 8
    assert "glyphs" not in style
    assert {layer["type"] for layer in style["layers"]} == {"background", "fill", "line", "circle"}
    tilejsons = {}
    for name, source in style["sources"].items():
        assert source["type"] == "vector"
        assert source["url"].startswith(f"http://{HOST}/")
        resolved = client.get(source["url"].removeprefix(f"http://{HOST}"))
        assert resolved.status_code == 200
        tilejsons[name] = resolved.json()
    for layer in style["layers"]:
        if layer["type"] == "background":
            continue
        layer_ids = {vector["id"] for vector in tilejsons[layer["source"]]["vector_layers"]}
        assert layer["source-layer"] in layer_ids, layer["id"]


STYLE_VALIDATOR = Path(settings.BASE_DIR) / "static" / "vendor" / "maplibre-gl-style-spec"


@pytest.mark.skipif(not shutil.which("node"), reason="node is not installed")
def test_style_passes_the_maplibre_style_spec_validator(basemap, client, tmp_path):
    """MapLibre's own validator (@maplibre/maplibre-gl-style-spec, from .ci/fetch-static)."""
    style = tmp_path / "style.json"
    style.write_bytes(client.get("/tiles/basemap/style.json").content)
    script = (
        "const spec = require(process.argv[1]);"
        "const errors = spec.validateStyleMin(JSON.parse(require('fs')"
        ".readFileSync(process.argv[2], 'utf8')));"
        "console.log(JSON.stringify(errors.map(e => e.message)));"
    )
    result = subprocess.run(
        ["node", "-e", script, str(STYLE_VALIDATOR / "index.cjs"), str(style)],
        capture_output=True, text=True, timeout=60, check=True,
    )
    assert json.loads(result.stdout) == []
