"""/api/events/<id>/photos/: list with thumbnail URLs, multipart upload
validated as on the site, delete by the uploader or the organizers."""

import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import translation
from PIL import Image

from meetups.models import EventPhoto
from places.tests.pictures import SVG, jpeg_with_gps, picture_bytes, upload
from studygroups.tests.factories import organizer_of

from .factories import AttendeeFactory, EventFactory, EventPhotoFactory, past_event_with_attendee

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english(client):
    """English pages and messages (the site's default language is Spanish)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def photos_url(event):
    return reverse("api:event-photos", args=[event.pk])


def test_the_list_gives_thumbnail_urls_and_sizes(client):
    event, attendee = past_event_with_attendee()
    first = EventPhotoFactory(event=event, uploader=attendee, caption="Uno")
    EventPhotoFactory(event=event, uploader=attendee, caption="Dos")
    response = client.get(photos_url(event))
    assert response.status_code == 200
    body = response.json()
    assert [p["caption"] for p in body["photos"]] == ["Uno", "Dos"]
    photo = body["photos"][0]
    assert photo["id"] == first.pk and photo["uploader"] == "ana_asistente"
    assert photo["thumbnail"]["url"].startswith("http://testserver/media/cache/")
    assert (photo["thumbnail"]["width"], photo["thumbnail"]["height"]) == (320, 320)
    assert (photo["large"]["width"], photo["large"]["height"]) == (200, 150)
    assert photo["page"] == f"http://testserver{first.get_absolute_url()}"
    thumb = client.get(photo["thumbnail"]["url"])
    assert Image.open(io.BytesIO(b"".join(thumb.streaming_content))).size == (320, 320)


def test_a_photo_whose_file_is_gone_is_listed_without_pictures_not_a_500(client):
    event, attendee = past_event_with_attendee()
    kept = EventPhotoFactory(event=event, uploader=attendee, caption="Guardada")
    EventPhoto.objects.create(
        event=event, uploader=attendee, caption="Perdida", image=f"events/{event.pk}/gone.jpg"
    )
    response = client.get(photos_url(event))
    assert response.status_code == 200
    lost = response.json()["photos"][1]
    assert lost["caption"] == "Perdida"
    assert lost["thumbnail"] is None and lost["large"] is None
    assert response.json()["photos"][0]["thumbnail"]["width"] == 320
    assert kept.image


def test_the_list_costs_the_same_queries_for_more_photos(client, django_assert_max_num_queries):
    event, attendee = past_event_with_attendee()
    EventPhotoFactory.create_batch(2, event=event, uploader=attendee)
    client.get(photos_url(event))
    with django_assert_max_num_queries(2):
        client.get(photos_url(event))
    EventPhotoFactory.create_batch(6, event=event, uploader=attendee)
    client.get(photos_url(event))
    with django_assert_max_num_queries(2):
        assert len(client.get(photos_url(event)).json()["photos"]) == 8


def test_an_attendee_uploads_with_multipart_and_the_gps_position_is_gone(client):
    event, attendee = past_event_with_attendee()
    client.force_login(attendee)
    response = client.post(
        photos_url(event), {"image": upload(jpeg_with_gps()), "caption": "Mesa 3"}
    )
    assert response.status_code == 201, response.content
    photo = EventPhoto.objects.get(pk=response.json()["id"])
    assert photo.caption == "Mesa 3"
    with default_storage.open(photo.image.name, "rb") as handle:
        assert len(Image.open(io.BytesIO(handle.read())).getexif()) == 0


def test_an_svg_is_a_400_naming_the_image_field(client):
    event, attendee = past_event_with_attendee()
    client.force_login(attendee)
    response = client.post(photos_url(event), {"image": upload(SVG, name="a.svg")})
    assert response.status_code == 400
    body = response.json()
    assert body["parameter"] == "image" and "JPEG, PNG or WebP" in body["description"]
    assert not EventPhoto.objects.exists()


def test_a_missing_image_is_a_400_naming_it(client):
    event, attendee = past_event_with_attendee()
    client.force_login(attendee)
    response = client.post(photos_url(event), {"caption": "sin foto"})
    assert response.status_code == 400 and response.json()["parameter"] == "image"


def test_a_body_over_the_limit_is_a_413_naming_the_image(client, settings):
    settings.IMAGE_MAX_BYTES = 5_000
    event, attendee = past_event_with_attendee()
    client.force_login(attendee)
    big = upload(picture_bytes("PNG") + b"\0" * 100_000, name="big.png")
    response = client.post(photos_url(event), {"image": big})
    assert response.status_code == 413
    assert response.json()["parameter"] == "image"


def test_json_is_a_415(client):
    event, attendee = past_event_with_attendee()
    client.force_login(attendee)
    response = client.post(photos_url(event), {"caption": "x"}, content_type="application/json")
    assert response.status_code == 415


def test_someone_who_did_not_go_gets_a_403_with_its_code(client):
    event, _attendee = past_event_with_attendee()
    client.force_login(AttendeeFactory())
    response = client.post(photos_url(event), {"image": upload(picture_bytes("JPEG"))})
    assert response.status_code == 403 and response.json()["code"] == "not_going"


def test_before_the_event_starts_it_is_a_403(client):
    event = EventFactory()
    client.force_login(organizer_of(event.study_group, "orga"))
    response = client.post(photos_url(event), {"image": upload(picture_bytes("JPEG"))})
    assert response.status_code == 403 and response.json()["code"] == "event_not_started"


def test_over_the_cap_it_is_a_409(client, settings):
    settings.EVENT_PHOTOS_PER_USER_MAX = 1
    event, attendee = past_event_with_attendee()
    EventPhotoFactory(event=event, uploader=attendee)
    client.force_login(attendee)
    response = client.post(photos_url(event), {"image": upload(picture_bytes("JPEG"))})
    assert response.status_code == 409 and response.json()["code"] == "too_many_photos_by_you"


def test_delete_by_the_uploader_and_not_by_others(client):
    event, attendee = past_event_with_attendee()
    photo = EventPhotoFactory(event=event, uploader=attendee)
    url = reverse("api:event-photo", args=[event.pk, photo.pk])
    assert client.delete(url).status_code == 401
    client.force_login(AttendeeFactory(username="otra"))
    assert client.delete(url).status_code == 403
    client.force_login(attendee)
    assert client.delete(url).status_code == 204
    assert not EventPhoto.objects.exists()


def test_a_photo_of_another_event_is_not_found(client):
    event, attendee = past_event_with_attendee()
    photo = EventPhotoFactory(event=event, uploader=attendee)
    other = EventFactory()
    assert client.get(reverse("api:event-photo", args=[other.pk, photo.pk])).status_code == 404


def test_the_list_names_uploaders_never_by_their_email(client):
    event, _attendee = past_event_with_attendee()
    uploader = AttendeeFactory(username="maria@example.org")
    EventPhotoFactory(event=event, uploader=uploader)
    body = client.get(photos_url(event)).content.decode()
    assert "example.org" not in body
    assert client.get(photos_url(event)).json()["photos"][0]["uploader"] == f"Member {uploader.pk}"
