"""Groups whose organizers approve each member: said before you click, asked
from the event page too, and brought to the organizers' attention."""

import re

import pytest
from django.core import mail

from meetups.tests.factories import EventFactory, hours_from_now
from studygroups.models import Membership

from .factories import MembershipFactory, StudyGroupFactory, UserFactory, organizer_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def approval_group(db):
    return StudyGroupFactory(name="Seminario de Topología", join_policy="approval", language="es")


@pytest.fixture
def organizer(approval_group):
    return organizer_of(approval_group, "olga_organiza")


@pytest.fixture
def student(client):
    user = UserFactory(username="santi", password="!")
    client.force_login(user)
    return user


@pytest.fixture
def event(approval_group):
    return EventFactory(
        study_group=approval_group, title="Homotopía", during=hours_from_now(48, 50)
    )


def test_the_group_page_says_approval_is_needed_before_you_ask(client, approval_group, student):
    html = client.get(approval_group.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    meta = html[html.index('class="meta"') : html.index("</p>", html.index('class="meta"'))]
    assert "Los organizadores aprueban a cada miembro" in meta
    button = html.index(f'action="/groups/{approval_group.slug}/join/"')
    assert html.index("verán tu solicitud") < button


def test_an_open_group_says_nothing_about_approval(client, student):
    group = StudyGroupFactory(join_policy="open")
    html = client.get(group.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "aprueban a cada miembro" not in html


def test_organizers_see_pending_requests_first_with_their_buttons(
    client, approval_group, organizer
):
    waiting = MembershipFactory(
        study_group=approval_group, status="pending", user__username="pedro_pendiente"
    )
    MembershipFactory(study_group=approval_group, user__username="mara_miembro")
    client.force_login(organizer)
    html = client.get(approval_group.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    requests = html.index('class="pending-requests"')
    assert requests < html.index('class="description"')
    assert "1 solicitud para unirse" in html
    section = html[requests : html.index("</section>", requests)]
    assert "pedro_pendiente" in section and "mara_miembro" not in section
    assert f'value="{waiting.pk}"' in section
    assert "/approve/" in section and "/decline/" in section


def test_members_do_not_see_the_requests(client, approval_group):
    MembershipFactory(study_group=approval_group, status="pending", user__username="pedro")
    member = MembershipFactory(study_group=approval_group).user
    client.force_login(member)
    html = client.get(approval_group.get_absolute_url()).content.decode()
    assert "pending-requests" not in html and "pedro" not in html


def test_a_request_emails_the_organizers_after_commit_in_their_language(
    client, approval_group, organizer, student, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(f"/groups/{approval_group.slug}/join/", HTTP_ACCEPT_LANGUAGE="en")
        assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert [message.to for message in mail.outbox] == [[organizer.email]]
    message = mail.outbox[0]
    # The organizer has no profile: the site's language, Spanish.
    assert message.subject == "[Cerca] santi pide unirse a Seminario de Topología"
    assert f"http://127.0.0.1:8000/groups/{approval_group.slug}/" in message.body


def test_asking_twice_sends_one_email(
    client, approval_group, organizer, student, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/groups/{approval_group.slug}/join/")
        client.post(f"/groups/{approval_group.slug}/join/")
    assert len(mail.outbox) == 1


def test_joining_an_open_group_emails_nobody(
    client, student, django_capture_on_commit_callbacks
):
    group = StudyGroupFactory(join_policy="open")
    organizer_of(group, "otto")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/groups/{group.slug}/join/")
    assert mail.outbox == []


def test_a_non_member_asks_to_join_from_the_event_page_and_comes_back(
    client, approval_group, student, event
):
    html = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Solicitar unirse a Seminario de Topología" in html
    assert f'action="/groups/{approval_group.slug}/join/"' in html
    response = client.post(
        f"/groups/{approval_group.slug}/join/", {"next": event.get_absolute_url()}
    )
    assert response.status_code == 302 and response.url == event.get_absolute_url()
    assert Membership.objects.get(user=student, study_group=approval_group).status == "pending"


def test_a_pending_member_sees_the_request_waiting_on_the_event_page(
    client, approval_group, student, event
):
    MembershipFactory(study_group=approval_group, user=student, status="pending")
    html = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Tu solicitud para unirte a Seminario de Topología está esperando" in html
    assert f'action="/groups/{approval_group.slug}/join/"' not in html


def test_an_active_member_sees_no_join_prompt(client, approval_group, student, event):
    MembershipFactory(study_group=approval_group, user=student)
    html = client.get(event.get_absolute_url()).content.decode()
    assert "join-prompt" not in html


def test_an_anonymous_visitor_is_told_the_event_is_for_members(client, approval_group, event):
    html = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Este evento es para miembros de Seminario de Topología" in html


def test_events_of_open_groups_have_no_join_prompt(client, student):
    event = EventFactory(study_group__join_policy="open")
    assert "join-prompt" not in client.get(event.get_absolute_url()).content.decode()


def test_a_next_outside_the_site_is_ignored(client, approval_group, student):
    response = client.post(
        f"/groups/{approval_group.slug}/join/", {"next": "https://evil.example/"}
    )
    assert response.url == approval_group.get_absolute_url()


def test_a_request_says_when_it_came_in_the_groups_time_zone(client, organizer):
    # 01:15 UTC on 2 December is 02:15 in Madrid and still 1 December in the
    # site's zone (Bogotá): the group's zone, named, is the one shown.
    import datetime

    group = StudyGroupFactory(join_policy="approval", time_zone="Europe/Madrid")
    Membership.objects.create(user=organizer, study_group=group, role="organizer")
    waiting = MembershipFactory(study_group=group, status="pending", user__username="pilar")
    Membership.objects.filter(pk=waiting.pk).update(
        joined_at=datetime.datetime(2026, 12, 2, 1, 15, tzinfo=datetime.UTC)
    )
    client.force_login(organizer)
    for language, expected in (
        ("es", "la pidió el 2 de diciembre de 2026, 02:15, hora de Madrid (UTC+1)"),
        ("en", "asked on December 2, 2026, 2:15 a.m., Madrid Time (UTC+1)"),
    ):
        html = client.get(group.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        section = html[html.index('class="pending-requests"') :]
        text = " ".join(re.sub(r"<[^>]+>", "", section).split())
        assert expected in text, language


def test_a_group_without_a_city_starts_its_details_with_its_language(client):
    group = StudyGroupFactory(city="", address="", is_online=False, language="es")
    html = client.get(group.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    start = html.index('class="meta">') + len('class="meta">')
    meta = " ".join(re.sub(r"<[^>]+>", "", html[start : html.index("</p>", start)]).split())
    assert meta.startswith("Español ·"), meta
