"""The map page's server-rendered list, which works without JavaScript."""

import re

import pytest
from pyproj import Geod

from places.models import City
from studygroups.models import StudyGroup

pytestmark = pytest.mark.django_db

GEOD = Geod(ellps="WGS84")


def listed(html):
    """(id, shown km) of each result in the server-rendered list."""
    items = re.findall(
        r'<li class="result" data-id="(\d+)">.*?<span class="distance">([\d.,]+) km', html, re.S
    )
    return [(int(pk), float(km.replace(",", "."))) for pk, km in items]


def test_near_a_place_lists_groups_nearest_first_with_distances(client, demo_data):
    response = client.get("/", {"place": "medellin", "radius_km": "5"}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Medellín, Colombia" in html
    results = listed(html)
    assert len(results) >= 5
    # Medellín's point from the gazetteer (GeoNames); distances measured by pyproj.
    city = City.objects.get(name="Medellín", country_code="CO").location
    origin = (city.x, city.y)
    true_km = {}
    for pk, _shown in results:
        location = StudyGroup.objects.get(pk=pk).location
        true_km[pk] = GEOD.inv(*origin, location.x, location.y)[2] / 1000
    for pk, shown in results:
        assert shown == pytest.approx(true_km[pk], abs=0.05 + 0.005 * true_km[pk])
    distances = [true_km[pk] for pk, _ in results]
    assert all(b >= a * 0.995 for a, b in zip(distances, distances[1:]))
    assert max(distances) <= 5


def test_the_list_uses_the_languages_decimal_separator(client, demo_data):
    spanish = client.get("/", {"place": "bogota"}, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    english = client.get("/", {"place": "bogota"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r'class="distance">\d+,\d km', spanish)
    assert re.search(r'class="distance">\d+\.\d km', english)


def test_text_and_place_combine(client, demo_data):
    html = client.get("/", {"place": "bogota", "q": "pyton", "radius_km": "25"}).content.decode()
    names = [StudyGroup.objects.get(pk=pk).name for pk, _ in listed(html)]
    assert names and "python" in names[0].lower()


def test_an_unknown_place_is_a_400_that_says_so(client, demo_data):
    response = client.get("/", {"place": "Xyzzyqwv"})
    assert response.status_code == 400
    assert "Xyzzyqwv" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()


@pytest.mark.parametrize("radius", ["abc", "0", "-5", "51", "nan"])
def test_a_bad_radius_is_a_400(client, demo_data, radius):
    response = client.get("/", {"place": "bogota", "radius_km": radius})
    assert response.status_code == 400
    assert not listed(response.content.decode())
