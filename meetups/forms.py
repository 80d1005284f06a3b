import zoneinfo
from functools import lru_cache

from django import forms
from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.contrib.postgres.forms import DateTimeRangeField, RangeWidget
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import FloatField, Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from leaflet.forms.widgets import LeafletWidget
from psycopg2.extras import DateTimeTZRange

from places.permissions import is_moderator, organized_group_ids
from studygroups.forms import POSITIVE_INTEGER_MAX
from studygroups.models import StudyGroup

from .models import Event, Venue

DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


@lru_cache(maxsize=1)
def time_zone_choices():
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class EventAdminForm(forms.ModelForm):
    """Event form whose start and end are read in the event's own time zone."""

    during = DateTimeRangeField(
        label=_("When"),
        help_text=_("Start and end, in the event's time zone."),
        widget=RangeWidget(
            forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT
            )
        ),
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    online_url = forms.URLField(label=_("Online URL"), required=False, assume_scheme="https")

    class Meta:
        model = Event
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.instance.pk and self.instance.during:
            tz = zoneinfo.ZoneInfo(self.instance.time_zone)
            self.initial["during"] = DateTimeTZRange(
                self.instance.during.lower.astimezone(tz).replace(tzinfo=None),
                self.instance.during.upper.astimezone(tz).replace(tzinfo=None),
            )

    def _post_clean(self):
        super()._post_clean()
        # The database's "no double booking" rule is about the venue: say it there.
        errors = self._errors.get(NON_FIELD_ERRORS)
        if not errors:
            return
        moved = [e for e in errors.as_data() if e.code == "event_venue_not_double_booked"]
        if moved:
            kept = [e for e in errors.as_data() if e not in moved]
            if kept:
                self._errors[NON_FIELD_ERRORS] = self.error_class(kept, error_class="nonfield")
            else:
                del self._errors[NON_FIELD_ERRORS]
            self.add_error("venue", moved)

    def clean(self):
        cleaned = super().clean()
        during, tz_name = cleaned.get("during"), cleaned.get("time_zone")
        if during and tz_name:
            # The widget's values were made aware in the site's time zone;
            # reinterpret the same wall-clock times in the event's.
            tz = zoneinfo.ZoneInfo(tz_name)
            lower, upper = (
                timezone.make_naive(bound).replace(tzinfo=tz) if bound else None
                for bound in (during.lower, during.upper)
            )
            if lower is None or upper is None:
                self.add_error("during", _("Give both a start and an end."))
            elif upper <= lower:
                self.add_error("during", _("The event must end after it starts."))
            else:
                cleaned["during"] = DateTimeTZRange(lower, upper, "[)")
        venue, location = cleaned.get("venue"), cleaned.get("location")
        if venue and not location:
            cleaned["location"] = venue.location
        return cleaned


class EventForm(EventAdminForm):
    """The site's event form for organizers: their groups only, shared venues or
    their own, a point placed on the map, and an optional weekly or monthly
    series created in one go."""

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
            "during",
            "time_zone",
            "capacity",
            "status",
        ]
        widgets = {"location": LeafletWidget()}

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
        if self.instance.pk:
            # A series is created at once; its occurrences are then edited one by one.
            del self.fields["repeat"], self.fields["occurrences"]


def venue_with_distance(venue):
    distance = getattr(venue, "distance_m", None)
    if distance is None:
        return str(venue)
    return _("%(venue)s · %(km)s km") % {"venue": venue, "km": f"{distance / 1000:.1f}"}


class VenueForm(forms.ModelForm):
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
            field.help_text = _(
                "The group whose organizers manage this venue. Leave it empty for a "
                "venue every group may book (only moderators manage those)."
            )
        else:
            field.queryset = StudyGroup.objects.filter(pk__in=organized_group_ids(user))
            field.required = True
            field.empty_label = None if field.queryset.count() == 1 else field.empty_label
            field.help_text = _(
                "The group whose organizers manage this venue: one of the groups you organize."
            )
