"""``{% avatar_of user 48 as avatar %}``: what templates/includes/avatar.html draws."""

from django import template
from django.core.exceptions import ObjectDoesNotExist

from places.images import avatar_geometry, thumbnail
from studygroups.people import display_name

register = template.Library()


@register.simple_tag
def avatar_of(user, size=32):
    """The avatar of ``user`` at ``size`` CSS pixels: its thumbnail (None
    without one), the size drawn, the name others know them by (its alt
    text; never their email) and its initial, shown instead of a picture.
    Lists select_related the users' profiles."""
    size = avatar_geometry(size or 32)[0]
    try:
        picture = user.profile.avatar
    except ObjectDoesNotExist:
        picture = None
    name = str(display_name(user))
    return {
        "thumb": thumbnail(picture, ("avatar", size)) if picture else None,
        "size": size,
        "name": name,
        "initial": name[:1].upper() or "?",
    }
