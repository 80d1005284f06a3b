"""Event and venue search: typos, accents, relevance; LIKE wildcards are text.

The plans at 100,000 rows are in places/tests/test_search_plans.py.
"""

import pytest

from meetups.models import Event, Venue

from .factories import EventFactory, VenueFactory

pytestmark = pytest.mark.django_db


def titles(queryset):
    return list(queryset.values_list("title", flat=True))


def test_a_typo_finds_the_event():
    EventFactory(title="Taller de Python")
    EventFactory(title="Recital de poesía")
    assert titles(Event.objects.search("pyton")) == ["Taller de Python"]


def test_accents_and_case_are_ignored_in_either_language():
    EventFactory(title="Repaso de Cálculo")
    EventFactory(title="Calculus review", description="Limits and derivatives.")
    # "Calculus" is a near miss (a typo match), ranked below the word itself.
    assert titles(Event.objects.search("CALCULO").order_by("-search_rank")) == [
        "Repaso de Cálculo",
        "Calculus review",
    ]
    # Events are stemmed in both languages: "derivative" finds "derivatives".
    assert titles(Event.objects.search("derivative")) == ["Calculus review"]


def test_the_title_ranks_above_the_description():
    EventFactory(title="Sesión abierta", description="Repasamos álgebra lineal.")
    EventFactory(title="Álgebra lineal", description="Sesión abierta.")
    assert titles(Event.objects.search("algebra").order_by("-search_rank")) == [
        "Álgebra lineal",
        "Sesión abierta",
    ]


def test_venues_are_found_by_name_address_or_city_without_accents():
    VenueFactory(name="Biblioteca Luis Ángel Arango", address="Calle 11 #4-14", city="Bogotá")
    VenueFactory(name="Casa de la Cultura", address="Carrera Bolívar 12", city="Medellín")
    names = lambda text: sorted(Venue.objects.search(text).values_list("name", flat=True))  # noqa
    assert names("angel arango") == ["Biblioteca Luis Ángel Arango"]
    assert names("BOLIVAR") == ["Casa de la Cultura"]
    assert names("bogota") == ["Biblioteca Luis Ángel Arango"]
    assert names("c") == ["Biblioteca Luis Ángel Arango", "Casa de la Cultura"]


def test_like_wildcards_in_a_venue_search_are_plain_text():
    VenueFactory(name="Café 100% Libro")
    VenueFactory(name="Café 1000 Libros")
    names = lambda text: list(Venue.objects.search(text).values_list("name", flat=True))  # noqa
    assert names("100%") == ["Café 100% Libro"]
    assert names("100_") == []
    assert names("%") == ["Café 100% Libro"]


def test_a_venue_search_lists_name_matches_before_address_and_city_ones(client):
    VenueFactory(name="Biblioteca El Tintal", address="Cra. 86 #6-37", city="Bogotá")
    VenueFactory(name="Casa Tintal", address="Av. Ciudad de Cali", city="Bogotá")
    VenueFactory(name="Auditorio", address="Calle del Tintal 3", city="Aguazul")
    VenueFactory(name="Sala", address="Cra. 7", city="Tintal")

    body = client.get("/api/venues/", {"q": "tintal"}).json()

    assert [f["properties"]["name"] for f in body["features"]] == [
        "Biblioteca El Tintal", "Casa Tintal", "Auditorio", "Sala",
    ]
