"""Study group and event pages: details, mini-map data, directions, escaping."""

import json
import re

import pytest
from psycopg2.extras import DateTimeTZRange

from meetups.tests.factories import EventFactory, hours_from_now

from .factories import MembershipFactory, StudyGroupFactory

pytestmark = pytest.mark.django_db

XSS = "<img src=x onerror=alert(1)>"


def test_group_page_shows_the_group_its_events_and_directions(client):
    group = StudyGroupFactory(name="Club de Cálculo", description="Derivadas e integrales.")
    MembershipFactory(study_group=group)
    event = EventFactory(study_group=group, title="Repaso de parciales",
                         during=hours_from_now(48, 50))
    EventFactory(study_group=group, title="Sesión pasada", during=hours_from_now(-50, -48))
    response = client.get(f"/groups/{group.slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Club de Cálculo" in html and "Derivadas e integrales." in html
    assert event.get_absolute_url() in html
    # The past event is in the archive, not among the upcoming ones.
    upcoming, _sep, archive = html.partition('class="past-events"')
    assert "Sesión pasada" not in upcoming and "Sesión pasada" in archive
    lon, lat = group.location.x, group.location.y
    assert f"route=%3B{lat:.6f}%2C{lon:.6f}" in html
    data = json.loads(re.search(r'id="cerca-detail"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert data["point"] == [round(lon, 6), round(lat, 6)]


def test_event_page_shows_local_time_in_the_events_time_zone(client):
    import datetime

    start = datetime.datetime(2027, 3, 4, 23, 0, tzinfo=datetime.UTC)
    event = EventFactory(
        during=DateTimeTZRange(start, start + datetime.timedelta(hours=2)),
        time_zone="America/Bogota",
    )
    html = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert event.title in html
    assert "6 p.m." in html  # 23:00 UTC is 18:00 in Bogotá
    assert "America/Bogota" in html
    assert event.venue.name in html


def test_unknown_pages_are_404(client):
    assert client.get("/groups/no-such-group/").status_code == 404
    assert client.get("/events/999999/").status_code == 404


def test_user_text_is_escaped_on_every_page(client):
    group = StudyGroupFactory(name=XSS, description=XSS, city=XSS)
    event = EventFactory(study_group=group, title=XSS, description=XSS)
    for url in ["/?near=-75.569,6.2675", f"/groups/{group.slug}/", event.get_absolute_url()]:
        html = client.get(url).content.decode()
        assert XSS not in html, url
        assert "&lt;img src=x onerror=alert(1)&gt;" in html, url
