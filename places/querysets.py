"""The spatial vocabulary shared by every model with a ``location`` point."""

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.contrib.gis.geos import Point, Polygon
from django.contrib.postgres.indexes import GistIndex
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast


def as_geometry(field):
    """``field::geometry``: a geography column seen as planar lon/lat.

    Bbox and tile queries are rectangles in lon/lat, which geography (whose
    edges are great circles) cannot express; they run on this cast, which the
    expression index from ``geometry_index`` serves.
    """
    return Cast(field, GeometryField(srid=4326))


def geometry_index(field, name):
    """A GiST index on ``field::geometry`` for ``in_bbox``; put it in Meta.indexes."""
    return GistIndex(as_geometry(field), name=name)


def bbox_polygons(west, south, east, north):
    """The lon/lat rectangles a bbox covers: two when it crosses the antimeridian."""
    if west <= east:
        return [Polygon.from_bbox((west, south, east, north))]
    return [
        Polygon.from_bbox((west, south, 180, north)),
        Polygon.from_bbox((-180, south, east, north)),
    ]


class SpatialQuerySet(models.QuerySet):
    """QuerySet methods for models whose ``location`` is a geography point."""

    location_field = "location"

    def near(self, point: Point, radius_m: float):
        """Rows within ``radius_m`` meters of ``point``, nearest first.

        Filters with ``ST_DWithin`` on the geography GiST index, orders by the
        KNN operator ``<->`` on the same index, and annotates ``distance_m``, the
        geodesic distance on the WGS84 spheroid, in meters (a float).

        ``<->`` measures on a sphere, so two rows whose spheroidal distances
        differ by less than about 0.5% may come in either order; in exchange,
        a LIMIT stops the index walk early instead of sorting every match.
        """
        field = self.location_field
        return (
            self.filter(**{f"{field}__dwithin": (point, radius_m)})
            # A plain float of meters, not a Distance object, so it serializes as is.
            .annotate(distance_m=Cast(Distance(field, point), models.FloatField()))
            .order_by(GeometryDistance(field, point))
        )

    def in_bbox(self, west: float, south: float, east: float, north: float):
        """Rows whose location lies in the lon/lat box, edges included (degrees).

        ``west > east`` is a box across the antimeridian (from ``west`` to 180
        and on from -180 to ``east``). Served by the ``location::geometry`` index.
        """
        matches = Q()
        for polygon in bbox_polygons(west, south, east, north):
            polygon.srid = 4326
            # ST_Intersects, not a bare &&: the index's boxes are float4,
            # rounded outward, and would let in points up to ~2 m outside.
            matches |= Q(_location_geometry__intersects=polygon)
        return self.alias(_location_geometry=as_geometry(self.location_field)).filter(matches)
