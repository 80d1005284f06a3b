import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

MANAGE = [sys.executable, str(settings.BASE_DIR / "manage.py")]


def production_env(**overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="cerca.example.org",
        EMAIL_HOST="smtp.example.org",
        DATABASE_URL="postgis://cerca:secret@db.example.org:5432/cerca",
        PYTHONWARNINGS="ignore",
    )
    env.update(overrides)
    return env


def test_deployment_checklist_is_clean_in_production_settings():
    result = subprocess.run(
        [*MANAGE, "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(),
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = subprocess.run(
        [*MANAGE, "check"],
        env=production_env(SECRET_KEY=""),
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


REPLICA_URL = "postgis://cerca:secret@replica.example.org:5432/cerca"


def test_deployment_checklist_is_clean_with_a_read_replica():
    result = subprocess.run(
        [*MANAGE, "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(DATABASE_REPLICA_URL=REPLICA_URL),
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def database_settings(**env):
    """The databases, routers and middleware that settings made of ``env`` give."""
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'aliases': sorted(s.DATABASES), 'routers': s.DATABASE_ROUTERS, "
        "'replica': s.DATABASES.get('replica'), 'middleware': s.MIDDLEWARE}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={
            **{key: value for key, value in production_env(**env).items() if value is not None},
            "DJANGO_SETTINGS_MODULE": "geoconfig.settings",
        },
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_a_replica_url_there_is_one_database_and_no_router():
    configured = database_settings(DATABASE_REPLICA_URL="")

    assert configured["aliases"] == ["default"]
    assert configured["routers"] == []
    assert "geoconfig.middleware.ReplicaReads" not in configured["middleware"]


def test_a_replica_url_adds_the_replica_its_router_and_middleware():
    configured = database_settings(DATABASE_REPLICA_URL=REPLICA_URL)

    assert configured["aliases"] == ["default", "replica"]
    assert configured["routers"] == ["geoconfig.db_router.ReplicaRouter"]
    assert configured["replica"]["HOST"] == "replica.example.org"
    # pytest-django never creates a test database on the read-only standby.
    assert configured["replica"]["TEST"]["MIRROR"] == "default"
    assert configured["replica"]["OPTIONS"]["connect_timeout"] == 2
    middleware = configured["middleware"]
    # Outside the session middleware, so a session saved on the way out counts as a write.
    assert middleware.index("geoconfig.middleware.ReplicaReads") < middleware.index(
        "django.contrib.sessions.middleware.SessionMiddleware"
    )


@pytest.mark.django_db
def test_web_connections_run_without_jit():
    # A 1,000-feature page at a million rows spent longer compiling than running.
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
