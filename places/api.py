"""The shared machinery of Cerca's GeoJSON endpoints (``/api/`` and ``/ogc/``).

A kind of feature (study groups, events, venues) is a ``FeatureKind``: its
base queryset, its properties as database expressions and the query
parameters it understands. ``FeatureCollectionView`` and ``FeatureView`` turn a
kind into GeoJSON lists and details built in PostGIS.
"""

import datetime
from contextlib import contextmanager

from django.contrib.gis.db.models.functions import GeometryDistance
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import Count, F, ProtectedError, Subquery, Window
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import status
from rest_framework.exceptions import (
    APIException,
    NotFound,
    ParseError,
    PermissionDenied,
    ValidationError,
)
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from places import paging, parsers
from places.body_parsers import BoundedJSONParser, GeoJSONParser
from places.errors import KEPT_HEADERS, error_response
from places.geojson import (
    GEOJSON_MEDIA_TYPE,
    collection_bbox,
    feature_collection,
    feature_text,
    lon_lat,
)
from places.querysets import within_page_radius
from places.schema import FeatureSchema
from places.validators import without_z
from places.views import APIView

DEFAULT_RADIUS_KM = 10
MAX_RADIUS_KM = 500
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000


def exception_handler(exc, context):
    """DRF's handler, answering every error in the one shape of places.errors:
    a 400 naming the parameter for ``InvalidParameter``, the first field at
    fault (and all of them in ``errors``) for a body that does not validate."""
    if isinstance(exc, parsers.InvalidParameter):
        return error_response(400, exc.message, parameter=exc.param)
    if isinstance(exc, RequestDataTooBig):
        return error_response(413)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    headers = {name: response[name] for name in KEPT_HEADERS if name in response}
    if isinstance(exc, ValidationError):
        return field_errors_response(exc.detail, headers)
    if isinstance(exc, ParseError):
        return error_response(400, str(exc.detail), code="InvalidBody", headers=headers)
    detail = exc.detail if isinstance(exc, APIException) else None
    return error_response(
        response.status_code, str(detail) if detail else None, headers=headers
    )


def field_errors_response(detail, headers=None):
    """A 400 for a body whose fields do not validate (DRF's ``detail``: a dict of
    lists, or a list for the body as a whole), naming the first field at fault."""
    if not isinstance(detail, dict):
        detail = {api_settings.NON_FIELD_ERRORS_KEY: detail}
    errors = {name: flat_messages(messages) for name, messages in detail.items()}
    field, messages = next(iter(errors.items()))
    return error_response(
        400,
        messages[0] if messages else None,
        code="InvalidFieldValue",
        parameter=None if field == api_settings.NON_FIELD_ERRORS_KEY else field,
        headers=headers,
        errors=errors,
    )


def flat_messages(messages):
    """DRF's nested error details as a flat list of strings."""
    if isinstance(messages, dict):
        return [text for value in messages.values() for text in flat_messages(value)]
    if isinstance(messages, (list, tuple)):
        return [text for value in messages for text in flat_messages(value)]
    return [str(messages)]


def as_pk(value):
    """``value`` as a primary key (a positive bigint), or None."""
    text = str(value)
    if not (text.isascii() and text.isdigit() and len(text) <= 19):
        return None
    pk = int(text)
    return pk if 0 < pk < 2**63 else None


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
    # The name ``sortby`` gives ``ordering`` (for a kind that takes ``sortby``).
    sortby = None

    def get_queryset(self):
        return self.model.objects.all()

    def properties(self):
        """{name: expression} of each feature's properties in a list: small ones
        (points, no polygons), so a page of 10,000 stays light."""
        raise NotImplementedError

    def detail_properties(self):
        """{name: expression} of a single feature's properties: the list's, and
        whatever is too big to repeat in lists."""
        return self.properties()

    def filter(self, queryset, params):
        """Apply this kind's own parameters; the default is the unfiltered queryset."""
        return queryset

    def first_matches(self, params, count, after=None):
        """Ids among which are the first ``count`` rows of the ranked list
        that ``params`` (with ``q``, without a place) ask for (by
        -search_rank, then ``ordering``), after the sort keys ``after``,
        found without ranking every match; at least ``count`` of them, or
        None when the kind cannot tell. A list keeps its first rows among
        them only if all of them pass its filters (studygroups.name_words)."""
        return None

    def matches_at_least(self, params):
        """A floor of how many rows ``params`` (``q`` and no other filter)
        match, counted only as far as the count's limit (0 when the kind
        cannot tell cheaply)."""
        return 0

    def tile_properties(self):
        """{name: expression} of what a vector tile's feature carries: what a
        popup needs (places.tiles), its label (name, title) first; the rest is at
        /api/<kind>/<id>/."""
        properties = self.properties()
        return {name: properties[name] for name in ("name", "city") if name in properties}

    def changes_with_time(self, params):
        """Whether the features matching ``params`` change with the clock alone."""
        return False

    def tile_expired(self, as_of, now):
        """The rows that the tiles' cells (kept as of ``as_of``) count but the
        default view no longer shows at ``now``, or None if none can be."""
        return None

    def get_object(self, pk):
        """The row with primary key ``pk`` (any string), or None."""
        return self.get_queryset().filter(pk=as_pk(pk)).first() if as_pk(pk) else None

    def feature(self, pk, crs=None):
        """The Feature with primary key ``pk`` as JSON text, or None; its
        geometry in ``crs`` (a ``places.crs.Crs``) if given, else CRS84."""
        if not as_pk(pk):
            return None
        return (
            self.get_queryset()
            .filter(pk=as_pk(pk))
            .annotate(
                _feature=feature_text(self.detail_properties(), self.geometry_field, crs=crs)
            )
            .values_list("_feature", flat=True)
            .first()
        )


class FeatureQuery:
    """A list request's parameters, parsed and validated, applied to a kind."""

    spatial_parameters = frozenset(
        {"near", "radius_km", "bbox", "tile", "limit", "offset", "cursor"}
    )
    # The CRS of the features' geometries (a places.crs.Crs); None is CRS84.
    crs = None
    # Whether rows() counted every match beside its page (see rows()).
    counted = False

    def __init__(self, kind, params, allowed=None):
        allowed = allowed if allowed is not None else self.spatial_parameters | kind.parameters
        refuse_nul_characters(params)
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
            self.boxes.append(self.parse_bbox(params["bbox"]))
        if params.get("tile") is not None:
            self.boxes.append(parsers.parse_tile(params["tile"], "tile"))
        self.limit = parsers.parse_limit(
            params.get("limit"), "limit", default=DEFAULT_LIMIT, maximum=MAX_LIMIT
        )
        self.offset = parsers.parse_int(
            params.get("offset") or 0, "offset", minimum=0, maximum=None
        )
        if self.offset > paging.MAX_OFFSET:
            raise parsers.InvalidParameter(
                "offset",
                _("Must be at most %(max)s; to go further, follow the next link, whose "
                  "cursor costs no more than the first page.") % {"max": paging.MAX_OFFSET},
            )
        # ``sortby`` (OGC API - Features Part 5's name): a near search comes
        # nearest first unless it asks for the kind's own order ("start": events
        # within the radius, soonest first).
        sortby = params.get("sortby") or ("distance" if self.near else kind.sortby)
        if "sortby" in params and (
            sortby not in {"distance", kind.sortby} or (sortby == "distance" and not self.near)
        ):
            raise parsers.InvalidParameter(
                "sortby",
                _("Expected %(choices)s.")
                % {"choices": _("distance (with near) or %(order)s") % {"order": kind.sortby}},
            )
        self.by_distance = sortby == "distance"
        self.cursor = params.get("cursor") or None
        if self.cursor and self.offset:
            raise parsers.InvalidParameter("cursor", _("Give offset or cursor, not both."))

    def parse_bbox(self, value):
        """The ``bbox`` parameter as the arguments of ``in_bbox``."""
        return parsers.parse_bbox(value, "bbox")

    def queryset(self):
        """The matching rows, unordered (``order_keys`` orders them)."""
        queryset = self.kind.filter(self.kind.get_queryset(), self.params)
        for box in self.boxes:
            queryset = queryset.in_bbox(*box)
        if self.near:
            queryset = queryset.near(self.near, self.radius_m)
        return queryset

    def order_keys(self, queryset):
        """The list's order as ascending sort keys, the primary key last, so
        that a row's keys say where the next page starts."""
        ranked = "search_rank" in queryset.query.annotations
        if self.by_distance:
            if ranked:
                # Text and place together: relevance, discounted by distance
                # (halved at 1 km, a third at 2 km...).
                return [-F("search_rank") / (1 + F("distance_m") / 1000), F("pk")]
            # The KNN operator, so the GiST index walks nearest first.
            return [GeometryDistance(self.kind.geometry_field, self.near), F("pk")]
        keys = [F(name) for name in self.kind.ordering]
        return [-F("search_rank"), *keys] if ranked else keys

    def ordered(self, limit=None):
        """The matching rows in the list's order; given ``limit``, only as many
        as its first ``limit`` rows need (a near list cut to their distance,
        see ``within_page_radius``), to be sliced by the caller."""
        queryset = self.queryset()
        keys = self.order_keys(queryset)
        if limit is None or not self.by_distance or "search_rank" in queryset.query.annotations:
            return queryset.order_by(*keys)
        queryset = within_page_radius(
            queryset.annotate(_key0=keys[0]), self.near, limit, field=self.kind.geometry_field
        )
        return queryset.order_by("_key0", *keys[1:])

    def rows(self, among=None):
        """The page's rows, one more than ``limit`` to tell whether a next page
        exists: (feature text, lon, lat, *sort keys), and for the first page
        of a ranked list near a point the number of matches last
        (``self.counted``); given ``among`` (primary keys), only those rows."""
        queryset = self.queryset()
        keys = {f"_key{i}": key for i, key in enumerate(self.order_keys(queryset))}
        queryset = queryset.annotate(**keys)
        if self.cursor:
            fields = [queryset.query.annotations[name].output_field for name in keys]
            queryset = queryset.filter(
                paging.RowAfter(
                    [F(name) for name in keys], paging.decode_cursor(self.cursor, fields), fields
                )
            )
        ranked = "search_rank" in queryset.query.annotations
        if self.by_distance and not ranked:
            queryset = within_page_radius(
                queryset, self.near, self.offset + self.limit, field=self.kind.geometry_field
            )
        # A ranked list near a point sorts every match within the radius
        # anyway: counting them on the way costs a few milliseconds, where a
        # count of its own would find them all again on the GIN indexes
        # (q=python near Bogotá at a million: 1,089 matches, 40-60 ms). Not
        # without near: holding all 65,000 matches of q=python for the count
        # cost more than counting the first thousand again.
        self.counted = bool(ranked and self.near and not self.cursor and not self.offset)
        counted = {"_matched": Window(Count("*"))} if self.counted else {}
        window = slice(self.offset, self.offset + self.limit + 1)
        if self.offset:
            # The page's ids first, then its features: PostgreSQL would
            # otherwise build the Feature of every row the offset skips.
            page_ids = queryset.order_by(*keys).values("pk")[window]
            queryset = queryset.filter(pk__in=Subquery(page_ids))
            window = slice(0, self.limit + 1)
        if among is not None:
            queryset = queryset.filter(pk__in=among)
            window = slice(0, len(among))
        return (
            queryset.order_by(*keys)
            .annotate(
                _feature=feature_text(
                    self.kind.properties(),
                    self.kind.geometry_field,
                    with_distance=bool(self.near),
                    crs=self.crs,
                ),
                **lon_lat(self.kind.geometry_field, self.crs),
                **counted,
            )
            .values_list("_feature", "_lon", "_lat", *keys, *counted)[window]
        )

    def first_rows(self):
        """The page's rows of a ranked list (``q``, no place) from the best
        matches the kind finds without ranking them all, or None where it
        cannot tell (see ``FeatureKind.first_matches``)."""
        if not self.params.get("q") or self.near or self.boxes or self.offset:
            return None
        after = None
        if self.cursor:
            queryset = self.queryset()
            keys = {f"_key{i}": key for i, key in enumerate(self.order_keys(queryset))}
            annotations = queryset.annotate(**keys).query.annotations
            after = paging.decode_cursor(
                self.cursor, [annotations[name].output_field for name in keys]
            )
        first = self.kind.first_matches(self.params, self.limit + 1, after)
        if first is None:
            return None
        rows = list(self.rows(among=first))
        # Right only if every one of them passes the list's filters: then no
        # other match ranks among the first of them.
        return rows[: self.limit + 1] if len(rows) == len(first) else None

    def page(self):
        """(feature texts, bbox, number matched or None, cursor of the next page
        or None) of the requested page."""
        first = self.first_rows()
        rows = list(self.rows()) if first is None else first
        if self.counted:
            matched = rows[0][-1] if rows else 0
            rows = [row[:-1] for row in rows]
        more = len(rows) > self.limit
        rows = rows[: self.limit]
        if self.counted:
            pass  # counted beside the page
        elif self.cursor:
            # Rows before the cursor are not known here; a client that wants
            # the total read it on the first page.
            matched = None
        elif not more and (rows or not self.offset):
            matched = self.offset + len(rows)
        else:
            # A full page and one more row already pass the count's limit
            # for a page of 1,000: no count then.
            known = self.offset + len(rows) + 1 if more else 0
            if first is not None and self.kind.parameters.intersection(self.params) == {"q"}:
                known = max(known, self.kind.matches_at_least(self.params))
            matched = paging.capped_count(self.queryset(), at_least=known)
        return (
            [row[0] for row in rows],
            collection_bbox((row[1], row[2]) for row in rows),
            matched,
            paging.encode_cursor(rows[-1][3:]) if more else None,
        )


def refuse_nul_characters(params):
    """PostgreSQL text cannot hold NUL; refuse it here, naming the parameter."""
    for name, values in params.lists():
        if any("\x00" in value for value in values):
            raise parsers.InvalidParameter(name, _("Contains a NUL character."))


def page_links(request, query, next_cursor, media_type=GEOJSON_MEDIA_TYPE):
    """self, and next and prev where they exist, as OGC API / RFC 8288 link objects.

    ``next`` carries a cursor (a keyset page, as cheap as the first); ``prev``
    exists only for pages reached by a (small) offset.
    """

    def href(**changes):
        params = request.GET.copy()
        for name, value in changes.items():
            if value:
                params[name] = str(value)
            else:
                params.pop(name, None)
        encoded = params.urlencode()
        return request.build_absolute_uri(request.path + (f"?{encoded}" if encoded else ""))

    links = [{"href": href(), "rel": "self", "type": media_type}]
    if next_cursor:
        links.append(
            {"href": href(offset=None, cursor=next_cursor), "rel": "next", "type": media_type}
        )
    if query.offset > 0:
        links.append(
            {"href": href(offset=max(0, query.offset - query.limit)), "rel": "prev",
             "type": media_type}
        )
    return links


def geojson_response(text, status=200, headers=None):
    return HttpResponse(
        text, status=status, content_type=GEOJSON_MEDIA_TYPE, headers=headers or {}
    )


def no_such_id(kind, pk):
    return _("%(collection)s: none has the id %(id)s.") % {"collection": kind.title, "id": pk}


def not_found(kind, pk):
    return error_response(404, no_such_id(kind, pk))


class GeoJSONRenderer(JSONRenderer):
    """Lets DRF's content negotiation accept ``Accept: application/geo+json``."""

    media_type = GEOJSON_MEDIA_TYPE
    format = "geojson"


class FeatureCollectionView(APIView):
    """GET a FeatureCollection of one kind, filtered by the shared parameters."""

    # Errors render as JSON; GeoJSON bodies are built in PostGIS, not rendered.
    renderer_classes = [JSONRenderer, GeoJSONRenderer]
    kind = None
    schema = FeatureSchema()

    def get(self, request):
        query = FeatureQuery(self.kind, request.query_params)
        features, bbox, matched, next_cursor = query.page()
        return geojson_response(
            feature_collection(
                features,
                bbox=bbox,
                numberMatched=matched,
                numberReturned=len(features),
                timeStamp=now_rfc3339(),
                links=page_links(request, query, next_cursor),
            )
        )


class FeatureView(APIView):
    """GET one Feature."""

    renderer_classes = [JSONRenderer, GeoJSONRenderer]
    kind = None
    schema = FeatureSchema()

    def get(self, request, pk):
        text = self.kind.feature(pk)
        if text is None:
            return not_found(self.kind, pk)
        return geojson_response(text)


def now_rfc3339():
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat().replace(
        "+00:00", "Z"
    )


def feature_body(data):
    """The request body as a GeoJSON Feature's parts, or a 400 naming what is wrong.

    djangorestframework-gis flattens ``properties`` and ``geometry`` into the
    serializer's fields; this refuses bodies it would choke on first.
    """
    if not isinstance(data, dict) or data.get("type") != "Feature":
        raise ValidationError({"type": [_('The body must be a GeoJSON Feature ("type": '
                                          '"Feature").')]})
    properties = data.get("properties", {})
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        raise ValidationError({"properties": [_("Must be a JSON object.")]})
    if "geometry" in data and data["geometry"] is not None and not isinstance(
        data["geometry"], dict
    ):
        raise ValidationError({"geometry": [_("Must be a GeoJSON geometry object.")]})
    body = {"type": "Feature", "properties": dict(properties)}
    if "geometry" in data:
        body["geometry"] = data["geometry"]
    return body


def drf_validation_error(exc, fields_by_code=None):
    """A DRF ValidationError from Django's, with constraint errors moved onto the
    field they concern (``fields_by_code`` maps an error code to a field name)."""
    detail = {}
    for field, errors in exc.error_dict.items() if hasattr(exc, "error_dict") else [
        (NON_FIELD_ERRORS, exc.error_list)
    ]:
        for error in errors:
            name = (fields_by_code or {}).get(error.code, field)
            if name == NON_FIELD_ERRORS:
                name = api_settings.NON_FIELD_ERRORS_KEY
            detail.setdefault(name, []).extend(error.messages)
    return ValidationError(detail)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("A concurrent change conflicts with this one; try again.")
    default_code = "conflict"


@contextmanager
def conflict_as_409(fields_by_code=None):
    """Django's validation errors as 400s; a constraint that only the database
    caught (a concurrent write won the race after validation) as a 409."""
    try:
        yield
    except DjangoValidationError as exc:
        raise drf_validation_error(exc, fields_by_code)
    except IntegrityError:
        raise Conflict()


class GeoJSONGeometryField(GeometryField):
    """A geometry read from GeoJSON only, refused in the caller's language
    (drf-gis passes GDAL's English error through, and also takes WKT), any
    height dropped."""

    def to_internal_value(self, value):
        if value in ("", None):
            return super().to_internal_value(value)
        if not isinstance(value, dict) or not isinstance(value.get("coordinates"), list):
            raise ValidationError(self.invalid_message())
        try:
            geometry = super().to_internal_value(value)
        except (ValidationError, DjangoValidationError):  # drf-gis raises Django's
            raise ValidationError(self.invalid_message())
        # RFC 7946 allows a height as a third number; the columns are 2D.
        return without_z(geometry)

    @staticmethod
    def invalid_message():
        return _(
            'Not a GeoJSON geometry: give its "type" and its "coordinates" as numbers, '
            'such as {"type": "Point", "coordinates": [-74.0817, 4.6097]}.'
        )


class FeatureSerializer(GeoFeatureModelSerializer):
    """A GeoJSON Feature a client writes: its geometries are GeoJSONGeometryField."""

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if field_class is GeometryField:
            field_class = GeoJSONGeometryField
        return field_class, kwargs


# Features are written as JSON: a form-encoded body is a 415, not "no Feature".
FEATURE_PARSERS = [BoundedJSONParser, GeoJSONParser]


class WritableFeatureKind(FeatureKind):
    """A kind that organizers write through the API. Subclasses say who may."""

    serializer_class = None
    # Django validation error codes to report on a field rather than as a whole.
    error_fields = {}

    def can_create(self, user, data):
        raise NotImplementedError

    def can_change(self, user, instance):
        """Whether ``user`` may change or delete ``instance``; each app says
        (studygroups.api.GroupManagedKind)."""
        raise NotImplementedError

    def can_change_to(self, user, data):
        """Whether ``user`` may give an existing feature these new values."""
        return True

    def can_delete(self, user, instance):
        return self.can_change(user, instance)

    def create(self, user, data):
        raise NotImplementedError

    def update(self, instance, data):
        raise NotImplementedError

    def delete(self, instance):
        instance.delete()


class WritableFeatureCollectionView(FeatureCollectionView):
    """Also POST a Feature to create one (201, with its Location)."""

    parser_classes = FEATURE_PARSERS

    def post(self, request):
        serializer = self.kind.serializer_class(data=feature_body(request.data))
        serializer.is_valid(raise_exception=True)
        if not self.kind.can_create(request.user, serializer.validated_data):
            raise PermissionDenied(_("You may not create this here."))
        with conflict_as_409(self.kind.error_fields):
            instance = self.kind.create(request.user, serializer.validated_data)
        location = request.build_absolute_uri(f"{request.path}{instance.pk}/")
        return geojson_response(
            self.kind.feature(instance.pk), status=201, headers={"Location": location}
        )


class WritableFeatureView(FeatureView):
    """Also PATCH a Feature's properties or geometry, and DELETE it."""

    parser_classes = FEATURE_PARSERS

    def get_instance(self, pk):
        instance = self.kind.get_object(pk)
        if instance is None:
            raise NotFound(no_such_id(self.kind, pk))
        return instance

    def patch(self, request, pk):
        instance = self.get_instance(pk)
        if not self.kind.can_change(request.user, instance):
            raise PermissionDenied(_("Only this group's organizers may change it."))
        serializer = self.kind.serializer_class(
            instance, data=feature_body(request.data), partial=True
        )
        serializer.is_valid(raise_exception=True)
        if not self.kind.can_change_to(request.user, serializer.validated_data):
            raise PermissionDenied(_("You may not move it to that study group."))
        with conflict_as_409(self.kind.error_fields):
            self.kind.update(instance, serializer.validated_data)
        return geojson_response(self.kind.feature(pk))

    def delete(self, request, pk):
        instance = self.get_instance(pk)
        if not self.kind.can_delete(request.user, instance):
            raise PermissionDenied(_("Only this group's organizers may delete it."))
        try:
            self.kind.delete(instance)
        except ProtectedError:
            return error_response(409, _("Other records still use it."))
        return Response(status=status.HTTP_204_NO_CONTENT)
