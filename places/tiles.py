"""Vector tiles of the feature kinds: ``/tiles/<layer>/<z>/<x>/<y>.mvt`` and
``/tiles/<layer>.json`` (TileJSON 3.0.0).

Each tile is one SQL statement ending in ``ST_AsMVT``. Below ``CLUSTER_ZOOM`` a
tile holds one point per occupied cell of a ``GRID`` × ``GRID`` Web Mercator
grid aligned to the tile, with ``count``, the exact number of features in the
cell (and, when it is one, that feature's id and label, the first of
``kind.tile_properties()``: its name or title); from
``CLUSTER_ZOOM`` on, the features themselves with ``kind.tile_properties()``.

Cells are counted by the Web Mercator fractions of each point (the functions
of migration places 0008, mercantile's formulas), so a point belongs to exactly one
cell at each zoom: the four children of a tile count what it counts, and no
point on a tile's edge is counted twice or lost.

The unfiltered view of zooms up to ``CELLS_MAX_ZOOM`` reads ``places_tile_cell``
(``TileCell``), which triggers on the apps' tables keep in the same
transaction as each write; a kind whose default view changes with time
(upcoming events) has the rows that have left it since its ``as_of`` taken
away as the tile is drawn (``kind.tile_expired``). Filtered views, and zooms
above ``CELLS_MAX_ZOOM``, are grouped live over the kind's own filter
(``kind.filter``), the one the list uses.

Caching: every layer has a data version, new on every write that touches its
tables (``TileLayer``, bumped by triggers). TileJSON's tile URLs carry it as
``v``; a tile asked for at the current version that does not depend on the
clock is cacheable for a year. Tiles have an ``ETag`` (the version, or for a
view that changes with time, a hash of the tile) and answer ``If-None-Match``
with 304.
"""

import hashlib
import math
from urllib.parse import unquote, urlencode

from django.db.models import DateTimeField, F
from django.db.models.expressions import RawSQL
from django.http import HttpResponse, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from rest_framework.renderers import JSONRenderer

from places import parsers
from places.api import refuse_nul_characters
from places.geojson import lon_lat
from places.models import TileCell, TileLayer
from places.tilehttp import (
    MVT_MEDIA_TYPE,
    PINNED_CACHE_CONTROL,
    JSONErrors,
    not_modified,
    read_cursor,
)
from places.views import APIView

EXTENT = 4096
# Keep GRID_BITS and CELLS_MAX_ZOOM in step with migration places 0008.
GRID_BITS = 6
GRID = 2**GRID_BITS
CELLS_MAX_ZOOM = 11
# From this zoom on a tile carries the features themselves.
CLUSTER_ZOOM = 14
# 2πR of the Web Mercator sphere, in meters: the width of the square.
MERCATOR_WIDTH_M = 40075016.68557849
MAX_AGE_S = 60
# Where cells' bounds in TileJSON are read: 2048 columns, about 20 km at the equator.
BOUNDS_ZOOM = 5
WORLD_BOUNDS = [-180.0, -parsers.MERCATOR_MAX_LAT, 180.0, parsers.MERCATOR_MAX_LAT]


def check_filters(kind, params, extra=()):
    """The kind's own parameters (plus ``extra``), each validated by ``kind.filter``."""
    allowed = set(kind.parameters) | set(extra)
    refuse_nul_characters(params)
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise parsers.InvalidParameter(
            unknown[0],
            _("Unknown parameter. Known parameters: %(known)s.")
            % {"known": ", ".join(sorted(allowed))},
        )
    filters = params.copy()
    for name in extra:
        filters.pop(name, None)
    # Parse now, so a bad value is a 400 before anything is drawn.
    kind.filter(kind.get_queryset(), filters)
    return filters


def layer_state(kind):
    """(version, as_of) of the kind's layer; (0, None) before its first write."""
    row = TileLayer.objects.filter(layer=kind.name).values_list("version", "as_of").first()
    return row or (0, None)


def expanded(bounds, margin=1e-9):
    """A lon/lat box a hair larger, so rounding never keeps out a point that
    the grid arithmetic puts in the tile (that arithmetic decides)."""
    west, south, east, north = bounds
    return (
        max(west - margin, -180.0),
        max(south - margin, -90.0),
        min(east + margin, 180.0),
        min(north + margin, 90.0),
    )


def tile_bounds(z, x, y):
    return expanded(parsers.parse_tile(f"{z}/{x}/{y}"))


class TileSQL:
    """The one statement that draws a tile of a kind."""

    def __init__(self, kind, filters, z, x, y, now=None, as_of=None):
        self.kind = kind
        self.filters = filters
        self.z, self.x, self.y = z, x, y
        self.now = now
        self.as_of = as_of

    def features_sql(self, queryset, properties=None):
        """(sql, params, outer columns) of ``queryset`` with ``_t_id``, ``_lon``,
        ``_lat`` and ``properties`` (by default the tile properties) as
        ``_t_<name>``; the outer columns name them back (date-times as RFC 3339
        text in UTC)."""
        properties = self.kind.tile_properties() if properties is None else properties
        queryset = queryset.order_by().annotate(
            _t_id=F("pk"),
            **lon_lat(self.kind.geometry_field),
            **{f"_t_{name}": expression for name, expression in properties.items()},
        )
        columns = ["_t_id", "_lon", "_lat", *(f"_t_{name}" for name in properties)]
        queryset = queryset.values(*columns)
        sql, params = queryset.query.sql_with_params()
        outer = []
        for name in properties:
            annotation = queryset.query.annotations[f"_t_{name}"]
            column = f'q."_t_{name}"'
            if isinstance(annotation.output_field, DateTimeField):
                column = (
                    f"to_char({column} AT TIME ZONE 'UTC', "
                    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
                )
            outer.append(f'{column} AS "{name}"')
        return sql, list(params), outer

    def filtered(self):
        return self.kind.filter(self.kind.get_queryset(), self.filters).in_bbox(
            *tile_bounds(self.z, self.x, self.y)
        )

    def envelope(self):
        return f"ST_TileEnvelope({self.z}, {self.x}, {self.y})"

    def mvt(self, rows_sql):
        return (
            f"SELECT ST_AsMVT(t, %s, {EXTENT}, 'geom', 'id') FROM ({rows_sql}) AS t",
            [self.kind.name],
        )

    def owned(self, alias, bits):
        """The points of ``alias`` (with fx, fy) that the tile owns, at grid ``bits``."""
        shift = bits - self.z
        return (
            f"{alias}.fy IS NOT NULL AND cerca_tile_index({alias}.fx, {bits}) >> {shift} = "
            f"{self.x} AND cerca_tile_index({alias}.fy, {bits}) >> {shift} = {self.y}"
        )

    def point(self, lon, lat):
        return (
            f"ST_SetSRID(ST_MakePoint((cerca_tile_fx({lon}) - 0.5) * {MERCATOR_WIDTH_M}, "
            f"(0.5 - cerca_tile_fy({lat})) * {MERCATOR_WIDTH_M}), 3857)"
        )

    def features(self):
        """Every feature the tile owns, with its properties."""
        sql, params, columns = self.features_sql(self.filtered())
        rows = (
            f"SELECT q._t_id AS id, {', '.join(columns + [''])}"
            f"ST_AsMVTGeom({self.point('q._lon', 'q._lat')}, {self.envelope()}, {EXTENT}, 0, "
            f"false) AS geom FROM ({sql}) AS q, "
            "LATERAL (SELECT cerca_tile_fx(q._lon) AS fx, cerca_tile_fy(q._lat) AS fy) AS p "
            f"WHERE {self.owned('p', self.z)}"
        )
        mvt, mvt_params = self.mvt(rows)
        return mvt, mvt_params + params

    def live_cells(self, queryset, sign=1):
        """(sql, params) of the cells of ``queryset``'s points that the tile owns."""
        sql, params, _columns = self.features_sql(queryset, properties={})
        bits = self.z + GRID_BITS
        return (
            f"SELECT cerca_tile_index(p.fx, {bits}) AS gx, cerca_tile_index(p.fy, {bits}) AS gy, "
            f"{sign} * count(*) AS n, {sign} * sum((p.fx - 0.5) * {MERCATOR_WIDTH_M}) AS sx, "
            f"{sign} * sum((0.5 - p.fy) * {MERCATOR_WIDTH_M}) AS sy, "
            f"({sign} * sum(p.id))::bigint AS sid "
            "FROM (SELECT q._t_id AS id, cerca_tile_fx(q._lon) AS fx, cerca_tile_fy(q._lat) AS fy "
            f"FROM ({sql}) AS q) AS p WHERE {self.owned('p', bits)} GROUP BY 1, 2",
            params,
        )

    def stored_cells(self):
        return (
            f"SELECT c.tx::bigint * {GRID} + c.cx AS gx, c.ty::bigint * {GRID} + c.cy AS gy, "
            "c.n, c.sum_x AS sx, c.sum_y AS sy, c.sum_id AS sid "
            f"FROM {TileCell._meta.db_table} AS c "
            "WHERE c.layer = %s AND c.z = %s AND c.tx = %s AND c.ty = %s",
            [self.kind.name, self.z, self.x, self.y],
        )

    def clusters(self, stored):
        """One point per occupied cell, with its exact ``count``."""
        if stored:
            cells, params = self.stored_cells()
            expired = self.kind.tile_expired(self.as_of, self.now)
            if expired is not None:
                gone, gone_params = self.live_cells(
                    expired.in_bbox(*tile_bounds(self.z, self.x, self.y)), sign=-1
                )
                cells = (
                    "SELECT u.gx, u.gy, sum(u.n) AS n, sum(u.sx) AS sx, sum(u.sy) AS sy, "
                    f"sum(u.sid)::bigint AS sid FROM ({cells} UNION ALL {gone}) AS u "
                    "GROUP BY u.gx, u.gy HAVING sum(u.n) > 0"
                )
                params = params + gone_params
        else:
            cells, params = self.live_cells(self.filtered())
        # A cell of one is joined to its row by primary key, one index lookup
        # each (a hash or merge join would need estimates a CTE does not give).
        singles = self.kind.get_queryset().filter(
            pk=RawSQL("CASE WHEN cells.n = 1 THEN cells.sid END", ())
        )
        # Its label only (the first tile property: name, title): a popup asks
        # /api/ for the rest, and a low zoom tile stays small.
        label = dict([next(iter(self.kind.tile_properties().items()))])
        single_sql, single_params, columns = self.features_sql(singles, properties=label)
        rows = (
            "SELECT CASE WHEN cells.n = 1 THEN cells.sid END AS id, cells.n::int AS count, "
            f"{', '.join(columns + [''])}"
            "ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(cells.sx / cells.n, cells.sy / cells.n), "
            f"3857), {self.envelope()}, {EXTENT}, 0, false) AS geom "
            f"FROM cells LEFT JOIN LATERAL ({single_sql}) AS q ON true"
        )
        mvt, mvt_params = self.mvt(rows)
        return f"WITH cells AS MATERIALIZED ({cells}) {mvt}", params + mvt_params + single_params

    def sql(self, stored):
        if self.z >= CLUSTER_ZOOM:
            return self.features()
        return self.clusters(stored and self.z <= CELLS_MAX_ZOOM)


def draw_tile(kind, filters, z, x, y, as_of=None):
    """The MVT bytes of tile z/x/y of ``kind`` with the list's ``filters``."""
    now = timezone.now()
    if as_of is not None and as_of > now:
        now = as_of
    sql, params = TileSQL(kind, filters, z, x, y, now=now, as_of=as_of).sql(stored=not filters)
    with read_cursor(TileCell) as cursor:
        cursor.execute(sql, params)
        tile = cursor.fetchone()[0]
    return bytes(tile or b"")


class PublicView(APIView):
    """Public reads: no authentication, so the session is never touched and
    responses do not vary by Cookie (a shared cache keeps one copy)."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONErrors
    authentication_classes = []
    permission_classes = []


class TileView(PublicView):
    """GET one vector tile of a kind."""

    kind = None
    schema = None

    def get(self, request, z, x, y):
        z, x, y = parsers.parse_tile_address(z, x, y)
        filters = check_filters(self.kind, request.query_params, extra=("v",))
        asked = request.query_params.get("v")
        if asked is not None:
            asked = parsers.parse_int(asked, "v", minimum=0)
        version, as_of = layer_state(self.kind)
        with_time = self.kind.changes_with_time(filters)
        headers = {"Cache-Control": f"public, max-age={MAX_AGE_S}"}
        if asked == version and not with_time:
            headers["Cache-Control"] = PINNED_CACHE_CONTROL
        if not with_time:
            headers["ETag"] = f'W/"{self.kind.name}-{version}"'
            # Known before drawing: a client that has the tile costs no tile.
            answered = not_modified(request, headers["ETag"], headers)
            if answered is not None:
                return answered
        tile = draw_tile(self.kind, filters, z, x, y, as_of=as_of)
        if with_time:
            headers["ETag"] = f'"{hashlib.blake2b(tile, digest_size=12).hexdigest()}"'
            answered = not_modified(request, headers["ETag"], headers)
            if answered is not None:
                return answered
        return HttpResponse(tile, content_type=MVT_MEDIA_TYPE, headers=headers)


def tile_fields(kind):
    """TileJSON ``fields`` of a kind's layer: what each property holds."""
    fields = {
        "count": _("Number: how many features lie in this cell (below zoom %(z)s).")
        % {"z": CLUSTER_ZOOM},
    }
    for name in kind.tile_properties():
        fields[name] = _("A property of a single feature; see /api/%(kind)s/<id>/.") % {
            "kind": kind.name
        }
    return fields


def layer_bounds(kind):
    """[west, south, east, north] of the cells the layer occupies at BOUNDS_ZOOM
    (every row counted there lies inside), or the whole Web Mercator square."""
    with read_cursor(TileCell) as cursor:
        cursor.execute(
            f"""
            SELECT min(tx::bigint * {GRID} + cx), min(ty::bigint * {GRID} + cy),
                   max(tx::bigint * {GRID} + cx), max(ty::bigint * {GRID} + cy)
            FROM {TileCell._meta.db_table} WHERE layer = %s AND z = %s
            """,
            [kind.name, BOUNDS_ZOOM],
        )
        west_x, north_y, east_x, south_y = cursor.fetchone()
    if west_x is None:
        return WORLD_BOUNDS
    cells = 2 ** (BOUNDS_ZOOM + GRID_BITS)

    def lon(gx):
        return round(gx / cells * 360 - 180, 6)

    def lat(gy):
        return round(math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * gy / cells)))), 6)

    return [lon(west_x), lat(south_y + 1), lon(east_x + 1), lat(north_y)]


def tile_url_template(request, kind, filters):
    """The absolute URL of ``kind``'s tiles for ``filters`` (a QueryDict the
    kind's filter accepts), ``{z}/{x}/{y}`` left to fill, at the layer's
    current data version (``v``): what TileJSON's ``tiles`` holds."""
    version, _as_of = layer_state(kind)
    template = unquote(request.build_absolute_uri(
        reverse(f"tiles:{kind.name}-tile", kwargs={"z": "{z}", "x": "{x}", "y": "{y}"})
    ))
    query = urlencode(
        [(name, value) for name, values in sorted(filters.lists()) for value in values]
        + [("v", str(version))]
    )
    return f"{template}?{query}"


class TileJSONView(PublicView):
    """GET the TileJSON 3.0.0 document of a kind's layer, for the given filters."""

    kind = None
    schema = None

    def get(self, request):
        filters = check_filters(self.kind, request.query_params)
        return JsonResponse(
            {
                "tilejson": "3.0.0",
                "name": str(self.kind.title),
                "description": str(self.kind.description),
                "version": "1.0.0",
                "scheme": "xyz",
                "tiles": [tile_url_template(request, self.kind, filters)],
                "minzoom": 0,
                "maxzoom": CLUSTER_ZOOM,
                "bounds": layer_bounds(self.kind),
                "vector_layers": [
                    {
                        "id": self.kind.name,
                        "description": str(self.kind.title),
                        "minzoom": 0,
                        "maxzoom": CLUSTER_ZOOM,
                        "fields": tile_fields(self.kind),
                    }
                ],
            },
            headers={"Cache-Control": f"public, max-age={MAX_AGE_S}"},
        )


def tile_urlpatterns(kinds):
    """URL patterns serving ``kinds`` (FeatureKind instances) as vector tile layers,
    one per kind's name: ``<name>/<z>/<x>/<y>.mvt`` and ``<name>.json``."""
    patterns = []
    for kind in kinds:
        patterns += [
            path(
                f"{kind.name}/<str:z>/<str:x>/<str:y>.mvt",
                # A city tile is ~110 KB and ~35 KB gzipped.
                gzip_page(TileView.as_view(kind=kind)),
                name=f"{kind.name}-tile",
            ),
            path(f"{kind.name}.json", TileJSONView.as_view(kind=kind), name=f"{kind.name}-json"),
        ]
    return patterns, "tiles"
