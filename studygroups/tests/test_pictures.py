"""A member's avatar (settings page) and a group's cover (its edit page)."""

import io
import re

import pytest
from django.core.files.storage import default_storage
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from PIL import Image

from places.tests.pictures import SVG, jpeg_with_gps, picture_bytes, upload
from studygroups.models import MemberProfile, StudyGroup

from .factories import MemberProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english(client):
    """English pages and messages (the site's default language is Spanish)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def stored_bytes(field):
    with default_storage.open(field.name, "rb") as handle:
        return handle.read()


def test_a_member_uploads_an_avatar_stored_without_exif(client):
    user = UserFactory(username="lucia")
    client.force_login(user)
    response = client.post(reverse("avatar"), {"image": upload(jpeg_with_gps())})
    assert response.status_code == 302 and response["Location"] == reverse("profile")
    profile = MemberProfile.objects.get(user=user)
    assert profile.avatar.name.startswith("avatars/")
    data = stored_bytes(profile.avatar)
    assert len(Image.open(io.BytesIO(data)).getexif()) == 0 and b"Exif" not in data
    page = client.get(reverse("profile")).content.decode()
    img = re.search(r'<img class="avatar" src="([^"]+)" width="96" height="96" alt="lucia"', page)
    assert img and img.group(1).startswith("/media/cache/")
    assert "Remove the avatar" in page


def test_changing_the_avatar_deletes_the_former_file(client, django_capture_on_commit_callbacks):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("avatar"), {"image": upload(picture_bytes("PNG"), name="a.png")})
    first = MemberProfile.objects.get(user=user).avatar.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("avatar"), {"image": upload(picture_bytes("JPEG"))})
    second = MemberProfile.objects.get(user=user).avatar.name
    assert first != second
    assert not default_storage.exists(first) and default_storage.exists(second)


def test_a_member_removes_their_avatar(client, django_capture_on_commit_callbacks):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("avatar"), {"image": upload(picture_bytes("PNG"), name="a.png")})
    name = MemberProfile.objects.get(user=user).avatar.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("avatar"), {"remove": "1"})
    assert response.status_code == 302
    assert MemberProfile.objects.get(user=user).avatar == ""
    assert not default_storage.exists(name)


def test_an_svg_avatar_gets_an_error_on_the_field(client):
    client.force_login(UserFactory())
    response = client.post(reverse("avatar"), {"image": upload(SVG, name="me.svg")})
    assert response.status_code == 400
    assert "JPEG, PNG or WebP" in response.context["avatar_form"].errors["image"][0]
    assert "JPEG, PNG or WebP" in response.content.decode()


def test_signed_out_visitors_have_no_avatar_page(client):
    response = client.post(reverse("avatar"), {"image": upload(picture_bytes("PNG"))})
    assert response.status_code == 302 and "/login/" in response["Location"]


def render_avatar(user, size):
    return Template('{% include "includes/avatar.html" with user=u size=s %}').render(
        Context({"u": user, "s": size})
    )


def test_the_avatar_include_falls_back_to_the_initial():
    user = UserFactory(username="<b>zoe")
    html = render_avatar(user, 48)
    assert 'class="avatar avatar-initial avatar-48"' in html
    assert 'aria-label="&lt;b&gt;zoe"' in html and ">&lt;<" in html


def test_the_avatar_include_shows_a_thumbnail_of_the_size_asked():
    profile = MemberProfileFactory()
    client_user = profile.user
    from studygroups.services import avatar_set

    avatar_set(user=client_user, image=upload(picture_bytes("PNG", size=(500, 300)), name="a.png"))
    client_user.refresh_from_db()
    html = render_avatar(client_user, 32)
    src = re.search(r'src="([^"]+)" width="32" height="32"', html).group(1)
    with default_storage.open(src.removeprefix("/media/"), "rb") as handle:
        assert Image.open(handle).size == (64, 64)


def test_an_organizer_uploads_a_cover_shown_on_the_group_page(client, group_a, organizer_a):
    client.force_login(organizer_a)
    edit = client.get(reverse("studygroup-edit", args=[group_a.slug])).content.decode()
    assert f'action="{reverse("studygroup-cover", args=[group_a.slug])}"' in edit
    response = client.post(
        reverse("studygroup-cover", args=[group_a.slug]), {"image": upload(jpeg_with_gps())}
    )
    assert response.status_code == 302
    group = StudyGroup.objects.get(pk=group_a.pk)
    assert group.cover.name.startswith("covers/")
    assert len(Image.open(io.BytesIO(stored_bytes(group.cover))).getexif()) == 0
    page = client.get(group.get_absolute_url()).content.decode()
    assert re.search(
        r'<img class="cover" src="/media/cache/[^"]+" width="1200" height="400" '
        r'alt="Cover of Grupo Alfa">',
        page,
    )
    assert group.cover.url not in page


@pytest.mark.parametrize("who", ["member_a", "organizer_b"])
def test_others_may_not_change_the_cover(client, group_a, who, request):
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        reverse("studygroup-cover", args=[group_a.slug]), {"image": upload(picture_bytes())}
    )
    assert response.status_code == 403
    assert StudyGroup.objects.get(pk=group_a.pk).cover == ""


def test_the_organizer_removes_the_cover(client, group_a, organizer_a):
    client.force_login(organizer_a)
    url = reverse("studygroup-cover", args=[group_a.slug])
    client.post(url, {"image": upload(picture_bytes("PNG"), name="c.png")})
    assert StudyGroup.objects.get(pk=group_a.pk).cover
    assert client.post(url, {"remove": "1"}).status_code == 302
    assert StudyGroup.objects.get(pk=group_a.pk).cover == ""


def test_the_avatar_include_never_shows_an_email_username():
    user = UserFactory(username="zoe@example.org")
    html = render_avatar(user, 24)
    assert "example.org" not in html and f'aria-label="Member {user.pk}"' in html
    assert ">M<" in html


def test_names_in_a_groups_lists_carry_the_members_avatar(client):
    from .factories import MembershipFactory

    member = MembershipFactory(user__username="lucia").user
    organizer = MembershipFactory(study_group=member.memberships.get().study_group,
                                  role="organizer", user__username="olga").user
    client.force_login(member)
    client.post(reverse("avatar"), {"image": upload(jpeg_with_gps())})
    client.force_login(organizer)
    page = client.get(member.memberships.get().study_group.get_absolute_url()).content.decode()
    link = re.search(r'<a class="person person-small" href="/people/%d/">(.*?)</a>' % member.pk,
                     page, re.S)
    assert link and re.search(r'<img class="avatar" src="/media/cache/[^"]+" width="24"', link[1])
    # Olga has no picture: her initial.
    assert re.search(r'href="/people/%d/"><span class="avatar avatar-initial avatar-24"'
                     % organizer.pk, page)
