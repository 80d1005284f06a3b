"""Pictures on S3-compatible storage (django-storages), chosen by settings
from the environment, against moto's in-process S3: what is stored carries no
EXIF, is typed as the picture it is and shown inline, and thumbnails are made
on the same storage."""

import io
import runpy

import boto3
import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.test import override_settings
from django.utils.functional import empty
from moto import mock_aws
from PIL import Image
from sorl.thumbnail.default import storage as thumbnail_storage

from meetups.services import event_photo_add
from places.images import thumbnail
from places.tests.pictures import jpeg_with_gps, upload

from .factories import past_event_with_attendee

ENDPOINT = "http://s3.cerca.test:9000"
BUCKET = "cerca-media"
S3_ENV = {
    "MEDIA_STORAGE": "s3",
    "AWS_STORAGE_BUCKET_NAME": BUCKET,
    "AWS_S3_ENDPOINT_URL": ENDPOINT,
    "AWS_S3_REGION_NAME": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}


def settings_from(monkeypatch, **env):
    """geoconfig/settings.py as it reads this environment (a fresh run of it)."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(settings.BASE_DIR / "geoconfig" / "settings.py"))


def test_media_storage_s3_is_chosen_by_the_environment(monkeypatch):
    s3 = settings_from(monkeypatch, **S3_ENV)
    storage = s3["STORAGES"]["default"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert (options["bucket_name"], options["endpoint_url"]) == (BUCKET, ENDPOINT)
    assert options["object_parameters"]["ContentDisposition"] == "inline"
    assert options["file_overwrite"] is False
    # Django no longer serves media; pages may load pictures from the endpoint.
    assert s3["SERVE_MEDIA"] is False
    assert ENDPOINT in s3["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"]


def test_local_storage_is_the_default(monkeypatch):
    monkeypatch.delenv("MEDIA_STORAGE", raising=False)
    local = settings_from(monkeypatch)
    assert local["STORAGES"]["default"]["BACKEND"].endswith("FileSystemStorage")
    assert local["MEDIA_ORIGIN"] == ""


@pytest.fixture
def s3_storage(monkeypatch):
    monkeypatch.setenv("MOTO_S3_CUSTOM_ENDPOINTS", ENDPOINT)
    storages = settings_from(monkeypatch, **S3_ENV)["STORAGES"]
    with mock_aws():
        boto3.client(
            "s3", endpoint_url=ENDPOINT, region_name="us-east-1"
        ).create_bucket(Bucket=BUCKET)
        with override_settings(STORAGES=storages):
            # sorl-thumbnail keeps the storage it first found (as it should
            # outside tests): here it must find the S3 one, and then forget it.
            thumbnail_storage._wrapped = empty
            yield boto3.client("s3", endpoint_url=ENDPOINT, region_name="us-east-1")
        thumbnail_storage._wrapped = empty


@pytest.mark.django_db
def test_a_photo_on_s3_has_no_exif_is_an_inline_jpeg_and_has_thumbnails(s3_storage):
    assert type(storages["default"]).__name__ == "S3Storage"
    event, attendee = past_event_with_attendee()
    photo = event_photo_add(event=event, uploader=attendee, image=upload(jpeg_with_gps()))
    stored = s3_storage.get_object(Bucket=BUCKET, Key=photo.image.name)
    assert stored["ContentType"] == "image/jpeg"
    assert stored["ContentDisposition"] == "inline"
    data = stored["Body"].read()
    assert len(Image.open(io.BytesIO(data)).getexif()) == 0 and b"Exif" not in data
    thumb = thumbnail(photo.image, "photo")
    assert thumb.url.startswith(f"{ENDPOINT}/{BUCKET}/cache/")
    key = thumb.name
    made = s3_storage.get_object(Bucket=BUCKET, Key=key)
    assert Image.open(io.BytesIO(made["Body"].read())).size == (320, 320)
