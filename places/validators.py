import math

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
    if not geometry.valid:
        raise ValidationError(
            _("The geometry is not valid: %(reason)s."),
            code="invalid",
            params={"reason": geometry.valid_reason},
        )


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
    return geometry
