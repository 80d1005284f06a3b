"""OGC API - Features, Part 1 (Core, GeoJSON, OpenAPI 3.0) over the same kinds as /api/.

Titles, descriptions and errors come in the request's language, as on the
site: the language cookie, else Accept-Language (LocaleMiddleware), Spanish
by default; Content-Language says which.

QGIS and GDAL's OAPIF driver connect to ``/ogc/`` with no glue: a landing
page, conformance, collections with their extents, items with ``bbox``,
``limit``, ``datetime`` and ``next`` links, and single items.
"""

import json

from django.db import connections
from django.db.models import ExpressionWrapper, F, Field
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from rest_framework.renderers import JSONRenderer

from places import parsers
from places.api import (
    FeatureQuery,
    GeoJSONRenderer,
    geojson_response,
    not_found,
    now_rfc3339,
    page_links,
    refuse_nul_characters,
)
from places.exports import export_links
from places.geojson import GEOJSON_MEDIA_TYPE, feature_collection
from places.schema import OgcSchema
from places.views import APIView

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
JSON = "application/json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
FORMATS = {"json", "geojson"}


class OgcView(APIView):
    """Answers JSON or GeoJSON, whichever the client accepts; knows the kinds."""

    renderer_classes = [JSONRenderer, GeoJSONRenderer]
    schema = OgcSchema()
    operation = ""
    kinds = {}
    allowed = frozenset({"f"})

    def check_parameters(self, request, allowed=None):
        allowed = allowed or self.allowed
        refuse_nul_characters(request.query_params)
        unknown = sorted(set(request.query_params) - set(allowed))
        if unknown:
            raise parsers.InvalidParameter(
                unknown[0],
                _("Unknown parameter. Known parameters: %(known)s.")
                % {"known": ", ".join(sorted(allowed))},
            )
        if request.query_params.get("f", "json") not in FORMATS:
            raise parsers.InvalidParameter("f", _("Only json is offered."))

    def url(self, request, name, **kwargs):
        return request.build_absolute_uri(reverse(f"ogc:{name}", kwargs=kwargs))

    def get_kind(self, collection_id):
        return self.kinds.get(collection_id)


class LandingView(OgcView):
    operation = "landing"

    def get(self, request):
        self.check_parameters(request)
        return JsonResponse(
            {
                "title": "Cerca",
                "description": _("Study groups, events and venues near you, as OGC API - "
                                 "Features."),
                "links": [
                    {"href": self.url(request, "landing"), "rel": "self", "type": JSON,
                     "title": _("This document")},
                    {"href": request.build_absolute_uri(reverse("api:schema")) + "?format=json",
                     "rel": "service-desc", "type": OPENAPI, "title": _("The API definition")},
                    {"href": request.build_absolute_uri(reverse("api:docs")),
                     "rel": "service-doc", "type": "text/html",
                     "title": _("The API documentation")},
                    {"href": self.url(request, "conformance"), "rel": "conformance",
                     "type": JSON, "title": _("Conformance classes")},
                    {"href": self.url(request, "collections"), "rel": "data", "type": JSON,
                     "title": _("Collections")},
                ],
            }
        )


class ConformanceView(OgcView):
    operation = "conformance"

    def get(self, request):
        self.check_parameters(request)
        return JsonResponse({"conformsTo": CONFORMANCE})


# Extents are published with 6 decimals (about 0.1 m), as coordinates are.
EXTENT_DECIMALS = 6
WORLD = [-180, -90, 180, 90]


def rounded_outward(box):
    """[west, south, east, north] with EXTENT_DECIMALS decimals, each edge the
    nearest such number unless that would leave a point outside, then the
    next one out: the box still holds every point, and is at most 1e-6°
    (0.11 m) larger on each side."""
    step = 10.0**-EXTENT_DECIMALS

    def rounded(value, outward):
        edge = round(value, EXTENT_DECIMALS)
        if (edge - value) * outward < 0:
            edge = round(edge + outward * step, EXTENT_DECIMALS)
        return edge

    west, south, east, north = box
    return [rounded(west, -1), rounded(south, -1), rounded(east, 1), rounded(north, 1)]


def time_extent(queryset, field):
    """(earliest start, latest end) of the time ranges in ``field`` over
    ``queryset``, or (None, None); read from two indexes, never every row.

    The start is ``min()`` of the range's start, which PostgreSQL reads from
    the low end of a B-tree on it (events: ``event_start_id_idx``). No index
    orders the ends, but the latest end is the end of the last row to start
    or, if later, of a row that ends after that one ends: those few (the rows
    still going on then) are found by an overlap with [that end, ∞) on the
    range's GiST index (``event_during_idx``). One statement, so one snapshot.
    """
    rows, params = (
        queryset.order_by()
        .values(r=ExpressionWrapper(F(field), Field()))
        .query.sql_with_params()
    )
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(
            # NOT MATERIALIZED: each use is planned as the table itself, on its indexes.
            f"WITH rows AS NOT MATERIALIZED ({rows}) "
            "SELECT (SELECT min(lower(r)) FROM rows), "
            "(SELECT greatest(last.end_at, (SELECT max(upper(r)) FROM rows "
            "WHERE r && tstzrange(last.end_at, NULL))) "
            "FROM (SELECT upper(r) AS end_at FROM rows ORDER BY lower(r) DESC LIMIT 1) AS last)",
            params,
        )
        return cursor.fetchone()


class CollectionsMixin:
    def describe(self, request, kind):
        """The collection document of ``kind``, with its spatial (and temporal)
        extent; titles and descriptions in the request's language.

        Clients ask for it on every connection (QGIS does), so the extents come
        from indexes (``SpatialQuerySet.extent``, ``time_extent``), not from
        every row. They are the exact extents of the rows at the time of the
        request, the spatial one rounded outward to 6 decimals.
        """
        title = str(kind.title)
        queryset = kind.model.objects.all()
        extent = queryset.extent()
        description = {
            "id": kind.name,
            "title": title,
            "description": str(kind.description),
            "itemType": "feature",
            "crs": [CRS84],
            "extent": {
                "spatial": {
                    "bbox": [rounded_outward(extent) if extent else WORLD],
                    "crs": CRS84,
                }
            },
            "links": [
                {"href": self.url(request, "collection", collection_id=kind.name),
                 "rel": "self", "type": JSON, "title": title},
                {"href": self.url(request, "items", collection_id=kind.name),
                 "rel": "items", "type": GEOJSON_MEDIA_TYPE, "title": title},
                # The whole collection as files (GeoPackage, CSV...).
                *export_links(request, kind),
            ],
        }
        if hasattr(kind, "time_field"):
            start, end = time_extent(queryset, kind.time_field)
            description["extent"]["temporal"] = {
                "interval": [[start and start.isoformat(), end and end.isoformat()]],
                "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
            }
        return description


class CollectionsView(CollectionsMixin, OgcView):
    operation = "collections"

    def get(self, request):
        self.check_parameters(request)
        return JsonResponse(
            {
                "links": [
                    {"href": self.url(request, "collections"), "rel": "self", "type": JSON},
                ],
                "collections": [self.describe(request, kind) for kind in self.kinds.values()],
            }
        )


class CollectionView(CollectionsMixin, OgcView):
    operation = "collection"

    def get(self, request, collection_id):
        self.check_parameters(request)
        kind = self.get_kind(collection_id)
        if kind is None:
            return collection_not_found(collection_id)
        return JsonResponse(self.describe(request, kind))


class OgcFeatureQuery(FeatureQuery):
    """Items of a collection: every row (of any date and status), narrowed by
    ``bbox`` and, for kinds with a time range, ``datetime``."""

    def __init__(self, kind, params):
        allowed = {"bbox", "limit", "offset", "cursor", "f"}
        if hasattr(kind, "time_field"):
            allowed.add("datetime")
        super().__init__(kind, params, allowed=allowed)
        self.interval = (
            parsers.parse_interval(params["datetime"], "datetime")
            if params.get("datetime") is not None
            else None
        )

    def queryset(self):
        queryset = self.kind.model.objects.all()
        for box in self.boxes:
            queryset = queryset.in_bbox(*box)
        if self.interval:
            start, end = self.interval
            # OGC intervals are closed: "start/end" includes both instants.
            queryset = queryset.between(start, end, bounds="[]")
        return queryset

    def order_keys(self, queryset):
        # By id: the primary key's index pages through any collection.
        return [F("pk")]


class ItemsView(OgcView):
    operation = "items"

    def get(self, request, collection_id):
        kind = self.get_kind(collection_id)
        if kind is None:
            return collection_not_found(collection_id)
        if request.query_params.get("f", "json") not in FORMATS:
            raise parsers.InvalidParameter("f", _("Only json is offered."))
        query = OgcFeatureQuery(kind, request.query_params)
        features, bbox, matched, next_cursor = query.page()
        links = page_links(request, query, next_cursor)
        links.append(
            {"href": self.url(request, "collection", collection_id=kind.name),
             "rel": "collection", "type": JSON}
        )
        return geojson_response(
            feature_collection(
                features,
                bbox=bbox,
                numberMatched=matched,
                numberReturned=len(features),
                timeStamp=now_rfc3339(),
                links=links,
            )
        )


class ItemView(OgcView):
    operation = "item"

    def get(self, request, collection_id, feature_id):
        self.check_parameters(request)
        kind = self.get_kind(collection_id)
        if kind is None:
            return collection_not_found(collection_id)
        text = kind.feature(feature_id)
        if text is None:
            return not_found(kind, feature_id)
        links = [
            {"href": self.url(request, "item", collection_id=kind.name, feature_id=feature_id),
             "rel": "self", "type": GEOJSON_MEDIA_TYPE},
            {"href": self.url(request, "collection", collection_id=kind.name),
             "rel": "collection", "type": JSON},
        ]
        return geojson_response(feature_with_links(text, links))


def feature_with_links(text, links):
    """Add a ``links`` member to a Feature's JSON text without re-serializing it."""
    return f'{text[:-1]}, "links": {json.dumps(links)}}}'


def collection_not_found(collection_id):
    return JsonResponse(
        {
            "code": "NotFound",
            "description": _("No collection %(id)r.") % {"id": collection_id},
        },
        status=404,
    )


def ogc_urlpatterns(kinds):
    """URL patterns serving ``kinds`` (FeatureKind instances) as OGC API collections."""
    by_name = {kind.name: kind for kind in kinds}

    def view(cls):
        return cls.as_view(kinds=by_name)

    return (
        [
            path("", view(LandingView), name="landing"),
            path("conformance", view(ConformanceView), name="conformance"),
            path("collections", view(CollectionsView), name="collections"),
            path("collections/<str:collection_id>", view(CollectionView), name="collection"),
            path("collections/<str:collection_id>/items", view(ItemsView), name="items"),
            path(
                "collections/<str:collection_id>/items/<str:feature_id>",
                view(ItemView),
                name="item",
            ),
        ],
        "ogc",
    )
