"""The spatial vocabulary shared by every model with a ``location`` point."""

from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.contrib.gis.geos import Point
from django.db import models


class SpatialQuerySet(models.QuerySet):
    """QuerySet methods for models whose ``location`` is a geography point."""

    location_field = "location"

    def near(self, point: Point, radius_m: float):
        """Rows within ``radius_m`` meters of ``point``, nearest first.

        Filters with ``ST_DWithin`` on the geography GiST index, orders by the
        KNN operator ``<->`` on the same index, and annotates ``distance_m``, the
        spheroidal distance in meters.
        """
        field = self.location_field
        return (
            self.filter(**{f"{field}__dwithin": (point, radius_m)})
            .annotate(distance_m=Distance(field, point, spheroid=True))
            .order_by(GeometryDistance(field, point))
        )
