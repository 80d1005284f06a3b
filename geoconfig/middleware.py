"""The site's own page for a request with the wrong method, the 503 (or
409) of a database that is down or too slow, and where a request's reads go
when there is a read replica."""

import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.http import HttpResponse
from django.template import loader
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from geoconfig import db_router
from places.errors import JSON_PREFIXES, error_response

logger = logging.getLogger(__name__)

MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"


class LanguageFreeTiles:
    """Vector tiles are the same bytes in every language: take back the
    ``Vary: Accept-Language`` and ``Content-Language`` LocaleMiddleware gives
    every response, so a shared cache keeps one copy of each tile. Goes before
    LocaleMiddleware (its response passes through here after it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith(MVT_MEDIA_TYPE):
            vary = [
                name.strip()
                for name in response.get("Vary", "").split(",")
                if name.strip() and name.strip().lower() != "accept-language"
            ]
            if vary:
                response["Vary"] = ", ".join(vary)
            elif "Vary" in response:
                del response["Vary"]
            if "Content-Language" in response:
                del response["Content-Language"]
        return response


class MethodNotAllowedPage:
    """Django's require_POST and LogoutView answer a GET with an empty 405: a
    blank page for someone who followed a bookmark to /accounts/logout/. Give
    it the site's error page (with a way to log out there), keeping the 405
    and its Allow header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code != 405
            or response.content
            or request.path.startswith(JSON_PREFIXES)
            or request.method == "HEAD"
        ):
            return response
        page = TemplateResponse(request, "405.html", status=405)
        page["Allow"] = response.get("Allow", "")
        return page.render()


# SQLSTATEs of a statement cut short by lock_timeout and by statement_timeout
# (geoconfig.web_timeouts).
LOCK_NOT_AVAILABLE = "55P03"
QUERY_CANCELED = "57014"
# Seconds a client is asked to wait before trying again.
RETRY_AFTER_LOCKED = 2
RETRY_AFTER_UNAVAILABLE = 10


def database_error_response(request, exception):
    """The answer to a request the database could not serve, or None when
    ``exception`` is not the database's doing: 409 when a row stayed locked
    past lock_timeout, else 503 (the database is down, restarting, or a
    statement ran past statement_timeout), with Retry-After. JSON under /api/,
    /ogc/ and /tiles/, the site's own page elsewhere."""
    if not isinstance(exception, (OperationalError, InterfaceError)):
        return None
    pgcode = getattr(exception.__cause__, "pgcode", None)
    if pgcode == LOCK_NOT_AVAILABLE:
        status, retry_after, code = 409, RETRY_AFTER_LOCKED, "Conflict"
        description = _("Someone else is changing this right now. Try again in a moment.")
    elif pgcode == QUERY_CANCELED:
        status, retry_after, code = 503, RETRY_AFTER_LOCKED, "ServiceUnavailable"
        description = _("This took too long to answer. Try again in a moment.")
    else:
        status, retry_after, code = 503, RETRY_AFTER_UNAVAILABLE, "ServiceUnavailable"
        description = _("Cerca cannot reach its database right now. Try again in a few seconds.")
    logger.error(
        "Answering %s %s with %s: %s",
        request.method, request.path, status, " ".join(str(exception).split()),
    )
    if request.path.startswith(JSON_PREFIXES):
        response = error_response(status, description, code)
    else:
        # No request context: the page must render without the database.
        response = HttpResponse(
            loader.render_to_string(f"{status}.html", {"description": description}),
            status=status,
        )
    response["Retry-After"] = str(retry_after)
    return response


class DatabaseUnavailable:
    """A view whose database is down, or that waited past the web timeouts,
    gets database_error_response's 503 or 409 instead of a 500. Goes before
    ReplicaReads, whose process_exception answers a lost replica from the
    primary first. (Errors outside views reach geoconfig.urls.server_error.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return database_error_response(request, exception)


# Requests whose reads the replica answers: the map page and what its script,
# GIS clients and the tile layer fetch.
REPLICA_READ_PREFIXES = ("/api/", "/ogc/", "/tiles/")
REPLICA_READ_PATHS = ("/",)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Set by any request that may have written; while it is valid (signed, at
# most REPLICA_PIN_SECONDS old) that browser or client reads the primary.
PIN_COOKIE = "cerca_pin"
PIN_SALT = "geoconfig.middleware.ReplicaReads"
# SQLSTATE of "canceling statement due to conflict with recovery": the
# replica replayed a change that the query's rows needed.
RECOVERY_CONFLICT = "40001"


class ReplicaReads:
    """Send a request's reads to the read replica (geoconfig.db_router), where
    it is one of the map's reads, and keep a user's reads after their own
    write on the primary (read-your-writes) until the replica has caught up.

    If the replica cannot be reached, reads go to the primary and the log says
    so; a request that loses the replica midway is answered again from the
    primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reads = db_router.RequestReads()
        if self.reads_replica(request) and db_router.replica_available():
            reads.alias = db_router.REPLICA_DB_ALIAS
        token = db_router.request_reads.set(reads)
        try:
            response = self.get_response(request)
        finally:
            db_router.request_reads.reset(token)
        if request.method not in SAFE_METHODS or reads.wrote:
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                salt=PIN_SALT,
                max_age=settings.REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        streamed = response.streaming and not response.is_async
        if streamed and reads.alias == db_router.REPLICA_DB_ALIAS:
            # The rows of a streamed answer are read while it is sent, after
            # this method has returned.
            response.streaming_content = reading_from(reads, response.streaming_content)
        return response

    def reads_replica(self, request):
        return (
            request.method in SAFE_METHODS
            and (
                request.path_info in REPLICA_READ_PATHS
                or request.path_info.startswith(REPLICA_READ_PREFIXES)
            )
            and request.get_signed_cookie(
                PIN_COOKIE, default=None, salt=PIN_SALT, max_age=settings.REPLICA_PIN_SECONDS
            )
            is None
        )

    def process_exception(self, request, exception):
        reads = db_router.request_reads.get()
        if (
            reads is None
            or reads.alias != db_router.REPLICA_DB_ALIAS
            or not isinstance(exception, (OperationalError, InterfaceError))
        ):
            return None
        replica = connections[db_router.REPLICA_DB_ALIAS]
        if not replica.is_usable():
            db_router.replica_failed(exception)
        elif getattr(exception.__cause__, "pgcode", None) != RECOVERY_CONFLICT:
            return None
        logger.warning(
            "Answering %s %s again from the primary: %s",
            request.method,
            request.path,
            " ".join(str(exception).split()),
        )
        # A safe request: running its view again changes nothing.
        reads.alias = DEFAULT_DB_ALIAS
        match = request.resolver_match
        return match.func(request, *match.args, **match.kwargs)


def reading_from(reads, chunks):
    """The chunks of a streamed response, each read where ``reads`` says."""
    chunks = iter(chunks)
    while True:
        token = db_router.request_reads.set(reads)
        try:
            chunk = next(chunks)
        except StopIteration:
            return
        finally:
            db_router.request_reads.reset(token)
        yield chunk
