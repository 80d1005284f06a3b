"""RSVP: answers, the waitlist, refusals, capacity under concurrent answers,
the event page's buttons and the /api/events/<id>/rsvp/ endpoint."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client

from meetups.models import RSVP
from meetups.services import rsvp_answer, rsvp_waitlist_position, rsvp_waitlist_promote
from studygroups.models import Membership, StudyGroup
from studygroups.tests.factories import MembershipFactory, StudyGroupFactory

from .factories import AttendeeFactory, EventFactory, RSVPFactory, hours_from_now


def status_of(user, event):
    return RSVP.objects.get(user=user, event=event).status


def answer_all(event, users, going=True):
    return [rsvp_answer(user=user, event=event, going=going) for user in users]


def api_url(event_pk):
    return f"/api/events/{event_pk}/rsvp/"


# The service ------------------------------------------------------------------


@pytest.mark.django_db
def test_yes_under_capacity_is_going():
    event = EventFactory(capacity=2)
    user = AttendeeFactory()
    assert rsvp_answer(user=user, event=event, going=True).status == "yes"
    assert status_of(user, event) == "yes"


@pytest.mark.django_db
def test_yes_beyond_capacity_is_waitlisted_in_arrival_order():
    event = EventFactory(capacity=2)
    going, first, second = AttendeeFactory.create_batch(2), AttendeeFactory(), AttendeeFactory()
    answer_all(event, going)
    waitlisted = answer_all(event, [first, second])
    assert [rsvp.status for rsvp in waitlisted] == ["waitlist", "waitlist"]
    assert [rsvp_waitlist_position(rsvp) for rsvp in waitlisted] == [1, 2]
    assert RSVP.objects.filter(event=event, status="yes").count() == 2


@pytest.mark.django_db
def test_no_frees_a_seat_for_the_first_on_the_waitlist():
    event = EventFactory(capacity=2)
    leaving, staying, first, second = AttendeeFactory.create_batch(4)
    answer_all(event, [leaving, staying, first, second])
    assert rsvp_answer(user=leaving, event=event, going=False).status == "no"
    assert status_of(first, event) == "yes"
    assert status_of(second, event) == "waitlist"
    assert rsvp_waitlist_position(RSVP.objects.get(user=second, event=event)) == 1


@pytest.mark.django_db
def test_a_waitlisted_no_promotes_nobody():
    event = EventFactory(capacity=1)
    going, first, second = AttendeeFactory.create_batch(3)
    answer_all(event, [going, first, second])
    rsvp_answer(user=first, event=event, going=False)
    assert status_of(going, event) == "yes"
    assert status_of(first, event) == "no"
    assert status_of(second, event) == "waitlist"


@pytest.mark.django_db
def test_answering_twice_keeps_one_rsvp_and_the_seat():
    event = EventFactory(capacity=1)
    user, other = AttendeeFactory(), AttendeeFactory()
    rsvp_answer(user=user, event=event, going=True)
    rsvp_answer(user=other, event=event, going=True)
    assert rsvp_answer(user=user, event=event, going=True).status == "yes"
    assert rsvp_answer(user=other, event=event, going=True).status == "waitlist"
    rsvp_answer(user=other, event=event, going=False)
    rsvp_answer(user=other, event=event, going=False)
    assert RSVP.objects.filter(event=event).count() == 2
    assert status_of(user, event) == "yes"


@pytest.mark.django_db
def test_no_then_yes_again_joins_the_end_of_the_waitlist():
    event = EventFactory(capacity=1)
    going, returning, waiting = AttendeeFactory.create_batch(3)
    answer_all(event, [going, returning])
    rsvp_answer(user=returning, event=event, going=False)
    rsvp_answer(user=waiting, event=event, going=True)
    rsvp_answer(user=returning, event=event, going=True)
    rsvp_answer(user=going, event=event, going=False)
    assert status_of(waiting, event) == "yes"
    assert rsvp_waitlist_position(RSVP.objects.get(user=returning, event=event)) == 1


@pytest.mark.django_db
def test_raised_capacity_promotes_the_waitlist_in_order():
    event = EventFactory(capacity=1)
    going, first, second, third = AttendeeFactory.create_batch(4)
    answer_all(event, [going, first, second, third])
    event.capacity = 3
    event.save()
    promoted = rsvp_waitlist_promote(event=event)
    assert [rsvp.user for rsvp in promoted] == [first, second]
    assert status_of(third, event) == "waitlist"


@pytest.mark.django_db
@pytest.mark.parametrize("going", [True, False])
def test_answers_are_refused_once_the_event_has_started(going):
    event = EventFactory(during=hours_from_now(-1, 1))
    with pytest.raises(ValidationError) as refused:
        rsvp_answer(user=AttendeeFactory(), event=event, going=going)
    assert refused.value.code == "event_started"
    assert not RSVP.objects.filter(event=event).exists()


@pytest.mark.django_db
def test_answers_are_refused_for_a_cancelled_event():
    event = EventFactory(status="cancelled")
    with pytest.raises(ValidationError) as refused:
        rsvp_answer(user=AttendeeFactory(), event=event, going=True)
    assert refused.value.code == "event_cancelled"
    assert not RSVP.objects.filter(event=event).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("membership_status", [None, "pending"])
def test_approval_groups_refuse_non_members_and_pending_members(membership_status):
    group = StudyGroupFactory(join_policy=StudyGroup.JoinPolicy.APPROVAL)
    event = EventFactory(study_group=group)
    user = AttendeeFactory()
    if membership_status:
        MembershipFactory(user=user, study_group=group, status=membership_status)
    with pytest.raises(ValidationError) as refused:
        rsvp_answer(user=user, event=event, going=True)
    assert refused.value.code == "not_a_member"
    assert not RSVP.objects.filter(event=event).exists()


@pytest.mark.django_db
def test_approval_groups_accept_active_members():
    group = StudyGroupFactory(join_policy=StudyGroup.JoinPolicy.APPROVAL)
    member = MembershipFactory(study_group=group, status=Membership.Status.ACTIVE).user
    event = EventFactory(study_group=group)
    assert rsvp_answer(user=member, event=event, going=True).status == "yes"


@pytest.mark.django_db
def test_anyone_signed_in_answers_for_open_groups_and_groupless_events():
    open_event = EventFactory(study_group=StudyGroupFactory(join_policy="open"))
    groupless = EventFactory(study_group=None)
    user = AttendeeFactory()
    assert rsvp_answer(user=user, event=open_event, going=True).status == "yes"
    assert rsvp_answer(user=user, event=groupless, going=True).status == "yes"


# Capacity under concurrent answers ---------------------------------------------------


def answer_at_once(event, answers):
    """Run ``rsvp_answer`` for each (user, going) in its own thread, and so its
    own database connection, all released together by a barrier."""
    barrier = threading.Barrier(len(answers))

    def answer(user, going):
        try:
            barrier.wait(timeout=30)
            return rsvp_answer(user=user, event=event, going=going)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(answers)) as pool:
        futures = [pool.submit(answer, user, going) for user, going in answers]
        return [future.result() for future in futures]


def by_arrival(event, users):
    return list(
        RSVP.objects.filter(event=event, user__in=users).order_by("created_at", "pk")
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_yeses_confirm_exactly_the_capacity():
    event = EventFactory(capacity=5)
    users = AttendeeFactory.create_batch(24)

    answer_at_once(event, [(user, True) for user in users])

    arrived = by_arrival(event, users)
    assert len(arrived) == 24
    # First come, first served: the first five to arrive are going, the other
    # 19 wait in the order they arrived.
    assert [rsvp.status for rsvp in arrived] == ["yes"] * 5 + ["waitlist"] * 19
    assert [rsvp_waitlist_position(rsvp) for rsvp in arrived[5:]] == list(range(1, 20))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "leaving, newcomers_yes, newcomers_no",
    [(3, 17, 0), (5, 2, 13)],
    ids=["more-wanting-than-seats", "fewer-wanting-than-seats"],
)
def test_concurrent_cancellations_promote_the_waitlist_in_order(
    leaving, newcomers_yes, newcomers_no
):
    event = EventFactory(capacity=5)
    confirmed = AttendeeFactory.create_batch(5)
    answer_all(event, confirmed)
    wanting = AttendeeFactory.create_batch(newcomers_yes)
    declining = AttendeeFactory.create_batch(newcomers_no)
    answers = (
        [(user, False) for user in confirmed[:leaving]]
        + [(user, True) for user in wanting]
        + [(user, False) for user in declining]
    )
    assert len(answers) == 20

    answer_at_once(event, answers)

    staying = confirmed[leaving:]
    going = RSVP.objects.filter(event=event, status="yes")
    assert going.count() == min(event.capacity, len(staying) + newcomers_yes)
    for user in confirmed[:leaving] + declining:
        assert status_of(user, event) == "no"
    for user in staying:
        assert status_of(user, event) == "yes"
    # Seats went to the newcomers who came first; the rest wait in order.
    seats = going.count() - len(staying)
    arrived = by_arrival(event, wanting)
    assert [rsvp.status for rsvp in arrived] == ["yes"] * seats + ["waitlist"] * (
        newcomers_yes - seats
    )
    assert [rsvp_waitlist_position(rsvp) for rsvp in arrived[seats:]] == list(
        range(1, newcomers_yes - seats + 1)
    )


# The event page --------------------------------------------------------------------


@pytest.mark.django_db
def test_event_page_shows_a_member_the_rsvp_form_with_csrf(client):
    membership = MembershipFactory()
    event = EventFactory(study_group=membership.study_group)
    client.force_login(membership.user)
    html = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'action="/events/{event.pk}/rsvp/"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="going" value="yes"' in html and 'name="going" value="no"' in html
    assert "Not answered yet" in html
    assert "Log in to answer" not in html


@pytest.mark.django_db
def test_event_page_shows_anonymous_visitors_a_login_link(client):
    event = EventFactory()
    html = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Log in to answer" in html
    assert f"login/?next=%2Fevents%2F{event.pk}%2F" in html
    assert 'name="going"' not in html


@pytest.mark.django_db
def test_event_page_shows_the_viewers_place_on_the_waitlist(client):
    event = EventFactory(capacity=1)
    first_waiting, me = AttendeeFactory(), AttendeeFactory()
    answer_all(event, [AttendeeFactory(), first_waiting, me])
    client.force_login(me)
    html = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Waitlisted #2" in html
    assert "1 of 1 place taken" in html and "2 on the waitlist" in html


@pytest.mark.django_db
def test_posting_the_form_answers_and_returns_to_the_page():
    event = EventFactory()
    user = AttendeeFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    token = page.context["csrf_token"]
    response = client.post(
        f"/events/{event.pk}/rsvp/",
        {"going": "yes", "csrfmiddlewaretoken": token},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    assert response["Location"] == event.get_absolute_url()
    assert status_of(user, event) == "yes"
    html = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You are going." in html
    client.post(f"/events/{event.pk}/rsvp/", {"going": "no", "csrfmiddlewaretoken": token})
    assert status_of(user, event) == "no"


@pytest.mark.django_db
def test_posting_without_the_csrf_token_is_forbidden():
    event = EventFactory()
    user = AttendeeFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(f"/events/{event.pk}/rsvp/", {"going": "yes"})
    assert response.status_code == 403
    assert not RSVP.objects.filter(event=event).exists()


@pytest.mark.django_db
def test_a_refused_post_shows_why_on_the_page(client):
    event = EventFactory(during=hours_from_now(-1, 1))
    client.force_login(AttendeeFactory())
    response = client.post(
        f"/events/{event.pk}/rsvp/", {"going": "yes"}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert response.redirect_chain == [(event.get_absolute_url(), 302)]
    html = response.content.decode()
    assert html.count("This event is happening now; answers are closed.") == 2  # message, note
    assert 'name="going"' not in html
    assert not RSVP.objects.filter(event=event).exists()


@pytest.mark.django_db
def test_an_approval_groups_page_tells_non_members_why_they_cannot_answer(client):
    group = StudyGroupFactory(join_policy=StudyGroup.JoinPolicy.APPROVAL)
    event = EventFactory(study_group=group)
    client.force_login(AttendeeFactory())
    html = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Only active members of" in html
    assert 'name="going"' not in html


@pytest.mark.django_db
def test_anonymous_posts_go_to_the_login_page(client):
    event = EventFactory()
    response = client.post(f"/events/{event.pk}/rsvp/", {"going": "yes"})
    assert response.status_code == 302
    assert f"login/?next=%2Fevents%2F{event.pk}%2F" in response["Location"]
    assert not RSVP.objects.filter(event=event).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"going": "maybe"}])
def test_posting_neither_yes_nor_no_is_a_400(client, body):
    event = EventFactory()
    client.force_login(AttendeeFactory())
    assert client.post(f"/events/{event.pk}/rsvp/", body).status_code == 400
    assert client.get(f"/events/{event.pk}/rsvp/").status_code == 405
    assert client.post("/events/999999/rsvp/", {"going": "yes"}).status_code == 404


# The API ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_answers_yes_waitlist_and_no(client):
    event = EventFactory(capacity=1)
    first, second = AttendeeFactory(), AttendeeFactory()
    client.force_login(first)
    response = client.post(api_url(event.pk), {"going": True}, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {
        "status": "yes", "waitlist_position": None, "going_count": 1, "capacity": 1
    }
    client.force_login(second)
    response = client.post(api_url(event.pk), {"going": True}, content_type="application/json")
    assert response.json() == {
        "status": "waitlist", "waitlist_position": 1, "going_count": 1, "capacity": 1
    }
    client.force_login(first)
    response = client.post(api_url(event.pk), {"going": False}, content_type="application/json")
    assert response.json() == {
        "status": "no", "waitlist_position": None, "going_count": 1, "capacity": 1
    }
    assert status_of(second, event) == "yes"


@pytest.mark.django_db
def test_api_get_reads_your_own_answer(client):
    event = EventFactory(capacity=3)
    RSVPFactory(event=event, status="yes")
    user = AttendeeFactory()
    client.force_login(user)
    assert client.get(api_url(event.pk)).json() == {
        "status": None, "waitlist_position": None, "going_count": 1, "capacity": 3
    }
    RSVPFactory(event=event, user=user, status="no")
    assert client.get(api_url(event.pk)).json()["status"] == "no"


@pytest.mark.django_db
def test_api_refuses_anonymous_clients(client):
    event = EventFactory()
    assert client.get(api_url(event.pk)).status_code in (401, 403)
    response = client.post(api_url(event.pk), {"going": True}, content_type="application/json")
    assert response.status_code in (401, 403)
    assert not RSVP.objects.filter(event=event).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"going": "yes"}, {"going": 1}, {"going": None}])
def test_api_names_going_when_it_is_missing_or_not_a_boolean(client, body):
    event = EventFactory()
    client.force_login(AttendeeFactory())
    response = client.post(api_url(event.pk), body, content_type="application/json")
    assert response.status_code == 400
    assert "going" in response.json()["errors"]
    assert not RSVP.objects.filter(event=event).exists()


@pytest.mark.django_db
def test_api_refusals_are_400s_with_a_code(client):
    started = EventFactory(during=hours_from_now(-1, 1))
    cancelled = EventFactory(status="cancelled")
    client.force_login(AttendeeFactory())
    for event, code in [(started, "event_started"), (cancelled, "event_cancelled")]:
        response = client.post(
            api_url(event.pk), {"going": True}, content_type="application/json"
        )
        assert response.status_code == 400
        assert response.json()["code"] == code and response.json()["description"]


@pytest.mark.django_db
def test_api_unknown_event_is_404(client):
    client.force_login(AttendeeFactory())
    assert client.get(api_url(999999)).status_code == 404
    response = client.post(api_url(999999), {"going": True}, content_type="application/json")
    assert response.status_code == 404


def rsvp_buttons(html):
    import re

    return [
        " ".join(label.split())
        for label in re.findall(
            r'<button type="submit" name="going"[^>]*>(.*?)</button>', html, re.S
        )
    ]


@pytest.mark.django_db
def test_the_answer_buttons_speak_to_you_and_warn_of_the_waitlist(client):
    me = AttendeeFactory()
    client.force_login(me)
    roomy = EventFactory(capacity=5)
    html = client.get(roomy.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert rsvp_buttons(html) == ["Voy", "No voy"]
    full = EventFactory(capacity=1)
    answer_all(full, [AttendeeFactory()])
    html = client.get(full.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert rsvp_buttons(html) == ["Unirme a la lista de espera", "No voy"]
    html = client.get(full.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert rsvp_buttons(html) == ["Join the waitlist", "Not going"]
    answer_all(full, [me])  # waitlisted: the button says what you are
    html = client.get(full.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert rsvp_buttons(html) == ["Voy", "No voy"] and "Tu respuesta:" in html


@pytest.mark.django_db
def test_an_ended_event_tells_visitors_answers_are_closed(client):
    event = EventFactory(during=hours_from_now(-50, -48))
    html = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    start = html.index('class="rsvp"')
    section = html[start : html.index("</section>", start)]
    assert "Este evento ya terminó; las respuestas están cerradas." in section


@pytest.mark.django_db
def test_a_cancelled_event_claims_no_attendees(client):
    event = EventFactory(capacity=10, status="cancelled")
    RSVPFactory(event=event, status="yes", user=AttendeeFactory())
    html = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This event has been cancelled." in html
    assert "places taken" not in html and "place taken" not in html
