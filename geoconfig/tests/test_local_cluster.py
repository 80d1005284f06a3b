"""The project-local PostgreSQL cluster (.ci/pg) keeps every commit it has
acknowledged through a crash, and takes the memory it is told to."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2
import pytest

# Not this test's own need: the suite's session fixtures (conftest.py) read
# the test database, which pytest-django sets up only for database tests.
pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
COMMITS = 300


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cluster_processes(postmaster_pid):
    """The postmaster's pid and its children's (checkpointer, WAL writer, backends)."""
    pids = [postmaster_pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == postmaster_pid:
            pids.append(int(stat.parent.name))
    return pids


@pytest.fixture
def throwaway_cluster():
    """A fresh cluster made by this checkout's .ci/pg in a folder of its own,
    removed afterwards: {"run": run .ci/pg there, "dsn": its connection string}."""
    project = Path(tempfile.mkdtemp(prefix="cerca-pg-"))
    # As root, .ci/pg runs the cluster as 'postgres', which must reach the folder.
    project.chmod(0o755)
    (project / ".ci").mkdir()
    shutil.copy(ROOT / ".ci" / "pg", project / ".ci" / "pg")
    environment = {**os.environ, "CERCA_PG_PORT": str(free_port())}

    def run(*args, **extra_environment):
        subprocess.run(
            [str(project / ".ci" / "pg"), *args], env={**environment, **extra_environment},
            check=True, capture_output=True, timeout=180,
        )

    run("start")
    url = (project / ".local" / "env").read_text().strip().split("=", 1)[1]
    try:
        yield {"run": run, "dsn": url.replace("postgis://", "postgresql://", 1),
               "data": project / ".local" / "pg" / "data"}
    finally:
        subprocess.run([str(project / ".ci" / "pg"), "stop"], env=environment,
                       capture_output=True, timeout=120)
        shutil.rmtree(project, ignore_errors=True)


def test_acknowledged_commits_survive_a_crash(throwaway_cluster):
    dsn = throwaway_cluster["dsn"]
    with psycopg2.connect(dsn) as setup:
        setup.cursor().execute("CREATE TABLE venue_writes (n integer PRIMARY KEY)")
    writer = psycopg2.connect(dsn)
    writer.autocommit = True
    with writer.cursor() as cursor:
        for n in range(1, COMMITS + 1):
            # Each statement is its own transaction: its commit is acknowledged
            # when execute() returns.
            cursor.execute("INSERT INTO venue_writes VALUES (%s)", [n])
    postmaster = int((throwaway_cluster["data"] / "postmaster.pid").read_text().split()[0])
    # A crash: the whole cluster dies at once, before the WAL writer's next round.
    for pid in cluster_processes(postmaster):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    writer.close()
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{pid}").exists() for pid in cluster_processes(postmaster)):
        assert time.monotonic() < deadline, "the killed cluster's processes lingered"
        time.sleep(0.05)

    throwaway_cluster["run"]("start")

    with psycopg2.connect(dsn) as after:
        with after.cursor() as cursor:
            cursor.execute("SELECT count(*), max(n) FROM venue_writes")
            assert cursor.fetchone() == (COMMITS, COMMITS)


def shared_buffers_mb(dsn):
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT setting::bigint * pg_size_bytes(unit) / (1024 * 1024) "
            "FROM pg_settings WHERE name = 'shared_buffers'"
        )
        return cursor.fetchone()[0]


def test_the_cluster_keeps_debians_memory_unless_told(throwaway_cluster):
    assert shared_buffers_mb(throwaway_cluster["dsn"]) == 128

    throwaway_cluster["run"]("stop")
    throwaway_cluster["run"]("start", CERCA_PG_SHARED_BUFFERS="160MB")
    assert shared_buffers_mb(throwaway_cluster["dsn"]) == 160
