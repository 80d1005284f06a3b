"""The one error shape of everything under /api/, /ogc/ and /tiles/.

Every error there is a JSON object::

    {"code": "InvalidParameterValue", "parameter": "bbox", "description": "..."}

``code`` is a stable word a program can test (OGC API's exception codes where
they exist), ``description`` a sentence in the request's language, and
``parameter`` (when one thing is to blame) the query parameter, path part or
body field. Field errors of a body add ``errors``: ``{field: [messages]}``.
``error_response`` builds it; the API's exception handler, the 404/500
handlers and ``places.middleware.JsonErrors`` all call it, and so should any
middleware that answers for a view (429, 503).
"""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The paths whose errors are JSON in this shape, never an HTML page.
JSON_PREFIXES = ("/api/", "/ogc/", "/tiles/")

# status: (code, default description)
CODES = {
    400: ("InvalidParameterValue", gettext_lazy("The request is not valid.")),
    401: ("NotAuthenticated", gettext_lazy("Sign in or give valid credentials.")),
    403: ("PermissionDenied", gettext_lazy("You may not do this.")),
    404: ("NotFound", gettext_lazy("Nothing answers here.")),
    405: ("MethodNotAllowed", gettext_lazy("This address does not take this method.")),
    406: ("NotAcceptable", gettext_lazy("None of the media types in Accept can be served here.")),
    409: ("Conflict", gettext_lazy("A concurrent change conflicts with this one; try again.")),
    413: ("PayloadTooLarge", gettext_lazy("The request body is too large.")),
    415: ("UnsupportedMediaType", gettext_lazy("This body's media type is not accepted here.")),
    429: ("TooManyRequests", gettext_lazy("Too many requests; wait and try again.")),
    500: ("ServerError", gettext_lazy("Something went wrong on our side.")),
    503: (
        "ServiceUnavailable",
        gettext_lazy("The service is unavailable for a moment; try again."),
    ),
}

# Headers of an error response that a client needs and that the JSON body keeps.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate", "Vary")


def wants_json_errors(request):
    """Whether ``request``'s errors are answered in this JSON shape."""
    return request.path.startswith(JSON_PREFIXES)


def error_code(status):
    """The ``code`` of an error with HTTP status ``status``."""
    if status in CODES:
        return CODES[status][0]
    return "ServerError" if status >= 500 else "InvalidRequest"


def error_body(status, description=None, code=None, parameter=None, **extra):
    """The error object (a dict) for ``status``; see the module docstring."""
    body = {"code": code or error_code(status)}
    if parameter is not None:
        body["parameter"] = parameter
    if description is None:
        description = CODES[status][1] if status in CODES else _("The request failed.")
    body["description"] = str(description)
    body.update(extra)
    return body


def error_response(status, description=None, code=None, parameter=None, headers=None, **extra):
    """A JSON response with the error object for ``status`` (and ``headers``,
    such as ``Retry-After`` for a 429 or 503)."""
    return JsonResponse(
        error_body(status, description, code, parameter, **extra),
        status=status,
        headers=headers or {},
        json_dumps_params={"ensure_ascii": False},
    )
