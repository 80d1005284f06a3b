"""The OGC API's titles and descriptions come in the request's language."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def collections(client, **headers):
    response = client.get(reverse("ogc:collections"), headers=headers)
    assert response.status_code == 200
    return response, {c["id"]: c for c in response.json()["collections"]}


def test_collections_are_titled_in_spanish_for_a_spanish_request(client):
    response, by_id = collections(client, accept_language="es-CO,es;q=0.9")
    assert {key: c["title"] for key, c in by_id.items()} == {
        "studygroups": "Grupos de estudio",
        "events": "Eventos",
        "venues": "Lugares",
    }
    assert by_id["venues"]["description"].startswith("Lugares donde se realizan eventos")
    # The downloads (rel enclosure) name their format too.
    assert {
        link["title"] for link in by_id["events"]["links"] if link["rel"] != "enclosure"
    } == {"Eventos"}
    assert response["Content-Language"] == "es"


def test_collections_are_titled_in_english_for_an_english_request(client):
    response, by_id = collections(client, accept_language="en-US,en;q=0.9")
    assert {key: c["title"] for key, c in by_id.items()} == {
        "studygroups": "Study groups",
        "events": "Events",
        "venues": "Venues",
    }
    assert by_id["studygroups"]["description"].startswith("Study groups and where they meet")
    assert response["Content-Language"] == "en"


def test_the_sites_language_cookie_wins_over_accept_language(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    _response, by_id = collections(client, accept_language="es")
    assert by_id["events"]["title"] == "Events"


def test_the_landing_page_speaks_the_requests_language(client):
    spanish = client.get(reverse("ogc:landing"), headers={"accept_language": "es"}).json()
    english = client.get(reverse("ogc:landing"), headers={"accept_language": "en"}).json()
    assert spanish["description"].startswith("Grupos de estudio, eventos y lugares cerca de ti")
    assert english["description"].startswith("Study groups, events and venues near you")
    assert [link["title"] for link in spanish["links"]] == [
        "Este documento",
        "La definición de la API",
        "La documentación de la API",
        "Clases de conformidad",
        "Colecciones",
        "Este documento en HTML",
    ]
    assert [link["title"] for link in english["links"]][0] == "This document"


def test_an_unknown_collection_is_named_in_the_requests_language(client):
    url = reverse("ogc:collection", kwargs={"collection_id": "nada"})
    response = client.get(url, headers={"accept_language": "es"})
    assert response.status_code == 404
    assert response.json()["description"] == "No hay ninguna colección 'nada'."
