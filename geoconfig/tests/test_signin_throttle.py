"""Failed sign-ins are counted per address and per account in the shared
cache, and refused with 429 before any password is hashed (geoconfig/auth.py)."""

import base64
import subprocess
import sys
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from geoconfig.auth import signin_wait
from studygroups.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "cerca-test-password"


def basic(username, password):
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@pytest.fixture
def limits(settings):
    settings.SIGNIN_FAILURES_PER_ADDRESS = 5
    settings.SIGNIN_FAILURES_PER_ACCOUNT = 3
    return settings


def test_a_wrong_basic_login_on_a_public_get_is_a_401_with_www_authenticate(client):
    UserFactory(username="ana")
    response = client.get("/api/studygroups/", HTTP_AUTHORIZATION=basic("ana", "wrong"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"]


def test_an_anonymous_write_is_a_401_with_www_authenticate(client):
    response = client.post("/api/studygroups/", {}, content_type="application/json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_basic_failures_from_one_address_end_in_429_without_hashing(client, limits):
    for n in range(5):
        response = client.get(
            "/api/studygroups/", HTTP_AUTHORIZATION=basic(f"nobody{n}", "wrong")
        )
        assert response.status_code == 401
    hashing = mock.patch("django.contrib.auth.base_user.check_password", wraps=check_password)
    dummy_hashing = mock.patch("django.contrib.auth.hashers.make_password")
    with hashing as hashed, dummy_hashing as dummy_hash:
        response = client.get("/api/studygroups/", HTTP_AUTHORIZATION=basic("nobody9", "wrong"))
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert 0 < int(response["Retry-After"]) <= settings.SIGNIN_FAILURE_WINDOW_SECONDS
    assert not hashed.called and not dummy_hash.called
    # Another address is still heard.
    other = client.get(
        "/api/studygroups/", HTTP_AUTHORIZATION=basic("nobody9", "wrong"), REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 401


def test_an_account_guessed_from_many_addresses_is_refused_even_with_its_password(
    client, limits
):
    UserFactory(username="ana")
    for n in range(3):
        client.post(
            "/accounts/login/",
            {"username": "ana", "password": "wrong"},
            REMOTE_ADDR=f"10.0.1.{n}",
        )
    response = client.post(
        "/accounts/login/", {"username": "ana", "password": PASSWORD}, REMOTE_ADDR="10.0.2.1"
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith("text/html")
    assert "_auth_user_id" not in client.session


def test_the_admin_login_is_throttled(client, limits):
    for _n in range(5):
        client.post("/admin/login/", {"username": "admin", "password": "guess"})
    response = client.post("/admin/login/", {"username": "admin", "password": "guess"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_a_correct_login_under_the_limit_still_works(client, limits):
    UserFactory(username="ana")
    client.post("/accounts/login/", {"username": "ana", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "ana", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_failures_counted_by_another_process_count_here(limits):
    """gunicorn's workers are processes: the counts live in Redis, not in one of them."""
    assert isinstance(caches["default"], RedisCache)
    script = (
        "import django; django.setup()\n"
        "from django.test import RequestFactory\n"
        "from geoconfig.auth import signin_failure_record\n"
        "request = RequestFactory().get('/', REMOTE_ADDR='10.9.9.9')\n"
        "for _ in range(3): signin_failure_record(request, 'zoe')\n"
    )
    subprocess.run(
        [sys.executable, "-c", script],
        check=True,
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "geoconfig.settings"},
    )
    assert signin_wait(None, "zoe") > 0


def test_a_member_writes_with_a_token_and_revokes_it(client):
    user = UserFactory(username="ana")
    client.force_login(user)
    page = client.post("/accounts/token/", {"action": "create"})
    key = page.context["new_key"]
    assert key and key in page.content.decode()
    api = client.__class__()
    body = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [-74.0659, 4.6015]},
        "properties": {"name": "Python con token"},
    }
    created = api.post(
        "/api/studygroups/", body, content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert created.status_code == 201
    assert key not in client.get("/accounts/token/").content.decode()
    client.post("/accounts/token/", {"action": "revoke"})
    refused = api.post(
        "/api/studygroups/", body, content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert refused.status_code == 401


def test_without_redis_sign_ins_still_work(client, settings):
    """The cache down is no reason to lock everyone out (nor a 500)."""
    UserFactory(username="ana")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/1",
        }
    }
    wrong = client.post("/accounts/login/", {"username": "ana", "password": "wrong"})
    assert wrong.status_code == 200
    right = client.post("/accounts/login/", {"username": "ana", "password": PASSWORD})
    assert right.status_code == 302
