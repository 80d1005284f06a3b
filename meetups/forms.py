import zoneinfo
from functools import lru_cache

from django import forms
from django.contrib.postgres.forms import DateTimeRangeField, RangeWidget
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from psycopg2.extras import DateTimeTZRange

from .models import Event

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
