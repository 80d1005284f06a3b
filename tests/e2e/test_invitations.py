"""An organizer invites someone, who accepts or declines on the group's page,
in Spanish and in English, in a real browser."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from studygroups.models import Invitation, Membership
from studygroups.tests.factories import StudyGroupFactory, UserFactory, organizer_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WORDS = {
    "es": {"invite": "Invitar", "accept": "Aceptar la invitación",
           "decline": "Rechazar la invitación", "invited": "te invita a unirte"},
    "en": {"invite": "Invite", "accept": "Accept the invitation",
           "decline": "Decline the invitation", "invited": "invites you to join"},
}


def signed_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_the_invitee_answers_the_invitation(
    new_page, live_server, quiet_live_server, language, answer
):
    words = WORDS[language]
    group = StudyGroupFactory(name="Club de Cálculo", slug="club-de-calculo")
    organizer = organizer_of(group, "ana_organiza")
    lucia = UserFactory(username="lucia", password="!")

    page = signed_in(new_page(locale=language), live_server, organizer)
    page.goto(f"{live_server.url}{group.get_absolute_url()}")
    page.fill("#invite-username", "lucia")
    page.get_by_role("button", name=words["invite"], exact=True).click()
    expect(page.locator(".invitations")).to_contain_text("lucia")
    assert not Membership.objects.filter(user=lucia).exists()
    page.close()

    page = signed_in(new_page(locale=language), live_server, lucia)
    page.goto(f"{live_server.url}{group.get_absolute_url()}")
    expect(page.locator("#invitation")).to_contain_text(words["invited"])
    page.get_by_role("button", name=words[answer]).click()
    expect(page.locator("#invitation")).to_have_count(0)
    assert not Invitation.objects.exists()
    membership = Membership.objects.filter(user=lucia, study_group=group).first()
    if answer == "accept":
        assert membership is not None and membership.status == Membership.Status.ACTIVE
    else:
        assert membership is None
