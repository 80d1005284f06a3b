"""Keyset pages and cheap counts on the GeoJSON lists (places/paging.py).

Walking a list through its ``next`` links must return every match exactly
once, in the list's order, whatever the ties; a cursor a client tampered with
is a 400 naming ``cursor``; offsets stay for small skips only; numberMatched
is exact while it is cheap and left out beyond.
"""

import base64
import datetime
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from pyproj import Geod

from meetups.models import Event, Venue
from places import paging
from studygroups.models import StudyGroup

pytestmark = pytest.mark.django_db

GEOD = Geod(ellps="WGS84")
BOGOTA = (-74.0721, 4.7110)


def get_json(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return response.json()


def next_href(page):
    hrefs = [link["href"] for link in page["links"] if link["rel"] == "next"]
    return hrefs[0] if hrefs else None


def walk(client, url, **params):
    """Every page from ``url`` on, through the next links."""
    pages = [get_json(client, url, **params)]
    while next_href(pages[-1]):
        pages.append(get_json(client, next_href(pages[-1])))
    return pages


def ids(pages):
    return [feature["id"] for page in pages for feature in page["features"]]


def cursor_of(values):
    text = json.dumps(values).encode()
    return base64.urlsafe_b64encode(text).decode().rstrip("=")


def test_the_default_list_walks_by_name_then_id_across_ties(client, demo_data):
    # Seven groups of one name: the id breaks the tie, so pages of three
    # split them and still lose or repeat none.
    for n in range(7):
        StudyGroup.objects.create(
            name="Álgebra lineal", slug=f"algebra-{n}", location=Point(-75.57, 6.27, srid=4326)
        )

    pages = walk(client, "/api/studygroups/", limit="3")

    walked = ids(pages)
    assert walked == list(StudyGroup.objects.order_by("name", "pk").values_list("pk", flat=True))
    assert len(pages) == -(-StudyGroup.objects.count() // 3)
    for page in pages[1:]:
        assert "numberMatched" not in page
        assert "offset" not in parse_qs(urlsplit(page["links"][0]["href"]).query)
    assert pages[0]["numberMatched"] == StudyGroup.objects.count()


def test_near_walks_nearest_first_and_finds_what_pyproj_finds(client, demo_data):
    radius_m = 8_000
    pages = walk(
        client, "/api/studygroups/", near=f"{BOGOTA[0]},{BOGOTA[1]}", radius_km="8", limit="4"
    )

    features = [feature for page in pages for feature in page["features"]]
    distances = [feature["properties"]["distance_m"] for feature in features]
    # The KNN order measures on a sphere, the distances on the spheroid: two
    # groups closer than 0.5% of their distance may come in either order.
    assert all(b >= a * 0.995 for a, b in zip(distances, distances[1:]))
    assert len(features) == len({feature["id"] for feature in features}) > 8

    expected = {}
    for pk, point in StudyGroup.objects.exclude(location=None).values_list("pk", "location"):
        _, _, distance_m = GEOD.inv(BOGOTA[0], BOGOTA[1], point.x, point.y)
        expected[pk] = distance_m
    found = {feature["id"] for feature in features}
    assert {pk for pk, d in expected.items() if d <= radius_m - 1} <= found
    assert found <= {pk for pk, d in expected.items() if d <= radius_m + 1}


def test_a_ranked_search_walks_every_match_once(client, demo_data):
    everything = get_json(client, "/api/studygroups/", q="python", limit="1000")
    pages = walk(client, "/api/studygroups/", q="python", limit="2")

    assert len(everything["features"]) > 4
    assert ids(pages) == [feature["id"] for feature in everything["features"]]


def test_upcoming_events_walk_by_start(client, demo_data):
    now = timezone.now()
    pages = walk(client, "/api/events/", limit="7")

    features = [feature for page in pages for feature in page["features"]]
    starts = [datetime.datetime.fromisoformat(f["properties"]["start"]) for f in features]
    assert starts == sorted(starts)
    upcoming = {
        event.pk
        for event in Event.objects.filter(status="scheduled")
        if event.during.upper > now
    }
    assert len(upcoming) > 14
    assert [feature["id"] for feature in features] == sorted(
        upcoming, key=lambda pk: (Event.objects.get(pk=pk).during.lower, pk)
    )


def test_upcoming_events_include_one_in_progress_that_began_long_ago(client, demo_data):
    # A week-long course that began five days ago starts before every other
    # upcoming event, and its start must not be skipped by the index's bound.
    course = Event.objects.create(
        title="Curso intensivo de R",
        online_url="https://meet.example.org/r",
        during=(timezone.now() - datetime.timedelta(days=5),
                timezone.now() + datetime.timedelta(days=2)),
    )

    first = get_json(client, "/api/events/", limit="1")

    assert first["features"][0]["id"] == course.pk


def test_venues_walk_by_city_then_name(client, demo_data):
    pages = walk(client, "/api/venues/", limit="5")

    assert ids(pages) == list(
        Venue.objects.order_by("city", "name", "pk").values_list("pk", flat=True)
    )


def test_number_matched_is_left_out_past_the_exact_count_limit(client, demo_data, monkeypatch):
    monkeypatch.setattr(paging, "EXACT_COUNT_LIMIT", 30)
    few = get_json(client, "/api/studygroups/", q="python", limit="2")
    many = get_json(client, "/api/studygroups/", limit="2")
    last = get_json(client, "/api/studygroups/", limit="1000")

    matches = len(get_json(client, "/api/studygroups/", q="python", limit="1000")["features"])
    assert 2 < matches <= 30 and few["numberMatched"] == matches
    assert StudyGroup.objects.count() > 30 and "numberMatched" not in many
    # A page that holds the end of the list knows the total without counting.
    assert last["numberMatched"] == StudyGroup.objects.count()


def test_a_page_larger_than_the_count_limit_is_not_counted(
    client, demo_data, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(paging, "EXACT_COUNT_LIMIT", 5)
    total = StudyGroup.objects.count()
    assert total > 7
    # The page and its one extra row are already more than the limit: the
    # page's own query, and no count.
    with django_assert_num_queries(1):
        page = get_json(client, "/api/studygroups/", limit="6")
    assert len(page["features"]) == 6 and "numberMatched" not in page
    with django_assert_num_queries(2):
        small = get_json(client, "/api/studygroups/", limit="3")
    assert "numberMatched" not in small
    # Past the end, an offset knows no rows: counted, and said.
    past = get_json(client, "/api/studygroups/", offset=str(total + 5), limit="3")
    assert past["features"] == [] and "numberMatched" not in past


@pytest.mark.parametrize(
    "params",
    [
        {"offset": str(paging.MAX_OFFSET + 1)},
        {"offset": "99999999999999999999"},
    ],
)
def test_offsets_past_the_limit_are_refused_naming_offset(client, params):
    response = client.get("/api/studygroups/", params)

    assert response.status_code == 400
    body = response.json()
    assert body["parameter"] == "offset"
    # The limit that holds, not what a bigint holds.
    assert str(paging.MAX_OFFSET) in str(body) and str(2**63 - 1) not in str(body)


def test_offset_at_the_limit_still_answers(client, demo_data):
    body = get_json(client, "/api/studygroups/", offset=str(paging.MAX_OFFSET))

    assert body["features"] == []


@pytest.mark.parametrize(
    "url, cursor",
    [
        ("/api/studygroups/", "not a cursor"),
        ("/api/studygroups/", "%%%"),
        ("/api/studygroups/", cursor_of({"name": "a"})),
        ("/api/studygroups/", cursor_of(["Álgebra"])),  # a key short
        ("/api/studygroups/", cursor_of(["Álgebra", "12"])),  # id as text
        ("/api/studygroups/", cursor_of(["Álgebra", 2**63])),
        ("/api/studygroups/", cursor_of(["Álgebra\x00", 3])),
        ("/api/studygroups/", cursor_of([None, 3])),
        ("/api/events/", cursor_of(["yesterday", 3])),
        ("/api/events/", cursor_of(["2026-12-08T18:00:00", 3])),  # no UTC offset
        ("/ogc/collections/venues/items", cursor_of([True])),
        ("/ogc/collections/venues/items", cursor_of([1.5])),
    ],
)
def test_a_cursor_no_next_link_made_is_a_400_naming_cursor(client, demo_data, url, cursor):
    response = client.get(url, {"cursor": cursor})

    assert response.status_code == 400, response.content
    assert response.json()["parameter"] == "cursor"


def test_cursor_and_offset_together_are_refused(client, demo_data):
    first = get_json(client, "/api/studygroups/", limit="2")
    cursor = parse_qs(urlsplit(next_href(first)).query)["cursor"][0]

    response = client.get("/api/studygroups/", {"cursor": cursor, "offset": "4"})

    assert response.status_code == 400
    assert response.json()["parameter"] == "cursor"


def test_a_cursor_page_of_the_ogc_items_starts_after_its_id(client, demo_data):
    first_id = Venue.objects.order_by("pk").values_list("pk", flat=True)[3]

    page = get_json(
        client, "/ogc/collections/venues/items", cursor=cursor_of([first_id]), limit="5"
    )

    assert ids([page]) == list(
        Venue.objects.filter(pk__gt=first_id).order_by("pk").values_list("pk", flat=True)[:5]
    )


@pytest.mark.parametrize(
    "params",
    [{}, {"near": f"{BOGOTA[0]},{BOGOTA[1]}", "radius_km": "30"}, {"q": "python"}],
)
def test_an_offset_page_is_that_slice_of_the_whole_list(client, demo_data, params):
    whole = ids([get_json(client, "/api/studygroups/", limit="1000", **params)])
    page = get_json(client, "/api/studygroups/", limit="5", offset="7", **params)

    assert len(whole) > 12
    assert ids([page]) == whole[7:12]
    assert next_href(page) is not None


def test_groups_at_one_point_page_near_by_id_none_lost_or_repeated(client, demo_data):
    # Nine groups meet at one library: one distance, so the id orders them,
    # across pages of four that split them.
    library = Point(-74.0936, 4.6376, srid=4326)
    same = [
        StudyGroup.objects.create(name=f"Club {n}", slug=f"club-biblioteca-{n}", location=library)
        for n in range(9)
    ]
    pages = walk(client, "/api/studygroups/", near="-74.0936,4.6376", radius_km="2", limit="4")

    walked = ids(pages)
    assert walked[:9] == sorted(group.pk for group in same)
    assert len(walked) == len(set(walked))
    within = [
        pk for pk, point in StudyGroup.objects.values_list("pk", "location")
        if point and GEOD.inv(-74.0936, 4.6376, point.x, point.y)[2] <= 2_000
    ]
    assert sorted(walked) == sorted(within)
