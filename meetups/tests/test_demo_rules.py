"""The loaded demo obeys the rules the live code keeps (meetups.services,
studygroups.services), checked in SQL against the database, and its pages and
API show the database's own counts."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from meetups.models import RSVP, Event, Venue
from meetups.services import rsvp_answer, rsvp_refusal
from studygroups.models import Membership, StudyGroup
from studygroups.permissions import ORGANIZERS_GROUP

pytestmark = pytest.mark.django_db

TABLES = {
    "event": Event._meta.db_table,
    "rsvp": RSVP._meta.db_table,
    "venue": Venue._meta.db_table,
    "studygroup": StudyGroup._meta.db_table,
    "membership": Membership._meta.db_table,
    "user": get_user_model()._meta.db_table,
}


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    """``manage.py load_demo`` once for the module, rolled back after it; each
    test runs in a savepoint inside this transaction."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("load_demo", stdout=open("/dev/null", "w"))
            yield
            transaction.set_rollback(True)


def rows(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql.format(**TABLES), params)
        return cursor.fetchall()


def going_and_waiting():
    """{event id: (capacity, going, waiting)} from one SQL aggregate."""
    return {
        pk: (capacity, going, waiting)
        for pk, capacity, going, waiting in rows(
            """
            SELECT e.id, e.capacity,
                   count(r.id) FILTER (WHERE r.status = 'yes'),
                   count(r.id) FILTER (WHERE r.status = 'waitlist')
            FROM {event} e LEFT JOIN {rsvp} r ON r.event_id = e.id
            GROUP BY e.id
            """
        )
    }


def test_the_demo_has_events_with_a_waitlist_and_events_with_free_seats():
    counts = going_and_waiting().values()
    assert sum(1 for _capacity, _going, waiting in counts if waiting) >= 5
    assert sum(1 for capacity, going, _w in counts if 0 < going < capacity) >= 50


def test_nobody_is_waitlisted_while_seats_are_free():
    assert rows(
        """
        SELECT e.id FROM {event} e JOIN {rsvp} r ON r.event_id = e.id
        GROUP BY e.id, e.capacity
        HAVING count(*) FILTER (WHERE r.status = 'waitlist') > 0
           AND count(*) FILTER (WHERE r.status = 'yes') < e.capacity
        """
    ) == []


def test_nobody_goes_beyond_an_events_capacity():
    assert rows(
        """
        SELECT e.id FROM {event} e JOIN {rsvp} r ON r.event_id = e.id
        GROUP BY e.id, e.capacity
        HAVING count(*) FILTER (WHERE r.status = 'yes') > e.capacity
        """
    ) == []


def test_nobody_took_a_seat_after_someone_still_waiting_joined_the_queue():
    # The waitlist is first come, first served: a seat freed while someone
    # waits goes to the waitlist, never to a newcomer.
    assert rows(
        """
        SELECT event_id FROM {rsvp} GROUP BY event_id
        HAVING max(created_at) FILTER (WHERE status = 'yes')
             > min(updated_at) FILTER (WHERE status = 'waitlist')
        """
    ) == []


def test_no_answer_came_after_its_event_started_or_before_it_existed():
    assert rows(
        """
        SELECT r.id FROM {rsvp} r JOIN {event} e ON e.id = r.event_id
        WHERE r.updated_at >= lower(e.during) OR r.created_at < e.created_at
           OR r.updated_at < r.created_at
        """
    ) == []


def test_no_answer_came_after_its_event_was_cancelled():
    # A cancelled event's updated_at is when it was cancelled (or changed later).
    assert rows(
        """
        SELECT r.id FROM {rsvp} r JOIN {event} e ON e.id = r.event_id
        WHERE e.status = 'cancelled' AND r.updated_at > e.updated_at
        """
    ) == []


def test_only_active_members_answer_for_approval_required_groups():
    assert rows(
        """
        SELECT r.id FROM {rsvp} r
        JOIN {event} e ON e.id = r.event_id
        JOIN {studygroup} g ON g.id = e.study_group_id
        WHERE g.join_policy = 'approval' AND NOT EXISTS (
            SELECT 1 FROM {membership} m
            WHERE m.user_id = r.user_id AND m.study_group_id = g.id AND m.status = 'active')
        """
    ) == []
    assert rows(
        "SELECT r.id FROM {rsvp} r JOIN {user} u ON u.id = r.user_id WHERE NOT u.is_active"
    ) == []


def test_the_demo_has_approval_required_groups_with_pending_requests():
    groups = StudyGroup.objects.filter(join_policy=StudyGroup.JoinPolicy.APPROVAL)
    assert groups.count() >= 5
    assert groups.filter(memberships__status=Membership.Status.PENDING).distinct().count() >= 3


def test_pending_requests_only_in_approval_required_groups():
    assert rows(
        """
        SELECT m.id FROM {membership} m JOIN {studygroup} g ON g.id = m.study_group_id
        WHERE m.status = 'pending' AND g.join_policy <> 'approval'
        """
    ) == []


def test_no_group_has_more_active_members_than_its_capacity():
    assert rows(
        """
        SELECT g.id FROM {studygroup} g JOIN {membership} m ON m.study_group_id = g.id
        WHERE m.status = 'active'
        GROUP BY g.id, g.capacity HAVING count(*) > g.capacity
        """
    ) == []


def test_every_group_has_an_active_organizer():
    assert rows(
        """
        SELECT g.id FROM {studygroup} g WHERE NOT EXISTS (
            SELECT 1 FROM {membership} m
            WHERE m.study_group_id = g.id AND m.role = 'organizer' AND m.status = 'active')
        """
    ) == []
    assert rows(
        "SELECT id FROM {membership} WHERE role = 'organizer' AND status <> 'active'"
    ) == []


def test_every_organizer_reaches_the_admin_as_the_live_code_grants():
    assert rows(
        """
        SELECT DISTINCT u.id FROM {membership} m JOIN {user} u ON u.id = m.user_id
        WHERE m.role = 'organizer' AND (NOT u.is_staff OR NOT EXISTS (
            SELECT 1 FROM auth_user_groups ug JOIN auth_group ag ON ag.id = ug.group_id
            WHERE ug.user_id = u.id AND ag.name = %s))
        """,
        [ORGANIZERS_GROUP],
    ) == []


def test_members_joined_after_their_group_and_account_were_made():
    assert rows(
        """
        SELECT m.id FROM {membership} m
        JOIN {studygroup} g ON g.id = m.study_group_id JOIN {user} u ON u.id = m.user_id
        WHERE m.joined_at < g.created_at OR m.joined_at < u.date_joined
        """
    ) == []


def test_events_are_held_at_shared_venues_or_their_own_groups():
    # meetups.permissions.bookable_venues: an organizer books shared venues and
    # their own group's.
    assert rows(
        """
        SELECT e.id FROM {event} e JOIN {venue} v ON v.id = e.venue_id
        WHERE v.study_group_id IS NOT NULL
          AND v.study_group_id IS DISTINCT FROM e.study_group_id
        """
    ) == []


def test_events_at_a_venue_are_where_the_venue_is_and_fit_in_it():
    assert rows(
        """
        SELECT e.id FROM {event} e JOIN {venue} v ON v.id = e.venue_id
        WHERE NOT ST_Equals(e.location::geometry, v.location::geometry)
           OR e.capacity > v.capacity
        """
    ) == []


def test_nothing_in_the_demo_is_dated_after_today():
    latest = rows(
        """
        SELECT greatest(
            (SELECT max(updated_at) FROM {rsvp}), (SELECT max(updated_at) FROM {event}),
            (SELECT max(updated_at) FROM {studygroup}), (SELECT max(joined_at) FROM {membership}),
            (SELECT max(date_joined) FROM {user}))
        """
    )[0][0]
    assert latest <= timezone.now()


def test_the_event_page_shows_the_databases_counts(client):
    counts = going_and_waiting()
    answered = [pk for pk, (_c, going, waiting) in counts.items() if going or waiting]
    assert len(answered) >= 100
    for pk in answered:
        response = client.get(reverse("event-page", args=[pk]))
        _capacity, going, waiting = counts[pk]
        assert (response.context["going_count"], response.context["waitlist_count"]) == (
            going,
            waiting,
        ), pk


def test_the_api_shows_the_databases_going_counts(client):
    counts = going_and_waiting()
    response = client.get(
        reverse("api:event-list"),
        {"status": "any", "start": "2000-01-01T00:00:00Z", "end": "2100-01-01T00:00:00Z",
         "limit": 1000},
    )
    features = response.json()["features"]
    assert len(features) == len(counts)
    for feature in features:
        capacity, going, _waiting = counts[feature["id"]]
        assert (feature["properties"]["going_count"], feature["properties"]["capacity"]) == (
            going,
            capacity,
        ), feature["id"]


def test_one_yes_on_a_demo_event_with_free_seats_seats_exactly_one_person():
    counts = going_and_waiting()
    events = (
        Event.objects.filter(status=Event.Status.SCHEDULED, during__startswith__gt=timezone.now())
        .annotate(going=Count("rsvps", filter=Q(rsvps__status=RSVP.Status.YES)))
        .select_related("study_group")
    )
    users = list(get_user_model().objects.order_by("pk"))
    tried = 0
    for event in events:
        if event.going >= event.capacity:
            continue
        answered = set(
            event.rsvps.filter(status__in=[RSVP.Status.YES, RSVP.Status.WAITLIST]).values_list(
                "user_id", flat=True
            )
        )
        user = next(
            (u for u in users if u.pk not in answered and not rsvp_refusal(user=u, event=event)),
            None,
        )
        if user is None:
            continue
        rsvp_answer(user=user, event=event, going=True)
        capacity, going, waiting = going_and_waiting()[event.pk]
        assert (going, waiting) == (counts[event.pk][1] + 1, counts[event.pk][2]), event.pk
        tried += 1
    assert tried >= 100


def test_the_api_and_the_group_page_count_active_members_only(client):
    active = dict(
        rows(
            """
            SELECT g.id, count(m.id) FILTER (WHERE m.status = 'active')
            FROM {studygroup} g LEFT JOIN {membership} m ON m.study_group_id = g.id
            GROUP BY g.id
            """
        )
    )
    features = client.get(reverse("api:studygroup-list"), {"limit": 1000}).json()["features"]
    assert {f["id"]: f["properties"]["member_count"] for f in features} == active
    pending = StudyGroup.objects.filter(memberships__status=Membership.Status.PENDING)
    for group in pending.distinct()[:5]:
        page = client.get(group.get_absolute_url())
        assert page.context["member_count"] == active[group.pk], group.slug
