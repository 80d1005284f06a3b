"""Failed sign-ins, counted per client address and per account in the shared
cache (Redis: every gunicorn worker sees the same counts), and refused with
429 before any password is hashed once a count is over its limit.

Every password check of the site goes through ``ThrottledModelBackend``: the
login form, the admin's login and HTTP Basic on the API. A refused attempt
raises ``SignInThrottled``, which Django REST framework answers itself (JSON
with ``Retry-After``) and ``SignInThrottledPage`` answers elsewhere.
"""

import hashlib
import logging
import math
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError
from rest_framework.exceptions import Throttled

logger = logging.getLogger(__name__)

KEY_PREFIX = "signin-failures"


class SignInThrottled(Throttled):
    """Too many failed sign-ins from this address or for this account;
    ``wait`` is the number of seconds until the next attempt is heard."""

    default_detail = _("Too many failed sign-in attempts. Try again later.")
    default_code = "sign_in_throttled"


def client_address(request):
    """The address the request came from (REMOTE_ADDR: what a trusted proxy
    in front of gunicorn passes on), or "" outside a request."""
    if request is None:
        return ""
    return request.META.get("REMOTE_ADDR", "")


def failure_keys(request, username):
    """The cache keys counting failures of this window, with their limits:
    [(key, limit)], one per client address and one per account."""
    window = int(time.time() // settings.SIGNIN_FAILURE_WINDOW_SECONDS)
    keys = []
    address = client_address(request)
    if address:
        keys.append((f"{KEY_PREFIX}:ip:{address}:{window}", settings.SIGNIN_FAILURES_PER_ADDRESS))
    if username:
        # Hashed: a key never holds a username, and any length fits.
        account = hashlib.sha256(str(username).casefold().encode()).hexdigest()
        keys.append(
            (f"{KEY_PREFIX}:account:{account}:{window}", settings.SIGNIN_FAILURES_PER_ACCOUNT)
        )
    return keys


def seconds_to_next_window():
    """Seconds (at least 1) until the current counting window closes."""
    window_s = settings.SIGNIN_FAILURE_WINDOW_SECONDS
    return max(1, math.ceil(window_s - time.time() % window_s))


def signin_wait(request, username):
    """Seconds the client must wait before signing in as ``username`` is
    tried again, or 0 when it may try now."""
    keys = failure_keys(request, username)
    try:
        counts = cache.get_many([key for key, _limit in keys])
    except RedisError as exc:
        # Without the cache, sign-ins go on unthrottled rather than all fail.
        logger.warning("Sign-in throttle unavailable: %s", exc)
        return 0
    if any(counts.get(key, 0) >= limit for key, limit in keys):
        return seconds_to_next_window()
    return 0


def signin_failure_record(request, username):
    """Count one failed sign-in for the client's address and for the account."""
    timeout = settings.SIGNIN_FAILURE_WINDOW_SECONDS + 60
    try:
        for key, _limit in failure_keys(request, username):
            # add() then incr(): atomic in Redis, so concurrent workers lose no count.
            cache.add(key, 0, timeout=timeout)
            try:
                cache.incr(key)
            except ValueError:  # expired between the two calls
                cache.add(key, 1, timeout=timeout)
    except RedisError as exc:
        logger.warning("Sign-in failure not counted: %s", exc)


class ThrottledModelBackend(ModelBackend):
    """Django's ModelBackend, refusing (SignInThrottled) before it hashes a
    password when the address or the account has failed too often lately."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if password is None:
            return None
        wait = signin_wait(request, username)
        if wait:
            raise SignInThrottled(wait=wait)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            signin_failure_record(request, username)
        return user


class SignInThrottledPage:
    """The site's 429 page, with ``Retry-After``, for a throttled sign-in on
    a page (the login form, the admin's); the API answers its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, SignInThrottled):
            return None
        response = TemplateResponse(
            request, "429.html", {"exception": exception.detail}, status=429
        )
        response["Retry-After"] = str(math.ceil(exception.wait))
        return response.render()
