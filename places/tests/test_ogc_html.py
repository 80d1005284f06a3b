"""The OGC API's documents as web pages: chosen by f=html or a browser's Accept,
never for GIS clients, escaped, and in the request's language."""

import pytest
from django.contrib.gis.geos import Point

from meetups.models import Venue

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
PAGES = [
    "/ogc/",
    "/ogc/conformance",
    "/ogc/collections",
    "/ogc/collections/events",
    "/ogc/collections/events/items",
]


@pytest.mark.parametrize("url", PAGES)
def test_f_html_is_a_page_of_the_site(client, url):
    response = client.get(url, {"f": "html"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert '<main id="main"' in response.content.decode()


@pytest.mark.parametrize("url", PAGES)
def test_a_browsers_accept_gets_the_page_and_varies_on_accept(client, url):
    response = client.get(url, headers={"accept": BROWSER_ACCEPT})

    assert response["Content-Type"].startswith("text/html")
    assert "Accept" in response["Vary"]


@pytest.mark.parametrize(
    "accept",
    [None, "*/*", "application/json", "application/geo+json, application/json;q=0.9",
     "application/json, text/html;q=0.5"],
)
@pytest.mark.parametrize("url", PAGES)
def test_gis_clients_keep_getting_json(client, url, accept):
    headers = {"accept": accept} if accept else {}

    response = client.get(url, headers=headers)

    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] in {"application/json", "application/geo+json"}


def test_f_json_wins_over_a_browsers_accept(client):
    response = client.get("/ogc/collections", {"f": "json"}, headers={"accept": BROWSER_ACCEPT})

    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("url", ["/ogc/collections", "/ogc/collections/venues/items"])
def test_json_documents_link_their_html_alternate(client, url):
    links = client.get(url).json()["links"]

    (alternate,) = [link for link in links if link["rel"] == "alternate"]
    assert alternate["type"] == "text/html" and "f=html" in alternate["href"]


def test_user_text_is_escaped_in_items_and_item_pages(client):
    name = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    venue = Venue.objects.create(name=name, location=Point(-74.0, 4.6, srid=4326), capacity=3)

    for url in [
        "/ogc/collections/venues/items?f=html&bbox=-74.01,4.59,-73.99,4.61",
        f"/ogc/collections/venues/items/{venue.pk}?f=html",
    ]:
        text = client.get(url).content.decode()
        assert name not in text
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
        # The map's data is a json_script block, whose < is escaped too.
        assert "\\u003Cscript\\u003E" in text


def test_pages_have_no_inline_script(client):
    for url in [*PAGES, "/ogc/collections/venues/items/1"]:
        text = client.get(url, {"f": "html"}).content.decode()
        for tag in text.split("<script")[1:]:
            head = tag.split(">", 1)[0]
            assert "src=" in head or 'type="application/json"' in head, head


def test_items_page_in_spanish_and_english(client):
    spanish = client.get(
        "/ogc/collections/venues/items", {"f": "html", "limit": 5},
        headers={"accept_language": "es"},
    ).content.decode()
    english = client.get(
        "/ogc/collections/venues/items", {"f": "html", "limit": 5},
        headers={"accept_language": "en"},
    ).content.decode()
    count = Venue.objects.count()

    assert f"5 mostrados de {count} elementos" in spanish and "Página siguiente" in spanish
    assert f"5 shown of {count} items" in english and "Next page" in english


def test_html_next_link_keeps_f_html_and_the_page_size(client):
    text = client.get("/ogc/collections/venues/items", {"f": "html", "limit": 5}).content.decode()

    assert 'rel="next"' in text
    link = text.split('rel="next" href="', 1)[1].split('"', 1)[0]
    assert "f=html" in link and "limit=5" in link and "cursor=" in link


def test_errors_stay_json_for_browsers(client):
    response = client.get(
        "/ogc/collections/venues/items", {"limit": "unlimited"},
        headers={"accept": BROWSER_ACCEPT},
    )

    assert response.status_code == 400
    assert response.json()["parameter"] == "limit"
