"""The site's forms for study groups and accounts (the admin has its own)."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from leaflet.forms.widgets import LeafletWidget

from places.forms import PictureForm  # noqa: F401  (the site's picture forms)

from .models import MemberProfile, StudyGroup

# PostgreSQL's integer, the column of every PositiveIntegerField: a larger
# number is refused by the form, naming the field, before the database sees it.
POSITIVE_INTEGER_MAX = 2_147_483_647


class SignUpForm(UserCreationForm):
    email = forms.EmailField(
        label=_("Email"), help_text=_("For password resets and event notices.")
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ["username", "email"]


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, sending nothing during the request: ``save`` hands
    the address to a Celery task whatever it is, so a known and an unknown
    address run the same code and take the same time; the task looks the
    account up and mails it (``VerifiedPasswordResetForm``)."""

    def save(self, domain_override=None, use_https=False, request=None, **kwargs):
        from django.contrib.sites.shortcuts import get_current_site
        from django.utils.translation import get_language

        from .tasks import password_reset_send

        domain = domain_override or get_current_site(request).domain
        # Not on commit: the request writes nothing for the task to wait for.
        password_reset_send.delay(
            self.cleaned_data["email"], domain, use_https, get_language() or "es"
        )


class VerifiedPasswordResetForm(PasswordResetForm):
    """The reset form the task runs: it mails only accounts whose address is
    confirmed (no ``EmailVerification`` pending for it)."""

    def get_users(self, email):
        from .notifications import email_confirmed

        return (user for user in super().get_users(email) if email_confirmed(user))


class ConstraintErrorsOnFields:
    """A ModelForm mixin that shows a database constraint's error at the field
    it is about (the constraint's ``violation_error_code`` -> a field name),
    rather than at the top of the form."""

    constraint_fields = {}

    def _post_clean(self):
        super()._post_clean()
        errors = self._errors.get(NON_FIELD_ERRORS)
        if not errors:
            return
        kept = []
        for error in errors.as_data():
            field = self.constraint_fields.get(error.code)
            if field in self.fields:
                self.add_error(field, error)
            else:
                kept.append(error)
        if kept:
            self._errors[NON_FIELD_ERRORS] = self.error_class(kept, error_class="nonfield")
        else:
            del self._errors[NON_FIELD_ERRORS]


class StudyGroupAdminForm(ConstraintErrorsOnFields, forms.ModelForm):
    """The admin's study group form: constraint errors at their fields."""

    constraint_fields = {
        "studygroup_location_unless_online": "location",
        "meeting_area_too_many_points": "meeting_area",
        "meeting_area_too_large": "meeting_area",
    }

    class Meta:
        model = StudyGroup
        fields = "__all__"


class StudyGroupForm(StudyGroupAdminForm):
    """Create or edit a group: place it by clicking the map, or draw its area.

    A name that another group already has (ignoring case and accents) is
    refused until the organizer confirms that theirs is a different group; the
    form then lists the others (``same_name_groups``) with links.
    """

    capacity = StudyGroup._meta.get_field("capacity").formfield(
        min_value=1, max_value=POSITIVE_INTEGER_MAX
    )
    confirm_same_name = forms.BooleanField(
        label=_("Mine is a different group: create it with this name anyway"),
        required=False,
        widget=forms.HiddenInput,
        label_suffix="",
    )

    class Meta:
        model = StudyGroup
        fields = [
            "name",
            "confirm_same_name",
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

    same_name_groups = ()

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("name")
        if not name or cleaned.get("confirm_same_name"):
            return cleaned
        if self.instance.pk and StudyGroup.objects.same_name(name).filter(
            pk=self.instance.pk
        ).exists():
            # Renaming "Python Bogota" to "Python Bogotá" is not a new clash.
            return cleaned
        others = list(
            StudyGroup.objects.same_name(name).exclude(pk=self.instance.pk)[:SAME_NAME_SHOWN]
        )
        if others:
            self.same_name_groups = others
            confirm = self.fields["confirm_same_name"]
            confirm.widget = forms.CheckboxInput()
            confirm.help_text = same_name_help(others)
            # The bound field copied the (empty) help text when it was made.
            self["confirm_same_name"].help_text = confirm.help_text
            self.add_error(
                "name",
                forms.ValidationError(
                    _(
                        "There is already a study group with this name. If yours is "
                        "another group, confirm it below and save again."
                    ),
                    code="same_name",
                ),
            )
        return cleaned


# How many groups with the same name the warning lists.
SAME_NAME_SHOWN = 5


def same_name_help(groups):
    """The existing groups with the same name, as links with their city, for
    the confirmation's help text (names escaped by format_html)."""
    items = format_html_join(
        "",
        '<li><a href="{}">{}</a> · {}</li>',
        (
            (group.get_absolute_url(), group.name, _("Online") if group.is_online else group.city)
            for group in groups
        ),
    )
    return format_html(
        "{}<ul>{}</ul>",
        _("Groups with this name (your group gets its own page and address):"),
        items,
    )


class MemberProfileForm(ConstraintErrorsOnFields, forms.ModelForm):
    """A member's public profile (name, bio, whether they show in member
    lists) and their private home location and alert radius."""

    PUBLIC_FIELDS = ("display_name", "bio", "hidden_from_member_lists")
    PRIVATE_FIELDS = ("home_location", "alert_radius_km")
    constraint_fields = {
        "profile_bio_length": "bio",
        "profile_display_name_not_blank": "display_name",
    }

    alert_radius_km = MemberProfile._meta.get_field("alert_radius_km").formfield(
        min_value=1, max_value=500
    )

    class Meta:
        model = MemberProfile
        fields = [
            "display_name",
            "bio",
            "hidden_from_member_lists",
            "home_location",
            "alert_radius_km",
        ]
        widgets = {"home_location": LeafletWidget(), "bio": forms.Textarea(attrs={"rows": 4})}

    def public_fields(self):
        return [self[name] for name in self.PUBLIC_FIELDS]

    def private_fields(self):
        return [self[name] for name in self.PRIVATE_FIELDS]


class NotificationSettingsForm(forms.ModelForm):
    """Which emails a member receives, and in which language."""

    class Meta:
        model = MemberProfile
        fields = [
            "language",
            "notify_event_nearby",
            "notify_group_nearby",
            "notify_reminders",
            "notify_digest",
            "notify_event_updates",
            "notify_membership",
            "notify_posts",
        ]
