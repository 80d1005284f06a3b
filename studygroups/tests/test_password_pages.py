"""Resetting and changing a password on the site's own pages, in its own voice."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from .factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "otra-clave-larga-de-lucia-77"
# Signs of the Django admin's templates, and of "usted" in Spanish.
ADMIN_MARKS = ["Administración de Django", "Django administration", 'href="/admin/', "admin/css"]
USTED_MARKS = ["usted", "Su contraseña", "Introduzca", "introduzca", "Por favor", "Olvidó"]


@pytest.fixture
def lucia(db):
    return UserFactory(username="lucia", email="lucia@example.org")


def assert_site_page_in_tu(html):
    assert 'class="site-header"' in html
    for mark in ADMIN_MARKS + USTED_MARKS:
        assert mark not in html, mark


def reset_link(message):
    return re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)


def test_a_reset_walks_from_the_request_to_logging_in_with_the_new_password(client, lucia):
    es = {"HTTP_ACCEPT_LANGUAGE": "es"}
    form = client.get("/accounts/password_reset/", **es)
    assert "Restablece tu contraseña" in form.content.decode()
    assert_site_page_in_tu(form.content.decode())

    done = client.post(
        "/accounts/password_reset/", {"email": "lucia@example.org"}, follow=True, **es
    )
    assert "Revisa tu correo" in done.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["lucia@example.org"]

    # The link redirects once to a URL without the token, as Django does.
    confirm = client.get(reset_link(mail.outbox[0]), follow=True, **es)
    html = confirm.content.decode()
    assert "Elige una contraseña nueva" in html
    assert_site_page_in_tu(html)
    complete = client.post(
        confirm.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
        **es,
    )
    assert "Tu contraseña cambió" in complete.content.decode()

    client.logout()
    login = client.post(
        "/accounts/login/", {"username": "lucia", "password": NEW_PASSWORD}, follow=True
    )
    assert login.context["user"] == get_user_model().objects.get(username="lucia")


def test_the_reset_email_speaks_as_the_site_in_spanish(client, lucia):
    client.post(
        "/accounts/password_reset/", {"email": "lucia@example.org"}, HTTP_ACCEPT_LANGUAGE="es"
    )
    message = mail.outbox[0]
    assert message.subject == "Elige una contraseña nueva para Cerca"
    assert message.body.startswith("Hola, lucia:")
    assert "Si no fuiste tú, ignora este correo" in message.body
    for mark in USTED_MARKS + ["Django"]:
        assert mark not in message.body, mark


def test_the_reset_email_is_in_english_for_english_visitors(client, lucia):
    client.post(
        "/accounts/password_reset/", {"email": "lucia@example.org"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    message = mail.outbox[0]
    assert message.subject == "Choose a new password for Cerca"
    assert message.body.startswith("Hi lucia,")


def test_a_used_reset_link_says_so_and_offers_a_new_one(client, lucia):
    client.post("/accounts/password_reset/", {"email": "lucia@example.org"})
    link = reset_link(mail.outbox[0])
    confirm = client.get(link, follow=True)
    client.post(
        confirm.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    again = client.get(link, follow=True, HTTP_ACCEPT_LANGUAGE="es")
    html = again.content.decode()
    assert "Este enlace ya no funciona" in html
    assert 'href="/accounts/password_reset/"' in html
    assert_site_page_in_tu(html)


def test_the_password_rules_speak_in_tu(client, lucia):
    client.post("/accounts/password_reset/", {"email": "lucia@example.org"})
    confirm = client.get(reset_link(mail.outbox[0]), follow=True, HTTP_ACCEPT_LANGUAGE="es")
    html = confirm.content.decode()
    assert "Tu contraseña debe tener al menos 8 caracteres." in html


def test_changing_the_password_on_the_site(client, lucia):
    client.force_login(lucia)
    es = {"HTTP_ACCEPT_LANGUAGE": "es"}
    page = client.get("/accounts/password_change/", **es).content.decode()
    assert "Cambia tu contraseña" in page
    assert_site_page_in_tu(page)
    wrong = client.post(
        "/accounts/password_change/",
        {"old_password": "no-es-esta", "new_password1": NEW_PASSWORD,
         "new_password2": NEW_PASSWORD},
        **es,
    )
    assert wrong.context["form"].errors["old_password"] == [
        "Tu contraseña actual no es correcta. Vuelve a escribirla."
    ]
    done = client.post(
        "/accounts/password_change/",
        {"old_password": "cerca-test-password", "new_password1": NEW_PASSWORD,
         "new_password2": NEW_PASSWORD},
        follow=True,
        **es,
    )
    html = done.content.decode()
    assert "Tu contraseña cambió" in html and 'href="/accounts/profile/"' in html
    lucia.refresh_from_db()
    assert lucia.check_password(NEW_PASSWORD)


def test_a_wrong_login_speaks_in_tu(client, lucia):
    response = client.post(
        "/accounts/login/", {"username": "lucia", "password": "mal"}, HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.context["form"].non_field_errors() == [
        "Introduce un nombre de usuario y una contraseña correctos. Ten en cuenta que ambos "
        "campos pueden distinguir entre mayúsculas y minúsculas."
    ]


def test_the_admins_password_change_still_works_with_the_sites_page(admin_client, admin_user):
    page = admin_client.get("/admin/password_change/")
    assert page.status_code == 200 and 'class="site-header"' in page.content.decode()
    response = admin_client.post(
        "/admin/password_change/",
        {"old_password": "password", "new_password1": NEW_PASSWORD,
         "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response.url == "/admin/password_change/done/"
    admin_user.refresh_from_db()
    assert admin_user.check_password(NEW_PASSWORD)
