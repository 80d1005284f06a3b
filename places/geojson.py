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

from places.querysets import as_geometry

GEOJSON_MEDIA_TYPE = "application/geo+json"
# RFC 7946 §11.2: six decimals of a degree are about 10 cm, enough for a venue.
COORDINATE_DECIMALS = 6


def geometry_json(field):
    """The field's GeoJSON geometry as jsonb (null when the field is null); no crs member."""
    return Cast(AsGeoJSON(field, precision=COORDINATE_DECIMALS), JSONField())


def feature_text(properties, geometry_field="location", with_distance=False):
    """An expression for the row's whole Feature as JSON text.

    ``properties`` maps property names to expressions. With ``with_distance``
    the ``distance_m`` annotation of ``near()`` joins them, in meters to 0.1 m.
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
            geometry=geometry_json(geometry_field),
            properties=JSONObject(**properties),
        ),
        TextField(),
    )


def lon_lat(geometry_field="location"):
    """Expressions for the point's lon and lat, used for the collection's bbox."""
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
