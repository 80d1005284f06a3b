"""The conversation of a study group in a real browser: a member posts,
an organizer replies, pins and removes, in Spanish and English, on a 1366 px
screen and a 375 px phone; hostile text stays text, and a very long word
never widens the phone's page."""

import pytest

from meetups.tests.factories import AttendeeFactory
from studygroups.post_services import post_create
from studygroups.posts import Post
from studygroups.tests.factories import MembershipFactory, StudyGroupFactory, organizer_of
from tests.e2e.layout import page_width

from .test_phone_width import signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 375, "height": 740}}
WORDS = {
    "es": {"heading": "Conversación", "write": "Escribir al grupo", "post": "Publicar",
           "reply": "Responder", "send": "Enviar respuesta", "pin": "Fijar", "pinned": "Fijado",
           "remove": "Retirar", "removed": "Un organizador retiró este mensaje.",
           "follow": "Siguiendo", "outsider": "Únete al grupo"},
    "en": {"heading": "Conversation", "write": "Write to the group", "post": "Post",
           "reply": "Reply", "send": "Send reply", "pin": "Pin", "pinned": "Pinned",
           "remove": "Remove", "removed": "This post was removed by an organizer.",
           "follow": "Following", "outsider": "Join the group"},
}
HOSTILE = (
    '<script>window.hacked = 1</script><img src=x onerror="window.hacked = 2"> '
    "javascript:window.hacked=3 https://example.org/ruta\n"
    + "Supercalifragilístico" * 12
)


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("language", ["es", "en"])
def test_members_talk_and_an_organizer_pins_and_removes(
    new_page, live_server, screenshot, language, screen
):
    group = StudyGroupFactory(name=f"Club {language} {screen}", slug=f"club-{language}-{screen}")
    member = MembershipFactory(
        study_group=group, user=AttendeeFactory(username=f"mia_{language}_{screen}")
    ).user
    organizer = organizer_of(group, f"olga_{language}_{screen}")
    words = WORDS[language]
    viewport = SCREENS[screen]

    page = signed_in(new_page(locale=language, viewport=viewport), live_server, member)
    page.goto(f"{live_server.url}{group.get_absolute_url()}")
    assert page.get_by_role("heading", name=words["heading"]).is_visible()
    page.get_by_label(words["write"]).fill(HOSTILE)
    page.get_by_role("button", name=words["post"], exact=True).click()
    page.wait_for_load_state("load")
    text = page.locator(".post-text").first
    assert "<script>window.hacked = 1</script>" in text.inner_text()
    assert page.evaluate("window.hacked") is None
    link = text.get_by_role("link")
    assert link.count() == 1
    assert link.get_attribute("href") == "https://example.org/ruta"
    assert link.get_attribute("rel") == "nofollow ugc noopener"
    assert page_width(page) <= viewport["width"]
    assert page.get_by_role("button", name=words["follow"]).get_attribute("aria-pressed") == "true"
    screenshot(f"conversation-member-{language}-{screen}", of=page)
    assert not page.console_errors

    page = signed_in(new_page(locale=language, viewport=viewport), live_server, organizer)
    page.goto(f"{live_server.url}{group.get_absolute_url()}#conversation")
    page.get_by_text(words["reply"], exact=True).click()
    page.locator("details.reply-box textarea").fill("¡Bienvenida!\nNos vemos el jueves.")
    page.get_by_role("button", name=words["send"]).click()
    page.wait_for_load_state("load")
    reply = page.locator(".replies .post-text")
    assert reply.inner_text() == "¡Bienvenida!\nNos vemos el jueves."
    page.get_by_role("button", name=words["pin"], exact=True).click()
    page.wait_for_load_state("load")
    assert page.locator(".posts > li.pinned .pin-badge").inner_text() == words["pinned"]
    screenshot(f"conversation-organizer-{language}-{screen}", of=page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".posts > li.pinned").get_by_role(
        "button", name=words["remove"], exact=True
    ).first.click()
    page.wait_for_load_state("load")
    assert page.get_by_text(words["removed"]).is_visible()
    assert "hacked" not in page.locator(".conversation").inner_text()
    assert page.locator(".replies .post-text").inner_text().startswith("¡Bienvenida!")
    assert Post.objects.get(parent__isnull=True).status == "removed"
    assert page_width(page) <= viewport["width"]
    assert not page.console_errors


@pytest.mark.parametrize("language", ["es", "en"])
def test_someone_outside_the_group_is_told_how_to_join(new_page, live_server, language):
    group = StudyGroupFactory(slug=f"privado-{language}")
    author = MembershipFactory(study_group=group, user=AttendeeFactory()).user
    post_create(author=author, body="Solo para miembros", group=group)
    outsider = AttendeeFactory(username=f"oscar_{language}")
    page = signed_in(new_page(locale=language, viewport=SCREENS["phone"]), live_server, outsider)
    page.goto(f"{live_server.url}{group.get_absolute_url()}")
    conversation = page.locator(".conversation")
    assert WORDS[language]["outsider"] in conversation.inner_text()
    assert "Solo para miembros" not in page.content()
    assert page.get_by_label(WORDS[language]["write"]).count() == 0


SUSPENDED = {"es": "Tu cuenta está suspendida hasta", "en": "Your account is suspended until"}


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("language", ["es", "en"])
def test_a_suspended_member_reads_but_is_told_why_they_cannot_post(
    new_page, live_server, screenshot, language, screen
):
    from django.contrib.auth import get_user_model

    from studygroups.moderation import member_suspend

    group = StudyGroupFactory(slug=f"suspension-{language}-{screen}")
    author = MembershipFactory(study_group=group, user=AttendeeFactory()).user
    post_create(author=author, body="Nos vemos el jueves", group=group)
    member = MembershipFactory(
        study_group=group, user=AttendeeFactory(username=f"sam_{language}_{screen}")
    ).user
    moderator = get_user_model().objects.create_superuser(f"mod_{language}_{screen}", "", "x")
    member_suspend(actor=moderator, member=member, days=7, reason="Spam")
    viewport = SCREENS[screen]

    page = signed_in(new_page(locale=language, viewport=viewport), live_server, member)
    page.goto(f"{live_server.url}{group.get_absolute_url()}#conversation")
    conversation = page.locator(".conversation")
    assert SUSPENDED[language] in conversation.inner_text()
    assert "Nos vemos el jueves" in conversation.inner_text()
    assert page.get_by_label(WORDS[language]["write"]).count() == 0
    conversation.scroll_into_view_if_needed()
    screenshot(f"conversation-suspended-{language}-{screen}", of=page)
    assert page_width(page) <= viewport["width"]
    assert not page.console_errors


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_long_exchange_shows_its_newest_replies_and_the_rest_on_their_page(
    new_page, live_server, screenshot, language
):
    group = StudyGroupFactory(name=f"Club largo {language}", slug=f"club-largo-{language}")
    member = MembershipFactory(
        study_group=group, user=AttendeeFactory(username=f"lia_{language}")
    ).user
    question = post_create(author=member, body="¿Quién trae café?", group=group)
    for n in range(1, 6):
        Post.objects.create(thread=question.thread, parent=question, author=member,
                            body=f"Respuesta número {n}")
    earlier = {"es": "Respuestas anteriores", "en": "Earlier replies"}[language]
    back = {"es": "Volver a la conversación de", "en": "Back to the conversation of"}[language]
    page = signed_in(new_page(locale=language, viewport=SCREENS["phone"]), live_server, member)
    page.goto(f"{live_server.url}{group.get_absolute_url()}")
    shown = page.locator(".replies .post-text").all_inner_texts()
    assert shown == [f"Respuesta número {n}" for n in (3, 4, 5)]
    page.get_by_role("link", name=earlier).click()
    page.wait_for_load_state("load")
    assert page.locator(".replies .post-text").all_inner_texts() == [
        f"Respuesta número {n}" for n in range(1, 6)
    ]
    assert page.locator(".post-text").first.inner_text() == "¿Quién trae café?"
    assert page_width(page) <= SCREENS["phone"]["width"]
    screenshot(f"conversation-replies-{language}", of=page)
    page.get_by_role("link", name=back).click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"{group.get_absolute_url()}#post-{question.pk}")
