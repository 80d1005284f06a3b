"""StudyGroup.objects.search(): typos, accents, both languages, relevance.

Small tables, so the planner may scan them: what is checked here is what the
search finds and in which order (places/tests/test_search_plans.py checks the
indexes at 100,000 rows).
"""

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models import F
from pyproj import Geod

from studygroups.models import StudyGroup

from .factories import StudyGroupFactory

pytestmark = pytest.mark.django_db

GEOD = Geod(ellps="WGS84")
# (lon, lat): Plaza de Bolívar, Bogotá, and two places west of it.
BOGOTA = (-74.0760, 4.5981)
TINTAL = (-74.1560, 4.6410)
KENNEDY = (-74.0990, 4.6280)


def names(queryset):
    return list(queryset.values_list("name", flat=True))


def point(lon_lat):
    return Point(*lon_lat, srid=4326)


def test_a_typo_finds_the_group():
    StudyGroupFactory(name="Club de Python")
    StudyGroupFactory(name="Poesía en voz alta")
    assert names(StudyGroup.objects.search("pyton")) == ["Club de Python"]


def test_nonsense_finds_nothing():
    StudyGroupFactory(name="Club de Python")
    assert not StudyGroup.objects.search("xqzwv").exists()


def test_accents_and_case_are_ignored_both_ways():
    StudyGroupFactory(name="Matemáticas discretas")
    StudyGroupFactory(name="MATEMATICAS PARA TODOS", language="en")
    for text in ("matematicas", "Matemáticas", "MATEMÁTICAS"):
        assert sorted(names(StudyGroup.objects.search(text))) == [
            "MATEMATICAS PARA TODOS",
            "Matemáticas discretas",
        ], text


def test_each_group_is_stemmed_in_its_own_language():
    StudyGroupFactory(name="Estudiantes de física", language="es")
    StudyGroupFactory(name="Physics students", language="en", description="We study together.")
    # Spanish stems "estudiante" like "estudiantes"; English stems "student".
    assert names(StudyGroup.objects.search("estudiante")) == ["Estudiantes de física"]
    assert names(StudyGroup.objects.search("student")) == ["Physics students"]


def test_the_name_ranks_above_the_description_and_a_typo():
    StudyGroupFactory(name="Ciencia de datos", description="Usamos Python y R.")
    StudyGroupFactory(name="Python en comunidad", description="Nos reunimos cada semana.")
    StudyGroupFactory(name="Pyton sin prisa", description="Nos reunimos cada semana.")
    found = StudyGroup.objects.search("python").order_by("-search_rank")
    assert names(found)[0] == "Python en comunidad"
    assert set(names(found)) == {"Ciencia de datos", "Python en comunidad", "Pyton sin prisa"}
    ranks = dict(found.values_list("name", "search_rank"))
    assert ranks["Python en comunidad"] > ranks["Ciencia de datos"]
    assert ranks["Python en comunidad"] > ranks["Pyton sin prisa"]


def test_a_closer_typo_ranks_above_a_farther_one():
    StudyGroupFactory(name="Taller de Matemática")
    StudyGroupFactory(name="Taller de Mateo")
    ranks = dict(StudyGroup.objects.search("matematcas").values_list("name", "search_rank"))
    assert ranks["Taller de Matemática"] > ranks.get("Taller de Mateo", 0)


def test_the_threshold_is_the_searchs_own_whatever_the_session_says():
    StudyGroupFactory(name="Club de Python")
    with connection.cursor() as cursor:
        # pg_trgm's "pyton" to "Python" is 0.5: at 0.9 nothing would be found.
        cursor.execute("SET LOCAL pg_trgm.word_similarity_threshold = 0.9")
    assert names(StudyGroup.objects.search("pyton")) == ["Club de Python"]


def test_query_syntax_in_the_text_is_just_text():
    StudyGroupFactory(name="Club de Python")
    for text in ("python & | ! (", "'python'", "python:*", "100% python_", "-python -"):
        list(StudyGroup.objects.search(text))  # no error


def test_near_discounts_relevance_by_distance_measured_on_wgs84():
    StudyGroupFactory(name="Python en comunidad", location=point(TINTAL))
    StudyGroupFactory(name="Algoritmos", description="Practicamos Python.", location=point(KENNEDY))
    StudyGroupFactory(name="Python lejano", location=Point(-75.5690, 6.2675, srid=4326))
    found = (
        StudyGroup.objects.search("python")
        .near(point(BOGOTA), 25_000)
        .order_by((F("search_rank") / (1 + F("distance_m") / 1000)).desc(), "pk")
    )
    rows = list(found.values_list("name", "distance_m", "search_rank"))
    # Medellín is 240 km away: outside the radius.
    assert [name for name, *_ in rows] == ["Python en comunidad", "Algoritmos"]
    for (name, distance_m, _rank), at in zip(rows, (TINTAL, KENNEDY)):
        expected = GEOD.inv(*BOGOTA, *at)[2]
        assert distance_m == pytest.approx(expected, abs=1), name
    # The name match is the farther one, and still first: relevance leads.
    assert rows[0][1] > rows[1][1]
