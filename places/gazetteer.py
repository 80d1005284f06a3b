"""Find a city by name, offline: "Medellín", "bogota", "Ciudad de México", "Barcelna".

Every name a city goes by is a ``CityName`` row, indexed by trigrams of its
unaccented, lower-case text. ``City.objects.search(text)`` asks that one index
for names similar to the text (pg_trgm's ``%``) or starting with it (``LIKE``),
and ranks the cities by their best name. ``PlaceSearchView`` serves it as
GeoJSON for the place box.
"""

import json

from django.contrib.postgres.lookups import TrigramSimilar
from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Case, FloatField, Max, Value, When
from django.db.models.lookups import StartsWith
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from places import parsers
from places.api import GeoJSONRenderer, geojson_response, refuse_nul_characters
from places.functions import Unaccented
from places.geojson import COORDINATE_DECIMALS, collection_bbox
from places.querysets import SpatialQuerySet
from places.schema import ERROR

# Added to the rank of a city with a name that starts with the text, so that
# while typing "Medel" Medellín outranks fuzzier matches; an exact name
# (similarity 1) still outranks a longer one that merely starts the same.
PREFIX_BONUS = 1.0
MAX_QUERY_LENGTH = 100
DEFAULT_LIMIT = 8
MAX_LIMIT = 20


class CityQuerySet(SpatialQuerySet):
    def search(self, text, limit=10):
        """Cities with a name similar to ``text`` or starting with it, best first.

        Accents, case and repeated spaces are ignored. Similar means pg_trgm's
        ``%`` (trigram similarity at least ``pg_trgm.similarity_threshold``,
        0.3 by default), which forgives typos. Each city comes once, annotated
        with ``similarity`` (0 to 1, of its most similar name) and ``rank``
        (that plus ``PREFIX_BONUS`` if a name starts with the text); ordered by
        rank, then population, largest first. ``limit=None`` returns an
        unsliced queryset. Text without a letter or digit matches nothing.
        """
        text = " ".join(text.split())
        if not any(char.isalnum() for char in text):
            # pg_trgm finds no trigrams in it and would read the whole index.
            return self.none()
        query = Unaccented(Value(text))
        name = Unaccented("names__name")
        # Both lookups are served by the GIN trigram index on Unaccented(name);
        # the right-hand side folds to a constant, as cerca_unaccent is immutable.
        starts_with = StartsWith(name, query)
        similarity = TrigramSimilarity(name, query)
        cities = (
            self.filter(TrigramSimilar(name, query) | starts_with)
            # After the filter, so the aggregates see only the matching names.
            .annotate(
                similarity=Max(similarity),
                rank=Max(
                    similarity
                    + Case(When(starts_with, then=Value(PREFIX_BONUS)), default=Value(0.0)),
                    output_field=FloatField(),
                ),
            )
            .order_by("-rank", "-population", "name", "pk")
        )
        return cities if limit is None else cities[:limit]


def city_feature(city):
    """A city as a GeoJSON Feature (a dict), identified by its GeoNames id."""
    return {
        "type": "Feature",
        "id": city.geonameid,
        "geometry": {
            "type": "Point",
            "coordinates": [
                round(city.location.x, COORDINATE_DECIMALS),
                round(city.location.y, COORDINATE_DECIMALS),
            ],
        },
        "properties": {
            "name": city.name,
            "country_code": city.country_code,
            "country": city.country,
            "population": city.population,
            "time_zone": city.time_zone,
            "label": str(city),
        },
    }


CITY_COLLECTION = {
    "type": "object",
    "description": "A GeoJSON FeatureCollection (RFC 7946) of cities, best match first.",
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "bbox": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "id": {"type": "integer", "description": "GeoNames id."},
                    "geometry": {"type": "object", "description": "A Point, [lon, lat]."},
                    "properties": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string"},
                            "country_code": {"type": "string"},
                            "country": {"type": "string"},
                            "population": {"type": "integer"},
                            "time_zone": {"type": "string"},
                            "label": {"type": "string", "example": "Medellín, Colombia"},
                        },
                    },
                },
            },
        },
    },
}


class PlaceSearchView(APIView):
    """GET the cities whose names match ``q``, for the place box."""

    renderer_classes = [JSONRenderer, GeoJSONRenderer]
    parameters = frozenset({"q", "limit"})

    @extend_schema(
        operation_id="places_search",
        tags=["places"],
        description=(
            "Cities (15,000 people or more, from GeoNames) whose name or alternate "
            "name is like `q`, accents and case ignored, typos forgiven; best match "
            "first, then the most populous."
        ),
        parameters=[
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=True,
                description="A city or place name, or its start: 1 to 100 characters.",
            ),
            OpenApiParameter(
                "limit",
                OpenApiTypes.INT,
                OpenApiParameter.QUERY,
                description="Cities to return, 1 to 20. Default 8.",
            ),
        ],
        responses={
            (200, "application/geo+json"): OpenApiResponse(CITY_COLLECTION),
            400: OpenApiResponse(ERROR, description="A parameter is missing or wrong."),
        },
    )
    def get(self, request):
        params = request.query_params
        refuse_nul_characters(params)
        unknown = sorted(set(params) - self.parameters)
        if unknown:
            raise parsers.InvalidParameter(
                unknown[0],
                _("Unknown parameter. Known parameters: %(known)s.")
                % {"known": ", ".join(sorted(self.parameters))},
            )
        text = " ".join(params.get("q", "").split())
        if not text:
            raise parsers.InvalidParameter("q", _("Required: a city or place name."))
        if len(text) > MAX_QUERY_LENGTH:
            raise parsers.InvalidParameter(
                "q", _("At most %(max)s characters.") % {"max": MAX_QUERY_LENGTH}
            )
        limit = params.get("limit", "")
        limit = (
            parsers.parse_int(limit, "limit", minimum=1, maximum=MAX_LIMIT)
            if limit != ""
            else DEFAULT_LIMIT
        )
        from places.models import City  # places.models imports this module

        cities = list(City.objects.search(text, limit=limit))
        collection = {
            "type": "FeatureCollection",
            "bbox": collection_bbox((city.location.x, city.location.y) for city in cities),
            "features": [city_feature(city) for city in cities],
        }
        if collection["bbox"] is None:
            del collection["bbox"]
        return geojson_response(json.dumps(collection, ensure_ascii=False))
