"""A series on the site's pages, in the admin and in the API: the scope choice
on the edit and cancel forms, the event page's links to the other dates, and
PATCH /api/events/<id>/?scope=."""

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.urls import reverse
from psycopg2.extras import DateTimeTZRange

from meetups.models import Event
from meetups.services import event_series_create
from studygroups.tests.factories import StudyGroupFactory, organizer_of

from .factories import EventFactory, RSVPFactory, VenueFactory

pytestmark = pytest.mark.django_db

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")


@pytest.fixture
def group():
    return StudyGroupFactory(name="Lectores", slug="lectores")


@pytest.fixture
def venue(group):
    return VenueFactory(name="Sala Cervantes", study_group=group)


@pytest.fixture
def weekly(group, venue):
    """Thursdays 14, 21, 28 October and 4 November 2027, 19:00-21:00 in Madrid
    (summer time ends on Sunday 31 October)."""
    start = datetime.datetime(2027, 10, 14, 19, tzinfo=MADRID)
    return event_series_create(
        frequency="weekly",
        occurrences=4,
        title="Tertulia",
        study_group=group,
        venue=venue,
        capacity=20,
        time_zone="Europe/Madrid",
        during=DateTimeTZRange(start, start + datetime.timedelta(hours=2), "[)"),
    )


@pytest.fixture
def organizer(client, group):
    user = organizer_of(group, "olga_organizadora")
    client.force_login(user)
    return user


def edit_data(event, **overrides):
    local = event.during.lower.astimezone(MADRID)
    data = {
        "title": event.title,
        "description": event.description,
        "study_group": event.study_group_id,
        "venue": event.venue_id,
        "location": "",
        "online_url": "",
        "start": local.strftime("%Y-%m-%dT%H:%M"),
        "end": (local + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "time_zone": "Europe/Madrid",
        "capacity": "20",
        "scope": "this",
    }
    data.update(overrides)
    return data


def reloaded(events):
    return [Event.objects.get(pk=event.pk) for event in events]


@pytest.mark.parametrize(
    "language, legend, choice",
    [("es", "Aplicar a", "Este y los siguientes"), ("en", "Apply to", "This and following events")],
)
def test_the_edit_form_offers_the_scope_for_an_event_in_a_series(
    client, organizer, weekly, language, legend, choice
):
    page = client.get(reverse("event-edit", args=[weekly[1].pk]), HTTP_ACCEPT_LANGUAGE=language)
    text = page.content.decode()
    assert page.status_code == 200
    assert legend in text and choice in text
    assert 'type="radio" name="scope" value="all"' in text


def test_the_edit_form_has_no_scope_for_a_single_event(client, organizer, group):
    event = EventFactory(study_group=group)
    page = client.get(reverse("event-edit", args=[event.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert 'name="scope"' not in page.content.decode()


def test_editing_all_from_the_site_moves_every_date_at_the_same_madrid_time(
    client, organizer, weekly
):
    response = client.post(
        reverse("event-edit", args=[weekly[0].pk]),
        edit_data(weekly[0], title="Tertulia de otoño", start="2027-10-14T20:00",
                  end="2027-10-14T22:00", scope="all"),
    )
    assert response.status_code == 302, response.context["form"].errors
    after = reloaded(weekly)
    assert {event.title for event in after} == {"Tertulia de otoño"}
    assert [event.during.lower.astimezone(MADRID).strftime("%d %H:%M") for event in after] == [
        "14 20:00", "21 20:00", "28 20:00", "04 20:00",
    ]


def test_this_and_following_from_the_site_leaves_the_earlier_dates(client, organizer, weekly):
    response = client.post(
        reverse("event-edit", args=[weekly[2].pk]),
        edit_data(weekly[2], title="Nueva etapa", scope="following"),
    )
    assert response.status_code == 302
    assert [event.title for event in reloaded(weekly)] == [
        "Tertulia", "Tertulia", "Nueva etapa", "Nueva etapa",
    ]


@pytest.mark.parametrize(
    "language, date", [("es", "4 de noviembre de 2027"), ("en", "November 4, 2027")]
)
def test_a_clash_on_one_date_shows_the_form_again_naming_it(
    client, organizer, weekly, venue, language, date
):
    EventFactory(
        venue=venue,
        during=DateTimeTZRange(
            datetime.datetime(2027, 11, 4, 21, 30, tzinfo=MADRID),
            datetime.datetime(2027, 11, 4, 23, tzinfo=MADRID),
            "[)",
        ),
    )
    response = client.post(
        reverse("event-edit", args=[weekly[0].pk]),
        edit_data(weekly[0], title="No se guarda", start="2027-10-14T20:00",
                  end="2027-10-14T22:00", scope="all"),
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["venue"]
    assert len(errors) == 1 and date in errors[0]
    assert date in response.content.decode()
    assert {event.title for event in reloaded(weekly)} == {"Tertulia"}


def test_moving_this_date_onto_the_next_ones_slot_is_refused_but_all_is_not(
    client, organizer, weekly
):
    moved = edit_data(weekly[0], start="2027-10-21T19:00", end="2027-10-21T21:00")
    refused = client.post(reverse("event-edit", args=[weekly[0].pk]), moved)
    assert refused.status_code == 200
    assert "venue" in refused.context["form"].errors
    accepted = client.post(reverse("event-edit", args=[weekly[0].pk]), {**moved, "scope": "all"})
    assert accepted.status_code == 302
    assert reloaded(weekly)[0].during.lower == datetime.datetime(2027, 10, 21, 19, tzinfo=MADRID)


def test_cancelling_following_from_the_site_emails_each_person_once(
    client, organizer, weekly, django_capture_on_commit_callbacks
):
    regular = RSVPFactory(event=weekly[2], status="yes").user
    RSVPFactory(event=weekly[3], user=regular, status="yes")
    page = client.get(reverse("event-cancel", args=[weekly[2].pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "“This and following” cancels 2 dates." in page.content.decode()
    assert "“All” cancels 4 upcoming dates." in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("event-cancel", args=[weekly[2].pk]),
            {"scope": "following", "reason": "Obras"},
            HTTP_ACCEPT_LANGUAGE="en",
            follow=True,
        )
    assert "Events cancelled. 1 person going or waitlisted was emailed once." in (
        response.content.decode()
    )
    assert [event.status for event in reloaded(weekly)] == [
        "scheduled", "scheduled", "cancelled", "cancelled",
    ]
    assert [message.to for message in mail.outbox] == [[regular.email]]


def test_an_unknown_scope_is_a_form_error(client, organizer, weekly):
    response = client.post(
        reverse("event-cancel", args=[weekly[0].pk]), {"scope": "everything", "reason": ""}
    )
    assert response.status_code == 200
    assert "scope" in response.context["form"].errors
    assert {event.status for event in reloaded(weekly)} == {"scheduled"}


@pytest.mark.parametrize(
    "language, heading, previous, following",
    [
        ("es", "Parte de una serie semanal", "Anterior", "14 de octubre de 2027, 19:00"),
        ("en", "Part of a weekly series", "Previous", "October 14, 2027, 7 p.m."),
    ],
)
def test_the_event_page_links_its_neighbours_in_the_series(
    client, weekly, language, heading, previous, following
):
    page = client.get(weekly[1].get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language)
    text = page.content.decode()
    assert heading in text
    assert f'{previous}: <a href="{weekly[0].get_absolute_url()}">' in text
    assert following in text
    for later in weekly[2:]:
        assert f'href="{later.get_absolute_url()}"' in text


def test_the_event_page_of_a_series_costs_a_bounded_number_of_queries(
    client, weekly, django_assert_max_num_queries
):
    single = EventFactory()
    with django_assert_max_num_queries(40) as single_queries:
        client.get(single.get_absolute_url())
    with django_assert_max_num_queries(len(single_queries) + 2):
        client.get(weekly[1].get_absolute_url())


def test_a_single_event_page_says_nothing_of_a_series(client):
    event = EventFactory()
    text = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "series-nav" not in text


# The admin.


def test_the_admin_edits_all_dates_of_a_series(client, organizer, weekly):
    url = reverse("admin:meetups_event_change", args=[weekly[1].pk])
    form = client.get(url).context["adminform"].form
    assert "scope" in form.fields
    data = {
        name: value for name, value in form.initial.items()
        if name in form.fields and value is not None and not isinstance(value, list)
    }
    data.update(
        title="Tertulia renovada", scope="all", location="", online_url="",
        start="2027-10-21T18:00", end="2027-10-21T20:00", cancellation_reason="",
        **{"rsvps-TOTAL_FORMS": "0", "rsvps-INITIAL_FORMS": "0"},
    )
    data["venue"], data["study_group"] = weekly[1].venue_id, weekly[1].study_group_id
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    after = reloaded(weekly)
    assert [event.title for event in after] == ["Tertulia renovada"] * 4
    assert [event.during.lower.astimezone(MADRID).strftime("%H:%M") for event in after] == [
        "18:00"
    ] * 4


def test_the_admin_has_no_scope_for_a_single_event(client, organizer, group):
    event = EventFactory(study_group=group)
    form = client.get(reverse("admin:meetups_event_change", args=[event.pk])).context[
        "adminform"
    ].form
    assert "scope" not in form.fields


# The API.


def test_the_api_patches_all_dates_and_says_which_are_left(client, organizer, weekly):
    response = client.patch(
        f"/api/events/{weekly[0].pk}/?scope=all",
        {"type": "Feature", "properties": {"title": "Tertulia API", "start":
         "2027-10-14T20:00:00+02:00", "end": "2027-10-14T22:00:00+02:00"}},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    properties = response.json()["properties"]
    assert properties["series"] == str(weekly[0].series)
    assert [other["id"] for other in properties["series_upcoming"]] == [
        event.pk for event in weekly[1:]
    ]
    # 20:00 in Madrid: +01:00 after the clocks went back.
    assert properties["series_upcoming"][-1]["start"].startswith("2027-11-04T19:00:00")
    assert {event.title for event in reloaded(weekly)} == {"Tertulia API"}


def test_the_api_without_a_scope_changes_one_date(client, organizer, weekly):
    response = client.patch(
        f"/api/events/{weekly[0].pk}/",
        {"type": "Feature", "properties": {"title": "Solo una"}},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert [event.title for event in reloaded(weekly)] == ["Solo una"] + ["Tertulia"] * 3


def test_an_unknown_scope_is_a_400_naming_it(client, organizer, weekly):
    response = client.patch(
        f"/api/events/{weekly[0].pk}/?scope=todos",
        {"type": "Feature", "properties": {"title": "x"}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["parameter"] == "scope"
    assert "todos" in response.json()["description"]


def test_the_api_cancels_following_dates(
    client, organizer, weekly, django_capture_on_commit_callbacks
):
    regular = RSVPFactory(event=weekly[1], status="yes").user
    RSVPFactory(event=weekly[2], user=regular, status="waitlist")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(
            f"/api/events/{weekly[1].pk}/?scope=following",
            {"type": "Feature", "properties": {"status": "cancelled",
                                               "cancellation_reason": "Sin sala"}},
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    assert [event.status for event in reloaded(weekly)] == [
        "scheduled", "cancelled", "cancelled", "cancelled",
    ]
    assert [message.to for message in mail.outbox] == [[regular.email]]


def test_the_api_refuses_a_series_clash_naming_the_date(client, organizer, weekly, venue):
    EventFactory(
        venue=venue,
        during=DateTimeTZRange(
            datetime.datetime(2027, 10, 28, 21, tzinfo=MADRID),
            datetime.datetime(2027, 10, 28, 23, tzinfo=MADRID),
            "[)",
        ),
    )
    response = client.patch(
        f"/api/events/{weekly[0].pk}/?scope=all",
        {"type": "Feature", "properties": {"start": "2027-10-14T20:00:00+02:00",
                                           "end": "2027-10-14T22:00:00+02:00"}},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400, response.content
    assert response.json()["parameter"] == "venue"
    assert "October 28, 2027" in response.json()["description"]
    assert [event.during for event in reloaded(weekly)] == [event.during for event in weekly]


def test_the_schema_documents_the_scope(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    patch = schema["paths"]["/api/events/{id}/"]["patch"]
    (scope,) = [p for p in patch["parameters"] if p["name"] == "scope"]
    assert scope["in"] == "query"
    assert scope["schema"]["enum"] == ["this", "following", "all"]


def test_the_events_page_marks_the_dates_of_a_series(client, weekly, group):
    single = EventFactory(
        title="Suelta",
        study_group=group,
        during=DateTimeTZRange(
            datetime.datetime(2027, 10, 15, 19, tzinfo=MADRID),
            datetime.datetime(2027, 10, 15, 21, tzinfo=MADRID),
            "[)",
        ),
    )
    response = client.get(
        "/events/",
        {"when": "range", "from": "2027-10-14", "to": "2027-10-16"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    text = response.content.decode()
    assert single.title in text and weekly[0].title in text
    assert text.count('class="series-mark"') == 1


def test_the_admin_cancels_all_dates_of_a_series_emailing_each_person_once(
    client, organizer, weekly, django_capture_on_commit_callbacks
):
    regular = RSVPFactory(event=weekly[1], status="yes").user
    RSVPFactory(event=weekly[3], user=regular, status="yes")
    url = reverse("admin:meetups_event_change", args=[weekly[1].pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value for name, value in form.initial.items()
        if name in form.fields and value is not None and not isinstance(value, list)
    }
    data.update(
        scope="all", status="cancelled", cancellation_reason="Cierre", location="",
        online_url="", start="2027-10-21T19:00", end="2027-10-21T21:00",
        **{"rsvps-TOTAL_FORMS": "0", "rsvps-INITIAL_FORMS": "0"},
    )
    data["venue"], data["study_group"] = weekly[1].venue_id, weekly[1].study_group_id
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    after = reloaded(weekly)
    assert {(event.status, event.cancellation_reason) for event in after} == {
        ("cancelled", "Cierre")
    }
    assert [message.to for message in mail.outbox] == [[regular.email]]


def test_the_api_lists_at_most_ten_other_upcoming_dates(client, group):
    start = datetime.datetime(2027, 1, 5, 18, tzinfo=MADRID)
    events = event_series_create(
        frequency="weekly", occurrences=14, title="Larga", study_group=group,
        online_url="https://meet.example.org/larga", time_zone="Europe/Madrid",
        during=DateTimeTZRange(start, start + datetime.timedelta(hours=1), "[)"),
    )
    properties = client.get(f"/api/events/{events[0].pk}/").json()["properties"]
    assert [other["id"] for other in properties["series_upcoming"]] == [
        event.pk for event in events[1:11]
    ]
    single = EventFactory()
    properties = client.get(f"/api/events/{single.pk}/").json()["properties"]
    assert (properties["series"], properties["series_upcoming"]) == (None, [])
