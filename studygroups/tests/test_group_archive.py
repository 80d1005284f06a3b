"""A group's page keeps its past events as an archive, with how many went."""

import pytest

from meetups.models import RSVP, Event
from meetups.tests.factories import EventFactory, RSVPFactory, hours_from_now
from studygroups.tests.factories import StudyGroupFactory
from studygroups.views import PAST_EVENTS_SHOWN

pytestmark = pytest.mark.django_db


def archive(client, group):
    response = client.get(group.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.context["past_events"], response.content.decode()


def test_past_events_are_listed_newest_first_with_how_many_went(client):
    group = StudyGroupFactory(name="Club de lectura de Chapinero")
    EventFactory(study_group=group, title="Cien años", during=hours_from_now(-200, -198))
    newer = EventFactory(study_group=group, title="El olvido", during=hours_from_now(-50, -48))
    for _ in range(3):
        RSVPFactory(event=newer, status=RSVP.Status.YES)
    RSVPFactory(event=newer, status=RSVP.Status.NO)
    EventFactory(study_group=group, title="Próximo", during=hours_from_now(24, 26))
    past, html = archive(client, group)
    assert [(event.title, event.going_count) for event in past] == [
        ("El olvido", 3), ("Cien años", 0)
    ]
    assert "3 went" in html


def test_cancelled_and_other_groups_events_stay_out_of_the_archive(client):
    group = StudyGroupFactory()
    EventFactory(study_group=group, status=Event.Status.CANCELLED, during=hours_from_now(-5, -3))
    EventFactory(during=hours_from_now(-5, -3))
    in_progress = EventFactory(study_group=group, during=hours_from_now(-1, 1))
    past, html = archive(client, group)
    assert past == []
    assert "past-events" not in html
    assert in_progress.title in html  # still upcoming: it has not ended


def test_the_archive_shows_the_latest_few_in_a_bounded_number_of_queries(
    client, django_assert_max_num_queries
):
    group = StudyGroupFactory()
    for week in range(PAST_EVENTS_SHOWN + 5):
        EventFactory(study_group=group, during=hours_from_now(-168 * (week + 1), -168 * week - 166))
    with django_assert_max_num_queries(20):
        past, _html = archive(client, group)
    assert len(past) == PAST_EVENTS_SHOWN


def test_the_archive_speaks_spanish(client):
    group = StudyGroupFactory()
    event = EventFactory(study_group=group, during=hours_from_now(-50, -48))
    RSVPFactory(event=event, status=RSVP.Status.YES)
    html = client.get(group.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Eventos pasados" in html and "1 asistió" in html
