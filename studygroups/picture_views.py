"""Pictures of members and groups: a member's avatar, a group's cover."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from places.forms import PictureForm
from places.images import upload_too_large

from .models import StudyGroup
from .permissions import manages
from .services import avatar_set, studygroup_cover_set


def picture_form_post(request, store):
    """Handle a picture form's POST: "remove" (a button) calls ``store(None)``,
    else the uploaded picture is stored with ``store(file)``. Returns the form
    (bound, maybe with errors), whether it was stored, and the status to
    answer with on an error (413 for a body too large to read)."""
    if upload_too_large(request):
        return PictureForm().refuse_too_large(), False, 413
    if "remove" in request.POST:
        store(None)
        return PictureForm(), True, 200
    form = PictureForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            store(form.cleaned_data["image"])
        except ValidationError as exc:
            form.add_error("image", exc)
        else:
            return form, True, 200
    return form, False, 400


@login_required
def avatar_view(request):
    """Upload, change or remove one's avatar (the form sits on the settings page)."""
    form, status = PictureForm(), 200
    if request.method == "POST":
        removing = "remove" in request.POST
        form, stored, status = picture_form_post(
            request, lambda image: avatar_set(user=request.user, image=image)
        )
        if stored:
            messages.success(request, _("Avatar removed.") if removing else _("Avatar saved."))
            return redirect("profile")
    return render(request, "registration/avatar.html", {"avatar_form": form}, status=status)


@login_required
def studygroup_cover_view(request, slug):
    """The group's organizers upload, change or remove its cover image."""
    group = get_object_or_404(StudyGroup, slug=slug)
    if not manages(request.user, group):
        raise PermissionDenied
    form, status = PictureForm(), 200
    if request.method == "POST":
        removing = "remove" in request.POST
        form, stored, status = picture_form_post(
            request,
            lambda image: studygroup_cover_set(actor=request.user, group=group, image=image),
        )
        if stored:
            messages.success(request, _("Cover removed.") if removing else _("Cover saved."))
            return redirect("studygroup-edit", slug=group.slug)
    return render(
        request, "studygroups/cover.html", {"group": group, "cover_form": form}, status=status
    )
