"""Production mode (DEBUG=0) as `make serve` and Docker run it: the proxy
header trusted only when said, HSTS preload only when asked, mail that cannot
fail unseen, marker images found, and no 500 without collectstatic."""

import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client, override_settings

from geoconfig.tests.test_settings import MANAGE, production_env
from meetups.tests.factories import EventFactory


def production_settings(*names, **env):
    """The values of settings ``names`` in production settings made of ``env``."""
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {list(names)!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**production_env(**env), "DJANGO_SETTINGS_MODULE": "geoconfig.settings"},
        capture_output=True, text=True, cwd=settings.BASE_DIR,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_x_forwarded_proto_is_not_trusted_by_default():
    assert production_settings("SECURE_PROXY_SSL_HEADER")["SECURE_PROXY_SSL_HEADER"] is None


def test_x_forwarded_proto_is_trusted_when_the_setting_says_so():
    configured = production_settings("SECURE_PROXY_SSL_HEADER", TRUST_X_FORWARDED_PROTO="1")
    assert configured["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_hsts_preload_only_when_asked_for():
    assert production_settings("SECURE_HSTS_PRELOAD")["SECURE_HSTS_PRELOAD"] is False
    assert production_settings(
        "SECURE_HSTS_PRELOAD", SECURE_HSTS_PRELOAD="1"
    )["SECURE_HSTS_PRELOAD"] is True


def check(**env):
    return subprocess.run(
        [*MANAGE, "check"], env=production_env(**env),
        capture_output=True, text=True, cwd=settings.BASE_DIR,
    )


def test_smtp_without_a_host_stops_the_checks_instead_of_failing_unseen():
    result = check(EMAIL_HOST="")
    assert result.returncode != 0
    assert "cerca.E001" in result.stderr
    assert "localhost" not in production_settings("EMAIL_HOST", EMAIL_HOST="")["EMAIL_HOST"]


def test_mail_settings_come_from_the_environment():
    configured = production_settings(
        "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_SSL", "EMAIL_TIMEOUT",
        EMAIL_HOST="smtp.example.org", EMAIL_PORT="465", EMAIL_USE_SSL="1", EMAIL_TIMEOUT="5",
    )
    assert configured == {
        "EMAIL_HOST": "smtp.example.org", "EMAIL_PORT": 465, "EMAIL_USE_SSL": True,
        "EMAIL_TIMEOUT": 5,
    }


def test_the_file_mail_backend_and_its_folder_come_from_the_environment(tmp_path):
    configured = production_settings(
        "EMAIL_BACKEND", "EMAIL_FILE_PATH",
        EMAIL_HOST="", EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
    )
    assert configured == {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }


def test_another_mail_backend_needs_no_host():
    result = check(EMAIL_HOST="", EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend")
    assert result.returncode == 0, result.stderr


def test_leaflet_marker_images_are_found_by_their_plain_names():
    # Leaflet asks for imagePath + "marker-icon.png"; collectstatic keeps that name.
    path = production_settings("LEAFLET_CONFIG")["LEAFLET_CONFIG"]["FORCE_IMAGE_PATH"]
    assert path == "/static/leaflet/images/"
    from django.contrib.staticfiles import finders

    assert finders.find("leaflet/images/marker-icon.png")


@pytest.mark.django_db
def test_a_map_page_without_collectstatic_is_not_a_500(tmp_path):
    event = EventFactory()
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "geoconfig.storage.ManifestStaticFilesWithFallback"},
    }
    with override_settings(DEBUG=False, STATIC_ROOT=tmp_path, STORAGES=storages):
        client = Client(raise_request_exception=False)
        for path in ("/", event.get_absolute_url()):
            response = client.get(path)
            assert response.status_code == 200, path
        html = response.content.decode()
    assert '"/static/leaflet/images/"' in html
    assert "/static/leaflet/leaflet.js" in html
