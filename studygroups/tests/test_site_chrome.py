"""The header and footer: a way to create a group for everyone, the admin for staff only."""

import pytest

from .factories import StudyGroupFactory, UserFactory

pytestmark = pytest.mark.django_db

ADMIN_LINK = 'href="/admin/"'
SIGNUP_THEN_GROUP_FORM = 'href="/accounts/signup/?next=/groups/new/"'


def test_anonymous_visitors_see_no_admin_link(client):
    assert ADMIN_LINK not in client.get("/").content.decode()


def test_students_see_no_admin_link(client):
    client.force_login(UserFactory(password="!"))
    assert ADMIN_LINK not in client.get("/").content.decode()


def test_staff_see_the_admin_link(client, organizer_a):
    # Organizing a group lets you into the admin, where you manage your own records.
    client.force_login(organizer_a)
    assert ADMIN_LINK in client.get("/").content.decode()


def test_anonymous_visitors_are_offered_to_create_a_group_through_sign_up(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    header = html[html.index('<header class="site-header">') : html.index("</header>")]
    assert f'<a {SIGNUP_THEN_GROUP_FORM}>Crear un grupo</a>' in header


def test_signing_up_from_create_a_group_lands_on_the_group_form(client):
    page = client.get("/accounts/signup/?next=/groups/new/", HTTP_ACCEPT_LANGUAGE="es")
    html = page.content.decode()
    assert "Para empezar un grupo de estudio, primero crea tu cuenta" in html
    # Those who already have an account log in and go on to the form too.
    assert 'href="/accounts/login/?next=/groups/new/"' in html
    response = client.post(
        "/accounts/signup/?next=/groups/new/",
        {
            "username": "valentina",
            "email": "valentina@example.org",
            "password1": "una-clave-bastante-larga-42",
            "password2": "una-clave-bastante-larga-42",
            "next": "/groups/new/",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/groups/new/"
    assert response.templates[0].name == "studygroups/form.html"


def test_signed_in_members_create_a_group_from_the_header(client):
    client.force_login(UserFactory(password="!"))
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    header = html[html.index('<header class="site-header">') : html.index("</header>")]
    assert '<a href="/groups/new/">Create a group</a>' in header


def test_a_link_to_a_button_only_address_gets_the_sites_page_not_a_blank_one(client):
    group = StudyGroupFactory()
    for url in ("/accounts/logout/", f"/groups/{group.slug}/join/"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="es")
        assert response.status_code == 405, url
        assert "POST" in response["Allow"]
        html = response.content.decode()
        assert "No hay nada que ver en esta dirección" in html and 'href="/"' in html, url


def test_a_bookmarked_logout_offers_the_logout_button(client):
    client.force_login(UserFactory())
    html = client.get("/accounts/logout/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "To log out, use the button below." in html
    assert html.count('action="/accounts/logout/" method="post"') == 2  # header and page


def test_the_api_keeps_its_own_405(client):
    client.force_login(UserFactory())
    response = client.put("/api/studygroups/", "{}", content_type="application/json")
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
