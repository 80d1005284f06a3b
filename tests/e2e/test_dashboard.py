"""The member's dashboard in Chromium: an organizer sees their events (going
and waitlisted, with the place in line), their groups and the join requests
waiting for them, approves one with its button and is back on the dashboard
with it gone; in Spanish and English, on a laptop and a 375 px phone."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from meetups.services import rsvp_answer
from meetups.tests.factories import AttendeeFactory, EventFactory, hours_from_now
from studygroups.models import Membership
from studygroups.tests.factories import MembershipFactory, StudyGroupFactory, organizer_of
from tests.e2e.layout import page_width

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LONG_WORD = "Electroencefalografistas" * 3


@pytest.fixture
def organizer(db):
    group = StudyGroupFactory(name=f"Seminario de neurociencia {LONG_WORD}",
                              join_policy="approval", time_zone="America/Bogota")
    user = organizer_of(group, "organizadora_con_un_nombre_de_usuario_larguisimo")
    MembershipFactory(study_group=group, status=Membership.Status.PENDING,
                      user=AttendeeFactory(username="pablo_pendiente"))
    full = EventFactory(study_group=group, title=f"Taller de {LONG_WORD}", capacity=1,
                        during=hours_from_now(48, 50))
    rsvp_answer(user=MembershipFactory(study_group=group).user, event=full, going=True)
    rsvp_answer(user=user, event=full, going=True)
    open_event = EventFactory(study_group=group, title="Club de lectura",
                              during=hours_from_now(72, 74), time_zone="Europe/Madrid")
    rsvp_answer(user=user, event=open_event, going=True)
    EventFactory(study_group=group, title="Sin sala", venue=None,
                 location=group.location, during=hours_from_now(96, 98))
    return user


def signed_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


@pytest.mark.parametrize("width", [1366, 375])
@pytest.mark.parametrize(
    "locale,waitlisted,approve",
    [("es", "En lista de espera: n.º 1", "Aprobar"), ("en-US", "Waitlisted: number 1", "Approve")],
)
def test_an_organizer_reads_the_dashboard_and_approves_a_request(
    new_page, live_server, screenshot, organizer, width, locale, waitlisted, approve
):
    page = signed_in(new_page(locale=locale, viewport={"width": width, "height": 900}),
                     live_server, organizer)
    page.goto(f"{live_server.url}/")
    page.locator("nav.account a[href='/me/']").click()
    page.wait_for_url("**/me/")
    page.wait_for_load_state("load")
    events = page.locator("#my-events .event-card")
    expect(events).to_have_count(2)
    expect(events.first).to_contain_text(waitlisted)
    expect(events.nth(1)).to_contain_text("Madrid")
    expect(page.locator("#needs-you .without_venue")).to_contain_text("Sin sala")
    assert page_width(page) <= width
    screenshot(f"dashboard-{locale}-{width}", of=page)
    request = page.locator("#needs-you .join-request")
    expect(request).to_contain_text("pablo_pendiente")
    request.get_by_role("button", name=approve, exact=False).first.click()
    page.wait_for_url("**/me/")
    page.wait_for_load_state("load")
    expect(page.locator("#needs-you .join-request")).to_have_count(0)
    assert Membership.objects.get(user__username="pablo_pendiente").status == "active"
    assert page_width(page) <= width
    assert page.console_errors == []


def test_signed_out_visitors_are_asked_to_log_in(page, live_server):
    page.goto(f"{live_server.url}/me/")
    page.wait_for_url("**/accounts/login/?next=/me/")
