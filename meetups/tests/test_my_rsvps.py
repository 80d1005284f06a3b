"""GET /api/me/rsvps/: the signed-in member's RSVPs (token or session), soonest
event first, times with the offset of each event's zone and the zone named,
the waitlist place as the RSVP service counts it, keyset pages, a 401 for
strangers, 400s naming the parameter, and a fixed number of queries."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone
from psycopg2.extras import DateTimeTZRange
from rest_framework.authtoken.models import Token

from meetups.models import RSVP
from meetups.my_rsvps import MAX_LIMIT
from meetups.services import rsvp_answer, rsvp_waitlist_position
from meetups.tests.factories import AttendeeFactory, EventFactory, RSVPFactory

pytestmark = pytest.mark.django_db

URL = "/api/me/rsvps/"


def soon(days, hours=2):
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=days)
    return DateTimeTZRange(start, start + datetime.timedelta(hours=hours), "[)")


def test_strangers_get_a_401_with_a_token_challenge(client):
    response = client.get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    assert response.json()["code"] == "NotAuthenticated"


def test_a_token_is_enough(client):
    me = AttendeeFactory()
    RSVPFactory(user=me, event=EventFactory(title="Con token"))
    token = Token.objects.create(user=me)
    response = client.get(URL, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert [item["title"] for item in response.json()["results"]] == ["Con token"]


def test_lists_only_my_rsvps_with_status_and_waitlist_position(client):
    me, other = AttendeeFactory(), AttendeeFactory()
    full = EventFactory(title="Lleno", capacity=1, during=soon(2))
    rsvp_answer(user=other, event=full, going=True)
    rsvp_answer(user=AttendeeFactory(), event=full, going=True)
    waiting = rsvp_answer(user=me, event=full, going=True)
    going = EventFactory(title="Voy", during=soon(1))
    rsvp_answer(user=me, event=going, going=True)
    declined = EventFactory(title="No voy", during=soon(3))
    rsvp_answer(user=me, event=declined, going=False)
    RSVPFactory(user=other, event=EventFactory(title="De otro"))
    client.force_login(me)
    body = client.get(URL).json()
    assert [(i["title"], i["status"], i["waitlist_position"]) for i in body["results"]] == [
        ("Voy", "going", None),
        ("Lleno", "waitlisted", rsvp_waitlist_position(waiting)),
        ("No voy", "not_going", None),
    ]
    assert body["results"][1]["waitlist_position"] == 2
    assert body["results"][0]["event"] == going.pk
    assert body["next"] is None


def test_times_carry_the_events_own_offset_and_zone(client):
    me = AttendeeFactory()
    start = datetime.datetime(2031, 7, 10, 19, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Madrid"))
    event = EventFactory(time_zone="Europe/Madrid",
                         during=DateTimeTZRange(start, start + datetime.timedelta(hours=2)))
    RSVPFactory(user=me, event=event)
    client.force_login(me)
    [item] = client.get(URL).json()["results"]
    assert item["start"] == "2031-07-10T19:00:00+02:00"
    assert item["end"] == "2031-07-10T21:00:00+02:00"
    assert item["time_zone"] == "Europe/Madrid"
    assert item["url"].endswith(f"/events/{event.pk}/")


def test_upcoming_leaves_out_ended_events_and_no_answers(client):
    me = AttendeeFactory()
    now = timezone.now()
    RSVPFactory(user=me, event=EventFactory(title="Pasado", during=DateTimeTZRange(
        now - datetime.timedelta(hours=3), now - datetime.timedelta(hours=1))))
    RSVPFactory(user=me, event=EventFactory(title="Futuro", during=soon(1)))
    RSVPFactory(user=me, event=EventFactory(title="No", during=soon(2)), status=RSVP.Status.NO)
    client.force_login(me)
    titles = [i["title"] for i in client.get(URL, {"upcoming": "true"}).json()["results"]]
    assert titles == ["Futuro"]
    assert len(client.get(URL).json()["results"]) == 3


def test_pages_follow_one_another_by_start_without_repeats(client):
    me = AttendeeFactory()
    # Pairs starting at the same instant: the event id breaks the tie.
    events = [EventFactory(during=soon(1 + n // 2)) for n in range(7)]
    for event in events:
        RSVPFactory(user=me, event=event)
    client.force_login(me)
    seen, url = [], f"{URL}?limit=3"
    while url:
        body = client.get(url).json()
        seen += [item["event"] for item in body["results"]]
        url = body["next"]
    assert seen == [e.pk for e in sorted(events, key=lambda e: (e.during.lower, e.pk))]


def test_a_page_costs_the_same_queries_however_many_rows(client, django_assert_num_queries):
    me = AttendeeFactory()
    client.force_login(me)
    for n in range(30):
        RSVPFactory(user=me, event=EventFactory(during=soon(1 + n)),
                    status=RSVP.Status.WAITLIST if n % 2 else RSVP.Status.YES)
    # The session, the user, the page.
    with django_assert_num_queries(3):
        assert len(client.get(URL, {"limit": "25"}).json()["results"]) == 25


@pytest.mark.parametrize(
    "params,parameter",
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "garbage"}, "cursor"),
        ({"cursor": "WyJhIiwyXQ"}, "cursor"),
        ({"upcoming": "perhaps"}, "upcoming"),
        ({"status": "yes"}, "status"),
        ({"cursor": "a\x00"}, "cursor"),
    ],
)
def test_bad_parameters_get_a_400_naming_them(client, params, parameter):
    client.force_login(AttendeeFactory())
    response = client.get(URL, params)
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter


def test_a_large_limit_is_clamped(client):
    me = AttendeeFactory()
    client.force_login(me)
    assert client.get(URL, {"limit": "100000"}).status_code == 200
    assert MAX_LIMIT == 100


def test_the_schema_documents_it(client):
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/me/rsvps/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"limit", "cursor", "upcoming"}
    assert {"200", "400", "401"} <= set(operation["responses"])


def test_an_rsvp_keeps_its_events_start_when_the_event_moves(client):
    me = AttendeeFactory()
    later, sooner = EventFactory(title="Luego", during=soon(5)), EventFactory(
        title="Antes", during=soon(9)
    )
    rsvp = rsvp_answer(user=me, event=later, going=True)
    rsvp_answer(user=me, event=sooner, going=True)
    rsvp.refresh_from_db()
    assert rsvp.event_start == later.during.lower
    sooner.during = soon(1)
    sooner.save()
    assert RSVP.objects.get(user=me, event=sooner).event_start == sooner.during.lower
    client.force_login(me)
    assert [i["title"] for i in client.get(URL).json()["results"]] == ["Antes", "Luego"]


MANY_EVENTS = """
    INSERT INTO meetups_event (title, description, online_url, during, time_zone, capacity,
                               status, created_at, updated_at)
    SELECT 'Evento ' || n, '', 'https://meet.example.org/' || n,
           tstzrange(now() + n * interval '1 hour', now() + n * interval '1 hour'
                     + interval '2 hours', '[)'),
           'UTC', 30, 'scheduled', now(), now()
    FROM generate_series(1, %(events)s) AS n RETURNING id
"""


def test_a_members_rsvps_walk_their_start_index_not_every_events_start():
    """EXPLAIN with 4,000 events, 3,000 answers of a heavy member and 8,000 of
    others, analyzed: the list, upcoming or not and after a cursor, reads the
    member's range of rsvp_user_start_idx in order (no Sort), not the events'
    starts (event_start_id_idx) probing each for an RSVP, as it did before."""
    from django.db import connection

    from meetups.my_rsvps import after_cursor, rsvps_of, upcoming_answers
    from places.paging import encode_cursor

    heavy, others = AttendeeFactory(), [AttendeeFactory() for _ in range(4)]
    with connection.cursor() as cursor:
        cursor.execute(MANY_EVENTS, {"events": 4000})
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "INSERT INTO meetups_rsvp (status, created_at, updated_at, event_id, user_id) "
            "SELECT 'yes', now(), now(), e, u FROM unnest(%s::bigint[]) AS e, "
            "unnest(%s::int[]) AS u",
            [ids[::2], [other.pk for other in others]],
        )
        cursor.execute(
            "INSERT INTO meetups_rsvp (status, created_at, updated_at, event_id, user_id) "
            "SELECT 'yes', now(), now(), e, %s FROM unnest(%s::bigint[]) AS e",
            [heavy.pk, ids[1000:]],
        )
        cursor.execute("ANALYZE meetups_rsvp")
        cursor.execute("ANALYZE meetups_event")
    now = timezone.now()
    lists = {
        "all": rsvps_of(heavy),
        "upcoming": upcoming_answers(rsvps_of(heavy), now),
        "after": after_cursor(rsvps_of(heavy), encode_cursor([now, 0])),
    }
    for name, rsvps in lists.items():
        plan = rsvps[:21].explain()
        assert "rsvp_user_start_idx" in plan, (name, plan)
        assert "Sort" not in plan, (name, plan)
