"""Photos of an event: attendees add them once it has started; its page
shows their thumbnails, each linking to the photo's own page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from places.images import upload_too_large

from .forms import EventPhotoForm
from .models import Event, EventPhoto
from .services import (
    event_photo_add,
    event_photo_delete,
    event_photo_may_delete,
    event_photo_refusal,
)


@login_required
def event_photo_upload(request, pk):
    """Add a photo to the event (its form sits on the event's page; this
    page shows it again with the errors)."""
    event = get_object_or_404(Event.objects.select_related("study_group"), pk=pk)
    refusal = event_photo_refusal(user=request.user, event=event)
    if refusal:
        raise PermissionDenied(refusal.messages[0])
    form, status = EventPhotoForm(), 200
    if request.method == "POST":
        if upload_too_large(request):
            form.refuse_too_large()
            status = 413
        else:
            form = EventPhotoForm(request.POST, request.FILES)
            status = 400
            if form.is_valid():
                try:
                    event_photo_add(
                        event=event,
                        uploader=request.user,
                        image=form.cleaned_data["image"],
                        caption=form.cleaned_data["caption"],
                    )
                except ValidationError as exc:
                    form.add_error("image" if exc.code.startswith("image_") else None, exc)
                else:
                    messages.success(request, _("Photo added. Thank you!"))
                    return redirect(f"{event.get_absolute_url()}#photos")
    return render(
        request, "meetups/event_photo_form.html", {"event": event, "form": form}, status=status
    )


def _photo(pk, photo_pk):
    return get_object_or_404(
        EventPhoto.objects.select_related("event__study_group", "uploader__profile"),
        pk=photo_pk,
        event_id=pk,
    )


def event_photo_detail(request, pk, photo_pk):
    """One photo, large, with its caption and who added it."""
    photo = _photo(pk, photo_pk)
    return render(
        request,
        "meetups/event_photo.html",
        {
            "photo": photo,
            "event": photo.event,
            "can_delete": event_photo_may_delete(request.user, photo),
        },
    )


@require_POST
@login_required
def event_photo_delete_view(request, pk, photo_pk):
    photo = _photo(pk, photo_pk)
    event_photo_delete(photo, actor=request.user)
    messages.success(request, _("Photo deleted."))
    return redirect(f"{photo.event.get_absolute_url()}#photos")
