"""OpenAPI 3 descriptions of the GeoJSON and OGC API endpoints (drf-spectacular).

The views answer with JSON text built in PostGIS, so the schema cannot be read
off serializers; this AutoSchema describes them from their FeatureKind.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

PARAMETERS = {
    "near": (OpenApiTypes.STR, "Point to search around, as `lon,lat` in WGS84 degrees. "
             "Results come nearest first, each with `distance_m`."),
    "radius_km": (OpenApiTypes.NUMBER, "Search radius around `near`, in km: above 0, "
                  "at most 500. Default 10."),
    "bbox": (OpenApiTypes.STR, "Box `west,south,east,north` in WGS84 degrees; west > east "
             "crosses the antimeridian."),
    "tile": (OpenApiTypes.STR, "Web map tile `z/x/y` (XYZ scheme): the features inside it."),
    "limit": (OpenApiTypes.INT, "Features per page, at least 1. Default 100; more than "
              "10,000 is clamped to 10,000."),
    "offset": (OpenApiTypes.INT, "Features to skip, at most 10,000; follow the `next` link "
               "instead, whose `cursor` goes on at the cost of the first page."),
    "cursor": (OpenApiTypes.STR, "Where the page starts: copy it from a `next` link, as is."),
    "sortby": (OpenApiTypes.STR, "`distance` (nearest first; the default with `near`) or "
               "`start` (soonest first; the default without `near`, and with it the events "
               "within the radius by date)."),
    "topic": (OpenApiTypes.STR, "Topic slug, e.g. `python`."),
    "q": (OpenApiTypes.STR, "Text to find in names and descriptions, accents and case "
          "ignored."),
    "online": (OpenApiTypes.BOOL, "`true` for online only, `false` for in person only."),
    "start": (OpenApiTypes.DATETIME, "RFC 3339: events that end after it. Without `start` "
              "and `end`, upcoming events."),
    "end": (OpenApiTypes.DATETIME, "RFC 3339: events that start before it."),
    "status": (OpenApiTypes.STR, "`scheduled` (default), `cancelled` or `any`."),
    "study_group": (OpenApiTypes.INT, "Id of a study group: its events or venues only."),
    "datetime": (OpenApiTypes.STR, "RFC 3339 instant or interval `start/end`, `../end`, "
                 "`start/..`: events whose time intersects it."),
    "f": (OpenApiTypes.STR, "Output format: `json` (GeoJSON for items) or `html` (a web "
          "page; also chosen by a browser's `Accept: text/html`)."),
    "crs": (OpenApiTypes.STR, "CRS of the returned geometries (OGC API - Features Part 2): "
            "`http://www.opengis.net/def/crs/OGC/1.3/CRS84` (default, lon/lat), "
            "`http://www.opengis.net/def/crs/EPSG/0/4326` (lat/lon) or "
            "`http://www.opengis.net/def/crs/EPSG/0/3857` (Web Mercator metres). The "
            "`Content-Crs` header says which."),
    "bbox-crs": (OpenApiTypes.STR, "CRS of `bbox`, one of those `crs` takes; CRS84 by "
                 "default. With EPSG:4326, `bbox` is `south,west,north,east`."),
}

FEATURE = {
    "type": "object",
    "description": "A GeoJSON Feature (RFC 7946); geometry is null for online items.",
    "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"type": "integer"},
        "geometry": {"type": "object", "nullable": True},
        "properties": {"type": "object"},
    },
}
LINK = {
    "type": "object",
    "properties": {
        "href": {"type": "string"},
        "rel": {"type": "string"},
        "type": {"type": "string"},
    },
}
FEATURE_COLLECTION = {
    "type": "object",
    "description": "A GeoJSON FeatureCollection with OGC API paging members.",
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "bbox": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4},
        "numberMatched": {"type": "integer", "description": "How many features match, "
                          "when that is cheap to know: on a first or last page, up to "
                          "1,000; left out otherwise."},
        "numberReturned": {"type": "integer"},
        "timeStamp": {"type": "string", "format": "date-time"},
        "links": {"type": "array", "items": LINK},
        "features": {"type": "array", "items": FEATURE},
    },
}
ERROR = {
    "type": "object",
    "description": "Every error under /api/ and /ogc/ (places.errors).",
    "required": ["code", "description"],
    "properties": {
        "code": {"type": "string", "description": "A stable word: `InvalidParameterValue`, "
                 "`InvalidFieldValue`, `InvalidBody`, `NotFound`, `TooManyRequests`..."},
        "parameter": {"type": "string", "description": "The query parameter, path part or "
                      "body field at fault, when one is."},
        "description": {"type": "string", "description": "What is wrong, in the request's "
                        "language."},
        "errors": {
            "type": "object",
            "description": "A body's field errors: field name to messages.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}

# Errors any operation may answer, whatever its own description says.
ERROR_STATUSES = {
    401: "Credentials were given and are wrong.",
    403: "Not allowed (signed out, or not an organizer of this group).",
    404: "No such item.",
    406: "No media type in `Accept` can be served.",
    429: "Too many requests: wait `Retry-After` seconds.",
    500: "A bug on our side.",
    503: "The database is unavailable for a moment: wait `Retry-After` seconds.",
}
BAD_REQUEST = "A parameter or field is wrong; `parameter` names it."
BODY_ERROR_STATUSES = {
    413: "The body is larger than the server takes.",
    415: "The body is not JSON (`application/json` or `application/geo+json`).",
}
HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}


def document_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents the
    errors it can really answer, each as the one JSON error shape (``Error``)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            statuses = dict(ERROR_STATUSES)
            if operation.get("parameters") or "requestBody" in operation:
                statuses[400] = BAD_REQUEST
            if "requestBody" in operation:
                statuses.update(BODY_ERROR_STATUSES)
            for status, description in statuses.items():
                responses.setdefault(str(status), {"description": description})
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400:
                    response["content"] = error
    return result


def parameters(names, overrides=None):
    """OpenAPI query parameters ``names``; ``overrides`` maps a name to its
    (type or schema, description) where it differs from ``PARAMETERS``."""
    described = {**PARAMETERS, **(overrides or {})}
    return [
        OpenApiParameter(name, described[name][0], OpenApiParameter.QUERY,
                         description=described[name][1])
        for name in sorted(names)
    ]


# OGC API items refuse a limit out of range rather than clamp it; QGIS and
# GDAL read the maximum here and page with it.
OGC_LIMIT = (
    {"type": "integer", "minimum": 1, "maximum": 10_000, "default": 100},
    "Features per page, 1 to 10,000 (default 100); anything else is a 400.",
)


class CercaSchema(AutoSchema):
    """drf-spectacular's schema, with no ``format`` parameter: the API chooses
    its renderer by ``Accept`` alone (``places.negotiation``)."""

    def _get_format_parameters(self):
        return []


class FeatureSchema(CercaSchema):
    """Schema of a view whose ``kind`` is a FeatureKind (lists and details)."""

    def is_list(self):
        return "{pk}" not in self.path and "{id}" not in self.path

    def get_operation_id(self):
        verb = {"get": "list" if self.is_list() else "retrieve", "post": "create",
                "patch": "update", "delete": "delete"}[self.method.lower()]
        return f"{self.view.kind.name}_{verb}"

    def get_tags(self):
        return [self.view.kind.name]

    def get_description(self):
        return self.view.kind.description

    def get_override_parameters(self):
        if self.method == "GET" and self.is_list():
            from places.api import FeatureQuery

            return parameters(FeatureQuery.spatial_parameters | self.view.kind.parameters)
        return []

    def get_request_serializer(self):
        return getattr(self.view.kind, "serializer_class", None)

    def get_response_serializers(self):
        errors = {400: OpenApiResponse(ERROR, description="A parameter or field is wrong."),
                  404: OpenApiResponse(ERROR, description="No such feature.")}
        if self.method == "DELETE":
            return {204: OpenApiResponse(description="Deleted."), **errors}
        body = FEATURE_COLLECTION if self.method == "GET" and self.is_list() else FEATURE
        code = 201 if self.method == "POST" else 200
        return {code: OpenApiResponse(body), **errors}

    def map_renderers(self, attribute):
        return ["application/geo+json"]


class OgcSchema(CercaSchema):
    """Schema of the OGC API - Features views; ``operation`` names each."""

    def get_operation_id(self):
        return f"ogc_{self.view.operation}"

    def get_tags(self):
        return ["OGC API - Features"]

    def get_override_parameters(self):
        names = {"f"}
        if self.view.operation == "items":
            names |= {"bbox", "bbox-crs", "crs", "limit", "offset", "cursor", "datetime"}
        if self.view.operation == "item":
            names |= {"crs"}
        return parameters(names, {"limit": OGC_LIMIT})

    def get_response_serializers(self):
        body = {"items": FEATURE_COLLECTION, "item": FEATURE}.get(
            self.view.operation, {"type": "object"}
        )
        ok = OpenApiResponse(body)
        return {
            (200, "application/json"): ok,
            (200, "application/geo+json"): ok,
            # Each document is also a web page (f=html, places.ogc_html).
            (200, "text/html"): OpenApiResponse(OpenApiTypes.STR),
            400: OpenApiResponse(ERROR),
            404: OpenApiResponse(ERROR),
        }
