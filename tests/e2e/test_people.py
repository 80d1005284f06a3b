"""People in a real browser: a member writes their public profile, others read
it; a group's page lists its organizers and (to members) its members; an
event's page lists who is going and, to organizers, the waitlist. In Spanish
and English, at 1366 and 375 pixels wide."""

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from meetups.models import RSVP
from meetups.tests.factories import EventFactory
from studygroups.models import MemberProfile
from studygroups.tests.factories import (
    MemberProfileFactory,
    MembershipFactory,
    StudyGroupFactory,
    UserFactory,
    organizer_of,
)
from tests.e2e.layout import page_width

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WORDS = {
    "es": {"save": "Guardar", "saved": "Guardado", "see": "Ver tu perfil público",
           "too_long": "como máximo 500", "organizers": "Organizadores", "members": "Miembros",
           "going": "Quién asiste", "waitlist": "Lista de espera"},
    "en": {"save": "Save", "saved": "Saved", "see": "See your public profile",
           "too_long": "at most 500", "organizers": "Organizers", "members": "Members",
           "going": "Who is going", "waitlist": "Waitlist"},
}
SIZES = [(1366, 900), (375, 800)]


def signed_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


def assert_fits(page):
    """Nothing wider than the window: no sideways scrolling on a phone."""
    assert page_width(page) <= page.viewport_size["width"]


def person(username, name, hidden=False):
    user = UserFactory(username=username, password="!")
    MemberProfileFactory(user=user, display_name=name, hidden_from_member_lists=hidden)
    return user


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("width, height", SIZES)
def test_a_member_writes_their_profile_and_others_read_it(
    new_page, live_server, screenshot, language, width, height
):
    words = WORDS[language]
    user = UserFactory(username="lucia@example.org", email="lucia@example.org", password="!")
    group = StudyGroupFactory(name="Club de Cálculo")
    MembershipFactory(study_group=group, user=user)
    page = signed_in(
        new_page(locale=language, viewport={"width": width, "height": height}), live_server, user
    )
    page.goto(f"{live_server.url}/accounts/profile/")
    # A bio longer than the limit (past the textarea's own maxlength) is named at its field.
    page.locator("#id_bio").evaluate("el => el.removeAttribute('maxlength')")
    page.fill("#id_bio", "x" * 501)
    page.get_by_role("button", name=words["save"], exact=True).click()
    expect(page.locator("#id_bio_error, .errorlist").first).to_contain_text(words["too_long"])
    assert_fits(page)
    screenshot(f"people-profile-form-error-{language}-{width}", of=page)

    page.fill("#id_display_name", "Lucía Méndez")
    page.fill("#id_bio", "<b>Hola</b>, estudio cálculo.\nMi club: https://cerca.example/club")
    page.get_by_role("button", name=words["save"], exact=True).click()
    expect(page.locator(".messages")).to_contain_text(words["saved"])
    assert MemberProfile.objects.get(user=user).display_name == "Lucía Méndez"
    page.get_by_role("link", name=words["see"]).click()
    expect(page.locator("h1")).to_have_text("Lucía Méndez")
    bio = page.locator(".bio")
    # Escaped, not bold: the text shows the angle brackets.
    expect(bio).to_contain_text("<b>Hola</b>")
    expect(bio.locator("b")).to_have_count(0)
    expect(bio.get_by_role("link", name="https://cerca.example/club")).to_have_attribute(
        "href", "https://cerca.example/club"
    )
    expect(page.get_by_role("link", name="Club de Cálculo")).to_be_visible()
    assert "lucia@example.org" not in page.content().replace(
        # The header names the signed-in account to itself.
        f">{user.username}<", ""
    )
    assert_fits(page)
    screenshot(f"people-profile-{language}-{width}", of=page)
    assert not page.console_errors


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("width, height", SIZES)
def test_group_and_event_pages_list_people_by_who_asks(
    new_page, live_server, screenshot, language, width, height
):
    words = WORDS[language]
    group = StudyGroupFactory(name="Club de Cálculo", slug="club-de-calculo")
    organizer = organizer_of(group, "olga_org")
    MemberProfileFactory(user=organizer, display_name="Olga Organiza")
    member = person("mateo", "Mateo Miembro")
    hidden = person("hilda", "Hilda Oculta", hidden=True)
    for user in (member, hidden):
        MembershipFactory(study_group=group, user=user)
    event = EventFactory(title="Taller de límites", study_group=group, capacity=2)
    RSVP.objects.create(event=event, user=member, status=RSVP.Status.YES)
    RSVP.objects.create(event=event, user=hidden, status=RSVP.Status.YES)
    for username, name in (("wally", "Wally Espera"), ("wendy", "Wendy Después")):
        RSVP.objects.create(event=event, user=person(username, name), status=RSVP.Status.WAITLIST)
    viewport = {"width": width, "height": height}

    # Nobody signed in: the organizers only.
    page = new_page(locale=language, viewport=viewport)
    page.goto(f"{live_server.url}{group.get_absolute_url()}")
    expect(page.locator(".organizers")).to_contain_text("Olga Organiza")
    expect(page.locator(".member-list")).to_have_count(0)
    page.goto(f"{live_server.url}{event.get_absolute_url()}")
    expect(page.locator(".going-list")).to_have_count(0)
    page.close()

    # A member: the members but not the one who hides, and who is going.
    page = signed_in(new_page(locale=language, viewport=viewport), live_server, member)
    page.goto(f"{live_server.url}{group.get_absolute_url()}")
    expect(page.get_by_role("heading", name=words["organizers"])).to_be_visible()
    expect(page.get_by_role("heading", name=words["members"], exact=True)).to_be_visible()
    expect(page.locator(".member-list")).to_contain_text("Mateo Miembro")
    expect(page.locator(".member-list")).not_to_contain_text("Hilda Oculta")
    assert_fits(page)
    screenshot(f"people-group-member-{language}-{width}", of=page)
    page.goto(f"{live_server.url}{event.get_absolute_url()}")
    expect(page.get_by_role("heading", name=words["going"])).to_be_visible()
    expect(page.locator(".going-list")).to_contain_text("Mateo Miembro")
    expect(page.locator(".going-list")).not_to_contain_text("Hilda Oculta")
    expect(page.locator(".waitlist")).to_have_count(0)
    page.locator(".going-list").get_by_role("link", name="Mateo Miembro").click()
    expect(page.locator("h1")).to_have_text("Mateo Miembro")
    page.close()

    # The organizer: everyone, the one who hides marked, and the waitlist in order.
    page = signed_in(new_page(locale=language, viewport=viewport), live_server, organizer)
    page.goto(f"{live_server.url}{event.get_absolute_url()}")
    expect(page.locator(".going-list")).to_contain_text("Hilda Oculta")
    expect(page.get_by_role("heading", name=words["waitlist"])).to_be_visible()
    # In order; each name after its avatar (an initial, hidden from screen readers).
    expect(page.locator(".waitlist li")).to_have_text(
        [re.compile(r"Wally Espera\s*$"), re.compile(r"Wendy Después\s*$")]
    )
    assert_fits(page)
    screenshot(f"people-event-organizer-{language}-{width}", of=page)
    page.goto(f"{live_server.url}{group.get_absolute_url()}")
    expect(page.locator(".member-list")).to_contain_text("Hilda Oculta")
    assert_fits(page)
    screenshot(f"people-group-organizer-{language}-{width}", of=page)
    assert not page.console_errors
