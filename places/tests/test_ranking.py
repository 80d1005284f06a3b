"""The decision rules of places.ranking, on made-up candidates.

Each test builds the candidates a search could return (pull worked out as the
SQL does: log10 of the prominence, less 2 * log10(km from the view + 50)) and
checks one rule. Positions are real places so that the distances are real.
"""

import math

import pytest

from places.ranking import PlaceMatch, decide

# (lon, lat)
BOGOTA = (-74.08175, 4.60971)
MADRID_CO = (-74.26, 4.73)
MADRID_ES = (-3.70256, 40.4165)
CORDOBA_ES = (-4.77275, 37.89155)
CORDOBA_AR = (-64.18853, -31.40648)
SANTIAGO_CL = (-70.64827, -33.45694)
CALI = (-76.5199, 3.43054)


def place(id, at, prominence, *, text_score=1.0, clear=True, starts=True, view=None):
    lon, lat = at
    if view is None:
        distance_m, pull = None, math.log10(prominence)
    else:
        distance_m = km(at, view) * 1000
        pull = math.log10(prominence) - 2 * math.log10(distance_m / 1000 + 50)
    return PlaceMatch(
        id=id,
        name=id,
        label=id,
        kind="city",
        lon=lon,
        lat=lat,
        country="",
        country_code="",
        text_score=text_score,
        clear=clear,
        starts=starts,
        prominence=prominence,
        distance_m=distance_m,
        pull=pull,
        rank=pull + 4 * text_score,
    )


def km(a, b):
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(
        (lon2 - lon1) / 2
    ) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def test_nothing_is_none():
    assert decide([], near_given=False, limit=8).match == "none"


def test_a_single_exact_match_is_strong():
    result = decide([place("medellin", (-75.57, 6.24), 2_000_000)], near_given=False, limit=8)
    assert result.match == "strong"
    assert result.places[0].strong
    assert result.places[0].confidence == 1.0


def test_a_fuzzy_match_is_never_strong_however_good():
    typo = place("barcelona", (2.159, 41.389), 1_686_208, text_score=0.79, clear=False)
    result = decide([typo], near_given=False, limit=8)
    assert result.match == "weak"
    assert not result.places[0].strong
    assert result.places[0].confidence < 0.5


def test_the_view_decides_between_namesakes_when_it_decides_clearly():
    candidates = [
        place("cordoba-ar", CORDOBA_AR, 2_106_734, view=MADRID_ES),
        place("cordoba-es", CORDOBA_ES, 325_708, view=MADRID_ES),
    ]
    result = decide(candidates, near_given=True, limit=8)
    assert (result.match, result.places[0].id) == ("strong", "cordoba-es")


def test_without_a_view_namesakes_of_like_size_are_weak():
    candidates = [
        place("cordoba-ar", CORDOBA_AR, 2_106_734),
        place("cordoba-es", CORDOBA_ES, 325_708),
    ]
    result = decide(candidates, near_given=False, limit=8)
    assert (result.match, result.places[0].id) == ("weak", "cordoba-ar")


def test_without_a_view_a_namesake_ten_times_smaller_does_not_stop_a_match():
    candidates = [
        place("medellin-co", (-75.57, 6.24), 1_999_979),
        place("medellin-ph", (123.96, 11.13), 59_000),
    ]
    assert decide(candidates, near_given=False, limit=8).match == "strong"


def test_nearness_does_not_silently_override_a_ten_times_bigger_namesake():
    candidates = [
        place("madrid-co", MADRID_CO, 135_000, view=BOGOTA),
        place("madrid-es", MADRID_ES, 3_255_944, view=BOGOTA),
    ]
    result = decide(candidates, near_given=True, limit=8)
    assert (result.match, result.places[0].id) == ("weak", "madrid-co")
    assert result.places[0].confidence <= 0.5


def test_nearness_overrides_a_bigger_namesake_only_close_by():
    # Barcelona, Venezuela is 1,200 km from Bogotá: not close by; Spain's is bigger.
    candidates = [
        place("barcelona-ve", (-64.69, 10.13), 815_141, view=BOGOTA),
        place("barcelona-es", (2.159, 41.389), 1_686_208, view=BOGOTA),
    ]
    assert decide(candidates, near_given=True, limit=8).match == "weak"


def test_a_namesake_near_the_view_keeps_a_far_match_weak():
    # Far from the view Santiago de Chile wins on size; a Santiago near the view is asked about.
    candidates = [
        place("santiago-cl", SANTIAGO_CL, 4_837_295, view=BOGOTA),
        place("santiago-co", (-75.06, 8.34), 30_000, view=BOGOTA),
    ]
    result = decide(candidates, near_given=True, limit=8)
    assert result.match == "weak"
    assert {p.id for p in result.places} == {"santiago-cl", "santiago-co"}


def test_a_far_match_without_a_nearer_namesake_is_strong():
    candidates = [
        place("montevideo-uy", (-56.19, -34.90), 1_270_737, view=MADRID_ES),
        place("montevideo-us", (-95.72, 44.95), 5_000, view=MADRID_ES),
    ]
    assert decide(candidates, near_given=True, limit=8).match == "strong"


def test_a_longer_name_ten_times_stronger_leaves_an_exact_match_in_doubt():
    candidates = [
        place("bogo-cm", (14.6, 10.73), 33_000),
        place("bogota", BOGOTA, 7_674_366, text_score=0.96),
    ]
    result = decide(candidates, near_given=False, limit=8)
    assert result.match == "weak"
    assert result.places[0].id == "bogota"


def test_an_exact_name_is_not_doubted_by_a_longer_name_of_like_size():
    candidates = [
        place("suba-bogota", (-74.084, 4.741), 100_000),
        place("subang-my", (101.53, 3.08), 833_000, text_score=0.93),
    ]
    result = decide(candidates, near_given=False, limit=8)
    assert (result.match, result.places[0].id) == ("strong", "suba-bogota")


def test_an_exact_name_comes_before_a_clear_start():
    candidates = [
        place("cali-alias", CALI, 2_392_877, text_score=0.9),
        place("santiago-cl", SANTIAGO_CL, 4_837_295),
    ]
    assert decide(candidates, near_given=False, limit=8).places[0].id == "santiago-cl"


def test_places_close_together_are_not_namesakes():
    # A campus and the city district of the same name, 1.3 km apart, are one place.
    candidates = [
        place("campus", (-3.7275, 40.4473), 50_000),
        place("district", (-3.73839, 40.45595), 16_364),
    ]
    assert decide(candidates, near_given=False, limit=8).match == "strong"


def test_the_same_place_found_twice_is_listed_once():
    one = place("providencia-geonames", (-70.6045, -33.4311), 1_000)
    two = place("providencia-curated", (-70.6167, -33.4333), 100_000)
    one.name = two.name = "Providencia"
    result = decide([one, two], near_given=False, limit=8)
    assert [p.id for p in result.places] == ["providencia-curated"]


def test_only_the_first_can_be_strong():
    candidates = [
        place("medellin", (-75.57, 6.24), 2_000_000),
        place("udea", (-75.5684, 6.2674), 50_000, text_score=0.5, clear=False),
    ]
    result = decide(candidates, near_given=False, limit=8)
    assert [p.strong for p in result.places] == [True, False]


@pytest.mark.parametrize("limit", [1, 2])
def test_limit_cuts_the_list_after_deciding(limit):
    candidates = [
        place("cordoba-ar", CORDOBA_AR, 2_106_734),
        place("cordoba-es", CORDOBA_ES, 325_708),
        place("cordoba-mx", (-96.92, 18.88), 204_721),
    ]
    result = decide(candidates, near_given=False, limit=limit)
    assert result.match == "weak"
    assert len(result.places) == limit
