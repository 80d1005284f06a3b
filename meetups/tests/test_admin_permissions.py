"""In the admin, an organizer creates, edits and cancels only their own groups'
events and venues, sees shared venues read-only, and sees their events' RSVPs;
moderators see and change everything. The API follows the same rules."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from meetups.models import RSVP, Event, Venue

from .factories import EventFactory, RSVPFactory, VenueFactory

pytestmark = pytest.mark.django_db

EVENTS_URL = reverse("admin:meetups_event_changelist")
VENUES_URL = reverse("admin:meetups_venue_changelist")
RSVPS_URL = reverse("admin:meetups_rsvp_changelist")
INDEX_URL = reverse("admin:index")
POINT = '{"type": "Point", "coordinates": [-75.5686, 6.2672]}'


@pytest.fixture
def venue_a(group_a):
    return VenueFactory(name="Sala Alfa", study_group=group_a)


@pytest.fixture
def venue_b(group_b):
    return VenueFactory(name="Sala Beta", study_group=group_b)


@pytest.fixture
def shared_venue():
    return VenueFactory(name="Biblioteca Compartida", study_group=None)


@pytest.fixture
def event_a(group_a, venue_a):
    return EventFactory(title="Taller Alfa", study_group=group_a, venue=venue_a)


@pytest.fixture
def event_b(group_b, venue_b):
    return EventFactory(title="Taller Beta", study_group=group_b, venue=venue_b)


@pytest.fixture
def rsvp_a(event_a, member_a):
    return RSVPFactory(event=event_a, user=member_a, status="yes")


@pytest.fixture
def rsvp_b(event_b):
    return RSVPFactory(event=event_b, user__username="beto_asistente", status="yes")


@pytest.fixture
def everything(
    organizer_a, organizer_b, moderator, member_a, shared_venue, event_a, event_b, rsvp_a, rsvp_b
):
    """Both groups with their venues, events and RSVPs, a shared venue, and all
    four users (so a list that leaks shows the other group's rows)."""


def signed_in(client, user):
    client.force_login(user)
    return client


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def delete_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])


def event_form(**overrides):
    data = {
        "title": "Taller nuevo",
        "description": "",
        "study_group": "",
        "status": "scheduled",
        "capacity": "20",
        "start": "2030-03-05T18:00",
        "end": "2030-03-05T20:00",
        "time_zone": "America/Bogota",
        "venue": "",
        "location": "",
        "online_url": "",
        "rsvps-TOTAL_FORMS": "0",
        "rsvps-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def event_form_for(event, **overrides):
    data = {
        "title": event.title,
        "study_group": event.study_group_id,
        "venue": event.venue_id,
        "capacity": str(event.capacity),
        "start": "2031-06-01T18:00",
        "end": "2031-06-01T20:00",
    }
    data.update(overrides)
    return event_form(**data)


def venue_form(**overrides):
    data = {
        "name": "Sala nueva",
        "address": "",
        "city": "Medellín",
        "location": POINT,
        "capacity": "30",
        "study_group": "",
    }
    data.update(overrides)
    return data


def autocomplete(client, model_name, field_name, term=""):
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "meetups", "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200
    return [r["text"] for r in response.json()["results"]]


# Who gets in at all.


def test_a_member_without_staff_status_is_sent_to_the_admin_login(client, everything, member_a):
    client = signed_in(client, member_a)

    for url in (EVENTS_URL, VENUES_URL, RSVPS_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


# Events.


def test_an_organizer_lists_only_their_groups_events(client, everything, organizer_a):
    response = signed_in(client, organizer_a).get(EVENTS_URL)

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert [e.title for e in response.context["cl"].result_list] == ["Taller Alfa"]
    assert "Taller Beta" not in response.content.decode()


def test_the_other_organizer_lists_only_theirs(client, everything, organizer_b):
    response = signed_in(client, organizer_b).get(EVENTS_URL)

    assert [e.title for e in response.context["cl"].result_list] == ["Taller Beta"]
    assert "Taller Alfa" not in response.content.decode()


def test_a_moderator_lists_every_event(client, everything, moderator):
    response = signed_in(client, moderator).get(EVENTS_URL)

    assert response.context["cl"].result_count == 2
    assert "Taller Alfa" in response.content.decode()
    assert "Taller Beta" in response.content.decode()


def test_an_organizer_opens_their_event(client, everything, organizer_a, event_a):
    response = signed_in(client, organizer_a).get(change_url(event_a))

    assert response.status_code == 200
    assert response.context["has_change_permission"] is True


def test_another_groups_event_redirects_to_the_admin_index(
    client, everything, organizer_a, event_b
):
    response = signed_in(client, organizer_a).get(change_url(event_b))

    assert response.status_code == 302
    assert response["Location"] == INDEX_URL


def test_an_organizer_cancels_their_event(client, everything, organizer_a, event_a):
    response = signed_in(client, organizer_a).post(
        change_url(event_a), event_form_for(event_a, status="cancelled")
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Event.objects.get(pk=event_a.pk).status == "cancelled"


def test_an_organizers_edit_to_another_groups_event_changes_nothing(
    client, everything, organizer_a, event_b
):
    response = signed_in(client, organizer_a).post(
        change_url(event_b), event_form_for(event_b, status="cancelled", title="Secuestrado")
    )

    assert response.status_code == 302
    assert response["Location"] == INDEX_URL
    stored = Event.objects.get(pk=event_b.pk)
    assert (stored.title, stored.status) == ("Taller Beta", "scheduled")


def test_an_organizer_cannot_move_their_event_to_another_group(
    client, everything, organizer_a, event_a, group_b
):
    response = signed_in(client, organizer_a).post(
        change_url(event_a), event_form_for(event_a, study_group=group_b.pk)
    )

    assert response.status_code == 200
    assert "study_group" in response.context["adminform"].form.errors
    assert Event.objects.get(pk=event_a.pk).study_group_id == event_a.study_group_id


def test_an_organizer_adds_an_event_to_their_group_at_a_shared_venue(
    client, everything, organizer_a, group_a, shared_venue
):
    response = signed_in(client, organizer_a).post(
        reverse("admin:meetups_event_add"),
        event_form(study_group=group_a.pk, venue=shared_venue.pk),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    created = Event.objects.get(title="Taller nuevo")
    assert (created.study_group_id, created.venue_id) == (group_a.pk, shared_venue.pk)


def test_an_organizer_cannot_add_an_event_to_another_group(
    client, everything, organizer_a, group_b
):
    response = signed_in(client, organizer_a).post(
        reverse("admin:meetups_event_add"),
        event_form(study_group=group_b.pk, online_url="https://meet.jit.si/x"),
    )

    assert response.status_code == 200
    assert "study_group" in response.context["adminform"].form.errors
    assert not Event.objects.filter(title="Taller nuevo").exists()


def test_an_organizers_event_needs_a_group(client, everything, organizer_a):
    response = signed_in(client, organizer_a).post(
        reverse("admin:meetups_event_add"), event_form(online_url="https://meet.jit.si/x")
    )

    assert response.status_code == 200
    assert "study_group" in response.context["adminform"].form.errors
    assert not Event.objects.filter(title="Taller nuevo").exists()


def test_an_organizer_cannot_book_another_groups_venue(
    client, everything, organizer_a, group_a, venue_b
):
    response = signed_in(client, organizer_a).post(
        reverse("admin:meetups_event_add"), event_form(study_group=group_a.pk, venue=venue_b.pk)
    )

    assert response.status_code == 200
    assert "venue" in response.context["adminform"].form.errors
    assert not Event.objects.filter(title="Taller nuevo").exists()


def test_an_organizer_deletes_their_event_that_nobody_answered(
    client, everything, organizer_a, group_a
):
    unanswered = EventFactory(study_group=group_a, venue=None, online_url="https://x.org")

    response = signed_in(client, organizer_a).post(delete_url(unanswered), {"post": "yes"})

    assert response.status_code == 302
    assert not Event.objects.filter(pk=unanswered.pk).exists()


def test_an_event_with_rsvps_is_cancelled_not_deleted_by_organizers(
    client, everything, organizer_a, event_a
):
    # Deleting would delete the RSVPs too, which organizers may not do.
    response = signed_in(client, organizer_a).post(delete_url(event_a), {"post": "yes"})

    assert response.status_code == 403
    assert Event.objects.filter(pk=event_a.pk).exists()


def test_an_organizer_cannot_delete_another_groups_event(
    client, everything, organizer_a, event_b
):
    response = signed_in(client, organizer_a).post(delete_url(event_b), {"post": "yes"})

    assert response.status_code == 302
    assert response["Location"] == INDEX_URL
    assert Event.objects.filter(pk=event_b.pk).exists()


def test_the_bulk_delete_action_reaches_only_the_organizers_events(
    client, everything, organizer_a, group_a, event_b
):
    RSVP.objects.all().delete()
    own = EventFactory(study_group=group_a, venue=None, online_url="https://x.org")

    signed_in(client, organizer_a).post(
        EVENTS_URL,
        {"action": "delete_selected", "_selected_action": [own.pk, event_b.pk], "post": "yes"},
    )

    assert not Event.objects.filter(pk=own.pk).exists()
    assert Event.objects.filter(pk=event_b.pk).exists()


def test_a_moderator_edits_any_event(client, everything, moderator, event_b):
    response = signed_in(client, moderator).post(
        change_url(event_b), event_form_for(event_b, status="cancelled")
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Event.objects.get(pk=event_b.pk).status == "cancelled"


def test_the_event_checks_look_at_the_events_group(everything, organizer_a, event_a, event_b):
    # Independent of get_queryset: the object checks refuse on their own.
    model_admin = admin.site.get_model_admin(Event)
    request = RequestFactory().get("/")
    request.user = organizer_a

    assert model_admin.has_change_permission(request, event_a) is True
    assert model_admin.has_delete_permission(request, event_a) is True
    assert model_admin.has_change_permission(request, event_b) is False
    assert model_admin.has_delete_permission(request, event_b) is False
    assert model_admin.has_view_permission(request, event_b) is False


# Autocomplete: no other group, venue or event shows up.


def test_event_group_autocomplete_offers_only_the_organizers_groups(
    client, everything, organizer_a
):
    assert autocomplete(signed_in(client, organizer_a), "event", "study_group") == ["Grupo Alfa"]


def test_event_venue_autocomplete_offers_shared_and_own_venues(client, everything, organizer_a):
    texts = autocomplete(signed_in(client, organizer_a), "event", "venue")

    assert sorted(texts) == ["Biblioteca Compartida (Medellín)", "Sala Alfa (Medellín)"]


def test_venue_group_autocomplete_offers_only_the_organizers_groups(
    client, everything, organizer_a
):
    assert autocomplete(signed_in(client, organizer_a), "venue", "study_group") == ["Grupo Alfa"]


def test_rsvp_event_autocomplete_offers_only_the_organizers_events(
    client, everything, organizer_a
):
    assert autocomplete(signed_in(client, organizer_a), "rsvp", "event") == ["Taller Alfa"]


def test_autocomplete_offers_a_moderator_everything(client, everything, moderator):
    client = signed_in(client, moderator)

    assert autocomplete(client, "event", "study_group") == ["Grupo Alfa", "Grupo Beta"]
    assert len(autocomplete(client, "event", "venue")) == 3


# Venues.


def test_an_organizer_lists_their_venues_and_the_shared_ones(client, everything, organizer_a):
    response = signed_in(client, organizer_a).get(VENUES_URL)

    assert response.context["cl"].result_count == 2
    assert sorted(v.name for v in response.context["cl"].result_list) == [
        "Biblioteca Compartida",
        "Sala Alfa",
    ]
    assert "Sala Beta" not in response.content.decode()


def test_a_moderator_lists_every_venue(client, everything, moderator):
    response = signed_in(client, moderator).get(VENUES_URL)

    assert response.context["cl"].result_count == 3


def test_an_organizer_edits_their_venue(client, everything, organizer_a, venue_a, group_a):
    response = signed_in(client, organizer_a).post(
        change_url(venue_a), venue_form(name="Sala Alfa 2", study_group=group_a.pk)
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Venue.objects.get(pk=venue_a.pk).name == "Sala Alfa 2"


def test_a_shared_venue_is_read_only_for_organizers(
    client, everything, organizer_a, shared_venue, group_a
):
    client = signed_in(client, organizer_a)

    page = client.get(change_url(shared_venue))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    response = client.post(
        change_url(shared_venue), venue_form(name="Mía", study_group=group_a.pk)
    )
    assert response.status_code == 403
    assert client.post(delete_url(shared_venue), {"post": "yes"}).status_code == 403
    stored = Venue.objects.get(pk=shared_venue.pk)
    assert (stored.name, stored.study_group_id) == ("Biblioteca Compartida", None)


def test_another_groups_venue_is_out_of_reach(client, everything, organizer_a, venue_b, group_a):
    client = signed_in(client, organizer_a)

    assert client.get(change_url(venue_b))["Location"] == INDEX_URL
    response = client.post(change_url(venue_b), venue_form(name="Mía", study_group=group_a.pk))
    assert response.status_code == 302
    assert response["Location"] == INDEX_URL
    assert client.post(delete_url(venue_b), {"post": "yes"})["Location"] == INDEX_URL
    stored = Venue.objects.get(pk=venue_b.pk)
    assert (stored.name, stored.study_group_id) == ("Sala Beta", venue_b.study_group_id)


@pytest.mark.parametrize("study_group", ["", "group_b"], ids=["shared", "another-group"])
def test_an_organizer_adds_venues_only_for_their_groups(
    client, request, everything, organizer_a, study_group
):
    group = request.getfixturevalue(study_group).pk if study_group else ""

    response = signed_in(client, organizer_a).post(
        reverse("admin:meetups_venue_add"), venue_form(study_group=group)
    )

    assert response.status_code == 200
    assert "study_group" in response.context["adminform"].form.errors
    assert not Venue.objects.filter(name="Sala nueva").exists()


def test_an_organizer_adds_a_venue_for_their_group(client, everything, organizer_a, group_a):
    response = signed_in(client, organizer_a).post(
        reverse("admin:meetups_venue_add"), venue_form(study_group=group_a.pk)
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Venue.objects.get(name="Sala nueva").study_group_id == group_a.pk


def test_a_moderator_edits_a_shared_venue(client, everything, moderator, shared_venue):
    response = signed_in(client, moderator).post(
        change_url(shared_venue), venue_form(name="Biblioteca Central")
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    stored = Venue.objects.get(pk=shared_venue.pk)
    assert (stored.name, stored.study_group_id) == ("Biblioteca Central", None)


# RSVPs.


def test_an_organizer_lists_only_their_events_rsvps(client, everything, organizer_a):
    response = signed_in(client, organizer_a).get(RSVPS_URL)

    assert response.context["cl"].result_count == 1
    assert [r.user.username for r in response.context["cl"].result_list] == ["mia_miembro"]
    assert "beto_asistente" not in response.content.decode()


def test_a_moderator_lists_every_rsvp(client, everything, moderator):
    response = signed_in(client, moderator).get(RSVPS_URL)

    assert response.context["cl"].result_count == 2


def test_an_organizer_changes_only_an_rsvps_status(
    client, everything, organizer_a, rsvp_a, event_b, organizer_b
):
    response = signed_in(client, organizer_a).post(
        change_url(rsvp_a), {"status": "waitlist", "event": event_b.pk, "user": organizer_b.pk}
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    stored = RSVP.objects.get(pk=rsvp_a.pk)
    assert (stored.status, stored.event_id, stored.user_id) == (
        "waitlist",
        rsvp_a.event_id,
        rsvp_a.user_id,
    )


def test_another_groups_rsvp_is_out_of_reach(client, everything, organizer_a, rsvp_b):
    response = signed_in(client, organizer_a).post(change_url(rsvp_b), {"status": "no"})

    assert response.status_code == 302
    assert response["Location"] == INDEX_URL
    assert RSVP.objects.get(pk=rsvp_b.pk).status == "yes"


def test_organizers_neither_add_nor_delete_rsvps(client, everything, organizer_a, rsvp_a):
    client = signed_in(client, organizer_a)

    assert client.get(reverse("admin:meetups_rsvp_add")).status_code == 403
    assert client.post(delete_url(rsvp_a), {"post": "yes"}).status_code == 403
    assert RSVP.objects.filter(pk=rsvp_a.pk).exists()


# The same rules in the API: the organizers' model permissions open no other group.


def patch(client, url, properties):
    return client.patch(
        url, {"type": "Feature", "properties": properties}, content_type="application/json"
    )


def test_the_organizers_model_permissions_do_not_open_the_api_to_other_groups(
    client, everything, organizer_a, event_b, venue_b, shared_venue
):
    client = signed_in(client, organizer_a)

    assert patch(client, f"/api/events/{event_b.pk}/", {"title": "x"}).status_code == 403
    assert patch(client, f"/api/venues/{venue_b.pk}/", {"name": "x"}).status_code == 403
    assert patch(client, f"/api/venues/{shared_venue.pk}/", {"name": "x"}).status_code == 403
    assert client.delete(f"/api/events/{event_b.pk}/").status_code == 403
    assert Event.objects.get(pk=event_b.pk).title == "Taller Beta"
    assert Venue.objects.get(pk=shared_venue.pk).name == "Biblioteca Compartida"


def test_a_moderator_changes_any_event_and_venue_through_the_api(
    client, everything, moderator, event_b, shared_venue
):
    client = signed_in(client, moderator)

    assert patch(client, f"/api/events/{event_b.pk}/", {"title": "Nuevo"}).status_code == 200
    assert patch(client, f"/api/venues/{shared_venue.pk}/", {"capacity": 9}).status_code == 200
    assert Event.objects.get(pk=event_b.pk).title == "Nuevo"
    assert Venue.objects.get(pk=shared_venue.pk).capacity == 9
