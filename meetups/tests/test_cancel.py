"""Cancelling an event: its own confirmation page, one service (also behind the
API and the admin) that records why and emails the people going or waitlisted,
and a cancelled event's page that says so and takes no answers."""

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from meetups.models import Event
from meetups.services import event_cancel
from studygroups.models import MemberProfile
from studygroups.tests.factories import StudyGroupFactory, organizer_of

from .factories import AttendeeFactory, EventFactory, RSVPFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return EventFactory(
        title="Taller de Python", study_group=StudyGroupFactory(language="es")
    )


@pytest.fixture
def organizer(client, event):
    user = organizer_of(event.study_group, "olga_organizadora")
    client.force_login(user)
    return user


@pytest.fixture
def attendees(event):
    """Two going and one waitlisted (all told), one not going and one without
    an email address (neither told)."""
    told = [
        RSVPFactory(event=event, status=status, user=AttendeeFactory()).user
        for status in ("yes", "yes", "waitlist")
    ]
    RSVPFactory(event=event, status="no", user=AttendeeFactory())
    RSVPFactory(event=event, status="yes", user=AttendeeFactory(email=""))
    return told


def test_the_confirmation_page_says_how_many_people_will_be_told(
    client, organizer, event, attendees
):
    response = client.get(f"/events/{event.pk}/cancel/", HTTP_ACCEPT_LANGUAGE="es")
    html = response.content.decode()
    assert response.status_code == 200
    assert "¿Cancelar “Taller de Python”?" in html
    assert "Se enviará un correo a 3 personas que van o están en lista de espera." in html
    assert Event.objects.get(pk=event.pk).status == "scheduled"


def test_cancelling_records_the_reason_and_emails_the_people_going_or_waitlisted(
    client, organizer, event, attendees, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/events/{event.pk}/cancel/", {"reason": "La sala está en obras"},
            HTTP_ACCEPT_LANGUAGE="es", follow=True,
        )
    event.refresh_from_db()
    assert (event.status, event.cancellation_reason) == ("cancelled", "La sala está en obras")
    assert event.cancelled_by == organizer and event.cancelled_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in attendees)
    assert all("La sala está en obras" in m.body for m in mail.outbox)
    assert "Se avisó por correo a 3 personas" in response.content.decode()


def test_no_email_leaves_before_the_cancellation_commits(
    client, organizer, event, attendees, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(f"/events/{event.pk}/cancel/", {"reason": ""})
    assert mail.outbox == [] and len(callbacks) == 1


def test_cancelling_twice_emails_nobody_again(
    client, organizer, event, attendees, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/events/{event.pk}/cancel/", {"reason": "Primera vez"})
        second = client.post(
            f"/events/{event.pk}/cancel/", {"reason": "Segunda vez"},
            HTTP_ACCEPT_LANGUAGE="en", follow=True,
        )
    assert len(mail.outbox) == 3
    assert Event.objects.get(pk=event.pk).cancellation_reason == "Primera vez"
    assert "This event was already cancelled." in second.content.decode()
    assert event_cancel(event, reason="Otra", actor=organizer) == 0


def test_only_its_organizers_may_cancel_an_event(client, event):
    client.force_login(AttendeeFactory())
    assert client.get(f"/events/{event.pk}/cancel/").status_code == 403
    assert client.post(f"/events/{event.pk}/cancel/", {"reason": "x"}).status_code == 403
    assert Event.objects.get(pk=event.pk).status == "scheduled"
    with pytest.raises(PermissionDenied):
        event_cancel(event, actor=AttendeeFactory())


def test_signed_out_visitors_are_sent_to_log_in(client, event):
    response = client.get(f"/events/{event.pk}/cancel/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_cancelled_event_page_says_so_with_the_reason_and_takes_no_answers(
    client, organizer, event
):
    event_cancel(event, reason="<script>alert('x')</script> Sala cerrada", actor=organizer)
    client.force_login(AttendeeFactory())
    html = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Este evento se canceló." in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Sala cerrada" in html
    assert "<script>alert" not in html
    assert "¿Vas a asistir?" not in html and 'name="going"' not in html
    response = client.post(f"/events/{event.pk}/rsvp/", {"going": "yes"})
    assert response.status_code == 302 and not event.rsvps.exists()


def test_organizers_see_a_cancel_button_on_an_upcoming_event(client, organizer, event):
    html = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'href="/events/{event.pk}/cancel/">Cancel event</a>' in html


def test_the_email_is_in_each_recipients_language(
    organizer, event, attendees, django_capture_on_commit_callbacks
):
    english = attendees[0]
    MemberProfile.objects.create(user=english, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        event_cancel(event, reason="The room is closed", actor=organizer)
    spanish = next(m for m in mail.outbox if m.to != [english.email])
    assert spanish.subject == "[Cerca] Cancelado: Taller de Python"
    (message,) = [m for m in mail.outbox if m.to == [english.email]]
    assert message.subject == "[Cerca] Cancelled: Taller de Python"
    assert "has been cancelled by its organizers" in message.body
    assert "Their reason: The room is closed" in message.body


def test_the_api_cancels_through_the_same_service(
    client, organizer, event, attendees, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(
            f"/api/events/{event.pk}/",
            {"type": "Feature",
             "properties": {"status": "cancelled", "cancellation_reason": "Sin sala"}},
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    assert response.json()["properties"]["cancellation_reason"] == "Sin sala"
    event.refresh_from_db()
    assert (event.status, event.cancelled_by) == ("cancelled", organizer)
    assert len(mail.outbox) == 3


def test_reinstating_through_the_api_forgets_the_cancellation(client, organizer, event):
    event_cancel(event, reason="Sin sala", actor=organizer)
    response = client.patch(
        f"/api/events/{event.pk}/",
        {"type": "Feature", "properties": {"status": "scheduled"}},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    event.refresh_from_db()
    assert (event.status, event.cancelled_at, event.cancellation_reason) == ("scheduled", None, "")


def test_the_admin_cancels_through_the_same_service(
    client, organizer, event, attendees, django_capture_on_commit_callbacks
):
    url = reverse("admin:meetups_event_change", args=[event.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value for name, value in form.initial.items()
        if name in form.fields and value is not None and not isinstance(value, list)
    }
    data.update(
        status="cancelled", cancellation_reason="Se inundó la sala",
        start=form.initial["start"].strftime("%Y-%m-%dT%H:%M"),
        end=form.initial["end"].strftime("%Y-%m-%dT%H:%M"),
        location="", online_url="",
        **{"rsvps-TOTAL_FORMS": "0", "rsvps-INITIAL_FORMS": "0"},
    )
    data["venue"], data["study_group"] = event.venue_id, event.study_group_id
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert response.status_code == 200
    event.refresh_from_db()
    assert (event.status, event.cancellation_reason) == ("cancelled", "Se inundó la sala")
    assert event.cancelled_by == organizer
    assert len(mail.outbox) == 3
    assert "Event cancelled; 3 people were emailed." in response.content.decode()


def test_a_scheduled_event_cannot_keep_a_cancellation_reason(client, organizer, event):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(cancellation_reason="¿?")


def test_a_cancelled_events_calendar_entry_gives_the_reason(client, organizer, event):
    import icalendar

    event_cancel(event, reason="Sin sala, nos vemos el jueves", actor=organizer)
    response = client.get(reverse("event-ics", args=[event.pk]))
    calendar = icalendar.Calendar.from_ical(response.content)
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert str(vevent["DESCRIPTION"]).startswith("Cancelado: Sin sala, nos vemos el jueves")


def test_a_cancelled_event_says_when_in_its_own_time_zone_named(client, organizer, event):
    import datetime

    Event.objects.filter(pk=event.pk).update(time_zone="America/New_York")
    event.refresh_from_db()
    event_cancel(event, reason="", actor=organizer)
    Event.objects.filter(pk=event.pk).update(
        cancelled_at=datetime.datetime(2026, 12, 2, 1, 18, tzinfo=datetime.UTC)
    )
    for language, expected in (
        ("es", "Cancelado el 1 de diciembre de 2026, 20:18, hora de Nueva York (UTC−5)."),
        ("en", "Cancelled on December 1, 2026, 8:18 p.m., New York Time (UTC−5)."),
    ):
        html = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        start = html.index('class="cancelled-when">') + len('class="cancelled-when">')
        shown = html[start : html.index("</span></p>", start)]
        text = " ".join(re.sub(r"<[^>]+>", "", shown).split())
        assert text == expected, language
