"""Reads of the map, API and OGC come from a real streaming replica; writes, and
a client's reads right after its own write, from the primary.

A gunicorn runs Cerca with DATABASE_URL set to the test database on the
primary and DATABASE_REPLICA_URL to the same database on the hot standby that
``.ci/pg replica start`` keeps (``make test`` starts it). Pausing WAL replay on
the standby makes it stale on purpose: a row committed on the primary is then
visible only to requests that read the primary.
"""

import base64
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from http.cookiejar import CookieJar
from urllib.parse import quote

import environ
import psycopg2
import pytest
from django.conf import settings
from django.core import signing
from django.db import connection

from geoconfig.middleware import PIN_COOKIE, PIN_SALT
from studygroups.models import StudyGroup
from studygroups.tests.factories import StudyGroupFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

REPLICA_ENV = settings.BASE_DIR / ".local" / "replica-env"
WAIT_S = 60


def database_url(params, name, **options):
    query = "&".join(f"{key}={value}" for key, value in options.items())
    return (
        f"postgis://{quote(params['USER'], safe='')}:{quote(params['PASSWORD'], safe='')}"
        f"@{params['HOST']}:{params['PORT']}/{name}" + (f"?{query}" if query else "")
    )


def wait_for(condition, what):
    """Poll until ``condition()`` is true; fail (never pass) after WAIT_S."""
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {WAIT_S} s waiting for {what}")
        time.sleep(0.05)


class Replica:
    """The standby, reached as the superuser (to pause and resume replay)."""

    def __init__(self, params):
        self.params = params
        self.admin = psycopg2.connect(
            host=params["HOST"],
            port=params["PORT"],
            user=params["USER"],
            password=params["PASSWORD"],
            dbname="postgres",
            connect_timeout=5,
        )
        self.admin.autocommit = True

    def query(self, sql, *args):
        with self.admin.cursor() as cursor:
            cursor.execute(sql, args)
            return cursor.fetchone()[0]

    def has_study_group(self, pk):
        """Whether the standby's copy of the test database holds this study group."""
        copy = psycopg2.connect(
            host=self.params["HOST"],
            port=self.params["PORT"],
            user=self.params["USER"],
            password=self.params["PASSWORD"],
            dbname=connection.settings_dict["NAME"],
        )
        try:
            with copy.cursor() as cursor:
                cursor.execute(
                    f"SELECT EXISTS (SELECT FROM {StudyGroup._meta.db_table} WHERE id = %s)", [pk]
                )
                return cursor.fetchone()[0]
        finally:
            copy.close()

    def catch_up(self):
        """Wait until the standby has replayed everything the primary wrote so far."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()")
            target = cursor.fetchone()[0]
        wait_for(
            lambda: self.query("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", target),
            f"the replica to replay up to {target}",
        )

    @contextmanager
    def paused(self):
        self.query("SELECT pg_wal_replay_pause()")
        try:
            wait_for(
                lambda: self.query("SELECT pg_get_wal_replay_pause_state()") == "paused",
                "WAL replay to pause",
            )
            yield
        finally:
            self.query("SELECT pg_wal_replay_resume()")


def replica_url():
    """The standby's address: DATABASE_REPLICA_URL, or the one .ci/pg wrote."""
    if os.environ.get("DATABASE_REPLICA_URL"):
        return os.environ["DATABASE_REPLICA_URL"]
    if REPLICA_ENV.exists():
        for line in REPLICA_ENV.read_text().splitlines():
            key, _, value = line.partition("=")
            if key == "DATABASE_REPLICA_URL":
                return value
    return ""


@pytest.fixture(scope="module")
def replica(django_db_setup, django_db_blocker):
    """The running standby of the test database's cluster, or a skip that says why."""
    url = replica_url()
    if not url:
        pytest.skip(
            f"no read replica: {REPLICA_ENV} is missing (`.ci/pg replica start`; make test runs it)"
        )
    params = environ.Env.db_url_config(url)
    where = f"{params['HOST']}:{params['PORT']}"
    try:
        standby = Replica(params)
    except psycopg2.OperationalError as exc:
        pytest.skip(f"the read replica at {where} does not answer (`.ci/pg replica start`): {exc}")
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute("SELECT system_identifier FROM pg_control_system()")
            primary_id = cursor.fetchone()[0]
        if not standby.query("SELECT pg_is_in_recovery()"):
            pytest.skip(f"{where} is not a standby")
        if standby.query("SELECT system_identifier FROM pg_control_system()") != primary_id:
            pytest.skip(f"{where} is not a standby of the test database's cluster")
        standby.catch_up()  # the test database may be newer than the standby's copy
    yield standby
    standby.admin.close()


def recovery_conflict():
    """What a hot standby answers to a query that replay cancelled (an
    ErrorResponse with SQLSTATE 40001, then ReadyForQuery)."""
    fields = b"".join(
        code + text + b"\0"
        for code, text in (
            (b"S", b"ERROR"),
            (b"V", b"ERROR"),
            (b"C", b"40001"),
            (b"M", b"canceling statement due to conflict with recovery"),
        )
    ) + b"\0"
    return b"E" + struct.pack("!I", 4 + len(fields)) + fields + b"Z" + struct.pack("!I", 5) + b"I"


class Relay:
    """A TCP relay in front of the replica that a test can cut, as a network
    or a dying replica would: refuse new connections, drop the open ones,
    drop a connection when a query names ``drop_on``, or answer a query that
    names ``conflict_on`` as the standby does when replay cancels it."""

    def __init__(self, host, port):
        self.upstream = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.refusing = False
        self.drop_on = None
        self.conflict_on = None
        self.open = set()
        self.lock = threading.Lock()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            if self.refusing:
                client.close()
                continue
            server = socket.create_connection(self.upstream)
            with self.lock:
                self.open |= {client, server}
            threading.Thread(target=self.pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self.pump, args=(server, client, False), daemon=True).start()

    def pump(self, source, target, from_client):
        try:
            while data := source.recv(65536):
                if from_client and self.drop_on and self.drop_on in data:
                    self.drop_on = None
                    break
                if from_client and self.conflict_on and self.conflict_on in data:
                    self.conflict_on = None
                    source.sendall(recovery_conflict())
                    continue
                target.sendall(data)
        except OSError:
            pass
        self.hang_up(source, target)

    def hang_up(self, *sockets):
        for sock in sockets:
            with self.lock:
                self.open.discard(sock)
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def cut(self):
        self.refusing = True
        with self.lock:
            sockets = list(self.open)
        self.hang_up(*sockets)

    def mend(self):
        self.refusing = False

    def close(self):
        self.listener.close()
        self.cut()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """Cerca under gunicorn (one sync worker), with a read replica."""

    def __init__(self, log_path, replica_url):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        env = {
            **os.environ,
            "DEBUG": "1",
            # Pins signed here are honoured there.
            "SECRET_KEY": settings.SECRET_KEY,
            "DATABASE_URL": database_url(
                connection.settings_dict, connection.settings_dict["NAME"]
            ),
            "DATABASE_REPLICA_URL": replica_url,
            # A replica that comes back is used again at once.
            "REPLICA_RETRY_SECONDS": "0",
            # The tests read what the server says about the replica.
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
                 "--workers", "1", "--no-control-socket", "geoconfig.wsgi"],
                env=env,
                cwd=settings.BASE_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for(self.answers, f"gunicorn on port {self.port}")
        except BaseException:
            self.stop()
            raise

    def answers(self):
        if self.process.poll() is not None:
            pytest.fail(f"gunicorn exited:\n{self.log()}")
        try:
            # A 404 of the URL configuration, that reads no database.
            urllib.request.urlopen(f"{self.url}/api/nothing-here/", timeout=5)
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False
        return True

    def log(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def server(replica, tmp_path_factory):
    """Cerca reading the test database from the standby, directly."""
    served = Server(
        tmp_path_factory.mktemp("replica") / "gunicorn.log",
        database_url(replica.params, connection.settings_dict["NAME"]),
    )
    yield served
    served.stop()


@pytest.fixture(scope="module")
def relay(replica):
    relayed = Relay(replica.params["HOST"], replica.params["PORT"])
    yield relayed
    relayed.close()


@pytest.fixture(scope="module")
def relayed_server(replica, relay, tmp_path_factory):
    """Cerca reading the standby through a relay that tests cut."""
    served = Server(
        tmp_path_factory.mktemp("relayed") / "gunicorn.log",
        database_url(
            {**replica.params, "HOST": "127.0.0.1", "PORT": relay.port},
            connection.settings_dict["NAME"],
            sslmode="disable",  # the relay reads the queries
        ),
    )
    yield served
    served.stop()


@pytest.fixture
def stale_replica(replica, transactional_db):
    """The standby stops replaying the primary's changes (until the test ends,
    before the test database is flushed)."""
    replica.catch_up()
    with replica.paused():
        yield replica


class Visitor:
    """A browser or a script with a cookie jar, optionally signed in (Basic)."""

    def __init__(self, server, username=None, password=None):
        self.server = server
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.headers = {}
        if username:
            token = base64.b64encode(f"{username}:{password}".encode()).decode()
            self.headers["Authorization"] = f"Basic {token}"

    def request(self, method, path, body=None, headers=()):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.server.url + path,
            data=data,
            method=method,
            headers={**self.headers, "Content-Type": "application/json", **dict(headers)},
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def status(self, path, **kwargs):
        return self.request("GET", path, **kwargs)[0]

    def pin(self):
        return next((cookie for cookie in self.cookies if cookie.name == PIN_COOKIE), None)


def group_api(group):
    return f"/api/studygroups/{group.pk}/"


def test_map_api_and_ogc_read_the_replica_until_it_replays_a_write(server, stale_replica):
    group = StudyGroupFactory(name="Grupo Réplica Tardía")
    visitor = Visitor(server)
    near = "/?near=-75.5690,6.2675&radius_km=5"

    assert visitor.status(group_api(group)) == 404
    assert visitor.status(f"/ogc/collections/studygroups/items/{group.pk}") == 404
    status, page = visitor.request("GET", near)
    assert status == 200 and "Grupo Réplica Tardía" not in page

    stale_replica.query("SELECT pg_wal_replay_resume()")
    stale_replica.catch_up()
    assert visitor.status(group_api(group)) == 200
    assert visitor.status(f"/ogc/collections/studygroups/items/{group.pk}") == 200
    assert "Grupo Réplica Tardía" in visitor.request("GET", near)[1]


def test_pages_outside_the_map_read_the_primary(server, stale_replica):
    group = StudyGroupFactory(name="Grupo Recién Creado")

    assert Visitor(server).status(group_api(group)) == 404
    assert Visitor(server).status(group.get_absolute_url()) == 200


def test_a_write_lands_on_the_primary_and_its_writer_reads_it_there(server, stale_replica):
    UserFactory(username="rita_replica")
    writer = Visitor(server, "rita_replica", "cerca-test-password")
    status, body = writer.request(
        "POST",
        "/api/studygroups/",
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [-74.0840, 4.6380]},
            "properties": {"name": "Grupo Escrito Ahora", "city": "Bogotá"},
        },
    )
    assert status == 201, body
    pk = json.loads(body)["id"]

    assert StudyGroup.objects.filter(pk=pk, name="Grupo Escrito Ahora").exists()
    assert not stale_replica.has_study_group(pk)
    pin = writer.pin()
    assert pin is not None and 0 < pin.expires - time.time() <= settings.REPLICA_PIN_SECONDS + 1
    # The writer reads the primary while pinned; someone else reads the replica.
    assert writer.status(f"/api/studygroups/{pk}/") == 200
    assert Visitor(server).status(f"/api/studygroups/{pk}/") == 404


def signed_pin(seconds_ago=0):
    now = time.time()
    signer = signing.get_cookie_signer(salt=PIN_COOKIE + PIN_SALT)
    original = signing.TimestampSigner.timestamp
    signing.TimestampSigner.timestamp = lambda self: signing.b62_encode(int(now - seconds_ago))
    try:
        return signer.sign("1")
    finally:
        signing.TimestampSigner.timestamp = original


def forged_pin():
    value, timestamp, signature = signed_pin().split(":")
    return f"{value}:{timestamp}:{'A' * len(signature)}"


@pytest.mark.parametrize(
    "cookie, reads",
    [
        (lambda: signed_pin(), "primary"),
        (lambda: signed_pin(seconds_ago=settings.REPLICA_PIN_SECONDS + 2), "replica"),
        (lambda: forged_pin(), "replica"),
        (lambda: "1", "replica"),
    ],
    ids=["fresh", "expired", "forged", "unsigned"],
)
def test_only_a_fresh_signed_pin_reads_the_primary(server, stale_replica, cookie, reads):
    group = StudyGroupFactory()

    visitor = Visitor(server)
    status = visitor.status(group_api(group), headers={"Cookie": f"{PIN_COOKIE}={cookie()}"})
    assert status == {"primary": 200, "replica": 404}[reads]


def test_an_unreachable_replica_leaves_reads_on_the_primary(relayed_server, relay, stale_replica):
    group = StudyGroupFactory()
    visitor = Visitor(relayed_server)
    assert visitor.status(group_api(group)) == 404

    relay.cut()
    try:
        assert visitor.status(group_api(group)) == 200
        assert "The read replica cannot be reached" in relayed_server.log()
    finally:
        relay.mend()
    assert visitor.status(group_api(group)) == 404
    assert "The read replica answers again" in relayed_server.log()


def test_a_request_that_loses_the_replica_midway_is_answered_from_the_primary(
    relayed_server, relay, stale_replica
):
    group = StudyGroupFactory()
    visitor = Visitor(relayed_server)
    assert visitor.status(group_api(group)) == 404

    relay.drop_on = StudyGroup._meta.db_table.encode()
    assert visitor.status(group_api(group)) == 200
    assert relay.drop_on is None  # the connection was dropped mid-request
    assert f"Answering GET {group_api(group)} again from the primary" in relayed_server.log()
    assert visitor.status(group_api(group)) == 404


def test_a_query_that_replay_cancels_is_answered_again_from_the_primary(
    relayed_server, relay, stale_replica
):
    group = StudyGroupFactory()
    visitor = Visitor(relayed_server)
    unreachable = relayed_server.log().count("cannot be reached")

    relay.conflict_on = StudyGroup._meta.db_table.encode()
    assert visitor.status(group_api(group)) == 200
    assert relay.conflict_on is None
    assert (
        f"Answering GET {group_api(group)} again from the primary: canceling statement "
        "due to conflict with recovery" in relayed_server.log()
    )
    # A replica that answers is not given up on.
    assert relayed_server.log().count("cannot be reached") == unreachable
    assert visitor.status(group_api(group)) == 404
