"""A database that is down, or a request that waits too long on it, is a 503
(a 409 for a locked row) with Retry-After, never a 500, and the site recovers
by itself when the database returns."""

import socket
import time

import psycopg2
import pytest
from django.db import connection, transaction
from django.test import Client, override_settings

from geoconfig import web_timeouts
from meetups.tests.factories import AttendeeFactory, EventFactory
from studygroups.tests.factories import StudyGroupFactory

pytestmark = pytest.mark.django_db(transaction=True)


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def production_client():
    with override_settings(DEBUG=False):
        yield Client(raise_request_exception=False)


@pytest.fixture
def database_down():
    """While in use, the default connection points at a port nobody listens on
    (as when PostgreSQL is stopped); afterwards at the database again."""
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = closed_port()
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port


@pytest.fixture
def web_connections(settings):
    """The default connection opened as a web process opens it (geoconfig/wsgi.py)."""
    settings.WEB_LOCK_TIMEOUT_SECONDS = 1
    settings.WEB_STATEMENT_TIMEOUT_SECONDS = 2
    connection.close()
    web_timeouts.enable()
    try:
        yield
    finally:
        web_timeouts.disable()
        connection.close()


@pytest.mark.parametrize("language, words", [("es", "Inténtalo"), ("en", "Try again")])
def test_a_page_while_the_database_is_down_is_the_sites_503(
    production_client, database_down, language, words
):
    response = production_client.get("/groups/any/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert "503" in html and words in html
    assert "/static/css/cerca.css" in html


@pytest.mark.parametrize("path", ["/api/studygroups/", "/ogc/collections/events/items"])
def test_the_api_while_the_database_is_down_is_a_json_503(production_client, database_down, path):
    response = production_client.get(path)
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "ServiceUnavailable"
    assert response.json()["description"]


def test_the_site_recovers_when_the_database_returns(production_client):
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = closed_port()
    assert production_client.get("/api/studygroups/").status_code == 503
    connection.settings_dict["PORT"] = port
    assert production_client.get("/api/studygroups/").status_code == 200


def test_web_connections_have_the_timeouts(web_connections):
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "2s"
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "1s"


def test_other_connections_have_no_timeouts():
    # manage.py (migrations, imports, exports) and Celery never load geoconfig.wsgi.
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "0"


def test_an_rsvp_to_a_locked_event_is_a_409_not_a_hang(production_client, web_connections):
    event = EventFactory(study_group=None)
    attendee = AttendeeFactory()
    production_client.force_login(attendee)
    # Another transaction (an organizer's long edit) holds the event's row.
    holder = psycopg2.connect(**connection.get_connection_params())
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT 1 FROM meetups_event WHERE id = %s FOR UPDATE", [event.pk])
            started = time.monotonic()
            response = production_client.post(
                f"/api/events/{event.pk}/rsvp/", {"going": True}, content_type="application/json"
            )
            waited_s = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 409
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "Conflict"
    assert waited_s < 5
    # Nothing was half-written, and once the lock is gone the answer goes through.
    assert not event.rsvps.exists()
    response = production_client.post(
        f"/api/events/{event.pk}/rsvp/", {"going": True}, content_type="application/json"
    )
    assert response.status_code in (200, 201)


def test_a_statement_past_the_timeout_is_a_503(production_client, web_connections, monkeypatch):
    from studygroups import api

    def slow(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(10)")

    monkeypatch.setattr(api.StudyGroupKind, "get_queryset", slow)
    started = time.monotonic()
    response = production_client.get("/api/studygroups/")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert response.json()["code"] == "ServiceUnavailable"
    assert int(response["Retry-After"]) > 0


def test_an_export_lifts_the_statement_timeout_for_its_own_transaction(web_connections):
    # A download of a whole collection may outlast a web request's statements.
    with transaction.atomic():
        web_timeouts.lift_statement_timeout("default")
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "0"
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "2s"


def test_a_download_through_the_web_is_not_cut_by_the_statement_timeout(
    production_client, web_connections, monkeypatch
):
    from places import exports

    real_rows = exports.Export.rows

    def slow_rows(self):
        for row in real_rows(self):
            # Longer than the web statement timeout (2 s), inside the export's transaction.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(2.5)")
            yield row

    monkeypatch.setattr(exports.Export, "rows", slow_rows)
    StudyGroupFactory()
    response = production_client.get("/api/studygroups/export.geojson")
    assert response.status_code == 200, response.content
    body = b"".join(response.streaming_content)
    assert b"FeatureCollection" in body
