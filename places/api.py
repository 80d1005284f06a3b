"""The shared machinery of Cerca's GeoJSON endpoints (``/api/`` and ``/ogc/``).

A kind of feature (study groups, events, venues) is a ``FeatureKind``: its
base queryset, its properties as database expressions and the query
parameters it understands. ``FeatureCollectionView`` and ``FeatureView`` turn a
kind into GeoJSON lists and details built in PostGIS.
"""

import datetime

from django.http import HttpResponse
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from places import parsers
from places.geojson import (
    GEOJSON_MEDIA_TYPE,
    collection_bbox,
    feature_collection,
    feature_text,
    lon_lat,
)

DEFAULT_RADIUS_KM = 10
MAX_RADIUS_KM = 500
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000


def exception_handler(exc, context):
    """DRF's handler, plus a 400 naming the parameter for ``InvalidParameter``."""
    if isinstance(exc, parsers.InvalidParameter):
        return Response(
            {
                "code": "InvalidParameterValue",
                "parameter": exc.param,
                "description": exc.message,
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    return drf_exception_handler(exc, context)


class FeatureKind:
    """What the endpoints need to know about one kind of feature."""

    name = ""  # the collection id, e.g. "studygroups"
    title = ""
    description = ""
    model = None
    geometry_field = "location"
    # Query parameters this kind understands beyond the shared spatial ones.
    parameters = frozenset()
    ordering = ("pk",)

    def get_queryset(self):
        return self.model.objects.all()

    def properties(self):
        """{name: expression} of each feature's properties."""
        raise NotImplementedError

    def filter(self, queryset, params):
        """Apply this kind's own parameters; the default is the unfiltered queryset."""
        return queryset

    def feature(self, pk):
        """The Feature with primary key ``pk`` as JSON text, or None."""
        return (
            self.get_queryset()
            .filter(pk=pk)
            .annotate(_feature=feature_text(self.properties(), self.geometry_field))
            .values_list("_feature", flat=True)
            .first()
        )


class FeatureQuery:
    """A list request's parameters, parsed and validated, applied to a kind."""

    spatial_parameters = frozenset({"near", "radius_km", "bbox", "tile", "limit", "offset"})

    def __init__(self, kind, params, allowed=None):
        allowed = allowed if allowed is not None else self.spatial_parameters | kind.parameters
        unknown = sorted(set(params) - set(allowed))
        if unknown:
            raise parsers.InvalidParameter(
                unknown[0],
                _("Unknown parameter. Known parameters: %(known)s.")
                % {"known": ", ".join(sorted(allowed))},
            )
        self.kind = kind
        self.params = params
        self.near = parsers.parse_lonlat(params["near"], "near") if "near" in params else None
        self.radius_m = 1000 * (
            parsers.parse_positive(params["radius_km"], "radius_km", maximum=MAX_RADIUS_KM)
            if "radius_km" in params
            else DEFAULT_RADIUS_KM
        )
        if "radius_km" in params and not self.near:
            raise parsers.InvalidParameter("radius_km", _("Only makes sense with near."))
        self.boxes = []
        if params.get("bbox") is not None:
            self.boxes.append(parsers.parse_bbox(params["bbox"], "bbox"))
        if params.get("tile") is not None:
            self.boxes.append(parsers.parse_tile(params["tile"], "tile"))
        self.limit = parsers.parse_limit(
            params.get("limit"), "limit", default=DEFAULT_LIMIT, maximum=MAX_LIMIT
        )
        self.offset = parsers.parse_int(params.get("offset") or 0, "offset", minimum=0)

    def queryset(self):
        queryset = self.kind.filter(self.kind.get_queryset(), self.params)
        for box in self.boxes:
            queryset = queryset.in_bbox(*box)
        if self.near:
            return queryset.near(self.near, self.radius_m)
        return queryset.order_by(*self.kind.ordering)

    def page(self):
        """(feature texts, bbox, number matched) of the requested page."""
        queryset = self.queryset()
        rows = list(
            queryset.annotate(
                _feature=feature_text(
                    self.kind.properties(), self.kind.geometry_field, with_distance=bool(self.near)
                ),
                **lon_lat(self.kind.geometry_field),
            ).values_list("_feature", "_lon", "_lat")[self.offset : self.offset + self.limit]
        )
        if len(rows) < self.limit and (rows or not self.offset):
            matched = self.offset + len(rows)
        else:
            matched = queryset.count()
        return (
            [row[0] for row in rows],
            collection_bbox((row[1], row[2]) for row in rows),
            matched,
        )


def page_links(request, offset, limit, returned, matched, media_type=GEOJSON_MEDIA_TYPE):
    """self, and next and prev where they exist, as OGC API / RFC 8288 link objects."""

    def href(new_offset):
        query = request.GET.copy()
        if new_offset:
            query["offset"] = str(new_offset)
        else:
            query.pop("offset", None)
        encoded = query.urlencode()
        return request.build_absolute_uri(request.path + (f"?{encoded}" if encoded else ""))

    links = [{"href": href(offset), "rel": "self", "type": media_type}]
    if offset + returned < matched:
        links.append({"href": href(offset + limit), "rel": "next", "type": media_type})
    if offset > 0:
        links.append({"href": href(max(0, offset - limit)), "rel": "prev", "type": media_type})
    return links


def geojson_response(text, status=200, headers=None):
    return HttpResponse(
        text, status=status, content_type=GEOJSON_MEDIA_TYPE, headers=headers or {}
    )


def not_found(kind, pk):
    return Response(
        {
            "code": "NotFound",
            "description": _("No %(kind)s with id %(id)s.") % {"kind": kind.name, "id": pk},
        },
        status=status.HTTP_404_NOT_FOUND,
    )


class FeatureCollectionView(APIView):
    """GET a FeatureCollection of one kind, filtered by the shared parameters."""

    kind = None

    def get(self, request):
        query = FeatureQuery(self.kind, request.query_params)
        features, bbox, matched = query.page()
        return geojson_response(
            feature_collection(
                features,
                bbox=bbox,
                numberMatched=matched,
                numberReturned=len(features),
                timeStamp=now_rfc3339(),
                links=page_links(request, query.offset, query.limit, len(features), matched),
            )
        )


class FeatureView(APIView):
    """GET one Feature."""

    kind = None

    def get(self, request, pk):
        text = self.kind.feature(pk)
        if text is None:
            return not_found(self.kind, pk)
        return geojson_response(text)


def now_rfc3339():
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat().replace(
        "+00:00", "Z"
    )
