import math

from django.contrib.gis.geos import GEOSGeometry, WKBWriter
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def validate_wgs84(geometry):
    """Refuse geometries with coordinates outside WGS84 lon/lat ranges.

    PostGIS geography does not refuse them: it silently wraps latitude 95 to
    85 and longitude 200 to -160. So the check has to happen before the row
    reaches the database, in every form and serializer (they run the model
    field's validators).
    """
    if geometry is None:
        return
    if geometry.srid not in (None, 4326):
        raise ValidationError(
            _(
                "Coordinates must be WGS84 longitude/latitude (SRID 4326), not SRID %(srid)s."
            ),
            code="srid",
            params={"srid": geometry.srid},
        )
    if geometry.empty:
        raise ValidationError(_("The geometry is empty."), code="empty")
    if geometry.hasz:
        raise ValidationError(
            _("Give each position as longitude and latitude only, without a height."),
            code="has_z",
        )
    for lon, lat, *_z in _coordinates(geometry.coords):
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise ValidationError(
                _("Coordinates must be finite numbers."), code="not_finite"
            )
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValidationError(
                _(
                    "Longitude must lie in [-180, 180] and latitude in [-90, 90]; "
                    "got %(lon)s, %(lat)s."
                ),
                code="out_of_range",
                params={"lon": lon, "lat": lat},
            )
    validate_edges(geometry)
    if not geometry.valid:
        raise ValidationError(
            _("The geometry is not valid: %(reason)s."),
            code="invalid",
            params={"reason": geometry.valid_reason},
        )


def validate_edges(geometry):
    """Refuse lines and rings with an edge that spans 180 degrees of longitude
    or more, or joins two antipodes.

    On the sphere (geography) PostGIS takes the shorter way round, so such an
    edge is not the one drawn in lon/lat (RFC 7946: split it at the
    antimeridian), and between antipodes it has no way at all: every query
    touching the row then fails ("Antipodal edge detected").
    """
    for line in _lines(geometry.coords):
        for (lon1, lat1, *_z1), (lon2, lat2, *_z2) in zip(line, line[1:]):
            if abs(lon2 - lon1) >= 180 or _antipodal(lon1, lat1, lon2, lat2):
                raise ValidationError(
                    _(
                        "The edge from %(start)s to %(end)s spans 180 degrees of longitude "
                        "or more; split the geometry at the antimeridian."
                    ),
                    code="edge_too_long",
                    params={"start": f"{lon1}, {lat1}", "end": f"{lon2}, {lat2}"},
                )


def _lines(coords):
    """Yield each sequence of positions (a line or a ring) of a GEOS ``coords``."""
    if not coords or isinstance(coords[0], (int, float)):
        return
    if isinstance(coords[0][0], (int, float)):
        yield coords
    else:
        for part in coords:
            yield from _lines(part)


def _antipodal(lon1, lat1, lon2, lat2):
    """Whether two positions lie (within about a metre) at opposite ends of the Earth."""
    vectors = [
        (math.cos(math.radians(lat)) * math.cos(math.radians(lon)),
         math.cos(math.radians(lat)) * math.sin(math.radians(lon)),
         math.sin(math.radians(lat)))
        for lon, lat in ((lon1, lat1), (lon2, lat2))
    ]
    return sum(a * b for a, b in zip(*vectors)) < -1 + 1e-13


# What a polygon a user draws (a group's meeting area, a campus) may hold:
# a campus has tens of points and a city district a few hundred.
MAX_POLYGON_POINTS = 5_000
MAX_POLYGON_AREA_KM2 = 1_000


def validate_polygon_size(geometry):
    """Refuse a polygon of more than MAX_POLYGON_POINTS points (all rings
    together). The area (MAX_POLYGON_AREA_KM2) is the database's check, on the
    spheroid."""
    if geometry is not None and geometry.num_points > MAX_POLYGON_POINTS:
        raise ValidationError(
            _("The polygon has %(count)s points; it may have at most %(max)s."),
            code="too_many_points",
            params={"count": geometry.num_points, "max": MAX_POLYGON_POINTS},
        )


def without_z(geometry):
    """``geometry`` with any height dropped (GeoJSON allows a third number)."""
    if geometry is None or not geometry.hasz:
        return geometry
    flat = GEOSGeometry(WKBWriter(dim=2).write(geometry))
    flat.srid = geometry.srid
    return flat


def _coordinates(coords):
    """Yield each (lon, lat) tuple of a GEOS ``coords`` nesting."""
    if coords and isinstance(coords[0], (int, float)):
        yield coords
    else:
        for part in coords:
            yield from _coordinates(part)


def validate_geometry_type(geometry, geom_type):
    """``geometry`` if it is a ``geom_type`` ("Point", "Polygon") within WGS84 ranges.

    A geometry without an SRID (WKT) is taken as WGS84 lon/lat, as GeoJSON is.
    """
    if geometry is None:
        return None
    if geometry.geom_type != geom_type:
        raise ValidationError(
            _("Expected a %(expected)s geometry, got a %(got)s."),
            code="geometry_type",
            params={"expected": geom_type, "got": geometry.geom_type},
        )
    if geometry.srid is None:
        geometry.srid = 4326
    validate_wgs84(geometry)
    if geom_type == "Polygon":
        validate_polygon_size(geometry)
    return geometry
