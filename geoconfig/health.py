"""Probes for load balancers and orchestrators.

``/healthz`` says the process answers (it touches nothing else); ``/readyz``
says whether it can serve: the database answers a query and the Celery broker
a ping, each within READY_TIMEOUT_SECONDS. Both are JSON, never cached, and
exempt from the HTTPS redirect (a balancer probes the backend over HTTP).
"""

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from kombu import Connection

# How long each of /readyz's checks may take, in seconds.
READY_TIMEOUT_SECONDS = 2


@never_cache
@require_safe
def healthz(request):
    """200 while the process answers requests."""
    return JsonResponse({"status": "ok"})


def database_ready():
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        # The next request opens a fresh connection.
        connection.close_if_unusable_or_obsolete()
        return False


def broker_ready():
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            connect_timeout=READY_TIMEOUT_SECONDS,
            transport_options={"socket_timeout": READY_TIMEOUT_SECONDS},
        ) as broker:
            broker.ensure_connection(max_retries=1, timeout=READY_TIMEOUT_SECONDS)
        return True
    except Exception:
        return False


@never_cache
@require_safe
def readyz(request):
    """200 when the database and the broker both answer, else 503 naming
    the one that does not (``{"status": ..., "checks": {name: "ok"|"unavailable"}}``)."""
    checks = {"database": database_ready(), "broker": broker_ready()}
    ready = all(checks.values())
    response = JsonResponse(
        {
            "status": "ok" if ready else "unavailable",
            "checks": {name: "ok" if ok else "unavailable" for name, ok in checks.items()},
        },
        status=200 if ready else 503,
    )
    if not ready:
        response["Retry-After"] = "5"
    return response
