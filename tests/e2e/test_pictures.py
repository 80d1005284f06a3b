"""Pictures in a real browser, in Spanish and English, at 1366 and 375 px:
someone who went adds a photo to an event and deletes it, a member sets and
removes an avatar, an organizer gives the group a cover. Every picture shown
is a thumbnail that loads (under the strict CSP), and no page overflows."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from meetups.models import EventPhoto
from meetups.tests.factories import past_event_with_attendee
from places.tests.pictures import jpeg_with_gps, picture_bytes
from studygroups.models import MemberProfile, StudyGroup
from studygroups.tests.factories import UserFactory, organizer_of
from tests.e2e.layout import page_width

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WORDS = {
    "es": {"photos": "Fotos", "add": "Añadir la foto", "added": "Foto añadida",
           "delete": "Borrar esta foto", "none": "Todavía no hay fotos.",
           "upload_avatar": "Subir el avatar", "remove_avatar": "Quitar el avatar",
           "upload_cover": "Subir la portada", "too_large": "más grande que"},
    "en": {"photos": "Photos", "add": "Add the photo", "added": "Photo added",
           "delete": "Delete this photo", "none": "No photos yet.",
           "upload_avatar": "Upload the avatar", "remove_avatar": "Remove the avatar",
           "upload_cover": "Upload the cover", "too_large": "larger than"},
}
WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 375, "height": 740}}


@pytest.fixture(autouse=True)
def served_media(settings):
    settings.SERVE_MEDIA = True


def signed_in(new_page, live_server, user, language, screen):
    page = new_page(locale=language, viewport=WIDTHS[screen])
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


def assert_loaded_and_fits(page, selector, width):
    """Every picture ``selector`` finds loaded from this site, and the page is
    no wider than the screen."""
    images = page.locator(selector)
    expect(images.first).to_be_visible()
    for i in range(images.count()):
        image = images.nth(i)
        # Lazy pictures below the fold load once scrolled to.
        image.scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
        assert image.get_attribute("alt")
        assert image.get_attribute("width") and image.get_attribute("height")
    assert page_width(page) <= width
    assert page.console_errors == []


@pytest.mark.parametrize("screen", WIDTHS)
@pytest.mark.parametrize("language", ["es", "en"])
def test_someone_who_went_adds_a_photo_then_deletes_it(
    new_page, live_server, screenshot, language, screen
):
    words = WORDS[language]
    event, attendee = past_event_with_attendee(title="Taller de mapas")
    page = signed_in(new_page, live_server, attendee, language, screen)
    page.goto(f"{live_server.url}{event.get_absolute_url()}")
    photos = page.locator("#photos")
    expect(photos.get_by_role("heading", name=words["photos"])).to_be_visible()
    expect(photos).to_contain_text(words["none"])
    photos.locator("input[type=file]").set_input_files(
        {"name": "mesa.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}
    )
    photos.locator("input[name=caption]").fill("La mesa <3")
    photos.get_by_role("button", name=words["add"]).click()
    expect(page.locator(".messages")).to_contain_text(words["added"])
    assert_loaded_and_fits(page, "#photos .photo-grid img", WIDTHS[screen]["width"])
    thumb = page.locator("#photos .photo-grid img")
    assert thumb.get_attribute("alt") == "La mesa <3"
    assert EventPhoto.objects.get().caption == "La mesa <3"
    screenshot(f"pictures-event-photos-{language}-{screen}", of=page)

    thumb.click()
    assert_loaded_and_fits(page, ".event-photo img", WIDTHS[screen]["width"])
    expect(page.locator("figcaption")).to_contain_text("La mesa <3")
    screenshot(f"pictures-photo-page-{language}-{screen}", of=page)
    page.get_by_role("button", name=words["delete"]).click()
    expect(page.locator("#photos")).to_contain_text(words["none"])
    assert not EventPhoto.objects.exists()


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_file_over_the_limit_is_refused_before_it_is_sent(
    new_page, live_server, settings, language
):
    settings.IMAGE_MAX_BYTES = 10_000
    event, attendee = past_event_with_attendee()
    page = signed_in(new_page, live_server, attendee, language, "phone")
    page.goto(f"{live_server.url}{event.get_absolute_url()}")
    field = page.locator("#photos input[type=file]")
    field.set_input_files(
        {"name": "big.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps((1500, 1500))}
    )
    page.locator("#photos").get_by_role("button", name=WORDS[language]["add"]).click()
    message = field.evaluate("input => input.validationMessage")
    assert WORDS[language]["too_large"] in message
    assert page.url.endswith(event.get_absolute_url())
    assert not EventPhoto.objects.exists()


@pytest.mark.parametrize("screen", WIDTHS)
@pytest.mark.parametrize("language", ["es", "en"])
def test_a_member_sets_and_removes_their_avatar(
    new_page, live_server, screenshot, language, screen
):
    words = WORDS[language]
    user = UserFactory(username="lucia", password="!")
    page = signed_in(new_page, live_server, user, language, screen)
    page.goto(f"{live_server.url}/accounts/profile/")
    expect(page.locator(".picture-settings .avatar-initial")).to_have_text("L")
    settings_section = page.locator(".picture-settings")
    settings_section.locator("input[type=file]").set_input_files(
        {"name": "me.png", "mimeType": "image/png", "buffer": picture_bytes("PNG", (400, 300))}
    )
    settings_section.get_by_role("button", name=words["upload_avatar"]).click()
    assert_loaded_and_fits(page, ".picture-settings img.avatar", WIDTHS[screen]["width"])
    assert MemberProfile.objects.get(user=user).avatar
    screenshot(f"pictures-avatar-{language}-{screen}", of=page)
    page.get_by_role("button", name=words["remove_avatar"]).click()
    expect(page.locator(".picture-settings .avatar-initial")).to_have_text("L")
    assert not MemberProfile.objects.get(user=user).avatar


@pytest.mark.parametrize("screen", WIDTHS)
@pytest.mark.parametrize("language", ["es", "en"])
def test_an_organizer_gives_the_group_a_cover(
    new_page, live_server, screenshot, language, screen
):
    from studygroups.tests.factories import StudyGroupFactory

    group = StudyGroupFactory(name="Club de Cálculo", slug="club-de-calculo")
    organizer = organizer_of(group, "ana_organiza")
    page = signed_in(new_page, live_server, organizer, language, screen)
    page.goto(f"{live_server.url}/groups/{group.slug}/edit/")
    section = page.locator(".picture-settings")
    section.locator("input[type=file]").set_input_files(
        {"name": "c.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps((1600, 900), 1)}
    )
    section.get_by_role("button", name=WORDS[language]["upload_cover"]).click()
    assert StudyGroup.objects.get(pk=group.pk).cover
    page.goto(f"{live_server.url}{group.get_absolute_url()}")
    assert_loaded_and_fits(page, "img.cover", WIDTHS[screen]["width"])
    box = page.locator("img.cover").bounding_box()
    assert box["width"] <= WIDTHS[screen]["width"] and box["height"] > 0
    screenshot(f"pictures-cover-{language}-{screen}", of=page)
