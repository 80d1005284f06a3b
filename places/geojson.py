"""GeoJSON (RFC 7946) features built inside PostGIS.

A list of 10,000 features must not cost 10,000 GDAL conversions and Python
dicts: each row comes back from PostgreSQL as the finished JSON text of its
Feature (``jsonb_build_object`` around ``ST_AsGeoJSON``), and the collection
is those strings joined. Details use the same expression, so a feature reads
the same in a list, alone, and after a write.
"""

import json

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import F, FloatField, Func, JSONField, TextField, Value
from django.db.models.functions import Cast, JSONObject, Round

from places.crs import axes as crs_axes
from places.crs import geometry_json as crs_geometry_json
from places.querysets import as_geometry

GEOJSON_MEDIA_TYPE = "application/geo+json"
# RFC 7946 §11.2: six decimals of a degree are about 10 cm, enough for a venue.
COORDINATE_DECIMALS = 6


def geometry_json(field, crs=None):
    """The field's GeoJSON geometry as jsonb (null when the field is null); no crs member.

    In WGS84 lon/lat (CRS84), or in ``crs`` (a ``places.crs.Crs``) when given.
    """
    if crs is not None and not crs.is_storage:
        return Cast(crs_geometry_json(field, crs), JSONField())
    return Cast(AsGeoJSON(field, precision=COORDINATE_DECIMALS), JSONField())


def feature_text(properties, geometry_field="location", with_distance=False, crs=None):
    """An expression for the row's whole Feature as JSON text.

    ``properties`` maps property names to expressions. With ``with_distance``
    the ``distance_m`` annotation of ``near()`` joins them, in meters to 0.1 m.
    The geometry is in CRS84 unless ``crs`` says otherwise (OGC API Part 2).
    """
    if with_distance:
        properties = {
            **properties,
            "distance_m": Round(Cast(F("distance_m"), FloatField()), 1),
        }
    return Cast(
        JSONObject(
            type=Value("Feature"),
            id=F("pk"),
            geometry=geometry_json(geometry_field, crs),
            properties=JSONObject(**properties),
        ),
        TextField(),
    )


def lon_lat(geometry_field="location", crs=None):
    """Expressions for the point's lon and lat, used for the collection's bbox;
    given ``crs``, its first and second coordinates in that CRS."""
    if crs is not None and not crs.is_storage:
        return crs_axes(geometry_field, crs)
    geometry = as_geometry(geometry_field)
    return {
        "_lon": Func(geometry, function="ST_X", output_field=FloatField()),
        "_lat": Func(geometry, function="ST_Y", output_field=FloatField()),
    }


def collection_bbox(points):
    """[west, south, east, north] of (lon, lat) pairs, None ones skipped; None if empty."""
    points = [(lon, lat) for lon, lat in points if lon is not None and lat is not None]
    lons = [lon for lon, lat in points]
    lats = [lat for lon, lat in points]
    if not lons:
        return None
    return [
        round(min(lons), COORDINATE_DECIMALS),
        round(min(lats), COORDINATE_DECIMALS),
        round(max(lons), COORDINATE_DECIMALS),
        round(max(lats), COORDINATE_DECIMALS),
    ]


def feature_collection(feature_texts, **members):
    """A FeatureCollection's JSON text from features already serialized as JSON text.

    ``members`` (bbox, links, numberMatched...) are added as top-level members,
    before ``features``; None values are left out.
    """
    head = json.dumps(
        {"type": "FeatureCollection", **{k: v for k, v in members.items() if v is not None}},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return f'{head[:-1]},"features":[{",".join(feature_texts)}]}}'
