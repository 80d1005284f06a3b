"""Uploads are checked by what they contain, and what is stored carries no
metadata: no EXIF, so no GPS position (places/images.py)."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import translation
from PIL import ExifTags, Image

from places.images import clean_image

from .pictures import SVG, jpeg_with_gps, picture_bytes, upload


@pytest.fixture(autouse=True)
def in_english():
    """English messages (the site's default language is Spanish)."""
    with translation.override("en"):
        yield


def stored(content):
    """Save the cleaned file as a model field would, and read it back."""
    name = default_storage.save(f"test/{content.name}", content)
    with default_storage.open(name, "rb") as handle:
        return name, handle.read()


def refusal(data, name="x.jpg"):
    with pytest.raises(ValidationError) as caught:
        clean_image(upload(data, name=name))
    return caught.value


def test_a_photo_is_stored_without_its_gps_position_or_any_exif():
    original = jpeg_with_gps()
    # The test photo does carry a position to lose.
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    _name, data = stored(clean_image(upload(original)))
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert len(image.getexif()) == 0
    assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert "exif" not in image.info and "xmp" not in image.info
    # Not even the bytes of an EXIF block or the camera's name are in the file.
    assert b"Exif\x00\x00" not in data
    assert b"Cerca Phone" not in data and b"Test Camera" not in data


def test_a_photo_is_turned_upright_by_its_exif_orientation_first():
    # Stored sideways (400x200, red left), orientation 6: shown turned a quarter
    # clockwise, so 200 wide, 400 tall, red at the top.
    _name, data = stored(clean_image(upload(jpeg_with_gps(orientation=6))))
    image = Image.open(io.BytesIO(data)).convert("RGB")
    assert image.size == (200, 400)
    top, bottom = image.getpixel((100, 20)), image.getpixel((100, 380))
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60


@pytest.mark.parametrize("fmt, extension", [("PNG", "png"), ("WEBP", "webp"), ("JPEG", "jpg")])
def test_jpeg_png_and_webp_are_accepted_in_their_own_format(fmt, extension):
    content = clean_image(upload(picture_bytes(fmt), name="whatever.bin"))
    assert content.name.endswith(f".{extension}")
    assert Image.open(io.BytesIO(content.read())).format == fmt


def test_a_png_keeps_its_transparency_but_not_its_text_chunks():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "home: Calle 10 #43-12")
    out = io.BytesIO()
    Image.new("RGBA", (100, 100), (255, 0, 0, 0)).save(out, "PNG", pnginfo=info)
    _name, data = stored(clean_image(upload(out.getvalue(), name="a.png")))
    image = Image.open(io.BytesIO(data))
    assert image.mode == "RGBA" and image.getpixel((5, 5))[3] == 0
    assert b"Calle 10" not in data and "Comment" not in image.info


def test_the_stored_name_is_random_never_the_uploaded_one():
    content = clean_image(upload(picture_bytes(), name="../../etc/passwd.png"))
    assert "passwd" not in content.name and "/" not in content.name


@pytest.mark.parametrize(
    "data, name",
    [
        (SVG, "drawing.svg"),
        (SVG, "drawing.jpg"),
        (picture_bytes("GIF"), "anim.gif"),
        (picture_bytes("BMP"), "old.bmp"),
        (picture_bytes("TIFF"), "scan.tiff"),
        (b"%PDF-1.4 not a picture at all", "doc.jpg"),
        (b"just text" * 100, "notes.png"),
        (picture_bytes("JPEG")[:400], "cut.jpg"),
    ],
    ids=["svg", "svg-named-jpg", "gif", "bmp", "tiff", "pdf", "text", "truncated-jpeg"],
)
def test_anything_but_a_jpeg_png_or_webp_picture_is_refused(data, name):
    error = refusal(data, name)
    assert error.code in ("image_invalid", "image_polyglot")
    assert "JPEG, PNG" in error.messages[0]


@pytest.mark.parametrize(
    "tail",
    [b"<script>alert(1)</script>", b"<html><body onload=alert(1)>", b"<svg onload=alert(1)>"],
)
def test_a_picture_with_a_page_or_script_inside_is_refused(tail):
    error = refusal(picture_bytes("PNG") + tail, "poly.png")
    assert error.code == "image_polyglot"


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.IMAGE_MAX_BYTES = 2000
    data = jpeg_with_gps(size=(600, 600))
    assert len(data) > 2000
    error = refusal(data)
    assert error.code == "image_too_large"
    assert "2.0" in error.messages[0] or "2,0" in error.messages[0]


def test_a_picture_smaller_than_the_minimum_is_refused(settings):
    settings.IMAGE_MIN_SIDE = 64
    error = refusal(picture_bytes("PNG", size=(300, 40)), "thin.png")
    assert error.code == "image_too_small" and "300×40" in error.messages[0]


def test_a_picture_larger_than_the_maximum_side_is_refused(settings):
    settings.IMAGE_MAX_SIDE = 1000
    error = refusal(picture_bytes("PNG", size=(1200, 100)), "wide.png")
    assert error.code == "image_too_big"


@pytest.mark.parametrize("pixels_over", [1.5, 3])
def test_a_decompression_bomb_is_refused_before_it_is_decoded(settings, pixels_over):
    # A few kilobytes that would decode to millions of pixels: over
    # IMAGE_MAX_PIXELS Pillow warns, over twice that it refuses; both refused.
    settings.IMAGE_MAX_PIXELS = 1_000_000
    side = int((1_000_000 * pixels_over) ** 0.5) + 1
    data = picture_bytes("PNG", size=(side, side), mode="L", color=0)
    assert len(data) < 50_000
    error = refusal(data, "bomb.png")
    assert error.code == "image_too_many_pixels"


def test_a_large_photo_is_stored_at_most_the_stored_size(settings):
    settings.IMAGE_STORED_MAX_SIDE = 300
    content = clean_image(upload(jpeg_with_gps(size=(1200, 600), orientation=1)))
    assert Image.open(io.BytesIO(content.read())).size == (300, 150)
