"""`make serve`'s reverse proxy: Debian's nginx, started by .ci/proxy from the
configuration it generates (.ci/nginx.conf), in front of the test server.
It serves static files itself, keeps anonymous reads for PROXY_CACHE_SECONDS
and never answers a signed-in member, a POST or a private answer from its
cache; X-Cache-Status says what it did."""

import gzip
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests
from django.contrib.gis.geos import Point
from django.test import RequestFactory

from geoconfig.proxy import RealClientAddress
from geoconfig.tests.test_production import production_settings
from studygroups.services import studygroup_create

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[1]
CACHE_SECONDS = 3
PASSWORD = "a-long-test-password-for-the-proxy"
BOGOTA = Point(-74.0721, 4.7110, srid=4326)
HASHED = "js/cerca.0123456789ab.js"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def static_root():
    """A collected-static folder with one hashed file, its .gz copy, and one
    plain file; readable by nginx's workers (nobody, when root runs them)."""
    folder = Path(tempfile.mkdtemp(prefix="cerca-proxy-static-"))
    folder.chmod(0o755)
    (folder / "js").mkdir(mode=0o755)
    (folder / HASHED).write_text("export const hashed = true;\n" * 50)
    with gzip.open(folder / f"{HASHED}.gz", "wb") as file:
        file.write((folder / HASHED).read_bytes())
    (folder / "js/plain.js").write_text("export const plain = true;\n")
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    yield folder
    shutil.rmtree(folder)


@pytest.fixture
def proxy(live_server, static_root):
    """nginx on a free port, from .ci/proxy's generated configuration, in
    front of the live test server; its base URL."""
    folder = tempfile.mkdtemp(prefix="cerca-proxy-")
    os.chmod(folder, 0o755)
    port = free_port()
    env = {
        **os.environ,
        "CERCA_PROXY_DIR": folder,
        "CERCA_HOST": "127.0.0.1",
        "PORT": str(port),
        "CERCA_PROXY_UPSTREAM": live_server.url.removeprefix("http://"),
        "STATIC_ROOT": str(static_root),
        "PROXY_CACHE_SECONDS": str(CACHE_SECONDS),
        "PROXY_ACCESS_LOG": "off",
    }
    process = subprocess.Popen(
        [str(ROOT / ".ci" / "proxy"), "run"], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        assert process.poll() is None, process.stdout.read()
        try:
            requests.get(f"{base}/healthz", timeout=5)
            break
        except requests.ConnectionError:
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(10)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def group(django_user_model):
    organizer = django_user_model.objects.create_user("ana", "ana@example.org", PASSWORD)
    return studygroup_create(
        organizer=organizer, name="Python en la Nacional", location=BOGOTA, city="Bogotá"
    )


def get(url, **headers):
    """An anonymous GET: no cookie, no session."""
    return requests.get(url, headers={"Accept-Language": "es", **headers}, timeout=20)


def signed_in(base, username, password=PASSWORD):
    """A session signed in through the proxy's login form (CSRF and all)."""
    session = requests.Session()
    form = session.get(f"{base}/accounts/login/", timeout=20)
    assert form.headers["X-Cache-Status"] in ("BYPASS", "MISS")
    answer = session.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": password,
              "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": f"{base}/accounts/login/"}, allow_redirects=False, timeout=20,
    )
    assert answer.status_code == 302, answer.text[:500]
    assert "sessionid" in session.cookies
    return session


def test_the_proxy_serves_the_site_from_its_generated_configuration(proxy, group):
    page = get(f"{proxy}/")
    assert page.status_code == 200
    assert page.headers["Server"] == "nginx"
    assert "Cerca" in page.text
    detail = get(f"{proxy}{group.get_absolute_url()}")
    assert detail.status_code == 200 and "Python en la Nacional" in detail.text


def test_static_files_are_served_by_nginx(proxy, static_root):
    hashed = get(f"{proxy}/static/{HASHED}")
    assert hashed.status_code == 200
    assert hashed.content == (static_root / HASHED).read_bytes()
    assert hashed.headers["Cache-Control"] == "public, max-age=315360000, immutable"
    assert hashed.headers["X-Content-Type-Options"] == "nosniff"
    assert "X-Cache-Status" not in hashed.headers  # never reached Django
    zipped = requests.get(
        f"{proxy}/static/{HASHED}", headers={"Accept-Encoding": "gzip"}, stream=True, timeout=20
    )
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.raw.read() == (static_root / f"{HASHED}.gz").read_bytes()
    plain = get(f"{proxy}/static/js/plain.js")
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "public, max-age=60"
    # Not collected: Django answers (its 404 passes through the cache's location).
    assert get(f"{proxy}/static/js/missing.js").status_code == 404


def test_a_second_anonymous_get_of_a_tile_is_served_from_the_cache(proxy, group):
    url = f"{proxy}/tiles/studygroups/5/9/15.mvt"
    first, second = get(url), get(url)
    assert first.status_code == 200
    assert first.headers["X-Cache-Status"] == "MISS"
    assert second.headers["X-Cache-Status"] == "HIT"
    assert second.content == first.content


def test_a_second_anonymous_get_of_an_api_list_is_served_from_the_cache(proxy, group):
    url = f"{proxy}/api/studygroups/?near=-74.0721,4.7110&radius_km=25"
    first, second = get(url), get(url)
    assert first.headers["X-Cache-Status"] == "MISS"
    assert second.headers["X-Cache-Status"] == "HIT"
    assert second.json() == first.json()
    assert [f["properties"]["name"] for f in second.json()["features"]] == [
        "Python en la Nacional"
    ]


def test_a_data_change_shows_within_the_cache_time(proxy, group):
    url = f"{proxy}/api/studygroups/?near=-74.0721,4.7110&radius_km=25"
    assert get(url).headers["X-Cache-Status"] == "MISS"
    studygroup_create(
        organizer=group.memberships.get().user, name="Geografía abierta",
        location=Point(-74.08, 4.65, srid=4326), city="Bogotá",
    )
    changed_at = time.monotonic()
    cached = get(url)
    if cached.headers["X-Cache-Status"] == "HIT":
        assert "Geografía abierta" not in cached.text
    # Expired copies are refreshed in the background: the new list shows on
    # the request after the one that finds the copy expired, or sooner.
    while "Geografía abierta" not in (answer := get(url)).text:
        assert time.monotonic() - changed_at < CACHE_SECONDS + 5, answer.headers
        time.sleep(0.2)


def test_the_cache_keeps_each_language_apart(proxy, db):
    for _ in range(2):
        spanish = get(f"{proxy}/", **{"Accept-Language": "es"})
        english = get(f"{proxy}/", **{"Accept-Language": "en"})
        assert spanish.headers["Content-Language"] == "es"
        assert english.headers["Content-Language"] == "en"
    assert spanish.headers["X-Cache-Status"] == english.headers["X-Cache-Status"] == "HIT"
    chosen = requests.get(f"{proxy}/", cookies={"django_language": "en"},
                          headers={"Accept-Language": "es"}, timeout=20)
    assert chosen.headers["Content-Language"] == "en"


def test_a_signed_in_member_never_gets_a_cached_page(proxy, group, django_user_model):
    django_user_model.objects.create_user("bruno", "bruno@example.org", PASSWORD)
    home = f"{proxy}/"
    get(home)
    assert get(home).headers["X-Cache-Status"] == "HIT"
    for name in ("ana", "bruno"):
        member = signed_in(proxy, name)
        for _ in range(2):
            page = member.get(home, timeout=20)
            assert page.headers["X-Cache-Status"] == "BYPASS"
            assert "Log out" in page.text or "Cerrar sesión" in page.text
            assert f">{name}</a>" in page.text
    # Their pages were never stored: anonymous visitors get the anonymous page.
    anonymous = get(home)
    assert anonymous.headers["X-Cache-Status"] != "BYPASS"
    assert ">ana</a>" not in anonymous.text and ">bruno</a>" not in anonymous.text


def test_an_api_token_bypasses_the_cache(proxy, group):
    url = f"{proxy}/api/studygroups/?bbox=-74.2,4.5,-73.9,4.9"
    get(url)
    assert get(url).headers["X-Cache-Status"] == "HIT"
    with_token = get(url, Authorization="Token not-a-real-token")
    assert with_token.headers["X-Cache-Status"] == "BYPASS"
    assert with_token.status_code == 401


def test_answers_with_set_cookie_are_not_stored(proxy, db):
    for _ in range(2):
        form = get(f"{proxy}/accounts/login/")
        assert "csrftoken" in form.headers["Set-Cookie"]
        assert form.headers["X-Cache-Status"] == "MISS"


def test_posts_pass_through_with_csrf_working(proxy, group):
    session = requests.Session()
    session.get(f"{proxy}/accounts/login/", timeout=20)
    refused = session.post(
        f"{proxy}/accounts/login/", data={"username": "ana", "password": PASSWORD},
        allow_redirects=False, timeout=20,
    )
    assert refused.status_code == 403
    assert refused.headers.get("X-Cache-Status", "") == ""
    member = signed_in(proxy, "ana")
    assert member.get(f"{proxy}/me/", timeout=20).status_code == 200


def test_the_client_address_comes_from_x_real_ip():
    seen = {}

    def view(request):
        seen["address"] = request.META["REMOTE_ADDR"]

    middleware = RealClientAddress(view)
    middleware(RequestFactory().get("/", REMOTE_ADDR="", HTTP_X_REAL_IP="203.0.113.7"))
    assert seen["address"] == "203.0.113.7"
    middleware(RequestFactory().get("/", REMOTE_ADDR="", HTTP_X_REAL_IP="not an address"))
    assert seen["address"] == ""


def test_x_real_ip_is_trusted_only_when_the_setting_says_so():
    middleware = "geoconfig.proxy.RealClientAddress"
    assert middleware not in production_settings("MIDDLEWARE")["MIDDLEWARE"]
    trusted = production_settings("MIDDLEWARE", TRUST_X_REAL_IP="1")["MIDDLEWARE"]
    assert trusted[0] == middleware


def test_links_built_from_another_host_header_are_kept_apart(proxy, group):
    url = f"{proxy}/tiles/studygroups.json"
    forged = get(url, Host="127.0.0.1:1")
    assert forged.json()["tiles"][0].startswith("http://127.0.0.1:1/")
    for _ in range(2):
        answer = get(url)
        assert answer.json()["tiles"][0].startswith(f"{proxy}/tiles/studygroups/")
    assert answer.headers["X-Cache-Status"] == "HIT"
