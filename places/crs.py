"""Coordinate reference systems for OGC API - Features Part 2 (CRS by reference).

Rows keep their locations as WGS84 lon/lat (geography, SRID 4326), which is
CRS84: the storage CRS. A client may ask for features in EPSG:4326 (the same
numbers, latitude first, as that CRS's definition orders its axes) or in Web
Mercator (EPSG:3857, metres), and may give its ``bbox`` in any of the three
(``bbox-crs``). QGIS does both whenever its project is not in CRS84.

PostGIS does the work: ``ST_Transform`` (and ``ST_FlipCoordinates``) on each
feature of the page as it is built, and on the bbox's rectangle, never on the
column a query filters on, so the ``location::geometry`` GiST index still
answers every bbox.
"""

from dataclasses import dataclass

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import AsGeoJSON, Transform
from django.db.models import FloatField, Func
from django.utils.translation import gettext as _

from places import parsers
from places.querysets import as_geometry

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
CRS_CONFORMANCE = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"

# Web Mercator's square: x in [-HALF_WORLD_M, HALF_WORLD_M] metres is lon in
# [-180, 180]; y beyond it is latitude beyond ±85.0511°.
HALF_WORLD_M = 20037508.342789244


@dataclass(frozen=True)
class Crs:
    """One CRS a client may name: its URI, its SRID in PostGIS, whether its
    first axis is latitude, and how many decimals its coordinates carry."""

    uri: str
    srid: int
    lat_first: bool
    decimals: int

    @property
    def is_storage(self):
        return self.uri == CRS84

    def header(self):
        """The ``Content-Crs`` header's value: the URI in angle brackets."""
        return f"<{self.uri}>"


CRSES = {
    crs.uri: crs
    for crs in (
        Crs(CRS84, 4326, lat_first=False, decimals=6),
        # Six decimals of a degree are about 10 cm, as in CRS84.
        Crs(EPSG_4326, 4326, lat_first=True, decimals=6),
        # Centimetres: as fine as six decimals of a degree on the equator.
        Crs(EPSG_3857, 3857, lat_first=False, decimals=2),
    )
}
# Also taken: the safe CURIEs of OGC API - Common ([EPSG:3857]).
CURIES = {"[OGC:CRS84]": CRS84, "[EPSG:4326]": EPSG_4326, "[EPSG:3857]": EPSG_3857}
STORAGE = CRSES[CRS84]
SUPPORTED = list(CRSES)


def parse_crs(value, param="crs"):
    """The Crs a ``crs`` or ``bbox-crs`` parameter names (a URI from
    ``SUPPORTED`` or its safe CURIE); CRS84 when absent."""
    if value is None or value == "":
        return STORAGE
    crs = CRSES.get(CURIES.get(value, value))
    if crs is None:
        raise parsers.InvalidParameter(
            param,
            _("%(value)r is not a CRS offered here. Offered: %(offered)s.")
            % {"value": value, "offered": ", ".join(SUPPORTED)},
        )
    return crs


def parse_bbox(value, crs, param="bbox"):
    """A ``bbox`` given in ``crs`` as (west, south, east, north) in ``crs.srid``'s
    own units, lon/lat order: degrees for CRS84 and EPSG:4326 (whose four
    numbers come latitude first: south,west,north,east), metres for EPSG:3857.

    ``west > east`` crosses the antimeridian. A Web Mercator box wider than the
    world is cut to it (a zoomed-out map asks for one); its y may go beyond the
    square, towards the poles.
    """
    if crs.uri == CRS84:
        return parsers.parse_bbox(value, param)
    what = (
        _("four numbers: south,west,north,east")
        if crs.lat_first
        else _("four numbers: minimum x,minimum y,maximum x,maximum y")
    )
    numbers = parsers.parse_numbers(value, param, {4, 6}, what)
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if crs.lat_first:
        south, west, north, east = numbers
        for lon in (west, east):
            parsers.check_lon(lon, param)
        for lat in (south, north):
            parsers.check_lat(lat, param)
    else:
        west, south, east, north = (
            max(-HALF_WORLD_M, min(HALF_WORLD_M, number)) if i % 2 == 0 else number
            for i, number in enumerate(numbers)
        )
    if south > north:
        raise parsers.InvalidParameter(
            param,
            _("South (%(south)s) is north of north (%(north)s).")
            % {"south": south, "north": north},
        )
    return west, south, east, north


def geometry_json(field, crs):
    """``field``'s GeoJSON geometry in ``crs``, as an expression for
    ``ST_AsGeoJSON``: flipped to lat/lon for EPSG:4326, transformed for
    EPSG:3857 (where PROJ puts the poles at a y of about ±2.4e8 m, far beyond
    the square but finite)."""
    geometry = as_geometry(field)
    if crs.lat_first:
        geometry = Func(geometry, function="ST_FlipCoordinates", output_field=GeometryField())
    elif crs.srid != 4326:
        geometry = Transform(geometry, crs.srid)
    return AsGeoJSON(geometry, precision=crs.decimals)


def axes(field, crs):
    """Expressions for the point's first and second coordinate in ``crs``
    (``_lon`` and ``_lat`` in name, whatever the axes), for the page's bbox."""
    geometry = as_geometry(field)
    if crs.srid != 4326:
        geometry = Transform(geometry, crs.srid)
    x = Func(geometry, function="ST_X", output_field=FloatField())
    y = Func(geometry, function="ST_Y", output_field=FloatField())
    return {"_lon": y, "_lat": x} if crs.lat_first else {"_lon": x, "_lat": y}
