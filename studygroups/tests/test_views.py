"""The map page's server-rendered list, which works without JavaScript."""

import json
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.contrib.gis.geos import Point
from pyproj import Geod

from meetups.tests.factories import VenueFactory
from places.models import City, Locality
from studygroups.models import StudyGroup

pytestmark = pytest.mark.django_db

GEOD = Geod(ellps="WGS84")


def listed(html):
    """(id, shown km) of each result in the server-rendered list."""
    items = re.findall(
        r'<li class="result" data-id="(\d+)"[^>]*>.*?<span class="distance">([\d.,]+) km',
        html,
        re.S,
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


def test_each_listed_group_gives_the_map_its_point(client, demo_data):
    """The map script shows a listed group on the map from the page's own
    list (it does not ask the API for the list again): each item carries the
    group's lon/lat, to the API's six decimals."""
    html = client.get("/", {"place": "medellin", "radius_km": "5"}).content.decode()
    items = re.findall(
        r'<li class="result" data-id="(\d+)" data-lon="([-\d.]+)" data-lat="([-\d.]+)">', html
    )
    assert len(items) >= 5
    for pk, lon, lat in items:
        location = StudyGroup.objects.get(pk=pk).location
        assert (float(lon), float(lat)) == pytest.approx((location.x, location.y), abs=5e-7)


def test_the_list_uses_the_languages_decimal_separator(client, demo_data):
    spanish = client.get("/", {"place": "bogota"}, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    english = client.get("/", {"place": "bogota"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r'class="distance">\d+,\d km', spanish)
    assert re.search(r'class="distance">\d+\.\d km', english)


def test_text_and_place_combine(client, demo_data):
    html = client.get("/", {"place": "bogota", "q": "pyton", "radius_km": "25"}).content.decode()
    names = [StudyGroup.objects.get(pk=pk).name for pk, _ in listed(html)]
    assert names and "python" in names[0].lower()


def test_an_unknown_place_says_so_next_to_the_place_box(client, demo_data):
    # A place that does not exist is an answer to a well-formed search, not a
    # bad request: 200, the message at the field, and no list that would
    # pretend to be near it.
    response = client.get("/", {"place": "Xyzzyqwv"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="place-error"' in html and "Xyzzyqwv" in html
    assert 'aria-invalid="true"' in html
    assert not listed(html)


@pytest.mark.parametrize("radius", ["abc", "0", "-5", "51", "nan"])
def test_a_bad_radius_is_a_400(client, demo_data, radius):
    response = client.get("/", {"place": "bogota", "radius_km": radius})
    assert response.status_code == 400
    assert not listed(response.content.decode())


def page_data(response):
    """The JSON the map script reads, from the page."""
    match = re.search(
        r'<script id="cerca-page" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(match.group(1))


def test_the_search_in_the_url_is_read_back_into_the_form_list_and_map(client, demo_data):
    response = client.get(
        "/",
        {
            "place": "Parque Berrío",
            "near": "-75.5812,6.2442",
            "radius_km": "5",
            "q": "python",
            "map": "14/6.25/-75.57",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="place" name="place"' in html and 'value="Parque Berrío"' in html
    assert 'value="python"' in html
    assert re.search(r'<option value="5" selected>', html)
    assert "Showing groups near Parque Berrío." in html
    data = page_data(response)
    assert data["center"] == [-75.5812, 6.2442]
    assert data["map"] == {"zoom": 14, "center": [-75.57, 6.25]}
    assert (data["radiusKm"], data["q"], data["placeText"]) == (5, "python", "Parque Berrío")
    results = listed(html)
    assert results, "the demo has a Python group in Medellín"
    for pk, _km in results:
        location = StudyGroup.objects.get(pk=pk).location
        assert GEOD.inv(-75.5812, 6.2442, location.x, location.y)[2] <= 5_000


def test_a_shared_point_without_a_place_is_named_by_its_coordinates(client, demo_data):
    html = client.get(
        "/", {"near": "-75.5812,6.2442"}, HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert "Mostrando grupos cerca de 6,2442° N, 75,5812° O." in html
    assert "tu ubicación" not in html


def test_with_a_topic_the_list_is_in_the_apis_order_and_says_so(client, demo_data):
    params = {"near": "-74.0840,4.6380", "radius_km": "25", "q": "python"}
    html = client.get("/", params, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    api = client.get("/api/studygroups/", {**params, "limit": 50}).json()
    assert [pk for pk, _km in listed(html)] == [feature["id"] for feature in api["features"]]
    kms = [km for _pk, km in listed(html)]
    assert kms != sorted(kms), "relevance, not distance, orders this list"
    assert '<h2 id="results-heading">Best matches for “python” nearby</h2>' in html
    assert "best matches first (nearer ones rank higher)" in html


def test_a_radius_outside_the_menu_is_kept_and_shown_in_the_locales_numbers(client, demo_data):
    html = client.get(
        "/", {"place": "bogota", "radius_km": "2.5"}, HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert '<option value="2.5" selected>2,5 km</option>' in html
    assert all(km <= 2.5 for _pk, km in listed(html))


def test_the_language_switcher_comes_back_to_the_same_search(client, demo_data):
    html = client.get("/", {"q": "python", "radius_km": "25"}).content.decode()
    assert 'name="next" type="hidden" value="/?q=python&amp;radius_km=25"' in html


@pytest.mark.parametrize(
    "params, field, label",
    [
        ({"near": "999,999"}, "near", "Point"),
        ({"near": "abc"}, "near", "Point"),
        ({"near": "1,2,3"}, "near", "Point"),
        ({"q": "py\x00thon"}, "q", None),
        ({"place": "Bogo\x00tá"}, "place", None),
        ({"radius_km": "1e308"}, "radius_km", None),
    ],
)
def test_a_bad_value_in_the_url_is_a_400_with_the_pages_own_error(client, params, field, label):
    response = client.get("/", params, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 400
    assert 'class="error"' in html
    if label:
        assert f'<p class="error">{label}: ' in html
    else:
        assert f'id="{ {"q": "q", "place": "place", "radius_km": "radius"}[field] }-error"' in html
    assert not listed(html)
    assert "\x00" not in html
    # The page still works: the map script gets its data and the form is there.
    assert page_data(response)["searched"] is False
    assert 'id="search-form"' in html


@pytest.mark.parametrize(
    "view", ["nonsense", "12/4.6", "30/4.6/-74.1", "12/95/-74.1", "12/4.6/-740", "12/nan/1",
             "12.5/4.6/-74.1", "12/4.6/\x00"],
)
def test_a_bad_map_view_is_ignored_and_the_search_kept(client, view):
    # A shared link cut short, or edited by hand: the map view is only where
    # the map looks, so the search itself still answers.
    response = client.get("/", {"near": "-74.06333,4.64583", "map": view})
    assert response.status_code == 200
    data = page_data(response)
    assert data["searched"] is True and data["center"] == [-74.06333, 4.64583]
    assert data["map"]["center"] == [-74.06333, 4.64583]
    assert "\x00" not in response.content.decode()


def test_a_strong_place_searches_there(client, demo_data):
    chapinero = Locality.objects.get(key="chapinero-bogota").location
    response = client.get("/", {"place": "Chapinero"}, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Showing groups near Chapinero, Bogotá, Colombia." in html
    assert page_data(response)["center"] == pytest.approx([chapinero.x, chapinero.y])
    for pk, _km in listed(html):
        location = StudyGroup.objects.get(pk=pk).location
        assert GEOD.inv(chapinero.x, chapinero.y, location.x, location.y)[2] <= 10_000


def candidate_links(html):
    return re.findall(r'<li><a href="([^"]+)">([^<]+)</a>', html)


def test_a_weak_place_lists_candidates_as_links_that_search_there(client, demo_data):
    response = client.get(
        "/", {"place": "Chapineri", "q": "chemistry", "radius_km": "5"}, HTTP_ACCEPT_LANGUAGE="es"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "¿Quisiste decir…?" in html
    assert not listed(html), "no list pretends to be near a place not yet chosen"
    links = candidate_links(html)
    assert [label for _href, label in links][0] == "Chapinero, Bogotá, Colombia"

    href = links[0][0].replace("&amp;", "&")
    query = dict(parse_qsl(urlsplit(href).query))
    assert query["place"] == "Chapinero, Bogotá, Colombia"
    assert (query["q"], query["radius_km"]) == ("chemistry", "5")
    chosen = client.get(href, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Mostrando grupos cerca de Chapinero, Bogotá, Colombia." in chosen
    chapinero = Locality.objects.get(key="chapinero-bogota").location
    results = listed(chosen)
    assert results
    for pk, _km in results:
        location = StudyGroup.objects.get(pk=pk).location
        assert GEOD.inv(chapinero.x, chapinero.y, location.x, location.y)[2] <= 5_010


@pytest.mark.parametrize(
    "view, country",
    [("10/-31.40/-64.18", "Argentina"), ("10/37.88/-4.78", "Spain")],
)
def test_a_place_search_prefers_the_namesake_near_the_map_view(client, demo_data, view, country):
    response = client.get("/", {"place": "Córdoba", "map": view}, HTTP_ACCEPT_LANGUAGE="en")
    assert f"Showing groups near Córdoba, {country}." in response.content.decode()


def test_candidate_names_are_escaped(client, demo_data):
    VenueFactory(name="<img src=x onerror=alert(1)> Biblioteca Zapatoca", city="Bogotá",
                 location=Point(-74.07, 4.60, srid=4326))
    html = client.get("/", {"place": "Biblioteca Zapatca"}).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt; Biblioteca Zapatoca" in html
    assert "<img src=x" not in html


def test_the_search_fields_stop_at_the_lengths_the_server_reads(client):
    from studygroups.views import MAX_PLACE_LENGTH, MAX_QUERY_LENGTH

    html = client.get("/").content.decode()
    assert re.search(rf'<input id="place"[^>]* maxlength="{MAX_PLACE_LENGTH}"', html)
    assert re.search(rf'<input id="q"[^>]* maxlength="{MAX_QUERY_LENGTH}"', html)


def test_an_unknown_place_says_so_where_the_list_would_be(client, demo_data):
    response = client.get("/", {"place": "asdfgh"}, HTTP_ACCEPT_LANGUAGE="es")
    html = response.content.decode()
    assert response.status_code == 200
    assert "No encontramos «asdfgh». Prueba con otra ciudad o lugar." in html
    start = html.index('<ol id="results"')
    results = html[start : html.index("</ol>", start)]
    assert "La lista aparece cuando la búsqueda de arriba tiene un lugar" in results
    assert not listed(html)


def test_the_map_page_lists_upcoming_events_within_the_radius_by_date(client):
    from meetups.tests.factories import EventFactory, hours_from_now

    # Ushuaia's university campus: far from the demo data other tests load.
    campus = (-68.3030, -54.8070)

    def venue_at(km_north, name):
        lon, lat, _back = GEOD.fwd(*campus, 0, km_north * 1000)
        return VenueFactory(name=name, location=Point(lon, lat, srid=4326))

    library = venue_at(6, "Biblioteca <b>Tintal</b>")
    hall, far = venue_at(1, "Auditorio"), venue_at(30, "Lejos")
    later = EventFactory(title="Cálculo II", venue=hall, during=hours_from_now(72, 74))
    sooner = EventFactory(
        title="Taller <script>x()</script>", venue=library, during=hours_from_now(5, 7)
    )
    EventFactory(title="Fuera del radio", venue=far, during=hours_from_now(1, 2))
    EventFactory(title="Ya pasó", venue=hall, during=hours_from_now(-5, -3))
    html = client.get(
        "/", {"near": "%s,%s" % campus, "radius_km": "10"}, HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    items = re.findall(r'<li class="result" data-event-id="(\d+)">(.*?)</li>', html, re.S)
    assert [int(pk) for pk, _ in items] == [sooner.pk, later.pk]
    first = items[0][1]
    assert "Taller &lt;script&gt;x()&lt;/script&gt;" in first and "<script>x()" not in html
    assert "Biblioteca &lt;b&gt;Tintal&lt;/b&gt;" in first
    assert re.search(r'<span class="distance">6,0 km</span>', first)
    # The start in the event's own zone, named.
    assert "hora de Colombia" in first  # the factory's zone, America/Bogota
    link = re.search(r'<a id="all-events" href="([^"]+)"', html).group(1)
    query = dict(parse_qsl(urlsplit(link.replace("&amp;", "&")).query))
    assert urlsplit(link).path == "/events/"
    assert query["radius_km"] == "10" and query["near"] == "-68.30300,-54.80700"
    assert client.get(link.replace("&amp;", "&")).status_code == 200


def test_the_map_page_says_when_no_event_is_near(client):
    html = client.get(
        "/", {"near": "-74.0836,4.6383", "radius_km": "2"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "No upcoming events within 2 km." in html
