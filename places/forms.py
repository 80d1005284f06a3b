"""The form of one uploaded picture, shared by the apps' pages."""

from django import forms
from django.conf import settings
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _

from places.images import max_bytes_text, too_large_error


class PictureForm(forms.Form):
    """One picture (an avatar, a group's cover). The picture is checked and
    cleaned by places.images when a service stores it."""

    image = forms.FileField(
        label=_("Picture"),
        help_text=_("A JPEG, PNG or WebP picture."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["image"].widget.attrs["data-max-bytes"] = settings.IMAGE_MAX_BYTES
        self.fields["image"].widget.attrs["data-too-large"] = str(too_large_error().messages[0])
        self.fields["image"].help_text = _(
            "A JPEG, PNG or WebP picture of at most %(max)s. Its metadata (such as "
            "where it was taken) is removed."
        ) % {"max": max_bytes_text()}

    def refuse_too_large(self):
        """Show the size limit as the picture's error, on a form whose body was
        never read (an unbound form has no cleaned data to add errors to)."""
        self._errors = ErrorDict()
        self.cleaned_data = {}
        self.add_error("image", too_large_error())
        return self
