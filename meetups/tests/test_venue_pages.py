"""Venues on the site: their page, and organizers adding, editing and deleting them."""

import json
import re

import pytest
from django.core.exceptions import ValidationError

from meetups.models import Venue
from meetups.services import venue_delete
from studygroups.tests.factories import UserFactory

from .factories import EventFactory, VenueFactory, hours_from_now

pytestmark = pytest.mark.django_db

# The Biblioteca Nacional de Colombia, Bogotá.
BIBLIOTECA_NACIONAL = {
    "name": "Biblioteca Nacional de Colombia",
    "address": "Calle 24 #5-60",
    "city": "Bogotá",
    "location": '{"type": "Point", "coordinates": [-74.0694, 4.6101]}',
    "capacity": "80",
}


@pytest.fixture
def venue_a(group_a):
    return VenueFactory(study_group=group_a, name="Sala Gabo", city="Bogotá")


@pytest.fixture
def shared_venue(db):
    return VenueFactory(study_group=None, name="Auditorio compartido")


def signed_in(client, user):
    if user is not None:
        client.force_login(user)
    return client


def test_the_venue_page_shows_the_venue_its_group_map_and_events(client, venue_a):
    coming = EventFactory(venue=venue_a, title="Taller de Python", during=hours_from_now(48, 50))
    EventFactory(venue=venue_a, title="Taller pasado", during=hours_from_now(-50, -48))
    response = client.get(f"/venues/{venue_a.pk}/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sala Gabo" in html and venue_a.address in html and "Bogotá" in html
    assert "Caben 50 personas" in html
    assert venue_a.study_group.get_absolute_url() in html
    assert coming.get_absolute_url() in html and "Taller pasado" not in html
    lon, lat = venue_a.location.x, venue_a.location.y
    assert f"route=%3B{lat:.6f}%2C{lon:.6f}" in html
    data = json.loads(re.search(r'id="cerca-detail"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert data == {"point": [round(lon, 6), round(lat, 6)], "label": "Sala Gabo", "area": None}


def test_the_venue_page_escapes_the_venues_texts(client):
    venue = VenueFactory(name="<script>alert(1)</script>", address="<b>x</b>")
    html = client.get(f"/venues/{venue.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html and "<b>x</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_an_unknown_venue_is_a_404(client):
    assert client.get("/venues/999999/").status_code == 404


def test_the_event_page_links_its_venue(client, venue_a):
    event = EventFactory(venue=venue_a)
    html = client.get(event.get_absolute_url()).content.decode()
    assert f'<a href="/venues/{venue_a.pk}/">Sala Gabo</a>' in html


def test_the_group_page_lists_its_venues(client, venue_a):
    html = client.get(venue_a.study_group.get_absolute_url()).content.decode()
    assert f'<a href="/venues/{venue_a.pk}/">Sala Gabo</a>' in html


def test_new_venue_from_the_group_page_preselects_the_group(client, organizer_a, group_a):
    client.force_login(organizer_a)
    group_page = client.get(group_a.get_absolute_url()).content.decode()
    assert f'href="/venues/new/?group={group_a.slug}"' in group_page
    form = client.get("/venues/new/", {"group": group_a.slug}).context["form"]
    assert form["study_group"].value() == group_a.pk


def test_another_groups_slug_preselects_nothing(client, organizer_a, group_b):
    client.force_login(organizer_a)
    form = client.get("/venues/new/", {"group": group_b.slug}).context["form"]
    assert form.initial.get("study_group") is None


def test_after_saving_a_new_venue_you_land_on_its_page(client, organizer_a, group_a):
    client.force_login(organizer_a)
    response = client.post("/venues/new/", {**BIBLIOTECA_NACIONAL, "study_group": group_a.pk})
    venue = Venue.objects.get(name="Biblioteca Nacional de Colombia")
    assert response.status_code == 302 and response.url == f"/venues/{venue.pk}/"


def test_organizers_are_told_the_group_is_one_of_theirs(client, organizer_a):
    client.force_login(organizer_a)
    field = client.get("/venues/new/").context["form"].fields["study_group"]
    assert field.required
    assert "empty" not in str(field.help_text).lower()


def test_moderators_are_told_an_empty_group_makes_a_shared_venue(client, moderator):
    client.force_login(moderator)
    field = client.get("/venues/new/", HTTP_ACCEPT_LANGUAGE="en").context["form"].fields[
        "study_group"
    ]
    assert not field.required
    assert "Leave it empty" in str(field.help_text)


@pytest.mark.parametrize("capacity", ["0", "-5", "2147483648", "99999999999999999999", "1e3"])
def test_a_venue_capacity_out_of_range_is_a_field_error(client, organizer_a, group_a, capacity):
    client.force_login(organizer_a)
    response = client.post(
        "/venues/new/",
        {**BIBLIOTECA_NACIONAL, "capacity": capacity, "study_group": group_a.pk},
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["capacity"]
    assert not Venue.objects.exists()


# Who may edit and delete: the organizers of the venue's group and moderators;
# shared venues (no group) are the moderators' alone.
ROLES = ["student", "member_a", "organizer_a", "organizer_b", "moderator"]
MAY_CHANGE_A = {"organizer_a", "moderator"}
MAY_CHANGE_SHARED = {"moderator"}


@pytest.fixture
def user_in_role(request):
    def get(role):
        if role == "student":
            return UserFactory(username="estudiante", password="!")
        return request.getfixturevalue(role)

    return get


@pytest.mark.parametrize("role", ROLES)
def test_editing_a_groups_venue(client, user_in_role, venue_a, role):
    signed_in(client, user_in_role(role))
    body = {**BIBLIOTECA_NACIONAL, "name": "Sala renombrada", "study_group": venue_a.study_group_id}
    response = client.post(f"/venues/{venue_a.pk}/edit/", body)
    venue_a.refresh_from_db()
    if role in MAY_CHANGE_A:
        assert response.status_code == 302 and response.url == f"/venues/{venue_a.pk}/"
        assert venue_a.name == "Sala renombrada"
    else:
        assert response.status_code == 403
        assert venue_a.name == "Sala Gabo"


@pytest.mark.parametrize("role", ROLES)
def test_deleting_a_groups_venue(client, user_in_role, venue_a, role):
    signed_in(client, user_in_role(role))
    response = client.post(f"/venues/{venue_a.pk}/delete/")
    if role in MAY_CHANGE_A:
        assert response.status_code == 302
        assert not Venue.objects.filter(pk=venue_a.pk).exists()
    else:
        assert response.status_code == 403
        assert Venue.objects.filter(pk=venue_a.pk).exists()


@pytest.mark.parametrize("role", ROLES)
def test_changing_a_shared_venue(client, user_in_role, shared_venue, role):
    signed_in(client, user_in_role(role))
    edit = client.get(f"/venues/{shared_venue.pk}/edit/")
    delete = client.post(f"/venues/{shared_venue.pk}/delete/")
    if role in MAY_CHANGE_SHARED:
        assert edit.status_code == 200 and delete.status_code == 302
        assert not Venue.objects.filter(pk=shared_venue.pk).exists()
    else:
        assert (edit.status_code, delete.status_code) == (403, 403)
        assert Venue.objects.filter(pk=shared_venue.pk).exists()


def test_anonymous_visitors_are_sent_to_log_in(client, venue_a):
    for url in (f"/venues/{venue_a.pk}/edit/", f"/venues/{venue_a.pk}/delete/"):
        response = client.post(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert Venue.objects.filter(pk=venue_a.pk).exists()


def test_the_venue_page_offers_edit_and_delete_to_its_organizers_only(
    client, venue_a, organizer_a, organizer_b
):
    links = f'href="/venues/{venue_a.pk}/edit/"'
    assert links not in client.get(f"/venues/{venue_a.pk}/").content.decode()
    client.force_login(organizer_b)
    assert links not in client.get(f"/venues/{venue_a.pk}/").content.decode()
    client.force_login(organizer_a)
    assert links in client.get(f"/venues/{venue_a.pk}/").content.decode()


def test_deleting_asks_for_confirmation_first(client, organizer_a, venue_a):
    client.force_login(organizer_a)
    response = client.get(f"/venues/{venue_a.pk}/delete/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    html = response.content.decode()
    assert "¿Eliminar el lugar «Sala Gabo»?" in html and "Sí, eliminarlo" in html
    assert Venue.objects.filter(pk=venue_a.pk).exists()


def test_a_venue_with_events_is_not_deleted_and_its_events_are_listed(
    client, organizer_a, venue_a
):
    past = EventFactory(venue=venue_a, title="Sesión de marzo", during=hours_from_now(-50, -48))
    coming = EventFactory(venue=venue_a, title="Sesión de mayo", during=hours_from_now(48, 50))
    client.force_login(organizer_a)
    response = client.post(f"/venues/{venue_a.pk}/delete/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 409
    html = response.content.decode()
    assert "no se puede eliminar mientras tenga eventos" in html
    assert past.get_absolute_url() in html and coming.get_absolute_url() in html
    assert "Sí, eliminarlo" not in html
    assert Venue.objects.filter(pk=venue_a.pk).exists()


def test_venue_delete_refuses_a_venue_with_events_by_code(venue_a):
    EventFactory(venue=venue_a)
    with pytest.raises(ValidationError) as refused:
        venue_delete(venue_a)
    assert refused.value.code == "venue_has_events"
    assert Venue.objects.filter(pk=venue_a.pk).exists()


def test_deleting_a_venue_goes_back_to_its_group(client, organizer_a, venue_a):
    client.force_login(organizer_a)
    response = client.post(f"/venues/{venue_a.pk}/delete/")
    assert response.url == venue_a.study_group.get_absolute_url()


def test_a_venues_upcoming_events_are_read_on_an_index():
    # 200 venues with 100 weekly events each over two years, fresh statistics:
    # the planner must find one venue's upcoming events without reading them all.
    from django.db import connection

    from meetups.models import Event

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO meetups_venue (id, name, address, city, location, capacity,
                                       created_at, updated_at)
            SELECT 1600000000 + n, 'Sala ' || n, '', 'Bogotá',
                   ST_SetSRID(ST_MakePoint(-74.08 + n * 0.0001, 4.63), 4326)::geography,
                   50, now(), now()
            FROM generate_series(0, 199) AS n
            """
        )
        cursor.execute(
            """
            INSERT INTO meetups_event (id, title, description, online_url, during, time_zone,
                                       capacity, status, venue_id, location,
                                       created_at, updated_at)
            SELECT 1600000000 + n, 'Sesión ' || n, '', '',
                   tstzrange(now() - interval '1 year' + (n / 200) * interval '1 week',
                             now() - interval '1 year' + (n / 200) * interval '1 week'
                             + interval '2 hours', '[)'),
                   'America/Bogota', 30, 'scheduled', 1600000000 + n % 200,
                   ST_SetSRID(ST_MakePoint(-74.08, 4.63), 4326)::geography, now(), now()
            FROM generate_series(0, 19999) AS n
            """
        )
        cursor.execute("ANALYZE meetups_venue")
        cursor.execute("ANALYZE meetups_event")
        venue = Venue.objects.get(pk=1600000007)
        query = Event.objects.upcoming().filter(venue=venue).values("pk")[:20]
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on meetups_event" not in plan, plan
    # The venue's foreign key index, or the GiST index of the no-double-booking rule.
    assert "meetups_event_venue_id" in plan or "event_venue_not_double_booked" in plan, plan
    # About half of the venue's 100 weekly events are still to come.
    assert len(list(query)) == 20


def test_a_venue_cannot_shrink_below_its_upcoming_events(client, organizer_a, venue_a):
    EventFactory(
        venue=venue_a, title="Taller de Python", capacity=30, during=hours_from_now(48, 50)
    )
    # A past event above the new size, and an upcoming one within it, are fine.
    EventFactory(venue=venue_a, title="Taller pasado", capacity=40, during=hours_from_now(-50, -48))
    EventFactory(venue=venue_a, title="Charla corta", capacity=5, during=hours_from_now(72, 74))
    client.force_login(organizer_a)
    edit = {**BIBLIOTECA_NACIONAL, "study_group": venue_a.study_group_id}
    response = client.post(
        f"/venues/{venue_a.pk}/edit/", {**edit, "capacity": "10"}, HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "capacity": [
            "Hay eventos próximos aquí con más cupo que eso (Taller de Python): "
            "baja primero su cupo."
        ]
    }
    assert Venue.objects.get(pk=venue_a.pk).capacity == 50
    response = client.post(f"/venues/{venue_a.pk}/edit/", {**edit, "capacity": "30"})
    assert response.status_code == 302
    assert Venue.objects.get(pk=venue_a.pk).capacity == 30


def test_the_blocking_events_list_the_soonest_upcoming_first_then_the_past(
    client, organizer_a, venue_a
):
    titles = {
        "pasada reciente": (-50, -48), "pasada antigua": (-500, -498),
        "próxima": (48, 50), "lejana": (500, 502),
    }
    events = {
        title: EventFactory(venue=venue_a, title=title, during=hours_from_now(*hours))
        for title, hours in titles.items()
    }
    client.force_login(organizer_a)
    response = client.get(f"/venues/{venue_a.pk}/delete/")
    assert [event.title for event in response.context["events"]] == [
        "próxima", "lejana", "pasada reciente", "pasada antigua"
    ]
    assert all(event.get_absolute_url() in response.content.decode() for event in events.values())
