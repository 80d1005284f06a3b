"""Pictures people upload (avatars, group covers, event photos), checked by
what they contain and re-encoded before anything stores them.

A file is a picture when Pillow, allowed only its JPEG, PNG and WebP readers,
opens and verifies it: an SVG, a GIF, an HTML page renamed .jpg or a picture
with a script appended are all refused with a field error. What is stored is
never the upload itself: its pixels, turned upright by the EXIF orientation,
then written again without any metadata (no EXIF, so no GPS position, no
XMP, no comments), so a photo cannot tell where a member lives.
"""

import io
import logging
import re
import uuid
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

# Pillow's name of each accepted format: the stored file's extension.
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# The start of a markup document that a browser might sniff and run: found in
# the head or the tail of an upload (where headers, metadata and appended
# payloads sit), the file is a polyglot, a picture and a page at once. Only
# those parts are searched, and only for markers of 5 bytes or more, so that
# compressed pixels do not match by chance.
MARKUP = re.compile(
    rb"<\s*(script|html|iframe|!doctype\s+html)\b|<\s*svg[\s>]", re.IGNORECASE
)
SCANNED_BYTES = 64 * 1024


def max_bytes_text():
    return filesizeformat(settings.IMAGE_MAX_BYTES)


def _refuse(message, code, **params):
    raise ValidationError(message, code=code, params=params)


def _check_size(upload):
    if upload.size is None or upload.size > settings.IMAGE_MAX_BYTES:
        _refuse(
            _("The picture is larger than %(max)s."), "image_too_large", max=max_bytes_text()
        )
    if upload.size == 0:
        _refuse(_("The file is empty."), "image_empty")


def _check_no_markup(upload):
    upload.seek(0)
    head = upload.read(SCANNED_BYTES)
    upload.seek(max(0, upload.size - SCANNED_BYTES))
    tail = upload.read()
    upload.seek(0)
    if MARKUP.search(head) or MARKUP.search(tail):
        _refuse(
            _("The file holds a web page or script as well as a picture: upload a "
              "plain JPEG, PNG or WebP picture."),
            "image_polyglot",
        )


def _open(upload):
    """The upload as a Pillow image of an accepted format, verified and
    within the size limits (Pillow refuses a decompression bomb)."""
    not_a_picture = _(
        "This is not a JPEG, PNG or WebP picture (SVG, GIF and other files are not accepted)."
    )
    # MAX_IMAGE_PIXELS is a module global: a bomb must be refused by every
    # thread, so it is set, not swapped for the duration of one call.
    Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            # Between MAX_IMAGE_PIXELS and twice that, Pillow only warns.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload, formats=list(FORMATS)) as probe:
                probe.verify()
            upload.seek(0)
            image = Image.open(upload, formats=list(FORMATS))
            width, height = image.size
            if min(width, height) < settings.IMAGE_MIN_SIDE:
                _refuse(
                    _("The picture is %(width)s×%(height)s pixels; each side needs at "
                      "least %(min)s."),
                    "image_too_small",
                    width=width,
                    height=height,
                    min=settings.IMAGE_MIN_SIDE,
                )
            if max(width, height) > settings.IMAGE_MAX_SIDE:
                _refuse(
                    _("The picture is %(width)s×%(height)s pixels; no side may exceed %(max)s."),
                    "image_too_big",
                    width=width,
                    height=height,
                    max=settings.IMAGE_MAX_SIDE,
                )
            image.load()
            return image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        _refuse(
            _("The picture has too many pixels (at most %(max)s million)."),
            "image_too_many_pixels",
            max=settings.IMAGE_MAX_PIXELS // 1_000_000,
        )
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        _refuse(not_a_picture, "image_invalid")


def _stripped(image):
    """``image`` upright, its longer side at most IMAGE_STORED_MAX_SIDE, as a
    new image that carries pixels only: no EXIF, XMP, ICC or text chunks."""
    image = ImageOps.exif_transpose(image)
    side = settings.IMAGE_STORED_MAX_SIDE
    if max(image.size) > side:
        image.thumbnail((side, side), Image.Resampling.LANCZOS)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    mode = "RGBA" if has_alpha else "RGB"
    if image.mode == "L":
        mode = "L"
    image = image.convert(mode)
    # Built from the bytes of the pixels alone: nothing of the upload's
    # info (exif, xmp, comment, icc_profile...) can follow it into the file.
    return Image.frombytes(mode, image.size, image.tobytes())


def clean_image(upload):
    """Check ``upload`` (an UploadedFile) and return a ContentFile of the
    picture re-encoded without metadata, named ``<random>.<ext>`` in its own
    format (the model field's upload_to adds the folder). Raises
    ValidationError, with a message for the field and an ``image_*`` code."""
    _check_size(upload)
    _check_no_markup(upload)
    image = _open(upload)
    fmt = image.format
    clean = _stripped(image)
    if fmt == "JPEG" and clean.mode == "RGBA":
        clean = clean.convert("RGB")
    out = io.BytesIO()
    if fmt == "JPEG":
        clean.save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "PNG":
        clean.save(out, "PNG", optimize=True)
    else:
        clean.save(out, "WEBP", quality=88)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{FORMATS[fmt]}")


def picture_replace(instance, field_name, upload):
    """Store ``upload`` (checked and cleaned) in ``instance``'s ImageField
    ``field_name`` and save that field; ``upload`` None removes the picture.
    The former file and its thumbnails go once the transaction commits."""
    content = clean_image(upload) if upload is not None else None
    field = getattr(instance, field_name)
    old_name = field.name
    if content is not None:
        field.save(content.name, content, save=False)
    else:
        setattr(instance, field_name, "")
    instance.save(update_fields=[field_name])
    if old_name:
        storage = field.storage
        transaction.on_commit(lambda: picture_delete(old_name, storage))
    return instance


def picture_delete(name, storage=None):
    """Delete the stored picture ``name`` and every thumbnail made of it."""
    from sorl.thumbnail import delete
    from sorl.thumbnail.images import ImageFile

    storage = storage or default_storage
    try:
        delete(ImageFile(name, storage=storage), delete_file=True)
    except Exception:  # a storage that is down must not fail the request
        logger.exception("Could not delete the picture %s", name)


# The thumbnails pages and the API show: sorl-thumbnail geometry and options.
# Square crops are exactly their size; "large" keeps the picture's shape.
THUMBNAILS = {
    "cover": ("1200x400", {"crop": "center"}),
    "photo": ("320x320", {"crop": "center"}),
    "large": ("1600x1600", {"upscale": False}),
}
# Avatars come in a few sizes (CSS pixels), drawn at twice that for sharp screens.
AVATAR_SIZES = (24, 32, 48, 64, 96, 128)


def avatar_geometry(size):
    size = min((s for s in AVATAR_SIZES if s >= int(size)), default=AVATAR_SIZES[-1])
    return size, (f"{2 * size}x{2 * size}", {"crop": "center"})


def thumbnail(field_file, kind):
    """The sorl-thumbnail ImageFile (``url``, ``width``, ``height``) of the
    picture in ``field_file`` for ``kind`` (a THUMBNAILS key, or
    ``("avatar", size)``), or None when there is no picture or it cannot be read."""
    if not field_file:
        return None
    from sorl.thumbnail import get_thumbnail

    if isinstance(kind, tuple):
        geometry, options = avatar_geometry(kind[1])[1]
    else:
        geometry, options = THUMBNAILS[kind]
    try:
        return get_thumbnail(field_file, geometry, **options)
    except Exception:  # a missing or unreadable file shows no picture, not a 500
        logger.exception("No thumbnail of %s", field_file.name)
        return None


# Room for the other fields and the multipart framing around one picture.
UPLOAD_OVERHEAD_BYTES = 64 * 1024


def upload_too_large(request):
    """Whether the body ``request`` announces is larger than one picture may
    be: refused from its Content-Length, before the body is read."""
    if getattr(request, "picture_too_large", False):
        return True
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.IMAGE_MAX_BYTES + UPLOAD_OVERHEAD_BYTES


def too_large_error():
    return ValidationError(
        _("The picture is larger than %(max)s."),
        code="image_too_large",
        params={"max": max_bytes_text()},
    )


class PictureSizeLimit(FileUploadHandler):
    """The first of FILE_UPLOAD_HANDLERS: a body announced larger than a
    picture may be (or a file that grows past it) stops being read when its
    file part begins, before any of it is stored. The fields before it (the
    CSRF token) are kept; the views then answer 413 (``upload_too_large``)."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0
        if self.request is not None and upload_too_large(self.request):
            self.request.picture_too_large = True
            raise StopUpload(connection_reset=True)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.IMAGE_MAX_BYTES:
            if self.request is not None:
                self.request.picture_too_large = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


def delete_pictures_with(model, *field_names):
    """When a row of ``model`` is deleted, however (a service, the admin, a
    cascade from its event, group or user), its pictures in ``field_names``
    and their thumbnails are deleted once the transaction commits."""
    from django.db.models.signals import post_delete

    def delete_files(sender, instance, **kwargs):
        for field_name in field_names:
            field = getattr(instance, field_name)
            if field:
                name, storage = field.name, field.storage
                transaction.on_commit(lambda: picture_delete(name, storage))

    post_delete.connect(delete_files, sender=model, weak=False, dispatch_uid=f"pictures-{model}")
