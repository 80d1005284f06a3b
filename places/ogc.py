"""OGC API - Features, Part 1 (Core, GeoJSON, OpenAPI 3.0) over the same kinds as /api/.

Titles, descriptions and errors come in the request's language, as on the
site: the language cookie, else Accept-Language (LocaleMiddleware), Spanish
by default; Content-Language says which.

QGIS and GDAL's OAPIF driver connect to ``/ogc/`` with no glue: a landing
page, conformance, collections with their extents, items with ``bbox``,
``limit``, ``datetime`` and ``next`` links, and single items. Part 2 (CRS by
reference, ``places.crs``) gives items in CRS84, EPSG:4326 or EPSG:3857
(``crs``, ``bbox-crs``, ``Content-Crs``), and every document is also a web
page (``f=html`` or a browser's ``Accept``, ``places.ogc_html``).
"""

import json

from django.db import connections
from django.db.models import ExpressionWrapper, F, Field
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from rest_framework.renderers import JSONRenderer

from places import crs as crses
from places import ogc_html, parsers
from places.api import (
    MAX_LIMIT,
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

CRS84 = crses.CRS84
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    crses.CRS_CONFORMANCE,
]
JSON = "application/json"
HTML = ogc_html.HTML
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
FORMATS = {"json", "geojson", "html"}


class OgcView(APIView):
    """Answers JSON or GeoJSON, whichever the client accepts; knows the kinds."""

    renderer_classes = [JSONRenderer, GeoJSONRenderer]
    schema = OgcSchema()
    operation = ""
    kinds = {}
    allowed = frozenset({"f"})

    def perform_content_negotiation(self, request, force=False):
        # A browser's Accept (text/html) reaches the view, which answers HTML
        # itself (ogc_html); DRF's renderers then only render errors, as JSON.
        return super().perform_content_negotiation(request, force=True)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # The same URL answers JSON or HTML by Accept.
        patch_vary_headers(response, ["Accept"])
        return response

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
        check_format(request)

    def url(self, request, name, **kwargs):
        return request.build_absolute_uri(reverse(f"ogc:{name}", kwargs=kwargs))

    def get_kind(self, collection_id):
        return self.kinds.get(collection_id)


def check_format(request):
    if request.query_params.get("f", "json") not in FORMATS:
        raise parsers.InvalidParameter(
            "f", _("Offered: %(formats)s.") % {"formats": ", ".join(sorted(FORMATS))}
        )


def alternate(request, media_type=HTML):
    """The link to this document in the other format (HTML, or JSON from HTML)."""
    params = request.GET.copy()
    params["f"] = "html" if media_type == HTML else "json"
    return {"href": request.build_absolute_uri(f"{request.path}?{params.urlencode()}"),
            "rel": "alternate", "type": media_type,
            "title": _("This document as HTML") if media_type == HTML
            else _("This document as JSON")}


class LandingView(OgcView):
    operation = "landing"

    def get(self, request):
        self.check_parameters(request)
        document = (
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
                    alternate(request),
                ],
            }
        )
        if ogc_html.wanted(request):
            return ogc_html.landing(request, document)
        return JsonResponse(document)


class ConformanceView(OgcView):
    operation = "conformance"

    def get(self, request):
        self.check_parameters(request)
        document = {"conformsTo": CONFORMANCE, "links": [alternate(request)]}
        if ogc_html.wanted(request):
            return ogc_html.conformance(request, document)
        return JsonResponse(document)


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
            # OGC API - Features Part 2: what ``crs`` may ask for, and what the
            # rows are kept in (geography lon/lat: CRS84).
            "crs": crses.SUPPORTED,
            "storageCrs": CRS84,
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
        document = {
            "links": [
                {"href": self.url(request, "collections"), "rel": "self", "type": JSON},
                alternate(request),
            ],
            "collections": [self.describe(request, kind) for kind in self.kinds.values()],
        }
        if ogc_html.wanted(request):
            return ogc_html.collections(request, document)
        return JsonResponse(document)


class CollectionView(CollectionsMixin, OgcView):
    operation = "collection"

    def get(self, request, collection_id):
        self.check_parameters(request)
        kind = self.get_kind(collection_id)
        if kind is None:
            return collection_not_found(collection_id)
        document = self.describe(request, kind)
        document["links"].insert(1, alternate(request))
        if ogc_html.wanted(request):
            return ogc_html.collection(request, document)
        return JsonResponse(document)


class OgcFeatureQuery(FeatureQuery):
    """Items of a collection: every row (of any date and status), narrowed by
    ``bbox`` (in ``bbox-crs``) and, for kinds with a time range, ``datetime``;
    geometries in ``crs``."""

    def __init__(self, kind, params):
        allowed = {"bbox", "bbox-crs", "crs", "limit", "offset", "cursor", "f"}
        if hasattr(kind, "time_field"):
            allowed.add("datetime")
        super().__init__(kind, params, allowed=allowed)
        if params.get("limit"):
            # Refused rather than clamped: a client that asked for more (QGIS
            # or GDAL reading the maximum in the API definition never does)
            # learns it here instead of from a short layer.
            parsers.parse_int(params["limit"], "limit", minimum=1, maximum=MAX_LIMIT)
        self.crs = crses.parse_crs(params.get("crs"), "crs")
        self.interval = (
            parsers.parse_interval(params["datetime"], "datetime")
            if params.get("datetime") is not None
            else None
        )

    def parse_bbox(self, value):
        bbox_crs = crses.parse_crs(self.params.get("bbox-crs"), "bbox-crs")
        return (*crses.parse_bbox(value, bbox_crs, "bbox"), bbox_crs.srid)

    def queryset(self):
        # The kind's public rows (hidden groups and events left out).
        queryset = self.kind.get_queryset()
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
        check_format(request)
        query = OgcFeatureQuery(kind, request.query_params)
        html = ogc_html.wanted(request)
        if html:
            # The page's map draws lon/lat, whatever crs says.
            query.crs = crses.STORAGE
        features, bbox, matched, next_cursor = query.page()
        links = page_links(request, query, next_cursor)
        links.append(
            {"href": self.url(request, "collection", collection_id=kind.name),
             "rel": "collection", "type": JSON}
        )
        links.append(alternate(request))
        members = {
            # Centimetres in Web Mercator, as the coordinates.
            "bbox": bbox and [round(edge, query.crs.decimals) for edge in bbox],
            "numberMatched": matched,
            "numberReturned": len(features),
            "timeStamp": now_rfc3339(),
            "links": links,
        }
        if html:
            return ogc_html.items(request, kind, members, features)
        return geojson_response(
            feature_collection(features, **members),
            headers={"Content-Crs": query.crs.header()},
        )


class ItemView(OgcView):
    operation = "item"

    def get(self, request, collection_id, feature_id):
        self.check_parameters(request, allowed={"f", "crs"})
        crs = crses.parse_crs(request.query_params.get("crs"), "crs")
        html = ogc_html.wanted(request)
        kind = self.get_kind(collection_id)
        if kind is None:
            return collection_not_found(collection_id)
        text = kind.feature(feature_id, crs=crses.STORAGE if html else crs)
        if text is None:
            return not_found(kind, feature_id)
        links = [
            {"href": self.url(request, "item", collection_id=kind.name, feature_id=feature_id),
             "rel": "self", "type": GEOJSON_MEDIA_TYPE},
            {"href": self.url(request, "collection", collection_id=kind.name),
             "rel": "collection", "type": JSON},
            alternate(request),
        ]
        if html:
            return ogc_html.item(request, kind, json.loads(text), links)
        return geojson_response(
            feature_with_links(text, links), headers={"Content-Crs": crs.header()}
        )


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
