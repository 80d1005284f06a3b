"""Schemathesis against the API's own OpenAPI schema (issue 12): every
operation under /api/ and /ogc/, with generated and mutated parameters and
bodies, anonymous and as an organizer. No answer is a 5xx, and every answer
(status, media type, body, headers) is one the schema documents.

``make test`` runs a few examples per operation; ``make fuzz`` runs thousands
(FUZZ_EXAMPLES) and prints the tally; FUZZ_RANDOM=1 explores new cases
instead of the same ones each run. The app runs in-process (WSGI) on the
test database with DEBUG off, as production answers.
"""

import collections
import os
import threading

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks

from meetups.tests.factories import EventFactory, VenueFactory
from studygroups.tests.factories import StudyGroupFactory

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
# Every request the runs made, by who and status ("anonymous", "200").
TALLY = collections.Counter()
TALLY_LOCK = threading.Lock()


class BrowserlessRequest(WSGIRequest):
    # The organizer's session cookie stands for a signed-in client; a fuzzer
    # has no form to take a CSRF token from (as Django's test client).
    _dont_enforce_csrf_checks = True


class CountingApp(WSGIHandler):
    """Cerca's WSGI app, counting each answer's status class under ``who``."""

    request_class = BrowserlessRequest

    def __init__(self, who):
        super().__init__()
        self.who = who

    def __call__(self, environ, start_response):
        def counting_start_response(status, headers, *args):
            with TALLY_LOCK:
                TALLY[self.who, status[:3]] += 1
            return start_response(status, headers, *args)

        # As Django's test client: the test's transaction holds the
        # connection, which the end of a request would otherwise close.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = super().__call__(environ, counting_start_response)
            # Read it all now, while the signals are off.
            return [b"".join(response)]
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_rows(db, group_a):
    """A little of everything, so ids and filters find rows."""
    StudyGroupFactory.create_batch(2)
    EventFactory(study_group=group_a)
    VenueFactory(study_group=group_a)


@pytest.fixture
def production():
    # The fuzzer sends HTTP Basic credentials; hashing each guess the
    # production way would make the run a benchmark of PBKDF2.
    with override_settings(
        DEBUG=False,
        ALLOWED_HOSTS=["*"],
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ):
        yield


@pytest.fixture
def anonymous_schema(fuzz_rows, production):
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", CountingApp("anonymous"))


@pytest.fixture
def organizer_schema(fuzz_rows, production, organizer_a, client):
    client.force_login(organizer_a)
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", CountingApp("organizer"))
    return schema, client.cookies["sessionid"].value


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=os.environ.get("FUZZ_RANDOM") is None,
    suppress_health_check=list(HealthCheck),
)


# No 5xx, and every answer as documented. Not "positive data acceptance":
# a schema cannot say every rule (radius_km only with near, lon within
# [-180, 180] inside a "lon,lat" string), and such requests rightly get a 400.
CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
]


def fuzz(schema, cookies=None):
    """Run every operation of ``schema`` with EXAMPLES valid and EXAMPLES
    invalid cases each; a failed check fails the test with schemathesis's report."""
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @FUZZ_SETTINGS
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                case.call_and_validate(cookies=cookies, checks=CHECKS)

            run()
    who = schema.app.who
    counts = {status: count for (name, status), count in sorted(TALLY.items()) if name == who}
    print(f"\nfuzz {who}: {sum(counts.values())} requests, by status {counts}")
    assert not [status for status in counts if status.startswith("5")]


def test_anonymous_requests_get_documented_answers(fuzz_rows, production):
    fuzz(schemathesis.openapi.from_wsgi("/api/schema/?format=json", CountingApp("anonymous")))


def test_organizer_requests_get_documented_answers(fuzz_rows, production, organizer_a, client):
    client.force_login(organizer_a)
    fuzz(
        schemathesis.openapi.from_wsgi("/api/schema/?format=json", CountingApp("organizer")),
        cookies={"sessionid": client.cookies["sessionid"].value},
    )
