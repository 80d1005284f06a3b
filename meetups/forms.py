import datetime
import zoneinfo

from django import forms
from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import FloatField, Q
from django.db.models.functions import Cast
from django.forms.fields import BaseTemporalField
from django.utils import formats
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from leaflet.forms.widgets import LeafletWidget
from psycopg2.extras import DateTimeTZRange

from places.forms import PictureForm
from places.timezones import TimeZoneFormField, accepted_time_zones, aware_in_zone, zone_name
from studygroups.forms import POSITIVE_INTEGER_MAX
from studygroups.models import StudyGroup
from studygroups.permissions import is_moderator, organized_group_ids

from .models import Event, Venue
from .series import BOOKING_CONSTRAINT, Scope, event_series_check
from .services import event_check, event_default_time_zone

DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class GroupCentredMap:
    """For static/js/form_map.js: where the groups the form offers meet, so
    that its map opens on the chosen group (the first ``MAP_CENTRES`` groups,
    and the chosen one)."""

    MAP_CENTRES = 100

    def map_centres(self):
        groups = self.fields["study_group"].queryset.exclude(location=None).order_by("pk")
        rows = list(groups.values_list("pk", "location")[: self.MAP_CENTRES])
        chosen = str(self["study_group"].value() or "")
        if chosen.isdigit():
            rows += groups.filter(pk=int(chosen)).values_list("pk", "location")
        return {str(pk): [round(point.x, 6), round(point.y, 6)] for pk, point in rows}


def time_zone_choices():
    """Every time zone name the API accepts (zones people live in, their old
    names, and UTC), as flat choices."""
    return [(name, name) for name in accepted_time_zones()]


class WallClockDateTimeField(forms.DateTimeField):
    """A date and time as typed in a datetime-local input, with no zone: the
    form reads it in the time zone chosen beside it (DateTimeField would read
    it in the site's zone, and refuse the times that zone skips)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            return value.replace(tzinfo=None) if value.tzinfo is None else value
        # Python's ISO parser stops at a NUL and would take "19:00\x00" as 19:00.
        if "\x00" in value:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            result = parse_datetime(value.strip())
        except (ValueError, TypeError):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if result is None:
            result = BaseTemporalField.to_python(self, value)
        if result.tzinfo is not None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return result

    def prepare_value(self, value):
        return value


def move_unknown_errors(form, error):
    """``error`` (a service's ValidationError) on the form: on the fields it
    names, or on the form as a whole for fields the form does not have."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class EventAdminForm(forms.ModelForm):
    """An event's form, in the admin and (as EventForm) on the site. Start and
    end are typed as wall-clock times of the time zone chosen on the same
    form; left on its first choice, that is the group's zone (the site's for
    an event without a group)."""

    start = WallClockDateTimeField(label=_("Start"))
    end = WallClockDateTimeField(label=_("End"))
    time_zone = TimeZoneFormField(
        label=_("Time zone"),
        required=False,
        empty_label=_("The group's time zone"),
        help_text=_("The start and end are times of this zone."),
    )
    online_url = forms.URLField(label=_("Online URL"), required=False, assume_scheme="https")
    # Shown only for an event in a series (meetups.series says what each does).
    scope = forms.ChoiceField(
        label=_("Apply to"),
        choices=Scope.choices,
        initial=Scope.THIS,
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "This event is part of a series. Past and cancelled dates are never changed; "
            "“following” makes the following dates a series of their own."
        ),
    )

    # The field each of the database's rules is said on (by constraint code).
    constraint_fields = {
        "event_venue_not_double_booked": "venue",
        "event_at_most_31_days": "end",
        "event_within_years_2000_2099": "start",
    }

    class Meta:
        model = Event
        exclude = ["during", "cancelled_at", "cancelled_by", "series"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.saved_start = None
        if self.instance.pk and self.instance.during:
            self.saved_start = self.instance.during.lower
            if not self.is_bound:
                tz = zoneinfo.ZoneInfo(self.instance.time_zone)
                self.initial["start"] = self.instance.during.lower.astimezone(tz).replace(
                    tzinfo=None
                )
                self.initial["end"] = self.instance.during.upper.astimezone(tz).replace(
                    tzinfo=None
                )
        if not (self.instance.pk and self.instance.series):
            del self.fields["scope"]
        if "status" in self.fields and not self.instance.pk:
            # A new event is scheduled; cancelling is something done to an event.
            self.fields["status"].choices = [
                (Event.Status.SCHEDULED, Event.Status.SCHEDULED.label)
            ]

    def _saved_bounds(self, zone):
        """{"start"/"end": (wall clock in ``zone``, instant)} of the saved event,
        when it is saved in that zone; else {}."""
        during = self.instance.during if self.instance.pk else None
        if during is None or self.instance.time_zone != zone:
            return {}
        tz = zoneinfo.ZoneInfo(zone)
        return {
            name: (moment.astimezone(tz).replace(tzinfo=None), moment)
            for name, moment in (("start", during.lower), ("end", during.upper))
        }

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("time_zone") and "time_zone" not in self.errors:
            cleaned["time_zone"] = event_default_time_zone(cleaned.get("study_group"))
        zone = cleaned.get("time_zone")
        if zone and "time_zone" not in self.errors:
            bounds = {}
            saved = self._saved_bounds(zone)
            for name in ("start", "end"):
                if cleaned.get(name) is None:
                    continue
                if saved.get(name, (None,))[0] == cleaned[name]:
                    # Unchanged: the same instant, even the second of an hour
                    # that repeats when the clocks go back (its wall clock alone
                    # would read as the first, an hour earlier).
                    bounds[name] = saved[name][1]
                    continue
                try:
                    bounds[name] = aware_in_zone(cleaned[name], zone)
                except ValidationError as exc:
                    self.add_error(name, exc)
            if len(bounds) == 2:
                if bounds["end"] <= bounds["start"]:
                    self.add_error("end", _("The event must end after it starts."))
                else:
                    cleaned["during"] = DateTimeTZRange(bounds["start"], bounds["end"], "[)")
                    # The model's rules (a double-booked venue) then see the range.
                    self.instance.during = cleaned["during"]
        venue, location = cleaned.get("venue"), cleaned.get("location")
        if venue and not location:
            cleaned["location"] = venue.location
        if "status" in self.fields and cleaned.get("status") == Event.Status.SCHEDULED:
            if cleaned.get("cancellation_reason"):
                self.add_error(
                    "cancellation_reason", _("Only a cancelled event has a reason for cancelling.")
                )
            # Reinstated: the record of the cancellation goes (the database requires it).
            self.instance.cancelled_at = self.instance.cancelled_by = None
        return cleaned

    def _get_validation_exclusions(self):
        # The status takes part in the venue's booking rule even where the
        # form does not show it (the site's form); the range, once composed.
        exclusions = super()._get_validation_exclusions()
        exclusions.discard("status")
        if "during" in self.cleaned_data:
            exclusions.discard("during")
        return exclusions

    def _post_clean(self):
        super()._post_clean()
        # The database's rules each concern a field: say them there.
        errors = self._errors.get(NON_FIELD_ERRORS)
        if errors:
            moved = [e for e in errors.as_data() if e.code in self.constraint_fields]
            if moved:
                kept = [e for e in errors.as_data() if e not in moved]
                if kept:
                    self._errors[NON_FIELD_ERRORS] = self.error_class(
                        kept, error_class="nonfield"
                    )
                else:
                    del self._errors[NON_FIELD_ERRORS]
                for error in moved:
                    field = self.constraint_fields[error.code]
                    self.add_error(field if field in self.fields else None, error)
        if "during" in self.cleaned_data:
            # The rules that are not the database's (no start in the past, a
            # capacity the venue holds), as the services apply them.
            try:
                event_check(self.instance, saved_start=self.saved_start)
            except ValidationError as exc:
                move_unknown_errors(self, exc)
        if self.chosen_scope() != Scope.THIS and "during" in self.cleaned_data:
            self._check_series()

    def chosen_scope(self):
        """The occurrences the edit is for (a ``Scope``): "this" unless the
        event is in a series and another was chosen."""
        return Scope(self.cleaned_data.get("scope") or Scope.THIS)

    def _check_series(self):
        # The booking of this occurrence alone was checked against its
        # neighbours' old times; the series' check sees all the new ones.
        booking = self._errors.get("venue")
        if booking:
            kept = [e for e in booking.as_data() if e.code != BOOKING_CONSTRAINT]
            if kept:
                self._errors["venue"] = self.error_class(kept)
            else:
                del self._errors["venue"]
        if self._errors:
            return
        fields = self.event_fields()
        fields.pop("status", None)
        try:
            event_series_check(
                Event.objects.get(pk=self.instance.pk), scope=self.chosen_scope(), **fields
            )
        except ValidationError as exc:
            move_unknown_errors(self, exc)

    def event_fields(self):
        """The cleaned values as the event services take them (``during`` and
        the resolved ``time_zone`` included)."""
        model_fields = {field.name for field in Event._meta.concrete_fields}
        names = [
            name
            for name in self._meta.fields or ()
            if name in self.cleaned_data and name in model_fields
        ]
        return {
            **{name: self.cleaned_data[name] for name in names},
            "during": self.cleaned_data["during"],
            "time_zone": self.cleaned_data["time_zone"],
        }


class EventForm(GroupCentredMap, EventAdminForm):
    """The site's event form for organizers: their groups only, shared venues or
    their own, a point placed on the map, and an optional weekly or monthly
    series created in one go. No status: cancelling is its own page."""

    REPEAT_CHOICES = [
        ("", _("Does not repeat")),
        ("weekly", _("Every week")),
        ("monthly", _("Every month")),
    ]
    repeat = forms.ChoiceField(label=_("Repeat"), choices=REPEAT_CHOICES, required=False)
    occurrences = forms.IntegerField(
        label=_("Occurrences"),
        min_value=1,
        max_value=52,
        initial=1,
        help_text=_("How many events the series has, this one included."),
    )

    class Meta:
        model = Event
        fields = [
            "title",
            "description",
            "study_group",
            "venue",
            "location",
            "online_url",
            "time_zone",
            "capacity",
        ]
        widgets = {"location": LeafletWidget()}

    field_order = [
        "title",
        "description",
        "study_group",
        "start",
        "end",
        "time_zone",
        "repeat",
        "occurrences",
        "scope",
        "venue",
        "location",
        "online_url",
        "capacity",
    ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        groups = StudyGroup.objects.all()
        venues = Venue.objects.all()
        if not is_moderator(user):
            groups = groups.filter(pk__in=organized_group_ids(user))
            venues = venues.filter(Q(study_group__isnull=True) | Q(study_group__in=groups))
        self.fields["study_group"].queryset = groups
        self.fields["study_group"].required = not is_moderator(user)
        group = self.instance.study_group if self.instance.study_group_id else None
        group = group or self.initial.get("study_group")
        if group is not None and getattr(group, "location", None) is not None:
            # The venues nearest the group come first, with their distance.
            venues = venues.annotate(
                distance_m=Cast(Distance("location", group.location), FloatField())
            ).order_by(GeometryDistance("location", group.location))
            self.fields["venue"].label_from_instance = venue_with_distance
        self.fields["venue"].queryset = venues
        if isinstance(group, StudyGroup):
            self.fields["time_zone"].empty_label = capfirst(
                _("%(zone)s (the group's)") % {"zone": zone_name(event_default_time_zone(group))}
            )
        if self.instance.pk:
            # A series is created at once; its occurrences are then edited one by one.
            del self.fields["repeat"], self.fields["occurrences"]

    def clean_occurrences(self):
        occurrences = self.cleaned_data["occurrences"]
        if occurrences and occurrences > 1 and not self.cleaned_data.get("repeat"):
            # Not silently one event: the organizer asked for several.
            raise forms.ValidationError(
                _("Choose how the series repeats (every week or every month), or make it 1.")
            )
        return occurrences


def venue_with_distance(venue):
    distance = getattr(venue, "distance_m", None)
    if distance is None:
        return str(venue)
    return _("%(venue)s · %(km)s km") % {
        "venue": venue,
        "km": formats.number_format(distance / 1000, decimal_pos=1, use_l10n=True),
    }


class EventCancelForm(forms.Form):
    """What an organizer may add when cancelling: a reason, sent to attendees,
    and for an event in a series, which of its dates."""

    scope = forms.ChoiceField(
        label=_("Cancel"),
        choices=Scope.choices,
        initial=Scope.THIS,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("Past dates are never cancelled with it."),
    )

    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to everyone going or waitlisted, and shown on the event's page."),
    )

    field_order = ["scope", "reason"]

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        if event.series is None:
            del self.fields["scope"]

    def chosen_scope(self):
        return Scope(self.cleaned_data.get("scope") or Scope.THIS)


def venue_group_help(user):
    """The venue's group field explained to ``user``: only moderators may leave
    it empty (a shared venue); organizers pick one of their groups."""
    if is_moderator(user):
        return _(
            "The group whose organizers manage this venue. Leave it empty for a "
            "venue every group may book (only moderators manage those)."
        )
    return _("The group whose organizers manage this venue: one of the groups you organize.")


class VenueForm(GroupCentredMap, forms.ModelForm):
    """A venue placed by clicking the map. Organizers add venues to the groups
    they organize; moderators may also leave the group empty for a venue that
    every group can book."""

    capacity = Venue._meta.get_field("capacity").formfield(
        min_value=1, max_value=POSITIVE_INTEGER_MAX
    )

    class Meta:
        model = Venue
        fields = ["name", "address", "city", "location", "capacity", "study_group"]
        widgets = {"location": LeafletWidget()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["study_group"]
        if is_moderator(user):
            field.queryset = StudyGroup.objects.all()
            field.help_text = venue_group_help(user)
        else:
            field.queryset = StudyGroup.objects.filter(pk__in=organized_group_ids(user))
            field.required = True
            field.empty_label = None if field.queryset.count() == 1 else field.empty_label
            field.help_text = venue_group_help(user)


class EventPhotoForm(PictureForm):
    """A photo of an event and its caption (plain text)."""

    caption = forms.CharField(
        label=_("Caption"), max_length=200, required=False, strip=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["image"].label = _("Photo")
