"""The groups page, /groups/: groups near a place checked with pyproj, keyset
pages nearest first and by name, text, topic and format filters, each row's
topics, members and next event (in the group's zone), a bounded number of
queries, and bad input answered with the page and a 400 naming the field."""

import datetime
import re
import zoneinfo

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from psycopg2.extras import DateTimeTZRange
from pyproj import Geod

from meetups.models import Event
from meetups.tests.factories import EventFactory
from studygroups import finder
from studygroups.models import Membership
from studygroups.tests.factories import MembershipFactory, StudyGroupFactory, TopicFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("gazetteer_restored")]

GEOD = Geod(ellps="WGS84")
# Puerta del Sol, Madrid (lon, lat).
SOL = (-3.7038, 40.4168)


def near_sol(distance_km, azimuth=90, **fields):
    lon, lat, _back = GEOD.fwd(*SOL, azimuth, distance_km * 1000)
    fields.setdefault("city", "Madrid")
    return StudyGroupFactory(location=Point(lon, lat, srid=4326), **fields)


def names(response):
    return [group.name for group in response.context["groups"]]


def test_radius_keeps_the_groups_pyproj_puts_inside_it_nearest_first(client):
    for distance_km in (30, 9.5, 4, 10.5):
        near_sol(distance_km, name=f"A {distance_km} km")
    response = client.get("/groups/", {"near": f"{SOL[0]},{SOL[1]}", "radius_km": "10"},
                          HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert names(response) == ["A 4 km", "A 9.5 km"]
    for group in response.context["groups"]:
        _f, _b, metres = GEOD.inv(*SOL, group.location.x, group.location.y)
        assert group.distance_m == pytest.approx(metres, rel=1e-3)
    assert "4.0 km away" in response.content.decode()


def test_pages_near_a_place_follow_one_another_nearest_first_without_repeats(client):
    # Two groups at each distance: ties are broken by id across page ends.
    created = [
        near_sol(1 + (n // 2) * 0.1, azimuth=(n % 2) * 180, name=f"G{n:02}")
        for n in range(finder.PAGE_SIZE * 2 + 3)
    ]
    seen, url, pages = [], f"/groups/?near={SOL[0]},{SOL[1]}&radius_km=25", 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen += [group.pk for group in response.context["groups"]]
        url, pages = response.context["next_url"], pages + 1
    assert pages == 3
    assert sorted(seen) == sorted(group.pk for group in created)
    distances = [GEOD.inv(*SOL, g.location.x, g.location.y)[2] for g in
                 sorted(created, key=lambda g: seen.index(g.pk))]
    assert distances == sorted(distances, key=lambda d: round(d, -1))


def test_pages_without_a_place_go_by_name(client):
    created = [StudyGroupFactory(name=f"Grupo {n:03}") for n in range(finder.PAGE_SIZE + 5)]
    first = client.get("/groups/")
    assert names(first) == [group.name for group in created[: finder.PAGE_SIZE]]
    second = client.get(first.context["next_url"])
    assert names(second) == [group.name for group in created[finder.PAGE_SIZE:]]
    assert second.context["next_url"] == ""
    assert second.context["first_url"] == "/groups/"


def test_a_hidden_group_is_in_no_list_of_the_page(client, django_user_model):
    """Moderation hides a group from every public list: the page's too, by
    name, near a place and by text (the API and the events page already)."""
    from studygroups.moderation import content_hide

    moderator = django_user_model.objects.create_superuser("mod", "mod@example.org", "x")
    shown = near_sol(2, name="Python en Sol")
    spam = near_sol(1, name="Python gratis")
    content_hide(actor=moderator, target=spam, reason="Spam.")
    near = {"near": f"{SOL[0]},{SOL[1]}", "radius_km": "10"}
    for params in ({}, near, {"q": "python"}, {"q": "gratis"}, {**near, "q": "python"}):
        assert spam.name not in names(client.get("/groups/", params)), params
    assert names(client.get("/groups/", {"q": "python"})) == [shown.name]


def test_text_topic_and_format_filter_the_list(client):
    python = TopicFactory(name_es="Python", name_en="Python", slug="python")
    in_person = near_sol(2, name="Python en Sol")
    in_person.topics.add(python)
    online = StudyGroupFactory(name="Python en línea", is_online=True, location=None)
    online.topics.add(python)
    near_sol(3, name="Cálculo en Sol")
    assert sorted(names(client.get("/groups/", {"topic": "python"}))) == [
        "Python en Sol", "Python en línea"
    ]
    assert names(client.get("/groups/", {"topic": "python", "format": "online"})) == [
        "Python en línea"
    ]
    assert names(client.get("/groups/", {"q": "calculo", "format": "in_person"})) == [
        "Cálculo en Sol"
    ]
    assert sorted(names(client.get("/groups/", {"q": "pyton"}))) == [
        "Python en Sol", "Python en línea"
    ]


def test_each_row_shows_topics_members_and_the_next_event_in_the_groups_zone(client):
    group = near_sol(1, name="Tertulia", time_zone="Europe/Madrid")
    group.topics.add(TopicFactory(name_en="Philosophy", name_es="Filosofía"))
    MembershipFactory.create_batch(3, study_group=group)
    MembershipFactory(study_group=group, status=Membership.Status.PENDING)
    start = datetime.datetime(2031, 7, 10, 19, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Madrid"))
    # Its event is kept in Bogotá's zone; the list says the group's (Madrid) time.
    EventFactory(title="Later", study_group=group, time_zone="America/Bogota",
                 during=DateTimeTZRange(start + datetime.timedelta(days=7),
                                        start + datetime.timedelta(days=7, hours=2)))
    EventFactory(title="Next", study_group=group, time_zone="America/Bogota",
                 during=DateTimeTZRange(start, start + datetime.timedelta(hours=2)))
    EventFactory(title="Cancelled", study_group=group, status=Event.Status.CANCELLED,
                 during=DateTimeTZRange(start - datetime.timedelta(days=1),
                                        start - datetime.timedelta(days=1, hours=-2)))
    response = client.get("/groups/", {"near": f"{SOL[0]},{SOL[1]}"}, HTTP_ACCEPT_LANGUAGE="en")
    [row] = response.context["groups"]
    assert row.member_count == 3
    assert row.next_event.title == "Next"
    html = response.content.decode()
    assert "Philosophy" in html
    assert "3 members" in html
    assert "7:30" in html and "Madrid" in html
    assert '<time datetime="2031-07-10T17:30:00+00:00">' in html


def test_a_group_without_events_says_so(client):
    StudyGroupFactory(name="Sin eventos")
    response = client.get("/groups/", HTTP_ACCEPT_LANGUAGE="en")
    assert "No upcoming events." in response.content.decode()


def test_a_page_costs_the_same_few_queries_however_many_rows(client, django_assert_max_num_queries):
    topic = TopicFactory()
    for n in range(finder.PAGE_SIZE + 1):
        group = near_sol(1 + n / 10)
        group.topics.add(topic)
        MembershipFactory(study_group=group)
        EventFactory(study_group=group)
    with django_assert_max_num_queries(8):
        response = client.get("/groups/", {"near": f"{SOL[0]},{SOL[1]}"})
    assert len(response.context["groups"]) == finder.PAGE_SIZE


def test_the_near_query_walks_the_location_index(client):
    from django.db import connection

    near_sol(1)
    groups = finder.matching(point=Point(*SOL, srid=4326), radius_m=10_000)
    keys, _fields = finder.order_keys(Point(*SOL, srid=4326))
    plan = groups.annotate(_key0=keys[0], _key1=keys[1]).order_by("_key0", "_key1")[:21]
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        sql, params = plan.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        text = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert "studygroup_location" in text


@pytest.mark.parametrize(
    "params,field",
    [
        ({"format": "hologram"}, "format"),
        ({"topic": "no-such-topic"}, "topic"),
        ({"radius_km": "-3"}, "radius_km"),
        ({"radius_km": "nan"}, "radius_km"),
        ({"radius_km": "500"}, "radius_km"),
        ({"near": "200,100"}, "near"),
        ({"near": "abc"}, "near"),
        ({"after": "not-a-cursor"}, "after"),
        ({"near": "-3.7,40.4", "after": "WyJhIiwyXQ"}, "after"),
        ({"q": "python\x00"}, "q"),
    ],
)
def test_bad_values_get_the_page_with_a_400_naming_the_field(client, params, field):
    StudyGroupFactory()
    response = client.get("/groups/", params)
    assert response.status_code == 400
    assert field in response.context["errors"]
    assert "<form" in response.content.decode()


def test_a_cursor_of_the_other_order_is_refused_not_a_500(client):
    StudyGroupFactory.create_batch(finder.PAGE_SIZE + 1)
    by_name = client.get("/groups/").context["next_url"]
    cursor = re.search(r"after=([^&]+)", by_name).group(1)
    response = client.get("/groups/", {"near": f"{SOL[0]},{SOL[1]}", "after": cursor})
    assert response.status_code == 400
    assert "after" in response.context["errors"]


def test_an_unknown_place_is_an_answer_not_an_error(client):
    response = client.get("/groups/", {"place": "Xyzzyqwv"})
    assert response.status_code == 200
    assert "place" in response.context["errors"]


def test_hostile_text_is_escaped(client):
    StudyGroupFactory(name='<img src=x onerror="alert(1)">')
    html = client.get("/groups/").content.decode()
    assert '<img src=x onerror="alert(1)">' not in html
    html = client.get("/groups/", {"q": '"><script>alert(2)</script>'}).content.decode()
    assert "<script>alert(2)</script>" not in html


def test_the_page_speaks_spanish(client):
    response = client.get("/groups/", HTTP_ACCEPT_LANGUAGE="es")
    assert "Buscar grupos de estudio" in response.content.decode()


def test_the_nav_links_to_groups_beside_events(client):
    html = client.get("/events/").content.decode()
    assert re.search(r'href="/groups/">[^<]+</a>\s*<a href="/events/">', html)


def test_upcoming_events_only_count_when_not_ended(client):
    group = StudyGroupFactory(name="Pasado")
    now = timezone.now()
    EventFactory(study_group=group, title="Ended",
                 during=DateTimeTZRange(now - datetime.timedelta(hours=3),
                                        now - datetime.timedelta(hours=1)))
    [row] = client.get("/groups/").context["groups"]
    assert row.next_event is None


def test_a_text_without_a_place_lists_the_best_matches_first_in_keyset_pages(client):
    # The name saying the word ranks above a description saying it.
    described = [StudyGroupFactory(name=f"Club {n:02}", description="Leemos Python")
                 for n in range(finder.PAGE_SIZE)]
    named = StudyGroupFactory(name="Python a fondo", description="")
    StudyGroupFactory(name="Otro tema", description="Nada que ver")
    first = client.get("/groups/", {"q": "python"})
    assert first.context["groups"][0] == named
    second = client.get(first.context["next_url"])
    seen = [g.pk for g in first.context["groups"]] + [g.pk for g in second.context["groups"]]
    assert sorted(seen) == sorted([named.pk] + [g.pk for g in described])
    assert second.context["next_url"] == ""
