from django import template
from django.conf import settings
from django.utils import timezone

from meetups.forms import EventPhotoForm
from meetups.services import event_photo_refusal

register = template.Library()


@register.inclusion_tag("meetups/event_photos.html", takes_context=True)
def event_photos(context, event):
    """The photos section of an event's page: once the event has started, the
    thumbnails of its photos (at most EVENT_PHOTOS_MAX, oldest first) and,
    for the people who went, the form to add one."""
    request = context["request"]
    started = event.during.lower <= timezone.now() and event.status != event.Status.CANCELLED
    photos = list(event.photos.all()[: settings.EVENT_PHOTOS_MAX]) if started else []
    refusal = event_photo_refusal(user=request.user, event=event) if started else None
    return {
        "event": event,
        "started": started,
        "photos": photos,
        "can_add": started and refusal is None,
        "refusal": refusal.messages[0] if refusal and request.user.is_authenticated else "",
        "form": EventPhotoForm() if started and refusal is None else None,
        "csrf_token": context.get("csrf_token"),
        "request": request,
        "user": request.user,
    }
