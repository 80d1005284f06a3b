"""places.views.APIView: a response is freed once sent, without waiting for
Python's cyclic garbage collector (which left large lists in a worker's
memory)."""

import gc
import io
import sys
import weakref

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

pytestmark = pytest.mark.django_db


def served(path, query=""):
    """A weak reference to the response to GET ``path``, once a WSGI server
    would be done with it (body read, closed)."""
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": "testserver",
        "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
    }
    statuses = []
    # As Django's test client does: keep the test's connection (and transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = WSGIHandler()(environ, lambda status, headers, *rest: statuses.append(status))
        b"".join(response)
        response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return statuses[0], weakref.ref(response)


@pytest.mark.parametrize(
    "path, query, status",
    [
        ("/api/studygroups/", "limit=5", "200 OK"),
        ("/api/studygroups/", "near=nowhere", "400 Bad Request"),
        ("/ogc/collections/studygroups/items", "limit=5", "200 OK"),
        ("/api/places/", "q=Bogot%C3%A1", "200 OK"),
    ],
)
def test_a_sent_response_is_freed_without_the_garbage_collector(
    demo_data, path, query, status
):
    served(path, query)  # Warm-up: what the first request caches stays.
    gc.collect()
    gc.disable()
    try:
        answered, response = served(path, query)
        assert answered == status
        assert response() is None
    finally:
        gc.enable()
