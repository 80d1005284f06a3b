"""The spatial vocabulary shared by every model with a ``location`` point."""

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.contrib.gis.geos import Point, Polygon
from django.contrib.postgres.indexes import GistIndex
from django.db import connections, models
from django.db.models import ExpressionWrapper, Q
from django.db.models.functions import Cast

# For extent(): a line just beyond each edge of the lon/lat plane (geography
# keeps every point within [-180, 180] x [-90, 90]), the coordinate it bounds,
# and which end of that coordinate: a point's distance to the west line is its
# lon + 181, so the row nearest to it is the westernmost. West, south, east, north.
EXTENT_EDGES = (
    ("'SRID=4326;LINESTRING(-181 -1000, -181 1000)'::geometry", "ST_X", "min"),
    ("'SRID=4326;LINESTRING(-1000 -91, 1000 -91)'::geometry", "ST_Y", "min"),
    ("'SRID=4326;LINESTRING(181 -1000, 181 1000)'::geometry", "ST_X", "max"),
    ("'SRID=4326;LINESTRING(-1000 91, 1000 91)'::geometry", "ST_Y", "max"),
)


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


# Half the world's width in each SRID a bbox may come in: degrees of lon, and
# Web Mercator's metres (places.crs).
HALF_WORLD = {4326: 180, 3857: 20037508.342789244}


def bbox_polygons(west, south, east, north, srid=4326):
    """The rectangles a bbox covers, in ``srid`` (lon/lat by default): two
    when it crosses the antimeridian."""
    edge = HALF_WORLD[srid]
    if west <= east:
        boxes = [(west, south, east, north)]
    else:
        boxes = [(west, south, edge, north), (-edge, south, east, north)]
    polygons = [Polygon.from_bbox(box) for box in boxes]
    for polygon in polygons:
        polygon.srid = srid
    return polygons


# ``<->`` measures on the sphere, ST_DWithin on the spheroid: 0.6% more
# radius (and a metre) holds every row ``<->`` puts within a distance.
SPHERE_TO_SPHEROID = 1.006


def within_page_radius(queryset, point, rows, key="_key0", field="location"):
    """``queryset`` (``near(point, ...)``, ``key`` annotated as the ``<->``
    distance) cut to the rows no farther than its row after the first
    ``rows`` (the page's last plus one), so that a (distance, id) order sorts
    a page's worth of rows instead of every row within the radius.

    The id that breaks distance ties would cost the KNN walk its order
    (PostgreSQL then sorts all 45,000 groups within 25 km of Mexico City).
    So the KNN walk, in ``<->`` order alone, first finds the distance of the
    row after the page; every row of the page in (distance, id) order lies no
    farther than that, ties included.
    """
    after_page = list(queryset.order_by(key).values_list(key, flat=True)[rows : rows + 1])
    if not after_page:
        return queryset
    return queryset.filter(
        **{
            f"{key}__lte": after_page[0],
            f"{field}__dwithin": (point, after_page[0] * SPHERE_TO_SPHEROID + 1),
        }
    )


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

    def in_bbox(self, west: float, south: float, east: float, north: float, srid: int = 4326):
        """Rows whose location lies in the box, edges included: lon/lat degrees,
        or x/y in ``srid``'s units (3857: Web Mercator metres).

        ``west > east`` is a box across the antimeridian (from ``west`` to 180
        and on from -180 to ``east``). Served by the ``location::geometry``
        index: a box in another SRID is transformed (``ST_Transform`` on the
        constant rectangle, which Web Mercator keeps a lon/lat rectangle), never
        the column.
        """
        matches = Q()
        for polygon in bbox_polygons(west, south, east, north, srid):
            # ST_Intersects, not a bare &&: the index's boxes are float4,
            # rounded outward, and would let in points up to ~2 m outside.
            matches |= Q(_location_geometry__intersects=polygon)
        return self.alias(_location_geometry=as_geometry(self.location_field)).filter(matches)

    def extent(self):
        """(west, south, east, north) in degrees: the smallest lon/lat box that
        holds every row's location, exactly as ``ST_Extent`` gives it, or None
        when no row has one.

        Without reading every row: the westernmost row is the one nearest to a
        line west of -180°, which a KNN walk (``<->``) on the
        ``location::geometry`` GiST index (``geometry_index``) finds in a few
        pages. Its lon is then the least among the rows as near to the line as
        it (``ST_DWithin`` on the same index): float8 rounding may tie rows less
        than about 1e-13° apart. Likewise the other three edges, all in one
        statement. Always current: a row written, moved or deleted moves the
        edges with it, in the same transaction.
        """
        located, params = (
            self.filter(**{f"{self.location_field}__isnull": False})
            .order_by()
            # As a plain column: Django would read a geometry out as EWKB,
            # which no index is on.
            .values(g=ExpressionWrapper(as_geometry(self.location_field), models.Field()))
            .query.sql_with_params()
        )
        edges = [
            f"(SELECT {end}({coordinate}(g)) FROM located WHERE ST_DWithin(g, {line}, "
            f"(SELECT g <-> {line} FROM located ORDER BY 1 LIMIT 1)))"
            for line, coordinate, end in EXTENT_EDGES
        ]
        # NOT MATERIALIZED: each use is planned as the table itself, on its index.
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                f"WITH located AS NOT MATERIALIZED ({located}) SELECT {', '.join(edges)}",
                params,
            )
            box = cursor.fetchone()
        return None if box[0] is None else box
