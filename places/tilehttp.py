"""How every endpoint under /tiles/ speaks HTTP: the feature layers
(places.tiles) and the basemap (places.basemap) alike.

- Reads go through the database router, so the read replica, where there is
  one, serves tiles (``read_cursor``).
- A tile or document has an ETag; a request whose If-None-Match names it gets
  a 304 with the same caching headers, RFC 9110's preconditions as Django
  evaluates them (``not_modified``). ``client_etags`` gives the tags to a
  query that can skip building what the client already has.
- Errors are JSON whatever the client accepts: ``{"code", "description"}``
  and, for a bad parameter, ``parameter`` naming it, as under /api/ and /ogc/
  (``error_response``, ``invalid_parameter``; ``JSONErrors`` for the views that
  Django REST framework renders).
- A tile's address (z/x/y) is parsed by ``places.parsers.parse_tile_address``.
"""

from django.db import connections, router
from django.http import JsonResponse
from django.utils.cache import get_conditional_response
from django.utils.http import parse_etags
from rest_framework.negotiation import BaseContentNegotiation

MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
# What is asked for at its current version never changes.
PINNED_CACHE_CONTROL = "public, max-age=31536000, immutable"


def read_cursor(model):
    """A cursor on the database the routers send this request's reads of
    ``model`` to (the read replica, when there is one, serves /tiles/)."""
    return connections[router.db_for_read(model)].cursor()


def client_etags(request):
    """The opaque parts of If-None-Match's tags (weak ones too: RFC 9110 compares
    them weakly), and whether it was ``*``."""
    tags = parse_etags(request.headers.get("If-None-Match", ""))
    return [tag.removeprefix("W/").strip('"') for tag in tags if tag != "*"], "*" in tags


def not_modified(request, etag, headers):
    """None when the response with ``etag`` is to be sent; else the answer that
    replaces it, with ``headers`` (its ETag and caching): a 304 when
    If-None-Match names ``etag`` (weakly, or ``*``), a 412 when an If-Match
    or If-Unmodified-Since precondition fails."""
    response = get_conditional_response(request, etag=etag)
    if response is not None:
        for name, value in headers.items():
            response[name] = value
    return response


def error_response(status, code, description, **members):
    """A JSON error: ``code``, the ``members`` given, and ``description``."""
    return JsonResponse({"code": code, **members, "description": description}, status=status)


def invalid_parameter(error):
    """The 400 of an InvalidParameter, as places.api.exception_handler gives it."""
    return error_response(400, "InvalidParameterValue", error.message, parameter=error.param)


class JSONErrors(BaseContentNegotiation):
    """Errors are JSON whatever the client accepts; tiles are not rendered by DRF."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type

    def select_parser(self, request, parsers):
        return None
