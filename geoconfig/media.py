"""Uploaded pictures served by Django itself, while SERVE_MEDIA is on (by
default in DEBUG; `make serve` turns it on for one machine). Production keeps
them on S3-compatible storage instead (MEDIA_STORAGE=s3): WhiteNoise serves
static files only.

Every stored file is a JPEG, PNG or WebP that Cerca re-encoded and named, so
its type follows its extension; still, each answer says it is shown inline,
is never sniffed as another type, and runs nothing if opened as a page.
"""

from django.conf import settings
from django.http import Http404
from django.urls import re_path
from django.views.static import serve

from places.images import CONTENT_TYPES, FORMATS

EXTENSIONS = {extension: CONTENT_TYPES[fmt] for fmt, extension in FORMATS.items()}


def serve_media(request, path):
    if not settings.SERVE_MEDIA or path.rsplit(".", 1)[-1].lower() not in EXTENSIONS:
        raise Http404
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Content-Type"] = EXTENSIONS[path.rsplit(".", 1)[-1].lower()]
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=86400"
    return response


def urlpatterns():
    """The media route when MEDIA_URL is a path of this site (not on S3)."""
    prefix = settings.MEDIA_URL
    if settings.MEDIA_STORAGE != "local" or not prefix.startswith("/") or "//" in prefix:
        return []
    return [re_path(rf"^{prefix.strip('/')}/(?P<path>.+)$", serve_media, name="media")]
