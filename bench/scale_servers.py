"""bench/scale.py's servers: Cerca and pygeoapi under gunicorn, and plain HTTP GETs
with a deadline."""

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from scale_db import BENCH, GROUP_COLUMNS, ROOT, connect, with_database

PYGEOAPI_VENV = BENCH / ".venv-pygeoapi"
PYGEOAPI_REQUIREMENTS = BENCH / "pygeoapi-requirements.txt"


class TimedOut(Exception):
    pass


# Serving --------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn with ``workers`` sync workers (2) on a free port, stopped on exit."""

    def __init__(self, label, command, env, cwd, ready_path, timeout, port=None, workers=2,
                 bind=None, base_url=None):
        self.label = label
        self.port = port or free_port()
        # ``bind`` (a Unix socket) and ``base_url`` (a proxy in front of it)
        # replace the free port, where a proxy reaches gunicorn.
        bind = bind or f"127.0.0.1:{self.port}"
        self.base_url = base_url or f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(
            prefix=f"bench-{label}-", suffix=".log", delete=False
        )
        self.process = subprocess.Popen(
            [*command, "--workers", str(workers), "--bind", bind,
             # gunicorn's own limit stays above the client's, which gives up first.
             "--timeout", str(int(timeout) + 30)],
            cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if request(self.base_url + ready_path, 10)[1] == 200:
                    return
            except (OSError, TimedOut):
                pass
            time.sleep(0.5)
        self.stop()
        sys.exit(f"{label} did not start; its log:\n{Path(self.log.name).read_text()[-3000:]}")

    def workers(self):
        """The worker processes' pids."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class RunningServer(Server):
    """A gunicorn started by someone else, known by its master's pid."""

    def __init__(self, pid):
        self.process = type("Process", (), {"pid": pid})()


def memory_kib(pids):
    """{pid: (VmRSS, VmHWM)} in KiB, from /proc/<pid>/status."""
    result = {}
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        values = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, flags=re.M))
        result[pid] = (int(values.get("VmRSS", 0)), int(values.get("VmHWM", 0)))
    return result


STATIC_ROOT = []


def serve_cerca(url, name, timeout, workers=2, options=(), bind=None, base_url=None,
                extra_env=None, root=None):
    """Cerca's production settings (DEBUG=0, WhiteNoise over collected static
    files), but plain HTTP: no TLS proxy in front; ``options`` go to gunicorn,
    ``bind`` and ``base_url`` to Server, ``extra_env`` to its environment;
    ``root``: another checkout to serve (main's, as a baseline), this one's
    otherwise."""
    env = {
        **os.environ,
        "DATABASE_URL": with_database(url, name, application_name="cerca-bench-server"),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        # Persistent connections, as in production, kept for the whole run: a
        # reconnection would fail the request when a shared cluster is out of slots.
        "CONN_MAX_AGE": "3600",
        **(extra_env or {}),
    }
    if root is None:
        if not STATIC_ROOT:
            STATIC_ROOT.append(collect_static(env, ROOT))
        env["STATIC_ROOT"] = STATIC_ROOT[0]
    else:
        env["STATIC_ROOT"] = collect_static(env, root)
    return Server(
        "cerca" if root is None else "cerca-baseline",
        [sys.executable, "-m", "gunicorn", "geoconfig.wsgi", *options], env, root or ROOT,
        "/ogc/conformance", timeout, workers=workers, bind=bind, base_url=base_url,
    )


class Proxy:
    """`make serve`'s nginx (.ci/proxy run) on a free port, its folder (and
    gunicorn's socket there) a temporary one, stopped on exit."""

    def __init__(self):
        self.folder = tempfile.mkdtemp(prefix="bench-proxy-")
        # A link to the collected static files, made once gunicorn has them.
        self.static_root = f"{self.folder}/static"
        os.chmod(self.folder, 0o755)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.socket = f"{self.folder}/gunicorn.sock"
        self.log = open(f"{self.folder}/proxy.log", "w")
        self.process = subprocess.Popen(
            [str(ROOT / ".ci" / "proxy"), "run"],
            env={**os.environ, "CERCA_PROXY_DIR": self.folder, "CERCA_HOST": "127.0.0.1",
                 "PORT": str(self.port), "STATIC_ROOT": self.static_root},
            stdout=self.log, stderr=subprocess.STDOUT,
        )

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def serve_behind_proxy(url, name, timeout, workers=2, options=()):
    """`make serve`'s stack: serve_cerca's gunicorn on a Unix socket behind
    nginx (Proxy), which serves the static files; (server, proxy), both to stop."""
    proxy = Proxy()
    try:
        server = serve_cerca(
            url, name, timeout, workers=workers, options=options,
            bind=f"unix:{proxy.socket}", base_url=proxy.base_url,
            extra_env={"TRUST_X_REAL_IP": "1"},
        )
    except BaseException:
        proxy.stop()
        raise
    os.symlink(STATIC_ROOT[0], proxy.static_root)
    return server, proxy


def collect_static(env, root):
    """A new folder of ``root``'s collected static files, readable by all (a
    proxy's workers serve it)."""
    folder = tempfile.mkdtemp(prefix="bench-static-")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input"],
        cwd=root, env={**env, "STATIC_ROOT": folder}, check=True, capture_output=True,
    )
    os.chmod(folder, 0o755)
    return folder


def pygeoapi_python():
    """bench/.venv-pygeoapi's python, with bench/pygeoapi-requirements.txt installed."""
    python = PYGEOAPI_VENV / "bin" / "python"
    stamp = PYGEOAPI_VENV / ".installed"
    wanted = PYGEOAPI_REQUIREMENTS.read_text()
    if not (stamp.exists() and stamp.read_text() == wanted):
        print("  installing pygeoapi into bench/.venv-pygeoapi...", flush=True)
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(PYGEOAPI_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-r", str(PYGEOAPI_REQUIREMENTS)],
            check=True,
        )
        stamp.write_text(wanted)
    return python


PYGEOAPI_VIEW = "bench_pygeoapi_studygroups"


def serve_pygeoapi(url, name, timeout):
    """pygeoapi's PostgreSQL provider over a view of studygroups_studygroup that
    has Cerca's list properties and the point as the geometry its GiST index is on."""
    python = pygeoapi_python()
    connection = connect(url, name)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP VIEW IF EXISTS {PYGEOAPI_VIEW}")
        cursor.execute(
            f"CREATE VIEW {PYGEOAPI_VIEW} AS SELECT g.id, {GROUP_COLUMNS}, "
            "g.location::geometry(Geometry, 4326) AS geom FROM studygroups_studygroup AS g"
        )
    connection.close()
    parts = urllib.parse.urlsplit(url)
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="bench-pygeoapi-"))
    config = folder / "pygeoapi.yml"
    values = {
        "port": port, "host": parts.hostname, "dbport": parts.port or 5432, "dbname": name,
        "user": urllib.parse.unquote(parts.username or ""),
        "password": urllib.parse.unquote(parts.password or ""), "table": PYGEOAPI_VIEW,
    }
    config.write_text(
        string.Template((BENCH / "pygeoapi.yml").read_text()).substitute(
            {key: json.dumps(value) if isinstance(value, str) else value
             for key, value in values.items()}
        )
    )
    openapi = folder / "openapi.yml"
    env = {**os.environ, "PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    subprocess.run(
        [str(python.parent / "pygeoapi"), "openapi", "generate", str(config),
         "--output-file", str(openapi)],
        env=env, check=True, capture_output=True,
    )
    return Server(
        "pygeoapi", [str(python), "-m", "gunicorn", "pygeoapi.flask_app:APP"], env, folder,
        "/conformance?f=json", timeout, port=port,
    )


# HTTP -------------------------------------------------------------------------


def request(url, timeout, sink=None):
    """GET ``url``: (seconds, status, body, headers). The body is kept unless
    ``sink`` is given, which is then called with each chunk. TimedOut after
    ``timeout`` seconds in all."""
    parts = urllib.parse.urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    start = time.perf_counter()
    chunks = []
    try:
        connection.request(
            "GET", target, headers={"Accept": "application/geo+json, application/json, */*"}
        )
        response = connection.getresponse()
        while chunk := response.read1(1 << 16):
            (sink or chunks.append)(chunk)
            if time.perf_counter() - start > timeout:
                raise TimedOut()
        return time.perf_counter() - start, response.status, b"".join(chunks), response.headers
    except (socket.timeout, TimeoutError):
        raise TimedOut()
    finally:
        connection.close()


def status_of(url, timeout):
    """The status of GET ``url``, without reading the body (the connection is closed)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        return connection.getresponse().status
    except (socket.timeout, TimeoutError):
        return "timed out"
    finally:
        connection.close()
