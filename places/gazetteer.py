"""Find a place by name, offline: "Medellín", "chapinero", "Universidad Nacional", "Barcelna".

``search_places(text, near)`` asks every place source (``places.sources``)
for candidates in one UNION ALL: the gazetteer's cities (GeoNames) and
localities (neighbourhoods and campuses of Cerca's cities), and whatever other
apps register (venues, the groups' meeting areas). The gazetteer's sources
answer from GIN trigram indexes on their unaccented names; the others read
their big tables in parts that stop early (``places.sources.bounded_rows``);
each is scored and limited in SQL. The candidates are then ranked, and the
best one called a strong match, or not, in ``places.ranking``.
``PlaceSearchView`` serves it at /api/places/.

Every name a city goes by is a ``CityName`` row (a locality's, a
``LocalityName`` row), indexed by trigrams of its unaccented, lower-case text.
"""

import json

from django.db.models import Case, CharField, F, FloatField, Value, When
from django.db.models.functions import Cast, Concat, Greatest
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer

from places import parsers, ranking, sources
from places.api import GeoJSONRenderer, geojson_response, refuse_nul_characters
from places.geojson import COORDINATE_DECIMALS, collection_bbox
from places.querysets import SpatialQuerySet
from places.ranking import PlaceMatch, PlaceSearchResult  # noqa: F401 (the contract's names)
from places.schema import ERROR
from places.sources import NameMatch, key_of, name_rows, register_place_source
from places.views import APIView

MAX_QUERY_LENGTH = 100
# Fewer letters than this start too many names to say anything ("a" starts
# 8,000 of them); they find nothing.
MIN_SEARCH_LENGTH = 3
DEFAULT_LIMIT = 8
MAX_LIMIT = 20
# Each source returns this many more than asked, so that namesakes beyond the
# limit still weigh on the decision and duplicates can be dropped.
EXTRA_CANDIDATES = 4
# A city of unknown or tiny population still counts as a small town.
MIN_CITY_PROMINENCE = 1000
# Localities have no population in the data; they count as a district (a
# campus as a smaller one), so that "Roma" seen from Mexico City still asks
# whether Rome, Italy was meant (23 times more people) and "Palermo" seen from
# Buenos Aires does not ask about Palermo, Sicily (6.5 times).
NEIGHBOURHOOD_PROMINENCE = 100_000
CAMPUS_PROMINENCE = 50_000


class CityQuerySet(SpatialQuerySet):
    pass


class LocalityQuerySet(SpatialQuerySet):
    pass


class CityPlaceSource:
    """Cities by any of their names, on the ``cityname_name_trgm`` index.

    A city's prominence is its population. The gazetteer is reference data of
    a fixed size, so its matches are not bounded (at most 2,600 names for a
    three-letter start).
    """

    def matches(self, text, near=None):
        from places.models import CityName

        match = NameMatch("name", text)
        return name_rows(
            CityName.objects.filter(match.condition),
            key=key_of("city", "city__geonameid"),
            kind=Value("city"),
            name=F("city__name"),
            folded=match.folded,
            point=F("city__location"),
            prominence=Cast(
                Greatest(F("city__population"), Value(MIN_CITY_PROMINENCE)), FloatField()
            ),
            country_code=F("city__country_code"),
            population=Cast("city__population", FloatField()),
            time_zone=F("city__time_zone"),
        )


class LocalityPlaceSource:
    """Neighbourhoods and campuses by any of their names, on ``localityname_name_trgm``."""

    def matches(self, text, near=None):
        from places.models import LocalityName

        match = NameMatch("name", text)
        return name_rows(
            LocalityName.objects.filter(match.condition),
            key=Concat(
                F("locality__kind"), Value(":"), F("locality__key"), output_field=CharField()
            ),
            kind=F("locality__kind"),
            name=F("locality__name"),
            folded=match.folded,
            point=F("locality__location"),
            prominence=Case(
                When(locality__kind="campus", then=Value(float(CAMPUS_PROMINENCE))),
                default=Value(float(NEIGHBOURHOOD_PROMINENCE)),
                output_field=FloatField(),
            ),
            city=F("locality__city__name"),
            country_code=F("locality__city__country_code"),
            time_zone=F("locality__city__time_zone"),
        )


def register_gazetteer_sources():
    """The gazetteer's own sources; called from PlacesConfig.ready()."""
    register_place_source("city", CityPlaceSource())
    register_place_source("locality", LocalityPlaceSource())


def search_places(text, near=None, limit=DEFAULT_LIMIT):
    """The places named like ``text``, best first, and whether the first is a match.

    ``near`` (a GEOS Point, srid 4326) is where the user is looking: nearer
    namesakes rank higher. Words after a comma narrow the search to places
    in a city or country of that name ("Córdoba, España"). Accents, case and
    repeated spaces are ignored; typos are forgiven, but only as weak
    candidates; a text of fewer than MIN_SEARCH_LENGTH letters or digits
    finds nothing. Answers a ``PlaceSearchResult``: ``match`` "strong",
    "weak" or "none", and at most ``limit`` ``PlaceMatch`` in ``places``.
    One query.
    """
    head, *qualifiers = (" ".join(part.split()) for part in text.split(","))
    if sum(char.isalnum() for char in head) < MIN_SEARCH_LENGTH:
        # Without letters pg_trgm finds no trigrams and would read the whole index.
        return PlaceSearchResult(ranking.NONE, [])
    rows = sources.candidates(head, near, limit + EXTRA_CANDIDATES)
    places = [ranking.place_from_row(row) for row in rows]
    places = ranking.apply_qualifiers(places, qualifiers)
    return ranking.decide(places, near_given=near is not None, limit=limit)


def place_feature(place):
    """A PlaceMatch as a GeoJSON Feature (a dict)."""
    properties = {
        "name": place.name,
        "label": place.label,
        "kind": place.kind,
        "country": place.country,
        "country_code": place.country_code,
        "confidence": place.confidence,
        "strong": place.strong,
    }
    if place.kind == "city":
        properties["population"] = place.population
        properties["time_zone"] = place.time_zone
    return {
        "type": "Feature",
        "id": place.id,
        "geometry": {
            "type": "Point",
            "coordinates": [
                round(place.lon, COORDINATE_DECIMALS),
                round(place.lat, COORDINATE_DECIMALS),
            ],
        },
        "properties": properties,
    }


PLACE_COLLECTION = {
    "type": "object",
    "description": (
        "A GeoJSON FeatureCollection (RFC 7946) of places, best match first, with "
        "`match`: whether the first one is a confident match."
    ),
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "match": {
            "type": "string",
            "enum": [ranking.STRONG, ranking.WEAK, ranking.NONE],
            "description": (
                "`strong`: the first feature is a confident match (a map may go "
                "straight to it). `weak`: candidates, none confident (ask \"Did you "
                "mean…?\"). `none`: nothing plausible was found."
            ),
        },
        "bbox": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "id": {
                        "type": "string",
                        "example": "neighbourhood:chapinero-bogota",
                        "description": (
                            "`city:<GeoNames id>`, `neighbourhood:<key>`, `campus:<key>`, "
                            "`venue:<id>` or `group-area:<study group id>`."
                        ),
                    },
                    "geometry": {"type": "object", "description": "A Point, [lon, lat]."},
                    "properties": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string", "example": "Chapinero"},
                            "label": {
                                "type": "string",
                                "example": "Chapinero, Bogotá, Colombia",
                            },
                            "kind": {
                                "type": "string",
                                "enum": [
                                    "city",
                                    "neighbourhood",
                                    "campus",
                                    "venue",
                                    "meeting_area",
                                ],
                            },
                            "country": {
                                "type": "string",
                                "description": "In the language of the request.",
                            },
                            "country_code": {"type": "string", "example": "CO"},
                            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                            "strong": {
                                "type": "boolean",
                                "description": "This candidate is a confident match "
                                "(only ever the first).",
                            },
                            "population": {"type": "integer", "description": "Cities only."},
                            "time_zone": {"type": "string", "description": "Cities only."},
                        },
                    },
                },
            },
        },
    },
}


class PlaceSearchView(APIView):
    """GET the places whose names match ``q``, for the place box."""

    renderer_classes = [JSONRenderer, GeoJSONRenderer]
    parameters = frozenset({"q", "near", "limit"})

    @extend_schema(
        operation_id="places_search",
        tags=["places"],
        description=(
            "Places whose name is like `q`, accents and case ignored: cities (GeoNames), "
            "neighbourhoods and campuses of Cerca's cities, venues and the study groups' "
            "meeting areas. Best match first; namesakes nearer `near` first. `match` says "
            "whether the first is a confident match; typos give only `weak` candidates."
        ),
        parameters=[
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=True,
                description=(
                    "A place name, or its start: 1 to 100 characters. Words after a comma "
                    "name the city or country (`Córdoba, España`)."
                ),
            ),
            OpenApiParameter(
                "near",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                description="Where the user is looking (the map's centre), `lon,lat`.",
            ),
            OpenApiParameter(
                "limit",
                OpenApiTypes.INT,
                OpenApiParameter.QUERY,
                description="Places to return, 1 to 20. Default 8.",
            ),
        ],
        responses={
            (200, "application/geo+json"): OpenApiResponse(PLACE_COLLECTION),
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
        near = params.get("near", "")
        near = parsers.parse_lonlat(near, "near") if near != "" else None
        limit = params.get("limit", "")
        limit = (
            parsers.parse_int(limit, "limit", minimum=1, maximum=MAX_LIMIT)
            if limit != ""
            else DEFAULT_LIMIT
        )
        result = search_places(text, near=near, limit=limit)
        collection = {
            "type": "FeatureCollection",
            "match": result.match,
            "bbox": collection_bbox((place.lon, place.lat) for place in result.places),
            "features": [place_feature(place) for place in result.places],
        }
        if collection["bbox"] is None:
            del collection["bbox"]
        return geojson_response(json.dumps(collection, ensure_ascii=False))
