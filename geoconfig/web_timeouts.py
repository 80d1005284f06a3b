"""Statement and lock timeouts for the web process's database connections.

A web request must not wait on a locked row or a runaway query until the
server kills its worker: each connection a web process opens gets
``statement_timeout`` and ``lock_timeout`` (WEB_STATEMENT_TIMEOUT_SECONDS,
WEB_LOCK_TIMEOUT_SECONDS), and geoconfig.middleware turns a statement they cut
short into a 503 or a 409. Only geoconfig/wsgi.py and geoconfig/asgi.py call
``enable()``, so migrations, imports, exports run by manage.py and Celery
workers keep PostgreSQL's defaults (no limit); the site's exports lift the
statement timeout for their own transaction (``lift_statement_timeout``).
"""

from django.conf import settings
from django.db import connections
from django.db.backends.signals import connection_created


def set_timeouts(sender, connection, **kwargs):
    """Give a newly opened connection the web timeouts (seconds in settings;
    0 means no limit)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, false),"
            " set_config('lock_timeout', %s, false)",
            [
                f"{int(settings.WEB_STATEMENT_TIMEOUT_SECONDS * 1000)}ms",
                f"{int(settings.WEB_LOCK_TIMEOUT_SECONDS * 1000)}ms",
            ],
        )


def lift_statement_timeout(using):
    """No statement timeout for the rest of the current transaction on
    connection ``using``: for long jobs a web request runs on purpose (an
    export streaming a whole collection). The lock timeout stays."""
    with connections[using].cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 0")


def enable():
    """Apply the web timeouts to every connection this process opens from now on."""
    connection_created.connect(set_timeouts, dispatch_uid="geoconfig.web_timeouts")


def disable():
    connection_created.disconnect(dispatch_uid="geoconfig.web_timeouts")
