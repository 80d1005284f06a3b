"""Errors in the one JSON shape under /api/, /ogc/ and /tiles/ (places.errors),
whoever made them, and addresses no view should see."""

import base64
import binascii

from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from places.errors import KEPT_HEADERS, error_response, wants_json_errors


def is_json(response):
    return "json" in response.get("Content-Type", "")


class JsonErrors:
    """Give every error answered under the JSON prefixes the shared JSON shape.

    DRF's views answer in it themselves (places.api.exception_handler); this
    catches the rest: Django's 405 for a method a plain view does not take, the
    CSRF failure page, the 500 page a crashing view gets, a middleware's HTML
    answer. Headers a client needs (``Allow``, ``Retry-After``...) are kept.
    Goes high in MIDDLEWARE, so that it sees the other middleware's answers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400 or not wants_json_errors(request) or is_json(response):
            return response
        headers = {name: response[name] for name in KEPT_HEADERS if name in response}
        return error_response(response.status_code, headers=headers)


def nul_in_basic_credentials(request):
    """Whether the request's HTTP Basic credentials hold a NUL: looking the
    user name up would fail in PostgreSQL (a 500), before any view runs."""
    parts = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(parts) != 2 or parts[0].lower() != "basic":
        return False
    # Decoded as DRF's BasicAuthentication decodes it, leniently.
    try:
        raw = base64.b64decode(parts[1])
    except (ValueError, binascii.Error):
        return False  # DRF refuses it with a 401 itself.
    return b"\x00" in raw


class RefuseNulCharacters:
    """A NUL character in the path is in no address of the site, and PostgreSQL
    text cannot hold one (a view looking it up would fail with a 500): a 400
    naming ``path``, in JSON under the JSON prefixes, the site's page elsewhere.

    So are HTTP Basic credentials with a NUL (a 401 naming ``Authorization``).
    Query parameters are each view's to name (``places.api.refuse_nul_characters``
    and the pages' own forms), since a page can say which field is wrong.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if wants_json_errors(request) and nul_in_basic_credentials(request):
            return error_response(
                401,
                _("The credentials contain a NUL character."),
                parameter="Authorization",
                headers={"WWW-Authenticate": 'Basic realm="api"'},
            )
        if "\x00" in request.path_info:
            description = _("The address contains a NUL character.")
            if wants_json_errors(request):
                return error_response(400, description, parameter="path")
            return TemplateResponse(
                request, "400.html", {"reason": description}, status=400
            ).render()
        return self.get_response(request)
