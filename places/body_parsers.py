"""Request body parsers of the API (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES).

Their own module: DRF reads the setting while ``rest_framework.views`` is
still importing, so they cannot live beside the views.
"""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from places.geojson import GEOJSON_MEDIA_TYPE


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, with JSON nested too deep for Python's parser (a
    thousand levels raise RecursionError) a 400 like any unreadable body."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error - the body is nested too deeply."))


class GeoJSONParser(BoundedJSONParser):
    """``application/geo+json`` bodies, read as the JSON they are."""

    media_type = GEOJSON_MEDIA_TYPE
