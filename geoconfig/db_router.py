"""Reads of the API, OGC, tiles and the map page go to a streaming read replica.

With ``DATABASE_REPLICA_URL`` set, the settings add a ``replica`` database,
this router and ``geoconfig.middleware.ReplicaReads``. The middleware decides,
per request, where its reads go and keeps that in a context variable; the
router only reads it. Without one (management commands, Celery tasks, shell,
the admin, every write), everything is the primary, as it is inside
``transaction.atomic()`` and for migrations.
"""

import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA_DB_ALIAS = "replica"

logger = logging.getLogger(__name__)


@dataclass
class RequestReads:
    """Where the reads of the request being answered go."""

    alias: str = DEFAULT_DB_ALIAS
    # Set by the first write: the rest of the request reads what it wrote.
    wrote: bool = False


request_reads = ContextVar("request_reads", default=None)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        reads = request_reads.get()
        if reads is None or reads.wrote or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return reads.alias

    def db_for_write(self, model, **hints):
        reads = request_reads.get()
        if reads is not None:
            reads.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same rows.
        return {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA_DB_ALIAS}

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica is read-only and copies the primary's schema itself.
        return db == DEFAULT_DB_ALIAS


# When the replica last failed (time.monotonic()), per process: until
# REPLICA_RETRY_SECONDS have passed, requests read the primary without trying
# it again, so a replica that is down costs one connect timeout, not one per request.
_failed_at = None


def replica_available():
    """Whether the replica answers; if not, say so in the log once and remember."""
    global _failed_at
    if _failed_at is not None and time.monotonic() - _failed_at < settings.REPLICA_RETRY_SECONDS:
        return False
    connection = connections[REPLICA_DB_ALIAS]
    try:
        # With CONN_HEALTH_CHECKS this tests a persistent connection once per
        # request (as the first query would) and reconnects if it died.
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except DatabaseError as exc:
        replica_failed(exc)
        return False
    if _failed_at is not None:
        logger.info("The read replica answers again; reading from it.")
        _failed_at = None
    return True


def replica_failed(exc):
    """Read from the primary for a while: the replica could not be reached."""
    global _failed_at
    if _failed_at is None:
        logger.warning(
            "The read replica cannot be reached (%s); reading from the primary "
            "(trying it again every %s s).",
            " ".join(str(exc).split()) or type(exc).__name__,
            settings.REPLICA_RETRY_SECONDS,
        )
    _failed_at = time.monotonic()
    try:
        connections[REPLICA_DB_ALIAS].close()
    except DatabaseError:
        pass  # it is gone already
