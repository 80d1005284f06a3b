"""On a 375 px phone, no page of the site is wider than the screen.

Every kind of page except the map page (tested on its own): a group, an event
and a venue page, the group, event and venue forms as their organizer, the
account pages and the 404 page, with long names, long words and a long URL
in the data, in Spanish and English. Each page is screenshotted.
"""

import pytest
from django.contrib.gis.geos import Point
from django.test import Client

from meetups.tests.factories import EventFactory, VenueFactory, hours_from_now
from studygroups.models import Membership
from studygroups.tests.factories import MembershipFactory, StudyGroupFactory, organizer_of
from tests.e2e.layout import page_width

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}
LONG_WORD = "Electroencefalografistas" * 3
LONG_URL = "https://example.org/materiales/" + "calculo-diferencial-e-integral-" * 5


@pytest.fixture
def cast(db):
    group = StudyGroupFactory(
        name=f"Seminario de neurociencia {LONG_WORD}",
        slug="seminario-neuro",
        description=f"Lecturas en {LONG_URL} cada semana. {LONG_WORD}.",
        city="Bogotá",
        address="Carrera 30 #45-03, Ciudad Universitaria, Universidad Nacional de Colombia",
        location=Point(-74.0840, 4.6380, srid=4326),
        join_policy="approval",
    )
    organizer = organizer_of(group, "organizadora_con_un_nombre_de_usuario_larguisimo")
    MembershipFactory(study_group=group, status=Membership.Status.PENDING)
    MembershipFactory(study_group=group)
    venue = VenueFactory(
        study_group=group,
        name=f"Auditorio León de Greiff {LONG_WORD}",
        city="Bogotá",
        address="Universidad Nacional, edificio 104",
        location=Point(-74.0817, 4.6358, srid=4326),
    )
    event = EventFactory(
        study_group=group,
        venue=venue,
        title=f"Taller de {LONG_WORD}",
        description=f"Trae tu portátil. Material: {LONG_URL}",
        online_url=LONG_URL,
        during=hours_from_now(72, 74),
    )
    return {"group": group, "organizer": organizer, "venue": venue, "event": event}


def signed_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


@pytest.mark.parametrize("language", ["es", "en"])
def test_no_page_is_wider_than_a_phone(new_page, live_server, screenshot, cast, language):
    group, venue, event = cast["group"], cast["venue"], cast["event"]
    anonymous_pages = {
        "login": "/accounts/login/",
        "signup": "/accounts/signup/?next=/groups/new/",
        "password-reset": "/accounts/password_reset/",
        "404": "/no-such-page/",
        "event-anonymous": event.get_absolute_url(),
    }
    organizer_pages = {
        "group": group.get_absolute_url(),
        "event": event.get_absolute_url(),
        "venue": venue.get_absolute_url(),
        "group-form": "/groups/new/",
        "group-edit": f"/groups/{group.slug}/edit/",
        "event-form": f"/events/new/?group={group.slug}",
        "event-edit": f"/events/{event.pk}/edit/",
        "venue-form": f"/venues/new/?group={group.slug}",
        "venue-edit": f"/venues/{venue.pk}/edit/",
        "venue-delete": f"/venues/{venue.pk}/delete/",
        "profile": "/accounts/profile/",
        "password-change": "/accounts/password_change/",
        "my-calendar": "/calendar/me/",
    }
    anonymous = new_page(locale=language, viewport=PHONE)
    organizer = signed_in(new_page(locale=language, viewport=PHONE), live_server, cast["organizer"])
    too_wide = {}
    for pages, page in ((anonymous_pages, anonymous), (organizer_pages, organizer)):
        for name, path in pages.items():
            response = page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("load")
            assert response.status == (404 if name == "404" else 200), path
            assert page.evaluate("document.documentElement.lang") == language, path
            width = page_width(page)
            screenshot(f"phone-{name}-{language}", of=page)
            if width > PHONE["width"]:
                too_wide[path] = width
    assert too_wide == {}
    assert not anonymous.console_errors and not organizer.console_errors
