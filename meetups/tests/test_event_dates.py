"""The two date inputs of the event forms (site and admin): labelled Start/End,
read in the time zone chosen on the same form (the group's by default), and
every empty, half-filled or nonsense value refused on its field, never a 500."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from meetups.models import Event
from studygroups.tests.factories import StudyGroupFactory, organizer_of

from .factories import event_form_data

pytestmark = pytest.mark.django_db

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")


@pytest.fixture
def group():
    return StudyGroupFactory(name="Tertulia Complutense", time_zone="Europe/Madrid")


@pytest.fixture
def organizer(client, group):
    user = organizer_of(group, "olga_organizadora")
    client.force_login(user)
    return user


def site_form(group, **overrides):
    return event_form_data(
        group,
        **{
            "title": "Tertulia de los jueves",
            "online_url": "https://meet.example.org/tertulia",
            "start": "2027-01-14T19:00",
            "end": "2027-01-14T21:00",
            "time_zone": "",
            **overrides,
        },
    )


def admin_form(group, **overrides):
    data = {
        "title": "Tertulia de los jueves",
        "description": "",
        "study_group": group.pk,
        "status": "scheduled",
        "capacity": "20",
        "start": "2027-01-14T19:00",
        "end": "2027-01-14T21:00",
        "time_zone": "",
        "location": "",
        "online_url": "https://meet.example.org/tertulia",
        "rsvps-TOTAL_FORMS": "0",
        "rsvps-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def post_site(client, group, **overrides):
    return client.post("/events/new/", site_form(group, **overrides), HTTP_ACCEPT_LANGUAGE="en")


def post_admin(client, group, **overrides):
    return client.post(
        reverse("admin:meetups_event_add"),
        admin_form(group, **overrides),
        HTTP_ACCEPT_LANGUAGE="en",
    )


def site_errors(response):
    assert response.status_code == 200
    return response.context["form"].errors


def admin_errors(response):
    assert response.status_code == 200
    return response.context["adminform"].form.errors


def test_empty_dates_on_the_site_are_flagged_on_both_fields(client, organizer, group):
    errors = site_errors(post_site(client, group, start="", end=""))
    assert errors["start"] == ["This field is required."]
    assert errors["end"] == ["This field is required."]
    assert not Event.objects.exists()


def test_empty_dates_in_the_admin_are_flagged_on_both_fields(client, organizer, group):
    errors = admin_errors(post_admin(client, group, start="", end=""))
    assert errors["start"] == ["This field is required."]
    assert errors["end"] == ["This field is required."]
    assert not Event.objects.exists()


@pytest.mark.parametrize("post, errors_of", [(post_site, site_errors), (post_admin, admin_errors)])
def test_a_half_filled_date_is_flagged_on_the_empty_field(
    client, organizer, group, post, errors_of
):
    errors = errors_of(post(client, group, end=""))
    assert list(errors) == ["end"]


@pytest.mark.parametrize(
    "value",
    ["mañana", "2026-13-45T99:99", "10000-01-01T10:00", "<script>alert(1)</script>",
     "2027-01-14T19:00\x00", "9" * 400],
)
@pytest.mark.parametrize("post, errors_of", [(post_site, site_errors), (post_admin, admin_errors)])
def test_nonsense_in_a_date_input_is_a_field_error(
    client, organizer, group, post, errors_of, value
):
    errors = errors_of(post(client, group, start=value))
    assert errors["start"] == ["Enter a valid date/time."]
    assert not Event.objects.exists()


def test_a_date_near_the_year_9999_is_a_field_error_not_an_overflow(client, organizer, group):
    response = post_site(
        client, group, time_zone="Asia/Tokyo", start="0001-01-01T00:00", end="0001-01-01T01:00"
    )
    assert "start" in site_errors(response)
    response = post_site(
        client, group, time_zone="America/Bogota", start="9999-12-31T22:00", end="9999-12-31T23:00"
    )
    assert "start" in site_errors(response) or "end" in site_errors(response)


@pytest.mark.parametrize("end", ["2027-01-14T18:00", "2027-01-14T19:00"])
@pytest.mark.parametrize("post, errors_of", [(post_site, site_errors), (post_admin, admin_errors)])
def test_an_end_before_or_at_the_start_is_refused_on_the_end(
    client, organizer, group, post, errors_of, end
):
    errors = errors_of(post(client, group, end=end))
    assert errors["end"] == ["The event must end after it starts."]


@pytest.mark.parametrize("post, errors_of", [(post_site, site_errors), (post_admin, admin_errors)])
def test_a_time_the_clocks_skip_is_refused_with_the_reason(
    client, organizer, group, post, errors_of
):
    # Madrid's clocks jump from 02:00 to 03:00 on 28 March 2027.
    errors = errors_of(
        post(client, group, time_zone="Europe/Madrid", start="2027-03-28T02:30",
             end="2027-03-28T04:00")
    )
    assert "does not exist in Madrid Time" in errors["start"][0]


def test_in_the_hour_that_repeats_the_first_one_is_taken(client, organizer, group):
    # 31 October 2027: Madrid's clocks go back from 03:00 to 02:00.
    response = post_site(
        client, group, time_zone="Europe/Madrid", start="2027-10-31T02:30", end="2027-10-31T04:00"
    )
    assert response.status_code == 302, site_errors(response)
    assert Event.objects.get().during.lower == datetime.datetime(
        2027, 10, 31, 0, 30, tzinfo=datetime.UTC
    )


@pytest.mark.parametrize("post", [post_site, post_admin])
def test_times_are_read_in_the_zone_chosen_on_the_form(client, organizer, group, post):
    response = post(client, group, time_zone="Europe/Madrid")
    assert response.status_code == 302
    # 19:00 in Madrid in winter (UTC+1) is 18:00Z, whatever the site's zone (Bogotá).
    assert Event.objects.get().during.lower == datetime.datetime(
        2027, 1, 14, 18, tzinfo=datetime.UTC
    )


@pytest.mark.parametrize("post", [post_site, post_admin])
def test_left_on_its_first_choice_the_zone_is_the_groups(client, organizer, group, post):
    response = post(client, group, time_zone="")
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.time_zone == "Europe/Madrid"
    assert event.during.lower == datetime.datetime(2027, 1, 14, 19, tzinfo=MADRID)


def test_an_event_without_a_group_takes_the_sites_zone(admin_client, group, settings):
    response = admin_client.post(
        reverse("admin:meetups_event_add"), admin_form(group, study_group="", time_zone="")
    )
    assert response.status_code == 302, admin_errors(response)
    assert Event.objects.get().time_zone == settings.TIME_ZONE == "America/Bogota"


def test_an_old_zone_name_is_stored_under_todays(client, organizer, group):
    response = post_site(client, group, time_zone="America/Buenos_Aires")
    assert response.status_code == 302, site_errors(response)
    assert Event.objects.get().time_zone == "America/Argentina/Buenos_Aires"


@pytest.mark.parametrize("zone", ["Factory", "localtime", "Etc/GMT+5", "Mars/Olympus"])
def test_a_zone_nobody_lives_in_is_refused_on_the_field(client, organizer, group, zone):
    assert "time_zone" in site_errors(post_site(client, group, time_zone=zone))


def test_the_site_form_labels_the_two_dates_start_and_end(client, organizer, group):
    html = client.get("/events/new/", {"group": group.slug}, HTTP_ACCEPT_LANGUAGE="es")
    html = html.content.decode()
    assert '<label for="id_start">Inicio:</label>' in html
    assert '<label for="id_end">Fin:</label>' in html
    assert 'type="datetime-local" name="start"' in html and 'id="id_start"' in html


def test_the_admin_form_labels_the_two_dates_start_and_end(client, organizer, group):
    html = client.get(reverse("admin:meetups_event_add"), HTTP_ACCEPT_LANGUAGE="es")
    html = html.content.decode()
    assert '<label class="required" for="id_start">Inicio:</label>' in html
    assert '<label class="required" for="id_end">Fin:</label>' in html


def test_editing_shows_the_times_in_the_events_zone(client, organizer, group):
    post_site(client, group, time_zone="America/Mexico_City")
    event = Event.objects.get()
    html = client.get(f"/events/{event.pk}/edit/").content.decode()
    assert 'value="2027-01-14T19:00"' in html and 'value="2027-01-14T21:00"' in html
    assert '<option value="America/Mexico_City" selected>' in html
