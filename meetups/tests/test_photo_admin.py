"""The photos' admin: moderators see every photo, organizers their groups'."""

import pytest
from django.urls import reverse

from .factories import EventPhotoFactory, past_event_with_attendee

pytestmark = pytest.mark.django_db


@pytest.fixture
def photos(group_a, group_b):
    event_a, went_a = past_event_with_attendee("va_a", study_group=group_a)
    event_b, went_b = past_event_with_attendee("va_b", study_group=group_b)
    return (
        EventPhotoFactory(event=event_a, uploader=went_a, caption="De Alfa"),
        EventPhotoFactory(event=event_b, uploader=went_b, caption="De Beta"),
    )


def listed(client):
    response = client.get(reverse("admin:meetups_eventphoto_changelist"))
    assert response.status_code == 200
    return response, {photo.caption for photo in response.context["cl"].result_list}


def test_a_moderator_sees_every_photo_with_its_thumbnail(client, moderator, photos):
    client.force_login(moderator)
    response, captions = listed(client)
    assert captions == {"De Alfa", "De Beta"}
    assert response.content.decode().count('width="80" height="80"') == 2


def test_an_organizer_sees_only_their_groups_photos(client, organizer_a, photos):
    client.force_login(organizer_a)
    assert listed(client)[1] == {"De Alfa"}
    other = client.get(reverse("admin:meetups_eventphoto_change", args=[photos[1].pk]))
    assert other.status_code == 302 and other["Location"] == reverse("admin:index")


def test_nobody_adds_or_changes_a_photo_in_the_admin(client, moderator, photos):
    client.force_login(moderator)
    assert client.get(reverse("admin:meetups_eventphoto_add")).status_code == 403
    page = client.get(reverse("admin:meetups_eventphoto_change", args=[photos[0].pk]))
    assert page.status_code == 200 and 'name="caption"' not in page.content.decode()
