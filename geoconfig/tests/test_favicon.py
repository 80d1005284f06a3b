"""The site's icon: every page names it, and /favicon.ico leads to it."""

from xml.etree import ElementTree

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.templatetags.static import static

pytestmark = pytest.mark.django_db

ICON = "img/favicon.svg"


def test_pages_name_the_icon_and_it_is_an_svg(client):
    link = f'<link rel="icon" href="{static(ICON)}" type="image/svg+xml">'
    assert link in client.get("/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    # The page of a server error, rendered with no context.
    assert link in render_to_string("500.html")
    root = ElementTree.parse(finders.find(ICON)).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 32 32"


def test_favicon_ico_leads_to_the_icon_for_a_day(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static(ICON)
    assert "max-age=86400" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
