"""The site's own 400, 403, 404 and 500 pages, as production (DEBUG off) shows
them, in Spanish and in English, each with a way back."""

import pytest
from django.test import Client, override_settings

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.error_urls")]

HEADINGS = {
    ("es", 404): "No encontramos esta página",
    ("en", 404): "We could not find this page",
    ("es", 500): "Algo salió mal de nuestro lado",
    ("en", 500): "Something went wrong on our side",
    ("es", 403): "No puedes hacer esto aquí",
    ("en", 403): "You cannot do this here",
    ("es", 400): "No pudimos entender esta solicitud",
    ("en", 400): "We could not understand this request",
}
URLS = {404: "/no-such-page/", 500: "/broken/", 403: "/forbidden/", 400: "/suspicious/"}


@pytest.fixture
def production_client():
    # A broken view must give the 500 page, not raise into the test.
    with override_settings(DEBUG=False):
        yield Client(raise_request_exception=False)


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("status", [404, 500, 403, 400])
def test_error_pages_are_the_sites_own_in_each_language(production_client, language, status):
    response = production_client.get(URLS[status], HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == status
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert HEADINGS[language, status] in html
    assert "/static/css/cerca.css" in html
    # The way back: the home page, and a search for study groups.
    assert '<a href="/">' in html
    assert '<form class="error-search" method="get" action="/" role="search">' in html
    assert 'name="q"' in html
    assert "Not Found" not in html and "Server Error" not in html


def test_the_500_page_needs_no_context(production_client):
    # Django renders 500.html without a request: no user, no CSRF token, no
    # language form that could not be sent.
    html = production_client.get("/broken/").content.decode()
    assert "csrfmiddlewaretoken" not in html
    assert "set_language" not in html and "/i18n/setlang/" not in html


def test_a_404_inside_a_real_view_uses_the_page(production_client):
    response = production_client.get("/groups/no-such-group/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 404
    assert "No encontramos esta página" in response.content.decode()


def test_a_403_of_a_real_view_uses_the_page(production_client, organizer_b, group_a):
    production_client.force_login(organizer_b)
    response = production_client.get(f"/groups/{group_a.slug}/edit/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 403
    assert "No puedes hacer esto aquí" in response.content.decode()


def test_an_expired_form_gets_the_sites_page(production_client):
    csrf_client = Client(enforce_csrf_checks=True)
    with override_settings(DEBUG=False):
        response = csrf_client.post("/accounts/login/", {}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 403
    assert "Este formulario caducó" in response.content.decode()
