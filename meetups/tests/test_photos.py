"""Photos of events: who may add and delete them, the caps, and what the
event's page shows (thumbnails with their size and alt text, never the upload)."""

import io
import re

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import translation
from PIL import Image

from meetups.models import RSVP, EventPhoto
from places.tests.pictures import jpeg_with_gps, picture_bytes, upload
from studygroups.tests.factories import organizer_of

from .factories import (
    AttendeeFactory,
    EventFactory,
    EventPhotoFactory,
    RSVPFactory,
    hours_from_now,
    past_event_with_attendee,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english(client):
    """English pages and messages (the site's default language is Spanish)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def post_photo(client, event, data=None, caption="En la biblioteca", name="foto.jpg"):
    return client.post(
        reverse("event-photo-new", args=[event.pk]),
        {"image": upload(data or jpeg_with_gps(), name=name), "caption": caption},
    )


def test_someone_who_went_adds_a_photo_stored_without_its_gps_position(client):
    event, attendee = past_event_with_attendee()
    client.force_login(attendee)
    response = post_photo(client, event)
    assert response.status_code == 302
    assert response["Location"] == f"{event.get_absolute_url()}#photos"
    photo = EventPhoto.objects.get(event=event)
    assert (photo.uploader, photo.caption) == (attendee, "En la biblioteca")
    assert photo.image.name.startswith(f"events/{event.pk}/")
    with default_storage.open(photo.image.name, "rb") as handle:
        data = handle.read()
    image = Image.open(io.BytesIO(data))
    assert len(image.getexif()) == 0 and b"Exif" not in data
    assert image.size == (200, 400)  # upright


def test_the_event_page_shows_thumbnails_with_size_and_alt_text_not_the_upload(client):
    event, attendee = past_event_with_attendee()
    photo = EventPhotoFactory(event=event, uploader=attendee, caption="<b>Taller</b> & café")
    html = client.get(event.get_absolute_url()).content.decode()
    section = html[html.index('id="photos"'):]
    images = re.findall(r"<img [^>]+>", section)
    assert len(images) == 1
    img = images[0]
    assert 'width="160" height="160"' in img
    assert 'alt="&lt;b&gt;Taller&lt;/b&gt; &amp; café"' in img
    assert photo.image.url not in html  # a thumbnail, not the stored photo
    src = re.search(r'src="([^"]+)"', img).group(1)
    assert src.startswith("/media/cache/")
    thumb = client.get(src)
    assert thumb.status_code == 200
    assert Image.open(io.BytesIO(b"".join(thumb.streaming_content))).size == (320, 320)
    assert f'href="{photo.get_absolute_url()}"' in section


def test_the_photo_page_shows_it_large_with_its_caption_escaped(client):
    event, attendee = past_event_with_attendee()
    photo = EventPhotoFactory(event=event, uploader=attendee, caption="<script>x()</script>")
    html = client.get(photo.get_absolute_url()).content.decode()
    assert "<script>x()</script>" not in html
    assert "&lt;script&gt;x()&lt;/script&gt;" in html
    large = re.search(r'<figure class="event-photo">\s*<img src="([^"]+)" width="(\d+)" '
                      r'height="(\d+)"', html)
    assert large and (large.group(2), large.group(3)) == ("200", "150")
    assert "Delete this photo" not in html


def queries_of(client, url):
    """How many queries a GET of ``url`` makes, on every database alias."""
    from contextlib import ExitStack

    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    with ExitStack() as stack:
        contexts = [
            stack.enter_context(CaptureQueriesContext(connections[alias]))
            for alias in connections
        ]
        assert client.get(url).status_code == 200
    return sum(len(context) for context in contexts)


def test_an_event_page_with_many_photos_costs_no_more_queries(client):
    event, attendee = past_event_with_attendee()
    EventPhotoFactory(event=event, uploader=attendee)
    client.get(event.get_absolute_url())  # thumbnails made once
    one = queries_of(client, event.get_absolute_url())
    EventPhotoFactory.create_batch(8, event=event, uploader=attendee)
    client.get(event.get_absolute_url())
    assert queries_of(client, event.get_absolute_url()) == one
    page = client.get(event.get_absolute_url()).content.decode()
    assert page.count('width="160" height="160"') == 9


@pytest.mark.parametrize("status", [None, RSVP.Status.NO, RSVP.Status.WAITLIST])
def test_only_people_who_were_going_may_add_photos(client, status):
    event, _attendee = past_event_with_attendee()
    other = AttendeeFactory(username="otro")
    if status:
        RSVPFactory(event=event, user=other, status=status)
    client.force_login(other)
    assert post_photo(client, event).status_code == 403
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Only the people who were going to this event may add photos." in page
    assert reverse("event-photo-new", args=[event.pk]) not in page
    assert not EventPhoto.objects.exists()


def test_no_photos_before_the_event_starts(client):
    event = EventFactory(during=hours_from_now(2, 4))
    attendee = AttendeeFactory()
    RSVPFactory(event=event, user=attendee, status=RSVP.Status.YES)
    client.force_login(attendee)
    assert post_photo(client, event).status_code == 403
    assert 'id="photos"' not in client.get(event.get_absolute_url()).content.decode()
    assert not EventPhoto.objects.exists()


def test_signed_out_visitors_are_sent_to_log_in(client):
    event, _attendee = past_event_with_attendee()
    response = post_photo(client, event)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not EventPhoto.objects.exists()


def test_an_svg_gets_a_clear_error_on_the_photo_field(client):
    event, attendee = past_event_with_attendee()
    client.force_login(attendee)
    from places.tests.pictures import SVG

    response = post_photo(client, event, data=SVG, name="x.svg")
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "JPEG, PNG or WebP" in errors["image"][0]
    assert not EventPhoto.objects.exists()


def test_a_body_over_the_limit_is_refused_from_its_length(client, settings):
    settings.IMAGE_MAX_BYTES = 5_000
    event, attendee = past_event_with_attendee()
    client.force_login(attendee)
    response = post_photo(client, event, data=picture_bytes("PNG") + b"\0" * 100_000)
    assert response.status_code == 413
    assert "larger than" in response.context["form"].errors["image"][0]
    assert not EventPhoto.objects.exists()


def test_a_person_adds_at_most_the_per_person_cap(client, settings):
    settings.EVENT_PHOTOS_PER_USER_MAX = 2
    event, attendee = past_event_with_attendee()
    client.force_login(attendee)
    small = picture_bytes("JPEG")
    assert post_photo(client, event, data=small).status_code == 302
    assert post_photo(client, event, data=small).status_code == 302
    response = post_photo(client, event, data=small)
    assert response.status_code == 400
    assert "You already added 2 photos" in str(response.context["form"].errors)
    assert EventPhoto.objects.filter(event=event).count() == 2


def test_an_event_holds_at_most_the_per_event_cap(client, settings):
    settings.EVENT_PHOTOS_MAX = 2
    event, attendee = past_event_with_attendee()
    EventPhotoFactory.create_batch(2, event=event)
    client.force_login(attendee)
    response = post_photo(client, event, data=picture_bytes("JPEG"))
    assert response.status_code == 400
    assert "already has 2 photos" in str(response.context["form"].errors)


def test_the_uploader_deletes_their_photo_and_its_files_go(
    client, django_capture_on_commit_callbacks
):
    event, attendee = past_event_with_attendee()
    photo = EventPhotoFactory(event=event, uploader=attendee)
    client.get(event.get_absolute_url())  # makes its thumbnail
    name = photo.image.name
    assert len(_files_under("cache")) == 1
    client.force_login(attendee)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("event-photo-delete", args=[event.pk, photo.pk]))
    assert response.status_code == 302
    assert not EventPhoto.objects.exists()
    assert not default_storage.exists(name)
    assert _files_under("cache") == []


def _files_under(folder):
    directories, files = default_storage.listdir(folder)
    return files + [f for d in directories for f in _files_under(f"{folder}/{d}")]


def test_the_groups_organizer_deletes_a_photo(client):
    event, attendee = past_event_with_attendee()
    photo = EventPhotoFactory(event=event, uploader=attendee)
    client.force_login(organizer_of(event.study_group, "orga"))
    assert "Delete this photo" in client.get(photo.get_absolute_url()).content.decode()
    assert client.post(reverse("event-photo-delete", args=[event.pk, photo.pk])).status_code == 302
    assert not EventPhoto.objects.exists()


def test_another_attendee_may_not_delete_a_photo(client):
    event, attendee = past_event_with_attendee()
    photo = EventPhotoFactory(event=event, uploader=attendee)
    other = AttendeeFactory(username="otra")
    RSVPFactory(event=event, user=other, status=RSVP.Status.YES)
    client.force_login(other)
    assert client.post(reverse("event-photo-delete", args=[event.pk, photo.pk])).status_code == 403
    assert EventPhoto.objects.filter(pk=photo.pk).exists()


def test_media_is_served_inline_as_an_image_that_runs_nothing(client):
    photo = EventPhotoFactory()
    response = client.get(photo.image.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == "inline"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert client.get("/media/../geoconfig/settings.py").status_code == 404
    assert client.get("/media/notes.html").status_code == 404


def test_media_is_not_served_when_serve_media_is_off(client, settings):
    photo = EventPhotoFactory()
    settings.SERVE_MEDIA = False
    assert client.get(photo.image.url).status_code == 404


def test_the_photo_page_names_the_uploader_never_by_their_email(client):
    event, _attendee = past_event_with_attendee()
    uploader = AttendeeFactory(username="maria@example.org")
    RSVPFactory(event=event, user=uploader, status=RSVP.Status.YES)
    photo = EventPhotoFactory(event=event, uploader=uploader)
    html = client.get(photo.get_absolute_url()).content.decode()
    assert "maria@example.org" not in html and "example.org" not in html
    assert f"Added by Member {uploader.pk}" in html


def test_deleting_an_event_deletes_its_photos_files(django_capture_on_commit_callbacks):
    event, attendee = past_event_with_attendee()
    names = [EventPhotoFactory(event=event, uploader=attendee).image.name for _ in range(2)]
    assert all(default_storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        event.delete()
    assert not any(default_storage.exists(name) for name in names)


def test_deleting_a_user_deletes_their_photos_files(django_capture_on_commit_callbacks):
    event, attendee = past_event_with_attendee()
    name = EventPhotoFactory(event=event, uploader=attendee).image.name
    with django_capture_on_commit_callbacks(execute=True):
        attendee.delete()
    assert not default_storage.exists(name)


def test_a_photo_is_reported_to_the_groups_organizers_who_can_act_on_its_uploader(client):
    from studygroups.reports import Report

    event, attendee = past_event_with_attendee()
    photo = EventPhotoFactory(event=event, uploader=attendee)
    other = AttendeeFactory(username="rita")
    client.force_login(other)
    form = reverse("report-new", args=["photo", photo.pk])
    assert f'href="{form}"' in client.get(photo.get_absolute_url()).content.decode()
    assert client.post(form, {"reason": "inappropriate"}).status_code == 302
    report = Report.objects.get(reporter=other)
    assert report.target == photo and report.reportable.author(photo) == attendee
    organizer = organizer_of(event.study_group, "orga")
    assert list(Report.objects.for_organizer(organizer)) == [report]
    # The uploader is not offered to report their own photo.
    client.force_login(attendee)
    assert form not in client.get(photo.get_absolute_url()).content.decode()


def test_hiding_a_reported_photo_from_the_queue_deletes_it(client):
    from studygroups.moderation import report_act, report_create
    from studygroups.moderation_admin import actions_for
    from studygroups.reports import Report

    event, attendee = past_event_with_attendee()
    photo = EventPhotoFactory(event=event, uploader=attendee)
    report = report_create(reporter=AttendeeFactory(), target=photo, reason="inappropriate")
    organizer = organizer_of(event.study_group, "orga")
    assert "hide" in actions_for(organizer, report)
    report_act(actor=organizer, report=report, action="hide", reason="No es del evento")
    assert not EventPhoto.objects.exists()
    report.refresh_from_db()
    assert report.state == Report.State.ACTIONED and report.actions.get().action == "hide"
