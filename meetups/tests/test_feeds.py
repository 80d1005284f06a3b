"""iCalendar feeds, read back with the icalendar library's own parser."""

import datetime
import zoneinfo

import icalendar
import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test import Client
from psycopg2.extras import DateTimeTZRange

from meetups.models import RSVP, Event
from meetups.tests.factories import EventFactory, RSVPFactory, VenueFactory, hours_from_now
from studygroups.models import MemberProfile
from studygroups.tests.factories import StudyGroupFactory, UserFactory

pytestmark = pytest.mark.django_db

UTC = datetime.timezone.utc


def during_utc(*start, hours=2):
    start = datetime.datetime(*start, tzinfo=UTC)
    return DateTimeTZRange(start, start + datetime.timedelta(hours=hours), "[)")


def parse(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def vevents(calendar):
    return calendar.walk("VEVENT")


def uids(calendar):
    return {str(vevent["UID"]) for vevent in vevents(calendar)}


def uid(event):
    return f"event-{event.pk}@testserver"


def the_vevent(calendar):
    (vevent,) = vevents(calendar)
    return vevent


def event_ics(client, event):
    return parse(client.get(f"/calendar/events/{event.pk}.ics"))


def calendar_line(response, name):
    """The raw value of the calendar's ``name`` line, unfolded."""
    unfolded = response.content.decode().replace("\r\n ", "")
    (line,) = [line for line in unfolded.split("\r\n") if line.startswith(f"{name}:")]
    return line.removeprefix(f"{name}:")


def personal_url(token):
    return f"/calendar/me/{token}.ics"


# One event (.ics download)


def test_event_calendar_has_the_required_calendar_properties(client):
    event = EventFactory(title="Taller de PostGIS")
    calendar = event_ics(client, event)
    assert str(calendar["PRODID"]) == "-//Cerca//Study groups near you//ES"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["X-WR-CALNAME"]) == "Taller de PostGIS"


def test_event_download_is_an_attachment_named_after_the_title(client):
    event = EventFactory(title="Sesión de Python")
    response = client.get(f"/calendar/events/{event.pk}.ics")
    assert response["Content-Disposition"] == 'attachment; filename="sesion-de-python.ics"'


def test_start_and_end_are_in_the_events_own_time_zone(client):
    # 23:30 UTC is 18:30 in Bogotá (UTC−5 all year).
    event = EventFactory(during=during_utc(2031, 3, 14, 23, 30), time_zone="America/Bogota")
    vevent = the_vevent(event_ics(client, event))
    assert vevent["DTSTART"].params["TZID"] == "America/Bogota"
    assert vevent["DTEND"].params["TZID"] == "America/Bogota"
    assert vevent["DTSTART"].to_ical() == b"20310314T183000"
    assert vevent["DTEND"].to_ical() == b"20310314T203000"
    bogota = zoneinfo.ZoneInfo("America/Bogota")
    start = vevent.decoded("DTSTART")
    assert start == event.during.lower
    assert start.replace(tzinfo=None) == event.during.lower.astimezone(bogota).replace(tzinfo=None)


def test_summer_time_is_respected_in_a_zone_with_dst(client):
    # 16:00 UTC in July is 18:00 in Madrid (CEST, UTC+2).
    event = EventFactory(during=during_utc(2031, 7, 10, 16, 0), time_zone="Europe/Madrid")
    vevent = the_vevent(event_ics(client, event))
    assert vevent["DTSTART"].params["TZID"] == "Europe/Madrid"
    assert vevent["DTSTART"].to_ical() == b"20310710T180000"
    madrid = zoneinfo.ZoneInfo("Europe/Madrid")
    local = event.during.lower.astimezone(madrid).replace(tzinfo=None)
    assert vevent.decoded("DTSTART").replace(tzinfo=None) == local


def test_the_vtimezone_itself_gives_the_right_offset(client):
    # Clients without an IANA database read the offset from VTIMEZONE alone.
    event = EventFactory(during=during_utc(2031, 7, 10, 16, 0), time_zone="Europe/Madrid")
    calendar = event_ics(client, event)
    (vtimezone,) = calendar.timezones
    from_vtimezone = vtimezone.to_tz(lookup_tzid=False)
    summer = datetime.datetime(2031, 7, 10, 18, 0, tzinfo=from_vtimezone)
    winter = datetime.datetime(2031, 1, 10, 18, 0, tzinfo=from_vtimezone)
    assert summer.utcoffset() == datetime.timedelta(hours=2)
    assert winter.utcoffset() == datetime.timedelta(hours=1)


def test_the_vtimezone_is_icalendars_own_for_the_events_years_on_every_download(client):
    # Built once per zone and span, then reused: each download must still
    # carry the VTIMEZONE icalendar builds for those years.
    event = EventFactory(during=during_utc(2031, 7, 10, 16, 0), time_zone="Europe/Madrid")
    expected = icalendar.Timezone.from_tzid(
        "Europe/Madrid", first_date=datetime.date(2030, 1, 1), last_date=datetime.date(2033, 1, 1)
    ).to_ical()
    first, second = event_ics(client, event), event_ics(client, event)
    assert [tz.to_ical() for tz in first.timezones] == [expected]
    assert [tz.to_ical() for tz in second.timezones] == [expected]


def test_each_time_zone_used_has_a_vtimezone(client):
    group = StudyGroupFactory()
    EventFactory(study_group=group, time_zone="America/Bogota")
    EventFactory(study_group=group, time_zone="Europe/Madrid")
    calendar = parse(client.get(f"/calendar/groups/{group.slug}.ics"))
    used = {
        vevent[name].params["TZID"] for vevent in vevents(calendar) for name in ("DTSTART", "DTEND")
    }
    assert used == {"America/Bogota", "Europe/Madrid"}
    assert {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")} == used


def test_a_utc_event_is_written_in_utc_without_a_vtimezone(client):
    event = EventFactory(during=during_utc(2031, 3, 14, 23, 30), time_zone="UTC")
    calendar = event_ics(client, event)
    assert the_vevent(calendar)["DTSTART"].to_ical() == b"20310314T233000Z"
    assert calendar.walk("VTIMEZONE") == []


def test_geo_is_latitude_then_longitude(client):
    # Biblioteca Carlos Gaviria Díaz: lon −75.5686, lat 6.2672.
    venue = VenueFactory(location=Point(-75.5686, 6.2672, srid=4326))
    event = EventFactory(venue=venue)
    geo = the_vevent(event_ics(client, event))["GEO"]
    assert (geo.latitude, geo.longitude) == pytest.approx((6.2672, -75.5686), abs=1e-9)
    assert geo.to_ical().startswith("6.2672;")


def test_location_summary_and_url_describe_the_event(client):
    venue = VenueFactory(name="Biblioteca EPM", address="Carrera 54 #44-48", city="Medellín")
    event = EventFactory(title="Mapas con Leaflet", venue=venue, description="Traer portátil.")
    vevent = the_vevent(event_ics(client, event))
    assert str(vevent["SUMMARY"]) == "Mapas con Leaflet"
    assert str(vevent["DESCRIPTION"]) == "Traer portátil."
    assert str(vevent["LOCATION"]) == "Biblioteca EPM, Carrera 54 #44-48, Medellín"
    assert str(vevent["URL"]) == f"http://testserver/events/{event.pk}/"


def test_an_online_event_is_located_at_its_url_and_has_no_geo(client):
    event = EventFactory(venue=None, location=None, online_url="https://meet.example.org/gis")
    vevent = the_vevent(event_ics(client, event))
    assert str(vevent["LOCATION"]) == "https://meet.example.org/gis"
    assert "GEO" not in vevent


def test_a_hybrid_event_keeps_the_venue_as_location_and_links_the_url(client):
    event = EventFactory(online_url="https://meet.example.org/gis", description="Hola.")
    vevent = the_vevent(event_ics(client, event))
    assert str(vevent["LOCATION"]).startswith(event.venue.name)
    assert str(vevent["DESCRIPTION"]) == "Hola.\n\nhttps://meet.example.org/gis"


def test_uid_is_stable_across_requests(client):
    event = EventFactory()
    first = client.get(f"/calendar/events/{event.pk}.ics")
    second = client.get(f"/calendar/events/{event.pk}.ics")
    assert uids(parse(first)) == uids(parse(second)) == {uid(event)}
    # DTSTAMP is the last revision, not the time of the request.
    assert first.content == second.content


def test_last_modified_and_dtstamp_are_the_last_update(client):
    event = EventFactory()
    vevent = the_vevent(event_ics(client, event))
    updated_at = event.updated_at.replace(microsecond=0)
    assert vevent.decoded("LAST-MODIFIED") == updated_at
    assert vevent.decoded("DTSTAMP") == updated_at


def test_a_scheduled_event_is_confirmed_and_a_cancelled_one_cancelled(client):
    scheduled = EventFactory()
    cancelled = EventFactory(status=Event.Status.CANCELLED)
    assert str(the_vevent(event_ics(client, scheduled))["STATUS"]) == "CONFIRMED"
    assert str(the_vevent(event_ics(client, cancelled))["STATUS"]) == "CANCELLED"


def test_user_text_with_commas_semicolons_and_newlines_round_trips(client):
    title = 'Python, Django; y "GIS"\nsegunda línea \\ fin'
    description = "Uno, dos; tres.\n\nÑandú: " + "ñ" * 120 + "\r\nfin;"
    venue = VenueFactory(name="Sala 3; piso 2, bloque A", address="Calle 1, #2; 3")
    event = EventFactory(title=title, description=description, venue=venue)
    response = client.get(f"/calendar/events/{event.pk}.ics")
    # X-WR-CALNAME is an X- property, which the parser leaves escaped.
    assert calendar_line(response, "X-WR-CALNAME") == (
        'Python\\, Django\\; y "GIS"\\nsegunda línea \\\\ fin'
    )
    vevent = the_vevent(parse(response))
    assert str(vevent["SUMMARY"]) == title
    # A browser's CRLF line break comes back as the one line break iCalendar has.
    assert str(vevent["DESCRIPTION"]) == description.replace("\r\n", "\n")
    assert str(vevent["LOCATION"]) == "Sala 3; piso 2, bloque A, Calle 1, #2; 3, Medellín"


def test_unknown_event_is_404(client):
    assert client.get("/calendar/events/999999.ics").status_code == 404


# A study group's feed


def test_group_feed_holds_the_groups_upcoming_and_recent_events_only(client):
    group = StudyGroupFactory(name="Geo Medellín")
    upcoming = EventFactory(study_group=group, during=hours_from_now(24, 26))
    recent = EventFactory(study_group=group, during=hours_from_now(-240, -238))
    cancelled = EventFactory(
        study_group=group, during=hours_from_now(48, 50), status=Event.Status.CANCELLED
    )
    EventFactory(study_group=group, during=hours_from_now(-24 * 40, -24 * 40 + 2))
    EventFactory(during=hours_from_now(24, 26))
    calendar = parse(client.get(f"/calendar/groups/{group.slug}.ics"))
    assert str(calendar["X-WR-CALNAME"]) == "Geo Medellín"
    assert uids(calendar) == {uid(upcoming), uid(recent), uid(cancelled)}
    status = {str(vevent["UID"]): str(vevent["STATUS"]) for vevent in vevents(calendar)}
    assert status[uid(cancelled)] == "CANCELLED"


def test_group_feed_asks_subscribers_to_refresh_hourly(client):
    group = StudyGroupFactory()
    calendar = parse(client.get(f"/calendar/groups/{group.slug}.ics"))
    assert calendar.decoded("REFRESH-INTERVAL") == datetime.timedelta(hours=1)


def test_group_feed_query_count_does_not_grow_with_events(client, django_assert_max_num_queries):
    group = StudyGroupFactory()
    for hours in (24, 48, 72, 96):
        EventFactory(study_group=group, during=hours_from_now(hours, hours + 2))
    with django_assert_max_num_queries(2):
        parse(client.get(f"/calendar/groups/{group.slug}.ics"))


def test_unknown_group_is_404(client):
    assert client.get("/calendar/groups/no-such-group.ics").status_code == 404


# The member's personal feed


@pytest.fixture
def member():
    return UserFactory(username="ana_restrepo", first_name="Anaís", last_name="Restrepo")


@pytest.fixture
def profile(member):
    return MemberProfile.objects.create(user=member)


def test_personal_feed_holds_exactly_the_members_yes_and_waitlist_events(client, member, profile):
    going = RSVPFactory(user=member, status=RSVP.Status.YES).event
    waitlisted = RSVPFactory(user=member, status=RSVP.Status.WAITLIST).event
    RSVPFactory(user=member, status=RSVP.Status.NO)
    RSVPFactory(status=RSVP.Status.YES)
    EventFactory()
    calendar = parse(client.get(personal_url(profile.calendar_token)))
    assert uids(calendar) == {uid(going), uid(waitlisted)}


def test_personal_feed_keeps_cancelled_events_marked_cancelled(client, member, profile):
    event = EventFactory(status=Event.Status.CANCELLED)
    RSVPFactory(user=member, event=event, status=RSVP.Status.YES)
    vevent = the_vevent(parse(client.get(personal_url(profile.calendar_token))))
    assert str(vevent["UID"]) == uid(event)
    assert str(vevent["STATUS"]) == "CANCELLED"


def test_personal_feed_never_names_members(client, member, profile):
    event = EventFactory()
    RSVPFactory(user=member, event=event)
    other = UserFactory(username="bruno_ocampo", first_name="Bruno", last_name="Ocampo")
    RSVPFactory(user=other, event=event)
    body = client.get(personal_url(profile.calendar_token)).content.decode()
    for user in (member, other):
        for text in (user.username, user.email, user.first_name, user.last_name):
            assert text.lower() not in body.lower()
    assert "ATTENDEE" not in body and "ORGANIZER" not in body


def test_personal_feed_is_private_to_caches(client, profile):
    response = client.get(personal_url(profile.calendar_token))
    assert "private" in response["Cache-Control"]


def test_personal_feed_query_count_does_not_grow_with_events(
    client, member, profile, django_assert_max_num_queries
):
    for _ in range(4):
        RSVPFactory(user=member)
    with django_assert_max_num_queries(2):
        parse(client.get(personal_url(profile.calendar_token)))


def test_unknown_token_is_404(client, profile):
    assert client.get(personal_url("not-a-real-token")).status_code == 404


def test_token_of_an_inactive_member_is_404(client, member, profile):
    member.is_active = False
    member.save()
    assert client.get(personal_url(profile.calendar_token)).status_code == 404


# Seeing and replacing the personal feed URL


def test_my_calendar_shows_the_feed_url_and_its_webcal_variant(client, member, profile):
    client.force_login(member)
    html = client.get("/calendar/me/").content.decode()
    path = personal_url(profile.calendar_token)
    assert f'value="http://testserver{path}"' in html
    assert f'href="webcal://testserver{path}"' in html
    assert 'action="/calendar/me/regenerate/"' in html
    assert "csrfmiddlewaretoken" in html


def test_my_calendar_creates_a_missing_profile(client, member):
    client.force_login(member)
    response = client.get("/calendar/me/")
    assert response.status_code == 200
    token = MemberProfile.objects.get(user=member).calendar_token
    assert personal_url(token) in response.content.decode()


def test_my_calendar_needs_login(client):
    response = client.get("/calendar/me/")
    assert response.status_code == 302


def test_regenerating_retires_the_old_token(client, member, profile):
    old = profile.calendar_token
    client.force_login(member)
    response = client.post("/calendar/me/regenerate/")
    assert response.status_code == 302
    assert response["Location"] == "/calendar/me/"
    new = MemberProfile.objects.get(user=member).calendar_token
    assert new != old
    assert client.get(personal_url(old)).status_code == 404
    assert client.get(personal_url(new)).status_code == 200
    assert personal_url(new) in client.get("/calendar/me/").content.decode()


def test_regenerating_works_without_a_profile_yet(client, member):
    client.force_login(member)
    assert client.post("/calendar/me/regenerate/").status_code == 302
    token = MemberProfile.objects.get(user=member).calendar_token
    assert client.get(personal_url(token)).status_code == 200


def test_regenerating_refuses_get(client, member, profile):
    client.force_login(member)
    assert client.get("/calendar/me/regenerate/").status_code == 405
    assert MemberProfile.objects.get(user=member).calendar_token == profile.calendar_token


def test_regenerating_needs_login(client, member, profile):
    response = client.post("/calendar/me/regenerate/")
    assert response.status_code == 302
    assert "/calendar/me/regenerate/" in response["Location"]
    assert MemberProfile.objects.get(user=member).calendar_token == profile.calendar_token


def test_regenerating_needs_the_csrf_token(member, profile):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.post("/calendar/me/regenerate/").status_code == 403
    assert MemberProfile.objects.get(user=member).calendar_token == profile.calendar_token


# Reminders in calendar apps (VALARM)


def test_an_event_carries_a_display_alarm_an_hour_before_its_start(client):
    event = EventFactory(title="Club de lectura", during=during_utc(2031, 7, 10, 16, 0))
    (alarm,) = the_vevent(event_ics(client, event)).walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert str(alarm["DESCRIPTION"]) == "Club de lectura"
    assert alarm.decoded("TRIGGER") == datetime.timedelta(hours=-1)
    assert alarm["TRIGGER"].params.get("RELATED", "START") == "START"


def test_a_cancelled_event_carries_no_alarm(client):
    event = EventFactory(status=Event.Status.CANCELLED)
    assert the_vevent(event_ics(client, event)).walk("VALARM") == []


# Bad data left from before the database refused it


@pytest.fixture
def far_future_event(db):
    """An event until the year 9999, as a table restored from before the
    constraints of meetups 0013 may hold (they are dropped for this test only,
    inside its transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE meetups_event DROP CONSTRAINT event_at_most_31_days,"
            " DROP CONSTRAINT event_within_years_2000_2099"
        )
    event = EventFactory()
    end = datetime.datetime(9999, 12, 31, 23, tzinfo=UTC)
    Event.objects.filter(pk=event.pk).update(
        during=DateTimeTZRange(event.during.lower, end, "[)")
    )
    return Event.objects.get(pk=event.pk)


def test_a_far_future_event_leaves_the_group_feed_working(client, far_future_event):
    good = EventFactory(study_group=far_future_event.study_group)
    calendar = parse(client.get(f"/calendar/groups/{good.study_group.slug}.ics"))
    assert uids(calendar) == {uid(good)}


def test_a_far_future_event_leaves_the_personal_feed_working(
    client, member, profile, far_future_event
):
    good = RSVPFactory(user=member).event
    RSVPFactory(user=member, event=far_future_event)
    calendar = parse(client.get(personal_url(profile.calendar_token)))
    assert uids(calendar) == {uid(good)}


def test_a_far_future_event_has_an_empty_calendar_not_a_500(client, far_future_event):
    calendar = parse(client.get(f"/calendar/events/{far_future_event.pk}.ics"))
    assert vevents(calendar) == []


def test_an_event_at_the_end_of_2099_has_its_time_zones(client):
    event = EventFactory(
        during=during_utc(2099, 12, 31, 20, hours=4), time_zone="America/New_York"
    )
    calendar = event_ics(client, event)
    assert uids(calendar) == {uid(event)}
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["America/New_York"]
