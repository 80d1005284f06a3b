"""The site's forms for study groups and accounts (the admin has its own)."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _
from leaflet.forms.widgets import LeafletWidget

from .models import MemberProfile, StudyGroup


class SignUpForm(UserCreationForm):
    email = forms.EmailField(
        label=_("Email"), help_text=_("For password resets and event notices.")
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ["username", "email"]


class StudyGroupForm(forms.ModelForm):
    """Create or edit a group: place it by clicking the map, or draw its area."""

    class Meta:
        model = StudyGroup
        fields = [
            "name",
            "description",
            "topics",
            "language",
            "is_online",
            "join_policy",
            "location",
            "meeting_area",
            "city",
            "address",
            "time_zone",
            "capacity",
        ]
        widgets = {
            "location": LeafletWidget(),
            "meeting_area": LeafletWidget(),
            "topics": forms.CheckboxSelectMultiple,
        }


class MemberProfileForm(forms.ModelForm):
    """A member's private home location and alert radius."""

    class Meta:
        model = MemberProfile
        fields = ["home_location", "alert_radius_km"]
        widgets = {"home_location": LeafletWidget()}
