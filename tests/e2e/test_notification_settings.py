"""The notification settings page in a real browser: in Spanish and English,
on a 1366 px screen and a 375 px phone, reached from the profile, saved and
read back; and the unsubscribe link of an email, opened and confirmed."""

import pytest

from studygroups.models import MemberProfile
from studygroups.notifications import unsubscribe_token
from studygroups.tests.factories import UserFactory
from tests.e2e.layout import page_width

from .test_phone_width import signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 375, "height": 740}}
WORDS = {
    "es": {"title": "Ajustes de notificaciones", "digest": "un resumen semanal", "save": "Guardar",
           "unsubscribe": "Darse de baja"},
    "en": {"title": "Notification settings", "digest": "a weekly digest", "save": "Save",
           "unsubscribe": "Unsubscribe"},
}


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("language", ["es", "en"])
def test_a_member_turns_the_digest_off_from_the_profile(
    new_page, live_server, screenshot, language, screen
):
    user = UserFactory(username=f"marta_{language}_{screen}", password="!")
    page = signed_in(
        new_page(locale=language, viewport=SCREENS[screen]), live_server, user
    )
    page.goto(f"{live_server.url}/accounts/profile/")
    page.get_by_role("link", name=WORDS[language]["title"]).click()
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.lang") == language
    assert page.get_by_role("heading", level=1).text_content() == WORDS[language]["title"]
    digest = page.get_by_role("checkbox", name=WORDS[language]["digest"])
    boxes = page.get_by_role("checkbox")
    assert boxes.count() == 7
    assert all(boxes.nth(n).is_checked() for n in range(7))  # every kind on by default
    assert page_width(page) <= SCREENS[screen]["width"]
    screenshot(f"notification-settings-{language}-{screen}", of=page)
    digest.uncheck()
    page.get_by_role("button", name=WORDS[language]["save"]).click()
    page.wait_for_load_state("load")
    assert not page.get_by_role("checkbox", name=WORDS[language]["digest"]).is_checked()
    profile = MemberProfile.objects.get(user=user)
    assert profile.notify_digest is False and profile.notify_reminders is True
    assert not page.console_errors


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_unsubscribe_link_works_without_signing_in(new_page, live_server, language):
    user = UserFactory(username=f"tomas_{language}", password="!")
    page = new_page(locale=language, viewport=SCREENS["phone"])
    page.goto(f"{live_server.url}/notifications/unsubscribe/"
              f"{unsubscribe_token(user, 'notify_reminders')}/")
    assert page_width(page) <= SCREENS["phone"]["width"]
    page.get_by_role("button", name=WORDS[language]["unsubscribe"]).click()
    page.wait_for_load_state("load")
    assert MemberProfile.objects.get(user=user).notify_reminders is False
    assert MemberProfile.objects.get(user=user).notify_digest is True
