"""The member's dashboard, /me/: upcoming events going and waitlisted (with the
place in line, times in each event's zone), groups, requests to join, and for
organizers the requests to approve (through the group's own approve and
decline) and upcoming in-person events without a venue; bounded lists with
"see all" pages in keyset order, a fixed number of queries, and nothing of
another organizer's groups."""

import datetime
import zoneinfo

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from psycopg2.extras import DateTimeTZRange

from meetups.models import RSVP
from meetups.services import rsvp_answer, rsvp_waitlist_position
from meetups.tests.factories import AttendeeFactory, EventFactory, RSVPFactory
from studygroups import dashboard
from studygroups.models import Membership
from studygroups.tests.factories import MembershipFactory, StudyGroupFactory

pytestmark = pytest.mark.django_db


def soon(days=1, hours=2):
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=days)
    return DateTimeTZRange(start, start + datetime.timedelta(hours=hours), "[)")


def test_signed_out_visitors_are_sent_to_log_in(client):
    for path in ("/me/", "/me/events/", "/me/to-approve/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_my_events_show_going_and_waitlisted_with_the_place_in_line(client):
    me = AttendeeFactory(username="yo")
    full = EventFactory(title="Taller lleno", capacity=2, during=soon(1))
    for _ in range(2):
        rsvp_answer(user=AttendeeFactory(), event=full, going=True)
    rsvp_answer(user=AttendeeFactory(), event=full, going=True)  # first in line
    mine_waiting = rsvp_answer(user=me, event=full, going=True)
    going = EventFactory(title="Club de lectura", during=soon(2))
    rsvp_answer(user=me, event=going, going=True)
    declined = EventFactory(title="No voy", during=soon(3))
    rsvp_answer(user=me, event=declined, going=False)
    ended = EventFactory(title="Ya pasó", during=DateTimeTZRange(
        timezone.now() - datetime.timedelta(hours=3), timezone.now() - datetime.timedelta(hours=1)
    ))
    RSVPFactory(user=me, event=ended, status=RSVP.Status.YES)
    client.force_login(me)
    response = client.get("/me/", HTTP_ACCEPT_LANGUAGE="en")
    rows = response.context["lists"]["events"]["rows"]
    assert [row.event.title for row in rows] == ["Taller lleno", "Club de lectura"]
    assert rows[0].waitlist_position == 2 == rsvp_waitlist_position(mine_waiting)
    assert rows[1].waitlist_position is None
    html = response.content.decode()
    assert "Waitlisted: number 2 in line" in html
    assert "Going" in html


def test_times_are_in_each_events_own_zone_named(client):
    me = AttendeeFactory()
    start = datetime.datetime(2031, 7, 10, 19, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Madrid"))
    madrid = EventFactory(title="En Madrid", time_zone="Europe/Madrid",
                          during=DateTimeTZRange(start, start + datetime.timedelta(hours=2)))
    bogota = EventFactory(title="En Bogotá", time_zone="America/Bogota",
                          during=DateTimeTZRange(start, start + datetime.timedelta(hours=2)))
    RSVPFactory(user=me, event=madrid)
    RSVPFactory(user=me, event=bogota)
    client.force_login(me)
    html = client.get("/me/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    # The same instant: 19:00 in Madrid, 12:00 in Bogotá, each zone named.
    assert "19:00" in html and "12:00" in html
    assert "Madrid" in html and "Colombia" in html


def test_my_groups_and_my_pending_requests(client):
    me = AttendeeFactory()
    MembershipFactory(user=me, study_group=StudyGroupFactory(name="Beta"))
    MembershipFactory(user=me, study_group=StudyGroupFactory(name="Alfa"), role="organizer")
    MembershipFactory(user=me, study_group=StudyGroupFactory(name="Espera",
                                                             join_policy="approval"),
                      status=Membership.Status.PENDING)
    client.force_login(me)
    lists = client.get("/me/").context["lists"]
    assert [m.study_group.name for m in lists["groups"]["rows"]] == ["Alfa", "Beta"]
    assert [m.study_group.name for m in lists["requests"]["rows"]] == ["Espera"]


def test_members_who_organize_nothing_see_no_organizer_box(client, member_a):
    client.force_login(member_a)
    response = client.get("/me/")
    assert response.context["is_organizer"] is False
    assert "to_approve" not in response.context["lists"]
    assert 'id="needs-you"' not in response.content.decode()
    assert client.get("/me/to-approve/").status_code == 404


def test_organizers_see_requests_to_their_groups_only(client, group_a, organizer_a, organizer_b):
    group_a.join_policy = "approval"
    group_a.save()
    asking = MembershipFactory(study_group=group_a, user=AttendeeFactory(username="pide"),
                               status=Membership.Status.PENDING)
    client.force_login(organizer_a)
    rows = client.get("/me/").context["lists"]["to_approve"]["rows"]
    assert rows == [asking]
    client.force_login(organizer_b)
    response = client.get("/me/")
    assert response.context["lists"]["to_approve"]["rows"] == []
    assert "pide" not in response.content.decode()


def test_approve_from_the_dashboard_uses_the_groups_service_and_comes_back(
    client, group_a, organizer_a, mailoutbox
):
    group_a.join_policy = "approval"
    group_a.save()
    asking = MembershipFactory(study_group=group_a, status=Membership.Status.PENDING)
    client.force_login(organizer_a)
    html = client.get("/me/").content.decode()
    assert f'action="/groups/{group_a.slug}/approve/"' in html
    response = client.post(f"/groups/{group_a.slug}/approve/",
                           {"membership": asking.pk, "next": "/me/"})
    assert response.status_code == 302 and response["Location"] == "/me/"
    asking.refresh_from_db()
    assert asking.status == Membership.Status.ACTIVE
    assert client.get("/me/").context["lists"]["to_approve"]["rows"] == []


def test_another_organizer_cannot_decline_from_a_forged_form(client, group_a, organizer_b):
    group_a.join_policy = "approval"
    group_a.save()
    asking = MembershipFactory(study_group=group_a, status=Membership.Status.PENDING)
    client.force_login(organizer_b)
    client.post(f"/groups/{group_a.slug}/decline/", {"membership": asking.pk, "next": "/me/"})
    assert Membership.objects.filter(pk=asking.pk, status="pending").exists()


def test_in_person_events_without_a_venue_need_the_organizer(client, group_a, organizer_a,
                                                             group_b):
    EventFactory(title="Con sala", study_group=group_a, during=soon(1))
    EventFactory(title="Sin sala", study_group=group_a, venue=None,
                 location=Point(-75.57, 6.27, srid=4326), during=soon(2))
    EventFactory(title="En línea", study_group=group_a, venue=None, location=None,
                 online_url="https://meet.example.org/x", during=soon(3))
    EventFactory(title="Sin sala, cancelado", study_group=group_a, venue=None,
                 location=Point(-75.57, 6.27, srid=4326), status="cancelled", during=soon(4))
    EventFactory(title="Sin sala, de otro", study_group=group_b, venue=None,
                 location=Point(-75.57, 6.27, srid=4326), during=soon(5))
    client.force_login(organizer_a)
    rows = client.get("/me/").context["lists"]["without_venue"]["rows"]
    assert [event.title for event in rows] == ["Sin sala"]


def test_the_organizer_extra_block_is_there_for_later_boxes():
    from django.template.loader import get_template

    template = get_template("dashboard/dashboard.html").template
    from django.template.loader_tags import BlockNode

    assert "organizer_extra" in {node.name for node in template.nodelist.get_nodes_by_type(
        BlockNode)}


def test_lists_are_bounded_with_a_see_all_page_in_keyset_order(client):
    me = AttendeeFactory()
    events = [EventFactory(title=f"Evento {n:02}", during=soon(1 + n))
              for n in range(dashboard.PAGE_SIZE + 3)]
    for event in events:
        RSVPFactory(user=me, event=event)
    client.force_login(me)
    section = client.get("/me/").context["lists"]["events"]
    assert len(section["rows"]) == dashboard.SHOWN
    assert section["all_url"] == "/me/events/"
    first = client.get("/me/events/")
    assert [r.event.title for r in first.context["rows"]] == [
        e.title for e in events[: dashboard.PAGE_SIZE]]
    second = client.get(first.context["next_url"])
    assert [r.event.title for r in second.context["rows"]] == [
        e.title for e in events[dashboard.PAGE_SIZE:]]
    assert second.context["next_url"] == ""


def test_see_all_pages_of_groups_follow_one_another(client):
    me = AttendeeFactory()
    for n in range(dashboard.PAGE_SIZE + 2):
        MembershipFactory(user=me, study_group=StudyGroupFactory(name=f"G {n:02}"))
    client.force_login(me)
    first = client.get("/me/groups/")
    second = client.get(first.context["next_url"])
    names = [m.study_group.name for m in first.context["rows"] + second.context["rows"]]
    assert names == [f"G {n:02}" for n in range(dashboard.PAGE_SIZE + 2)]


@pytest.mark.parametrize("cursor", ["garbage", "WyJhIiwyXQ", "x\x00"])
def test_a_bad_cursor_gets_the_page_with_a_400(client, cursor):
    client.force_login(AttendeeFactory())
    response = client.get("/me/events/", {"after": cursor})
    assert response.status_code == 400
    assert response.context["error"]


def test_an_unknown_section_is_a_404(client):
    client.force_login(AttendeeFactory())
    assert client.get("/me/nothing/").status_code == 404


def dashboard_world(rows):
    """An organizer with ``rows`` of everything the dashboard lists."""
    me = AttendeeFactory(username="org")
    for n in range(rows):
        group = StudyGroupFactory(join_policy="approval")
        MembershipFactory(user=me, study_group=group, role="organizer")
        MembershipFactory(study_group=group, status=Membership.Status.PENDING)
        EventFactory(study_group=group, venue=None, location=Point(-75.57, 6.27, srid=4326),
                     during=soon(1 + n))
        RSVPFactory(user=me, event=EventFactory(during=soon(1 + n)))
        other = StudyGroupFactory(join_policy="approval")
        MembershipFactory(user=me, study_group=other, status=Membership.Status.PENDING)
    return me


@pytest.mark.parametrize("rows", [1, 12])
def test_the_dashboard_costs_a_fixed_number_of_queries(client, django_assert_num_queries, rows):
    me = dashboard_world(rows)
    client.force_login(me)
    # Session and user, "is an organizer", one query a list (five), the open reports.
    with django_assert_num_queries(9):
        response = client.get("/me/")
    assert all(section["rows"] for section in response.context["lists"].values())


def test_private_data_stays_private(client, group_a, organizer_a):
    group_a.join_policy = "approval"
    group_a.save()
    MembershipFactory(study_group=group_a, status=Membership.Status.PENDING,
                      user=AttendeeFactory(username="pide", email="secreto@example.org"))
    client.force_login(organizer_a)
    html = client.get("/me/").content.decode()
    assert "pide" in html
    assert "secreto@example.org" not in html


def test_hostile_names_are_escaped(client):
    me = AttendeeFactory()
    MembershipFactory(user=me, study_group=StudyGroupFactory(name="<script>alert(1)</script>"))
    client.force_login(me)
    html = client.get("/me/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_nav_links_to_the_dashboard_when_signed_in(client):
    client.force_login(AttendeeFactory())
    assert 'href="/me/"' in client.get("/events/").content.decode()


def test_a_cancelled_event_i_answered_says_so(client):
    me = AttendeeFactory()
    RSVPFactory(user=me, event=EventFactory(title="Se cae", during=soon(1), status="cancelled"))
    client.force_login(me)
    html = client.get("/me/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Se cae" in html
    assert 'class="badge cancelled">Cancelled<' in html


def test_organizers_see_the_open_reports_about_their_groups(client, group_a, organizer_a, member_a):
    from django.urls import reverse

    from studygroups.moderation import report_create

    event = EventFactory(study_group=group_a, title="Taller <b>abierto</b>", during=soon())
    other = EventFactory(study_group=StudyGroupFactory(), title="De otro grupo", during=soon())
    reporter = AttendeeFactory(username="rita")
    report = report_create(reporter=reporter, target=event, reason="spam", details="Publicidad")
    report_create(reporter=reporter, target=other, reason="spam")
    client.force_login(organizer_a)
    html = client.get("/me/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    queue = html[html.index('class="organizer-reports"'):]
    assert "Taller &lt;b&gt;abierto&lt;/b&gt;" in queue and "Publicidad" in queue
    assert "De otro grupo" not in html
    assert reverse("admin:studygroups_report_change", args=[report.pk]) in queue
    assert '<h3 id="organizer-reports-heading">' in queue
    # When, in the group's zone named in words (it said "(-05)").
    assert "Time (UTC" in queue or "hora de" in queue
    # A member who organizes nothing has no queue.
    client.force_login(member_a)
    assert "organizer-reports" not in client.get("/me/").content.decode()


def test_hidden_events_and_groups_leave_the_members_dashboard(client, group_a, organizer_a):
    from studygroups.moderation import content_hide

    member = AttendeeFactory(username="cata")
    MembershipFactory(study_group=group_a, user=member)
    kept, hidden = (EventFactory(study_group=StudyGroupFactory(), title=t, during=soon())
                    for t in ("Sigue", "Oculto"))
    for event in (kept, hidden):
        RSVPFactory(user=member, event=event, status="yes")
    moderator = AttendeeFactory(username="mod", is_staff=True, is_superuser=True)
    content_hide(actor=moderator, target=hidden, reason="Spam.")
    content_hide(actor=moderator, target=group_a, reason="Spam.")
    client.force_login(member)
    html = client.get("/me/").content.decode()
    assert "Sigue" in html and "Oculto" not in html and group_a.name not in html
    assert [r["title"] for r in client.get("/api/me/rsvps/").json()["results"]] == ["Sigue"]
    # Its organizer still finds the hidden group (its page shows them why).
    client.force_login(organizer_a)
    assert group_a.name in client.get("/me/").content.decode()


def test_requests_to_approve_read_the_pending_rows_of_each_group_only(organizer_a, group_a):
    """EXPLAIN with a group of 4,000 active members and 30 requests to join,
    analyzed: the organizer's "to approve" list reads membership_pending_idx,
    not every membership of the group (the foreign key's index, filtered)."""
    from django.db import connection

    users = AttendeeFactory.create_batch(30)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, "
            "email, is_staff, is_active, date_joined) SELECT '!', false, 'm' || n, '', '', '', "
            "false, true, now() FROM generate_series(1, 4000) AS n RETURNING id"
        )
        members = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "INSERT INTO studygroups_membership (user_id, study_group_id, role, status, "
            "joined_at) SELECT u, %s, 'member', 'active', now() FROM unnest(%s::int[]) AS u",
            [group_a.pk, members],
        )
        cursor.execute("ANALYZE studygroups_membership")
    for user in users:
        MembershipFactory(user=user, study_group=group_a, status=Membership.Status.PENDING)
    rows = dashboard.requests_to_approve(organizer_a, timezone.now())
    assert [row.user for row in rows] == users
    plan = rows.all()[: dashboard.PAGE_SIZE + 1].explain()
    assert "membership_pending_idx" in plan


def test_a_membership_keeps_its_groups_name_through_a_rename(client):
    me = AttendeeFactory()
    zeta, alfa = StudyGroupFactory(name="Zeta"), StudyGroupFactory(name="Beta")
    for group in (zeta, alfa):
        MembershipFactory(user=me, study_group=group)
    assert Membership.objects.get(user=me, study_group=zeta).group_name == "Zeta"
    zeta.name = "Alfa"
    zeta.save()
    assert Membership.objects.get(user=me, study_group=zeta).group_name == "Alfa"
    rows = dashboard.my_groups(me, timezone.now())
    assert [row.study_group.name for row in rows] == ["Alfa", "Beta"]


def test_my_groups_walk_the_members_name_index_not_every_groups_name(organizer_a):
    """EXPLAIN with 5,000 groups, 300 of them organized by one member and
    3,000 memberships of others, analyzed: the dashboard's five groups (and a
    "see all" page) read that member's range of membership_user_name_idx in
    order, not the groups' (name, id) index probing each for a membership."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO studygroups_studygroup (name, slug, description, language, "
            "is_online, join_policy, city, address, time_zone, capacity, created_at, "
            "updated_at) SELECT 'Grupo ' || n, 'grupo-plan-' || n, '', 'es', true, 'open', "
            "'', '', 'UTC', 20, now(), now() FROM generate_series(1, 5000) AS n RETURNING id"
        )
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "INSERT INTO studygroups_membership (user_id, study_group_id, role, status, "
            "joined_at) SELECT %s, g, 'organizer', 'active', now() "
            "FROM unnest(%s::bigint[]) AS g",
            [organizer_a.pk, ids[::17]],
        )
        others = AttendeeFactory.create_batch(3)
        cursor.execute(
            "INSERT INTO studygroups_membership (user_id, study_group_id, role, status, "
            "joined_at) SELECT u, g, 'member', 'active', now() "
            "FROM unnest(%s::int[]) AS u, unnest(%s::bigint[]) AS g",
            [[other.pk for other in others], ids[:1000]],
        )
        cursor.execute("ANALYZE studygroups_membership")
        cursor.execute("ANALYZE studygroups_studygroup")
    for size in (dashboard.SHOWN + 1, dashboard.PAGE_SIZE + 1):
        plan = dashboard.my_groups(organizer_a, timezone.now())[:size].explain()
        assert "membership_user_name_idx" in plan, plan
        assert "Sort" not in plan, plan


def test_events_without_a_venue_read_the_organizers_groups_only(organizer_a, group_a):
    """EXPLAIN with 5,000 upcoming in-person events of other groups, none of
    them the organizer's, analyzed: the organizer's list reads their groups'
    range of event_group_no_venue_idx, not every event's start (which, with
    nothing to find, walked the whole table)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO meetups_event (title, description, online_url, during, time_zone, "
            "capacity, status, created_at, updated_at, location, study_group_id) "
            "SELECT 'Evento ' || n, '', '', tstzrange(now() + n * interval '1 hour', "
            "now() + n * interval '1 hour' + interval '2 hours', '[)'), 'UTC', 30, "
            "'scheduled', now(), now(), ST_SetSRID(ST_MakePoint(-74, 4.6), 4326)::geography, "
            "%s FROM generate_series(1, 5000) AS n",
            [StudyGroupFactory().pk],
        )
        cursor.execute("ANALYZE meetups_event")
    rows = dashboard.events_without_venue(organizer_a, timezone.now())
    for size in (dashboard.SHOWN + 1, dashboard.PAGE_SIZE + 1):
        plan = rows[:size].explain()
        assert "event_group_no_venue_idx" in plan, plan
        assert "event_start_id_idx" not in plan, plan
