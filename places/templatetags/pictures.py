"""Thumbnails in templates: never the full upload, always with its size.

``{% thumbnail_of group.cover "cover" as cover %}`` gives a sorl-thumbnail
ImageFile (``url``, ``width``, ``height``) or None. Avatars: studygroups'
``avatars`` library.
"""

from django import template

from places.forms import PictureForm
from places.images import thumbnail

register = template.Library()


@register.simple_tag
def thumbnail_of(field_file, kind):
    return thumbnail(field_file, kind)


@register.simple_tag
def picture_form():
    """An empty picture form, for a page that shows one beside its own form."""
    return PictureForm()
