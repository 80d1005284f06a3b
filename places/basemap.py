"""The offline basemap: land, countries, their borders and cities as vector tiles.

``manage.py load_basemap`` fills the ``Basemap*`` tables (Natural Earth from
the world-atlas npm package, and a snapshot of the gazetteer's cities); this
module serves them, so the map has a background without any tile server:

    /tiles/basemap.json               TileJSON 3.0.0
    /tiles/basemap/{z}/{x}/{y}.mvt    Mapbox Vector Tile, layers land, countries,
                                      boundaries, cities
    /tiles/basemap/style.json         a MapLibre style (spec version 8) drawing them

Each tile is one SQL statement (ST_AsMVT over ST_AsMVTGeom, on the tables'
GiST indexes). Its ETag is the loaded basemap's digest, which that statement
reads too: when the client already has it, the tile is not built at all. The
TileJSON puts the digest in the tile URLs (``?v=``), and a tile asked for at
the current version may be cached for a year.
"""

import hashlib
import json
from typing import NamedTuple

from django.http import HttpResponse
from django.urls import path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.gzip import gzip_page
from rest_framework.exceptions import MethodNotAllowed

from places.models import Basemap
from places.parsers import MERCATOR_MAX_LAT, InvalidParameter, parse_tile_address
from places.tilehttp import (
    MVT_MEDIA_TYPE,
    PINNED_CACHE_CONTROL,
    client_etags,
    error_response,
    invalid_parameter,
    not_modified,
    read_cursor,
)


class Band(NamedTuple):
    """Zooms from ``start`` on draw Natural Earth's ``scale``, cut in pieces of at
    most ``max_vertices`` vertices (ST_Subdivide)."""

    start: int
    scale: str
    max_vertices: int


# 1:110m is plenty for the whole world in one or a few tiles, and 1:10m for
# a region. Low zooms keep polygons whole: each piece's seams would only add
# vertices to the tiles that hold the whole world.
BANDS = (
    Band(0, "110m", 100_000),
    Band(3, "50m", 4096),
    Band(6, "10m", 1024),
)
EXTENT = 4096
BUFFER = 64
# Cities: at most CITY_GRID x CITY_GRID per tile (the most populous of each
# cell, see load_basemap), and every one of them from CITY_ALL_ZOOM on.
CITY_GRID = 4
CITY_ALL_ZOOM = 14
MAX_ZOOM = CITY_ALL_ZOOM
MERCATOR_HALF_WORLD_M = 20037508.342789244
TILE_CACHE = "public, max-age=86400"
DOCUMENT_CACHE = "public, max-age=300"
ATTRIBUTION = "Natural Earth; GeoNames"

# The site's palette (static/css/cerca.css): a pale tint of --accent for
# water, near-white land, --muted borders, --accent-dark cities.
COLOURS = {
    "water": "#cfe3ea",
    "land": "#f4f6f8",
    "border": "#4a5560",
    "city": "#083f53",
    "city-outline": "#ffffff",
}

VECTOR_LAYERS = [
    {
        "id": "land",
        "description": "Land (Natural Earth).",
        "fields": {},
    },
    {
        "id": "countries",
        "description": "Countries' territory (Natural Earth admin 0), in pieces.",
        "fields": {
            "iso_a2": "ISO 3166-1 alpha-2 code, empty for territories without one",
            "name_en": "Name in English (CLDR where the code is known)",
            "name_es": "Name in Spanish (CLDR where the code is known)",
        },
    },
    {
        "id": "boundaries",
        "description": "Land borders between countries.",
        "fields": {},
    },
    {
        "id": "cities",
        "description": "The gazetteer's cities (GeoNames), the most populous first; "
        "feature id: GeoNames id.",
        "fields": {
            "name_en": "Name in English (GeoNames)",
            "name_es": "Name in Spanish (CLDR where it has one, else GeoNames)",
            "population": "Number",
        },
    },
]


def band_for(zoom):
    """The start of the zoom band that draws ``zoom``."""
    return max(band.start for band in BANDS if band.start <= zoom)


def polygon_layer(table, name, columns=""):
    return f"""
        (SELECT ST_AsMVT(t, '{name}', {EXTENT}, 'geom') FROM (
            SELECT {columns} ST_AsMVTGeom(p.geometry, e.tile, {EXTENT}, {BUFFER}, true) AS geom
            FROM {table} p
            WHERE p.band = %(band)s::smallint AND p.geometry && e.area
        ) AS t)"""


# Correlated subqueries inside a CASE arm run only when that arm is taken:
# a client that has the tile gets its 304 without the tile being built.
# ST_AsMVT skips the rows whose ST_AsMVTGeom is NULL (clipped away) and gives
# an empty bytea, not NULL, for a layer without rows, so the layers concatenate.
# The casts to smallint let the (band, geometry) and (min_zoom, location)
# GiST indexes (btree_gist) take both conditions.
TILE_SQL = f"""
SELECT b.digest,
    CASE WHEN %(any)s OR left(b.digest, 32) = ANY(%(etags)s::text[]) THEN NULL ELSE (
        SELECT {polygon_layer("places_basemapland", "land")}
            || {polygon_layer("places_basemapcountry", "countries",
                              "p.iso_a2, p.name_en, p.name_es,")}
            || {polygon_layer("places_basemapboundary", "boundaries")}
            || (SELECT ST_AsMVT(t, 'cities', {EXTENT}, 'geom', 'geonameid') FROM (
                SELECT c.geonameid, c.name_en, c.name_es, c.population,
                       ST_AsMVTGeom(c.location, e.tile, {EXTENT}, {BUFFER}, true) AS geom
                FROM places_basemapcity c
                WHERE c.min_zoom <= %(z)s::smallint AND c.location && e.area
                ORDER BY c.population DESC, c.geonameid
            ) AS t)
        FROM (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile,
                     ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s) AS area) AS e
    ) END
FROM places_basemap b
"""


def not_loaded():
    return error_response(
        503,
        "ServiceUnavailable",
        _("The basemap is not loaded yet: run manage.py load_basemap."),
    )


def safe_methods(view):
    """GET and HEAD only; anything else is a JSON 405, as everywhere under /tiles/.
    A bad parameter is a JSON 400 naming it."""

    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            response = error_response(
                405,
                "MethodNotAllowed",
                str(MethodNotAllowed.default_detail).format(method=request.method),
            )
            response["Allow"] = "GET, HEAD"
            return response
        try:
            return view(request, *args, **kwargs)
        except InvalidParameter as error:
            return invalid_parameter(error)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    # Nothing here changes state: a POST gets this JSON 405, not the CSRF page.
    wrapper.csrf_exempt = True
    return wrapper


def shared(etag, cache_control):
    """The headers of public data: its ETag, any cache may keep it, any site may
    draw it."""
    return {"ETag": etag, "Cache-Control": cache_control, "Access-Control-Allow-Origin": "*"}


def version_of(digest):
    return digest[:16]


@safe_methods
@gzip_page
def tile_view(request, z, x, y):
    """One basemap tile, ``application/vnd.mapbox-vector-tile``."""
    z, x, y = parse_tile_address(z, x, y, param="tile")
    etags, any_etag = client_etags(request)
    with read_cursor(Basemap) as cursor:
        cursor.execute(
            TILE_SQL,
            {"z": z, "x": x, "y": y, "band": band_for(z), "margin": BUFFER / EXTENT,
             "etags": etags, "any": any_etag},
        )
        row = cursor.fetchone()
    if row is None:
        return not_loaded()
    digest, tile = row
    versioned = request.GET.get("v") == version_of(digest)
    etag = f'"{digest[:32]}"'
    headers = shared(etag, PINNED_CACHE_CONTROL if versioned else TILE_CACHE)
    response = not_modified(request, etag, headers)
    if response is None:
        response = HttpResponse(bytes(tile or b""), content_type=MVT_MEDIA_TYPE, headers=headers)
    return response


def current_digest():
    with read_cursor(Basemap) as cursor:
        cursor.execute("SELECT digest FROM places_basemap")
        row = cursor.fetchone()
    return row[0] if row else None


def tilejson(request, digest):
    """The TileJSON 3.0.0 document, with absolute URLs for this request's host."""
    tiles = request.build_absolute_uri("/tiles/basemap/")
    return {
        "tilejson": "3.0.0",
        "name": "Cerca basemap",
        "description": "Land, countries and cities, offline: Natural Earth and GeoNames.",
        "version": "1.0.0",
        "attribution": ATTRIBUTION,
        "scheme": "xyz",
        "tiles": [f"{tiles}{{z}}/{{x}}/{{y}}.mvt?v={version_of(digest)}"],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "bounds": [-180, -MERCATOR_MAX_LAT, 180, MERCATOR_MAX_LAT],
        "vector_layers": [
            {**layer, "minzoom": 0, "maxzoom": MAX_ZOOM} for layer in VECTOR_LAYERS
        ],
    }


def style(request):
    """A MapLibre style (version 8) in the site's colours: water, land, borders, cities.

    No text: labels need glyphs (SDF font PBFs), which no pinned package ships.
    """
    return {
        "version": 8,
        "name": "Cerca",
        "metadata": {"cerca:attribution": ATTRIBUTION},
        "sources": {
            "basemap": {
                "type": "vector",
                "url": request.build_absolute_uri("/tiles/basemap.json"),
            },
        },
        "layers": [
            {
                "id": "water",
                "type": "background",
                "paint": {"background-color": COLOURS["water"]},
            },
            {
                "id": "land",
                "type": "fill",
                "source": "basemap",
                "source-layer": "land",
                # The outline in the fill's colour hides the seams between pieces.
                "paint": {"fill-color": COLOURS["land"], "fill-outline-color": COLOURS["land"]},
            },
            {
                "id": "country-borders",
                "type": "line",
                "source": "basemap",
                "source-layer": "boundaries",
                "layout": {"line-join": "round", "line-cap": "round"},
                "paint": {
                    "line-color": COLOURS["border"],
                    "line-opacity": 0.6,
                    "line-width": ["interpolate", ["linear"], ["zoom"], 0, 0.5, 6, 1.2, 12, 2],
                },
            },
            {
                "id": "cities",
                "type": "circle",
                "source": "basemap",
                "source-layer": "cities",
                "paint": {
                    "circle-color": COLOURS["city"],
                    "circle-radius": [
                        "interpolate", ["linear"], ["get", "population"],
                        0, 2, 100_000, 3, 1_000_000, 4.5, 10_000_000, 6,
                    ],
                    "circle-stroke-color": COLOURS["city-outline"],
                    "circle-stroke-width": 1,
                },
            },
        ],
    }


def json_document(request, document):
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    etag = '"%s"' % hashlib.sha256(body).hexdigest()[:32]
    headers = shared(etag, DOCUMENT_CACHE)
    response = not_modified(request, etag, headers)
    if response is None:
        response = HttpResponse(body, content_type="application/json", headers=headers)
    return response


@safe_methods
@gzip_page
def tilejson_view(request):
    """The basemap's TileJSON."""
    digest = current_digest()
    if digest is None:
        return not_loaded()
    return json_document(request, tilejson(request, digest))


@safe_methods
@gzip_page
def style_view(request):
    """The basemap's MapLibre style."""
    return json_document(request, style(request))


@csrf_exempt
def not_found_view(request, rest=""):
    """Any other address under /tiles/basemap/: a JSON 404, not the site's page."""
    return error_response(
        404, "NotFound", _("Nothing answers at %(path)s.") % {"path": request.path}
    )


# Include at "tiles/", before any other tiles/ pattern.
urlpatterns = [
    path("basemap.json", tilejson_view, name="basemap-tilejson"),
    path("basemap/style.json", style_view, name="basemap-style"),
    path("basemap/<str:z>/<str:x>/<str:y>.mvt", tile_view, name="basemap-tile"),
    re_path(r"^basemap/(?P<rest>.*)$", not_found_view),
]
