"""Thumbnails in templates: never the full upload, always with its size.

``{% thumbnail_of group.cover "cover" as cover %}`` gives a sorl-thumbnail
ImageFile (``url``, ``width``, ``height``) or None; ``{% avatar_of user 48
as avatar %}`` what templates/includes/avatar.html draws.
"""

from django import template
from django.core.exceptions import ObjectDoesNotExist

from places.forms import PictureForm
from places.images import avatar_geometry, thumbnail

register = template.Library()


@register.simple_tag
def thumbnail_of(field_file, kind):
    return thumbnail(field_file, kind)


@register.simple_tag
def avatar_of(user, size=32):
    """The avatar of ``user`` at ``size`` CSS pixels: its thumbnail (None
    without one), the size drawn, the name for its alt text and the initial
    shown instead of a picture. Lists select_related the user's profile."""
    size = avatar_geometry(size or 32)[0]
    try:
        profile = user.profile
    except (ObjectDoesNotExist, AttributeError):
        profile = None
    name = (getattr(profile, "display_name", "") or "") or user.get_username()
    picture = getattr(profile, "avatar", None)
    return {
        "thumb": thumbnail(picture, ("avatar", size)) if picture else None,
        "size": size,
        "name": name,
        "initial": name[:1].upper() or "?",
    }


@register.simple_tag
def picture_form():
    """An empty picture form, for a page that shows one beside its own form."""
    return PictureForm()
