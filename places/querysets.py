"""The spatial vocabulary shared by every model with a ``location`` point."""

from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.contrib.gis.geos import Point
from django.db import models
from django.db.models.functions import Cast


class SpatialQuerySet(models.QuerySet):
    """QuerySet methods for models whose ``location`` is a geography point."""

    location_field = "location"

    def near(self, point: Point, radius_m: float):
        """Rows within ``radius_m`` meters of ``point``, nearest first.

        Filters with ``ST_DWithin`` on the geography GiST index, orders by the
        KNN operator ``<->`` on the same index, and annotates ``distance_m``, the
        geodesic distance on the WGS84 spheroid, in meters (a float).
        """
        field = self.location_field
        return (
            self.filter(**{f"{field}__dwithin": (point, radius_m)})
            # A plain float of meters, not a Distance object, so it serializes as is.
            .annotate(distance_m=Cast(Distance(field, point), models.FloatField()))
            .order_by(GeometryDistance(field, point))
        )
