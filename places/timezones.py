"""Time zones people live in, named in words in the page's language, and the
zone at a point.

The zones come from CLDR (through Babel): the IANA zones of real countries
and territories, about 420, not the ~600 names of the system's tz database
("Factory", "localtime", "Etc/GMT+5", "US/Eastern"...). Old names that are
links to one of them ("America/Buenos_Aires", "Europe/Kiev") are still
accepted and stored under today's name. Events and study groups store the
IANA name; pages show "hora de Madrid (UTC+1)" / "Madrid Time (UTC+1)".
"""

import datetime
import unicodedata
import zoneinfo
from contextlib import nullcontext
from functools import lru_cache

from babel import Locale
from babel.core import get_global
from babel.dates import format_date, get_timezone_location
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats, translation
from django.utils.translation import gettext_lazy as _

UTC = "UTC"
MINUS = "\u2212"  # the minus sign, not a hyphen: "UTC−5"


@lru_cache(maxsize=1)
def zones_by_country():
    """{ISO country code: [IANA zone, ...]} of the zones people live in that
    this machine's tz database knows."""
    available = zoneinfo.available_timezones()
    countries = {}
    for code, zones in get_global("territory_zones").items():
        # "001" (the world) and "ZZ" (unknown) hold Etc/GMT+5 and the like.
        if len(code) != 2 or not code.isalpha() or code == "ZZ":
            continue
        known = sorted(zone for zone in zones if zone in available)
        if known:
            countries[code] = known
    return countries


@lru_cache(maxsize=1)
def _canonical_names():
    names = {zone: zone for zones in zones_by_country().values() for zone in zones}
    for alias, target in get_global("zone_aliases").items():
        if target in names:
            names.setdefault(alias, target)
    # Not a place, but honest for an online event and the default of old rows.
    names[UTC] = names["Etc/UTC"] = UTC
    return names


def canonical_time_zone(name):
    """Today's IANA name of the zone ``name`` (an old link such as
    "America/Buenos_Aires" gives "America/Argentina/Buenos_Aires"), or None
    when ``name`` is not a zone people live in (nor "UTC")."""
    return _canonical_names().get(name) if isinstance(name, str) else None


def accepted_time_zones():
    """Every name ``canonical_time_zone`` accepts, sorted (old links included)."""
    return sorted(_canonical_names())


def validate_time_zone(value):
    if canonical_time_zone(value) is None:
        raise ValidationError(
            _("“%(value)s” is not a time zone people live in; use a name such as America/Bogota."),
            code="invalid_time_zone",
            params={"value": value},
        )


def site_time_zone():
    """The site's time zone (settings.TIME_ZONE), for what has no zone of its own."""
    return settings.TIME_ZONE


@lru_cache(maxsize=1)
def _country_of_zone():
    return {zone: code for code, zones in zones_by_country().items() for zone in zones}


def _locale(language=None):
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    # The base language only: CLDR's regional variants name zones oddly
    # (es-CO calls Madrid's winter time "hora de verano de España").
    try:
        return Locale.parse(language.split("-")[0].split("_")[0])
    except (ValueError, LookupError):
        return Locale.parse(settings.LANGUAGE_CODE.split("-")[0])


def _language_override(language):
    return translation.override(language) if language else nullcontext()


def utc_offset(zone, when=None):
    """The UTC offset (a timedelta) of ``zone`` at the aware datetime ``when`` (now)."""
    when = when or datetime.datetime.now(datetime.UTC)
    return when.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset()


def utc_offset_text(offset, *, padded=False):
    """"UTC+1", "UTC−5", "UTC+5:30"; with ``padded``, "UTC+01:00", "UTC−05:00"."""
    minutes = round(offset.total_seconds() / 60)
    sign = "+" if minutes >= 0 else MINUS
    hours, minutes = divmod(abs(minutes), 60)
    if padded:
        return f"UTC{sign}{hours:02d}:{minutes:02d}"
    return f"UTC{sign}{hours}" + (f":{minutes:02d}" if minutes else "")


@lru_cache(maxsize=2048)
def _zone_place(zone, language):
    locale = Locale.parse(language)
    country = _country_of_zone().get(zone)
    if country and len(zones_by_country()[country]) == 1:
        return locale.territories.get(country) or zone
    return _zone_city(zone, language)


def zone_place(zone, language=None):
    """The place ``zone`` is named after, in ``language`` (the active one): its
    country when the country has one zone ("Colombia"), else its city ("Madrid",
    "Ciudad de México"). None for UTC."""
    zone = canonical_time_zone(zone) or zone
    if zone == UTC:
        return None
    return _zone_place(zone, str(_locale(language)))


def zone_name(zone, language=None):
    """The zone in words, CLDR's own wording per language: "hora de Madrid",
    "Colombia Time", "UTC"."""
    place = zone_place(zone, language)
    if place is None:
        return UTC
    return _locale(language).zone_formats["region"] % place


def zone_label(zone, when=None, language=None):
    """The zone in words with its UTC offset at ``when`` (now): "hora de Madrid
    (UTC+1)", "Colombia Time (UTC−5)", or just "UTC"."""
    if zone_place(zone, language) is None:
        return UTC
    return f"{zone_name(zone, language)} ({utc_offset_text(utc_offset(zone, when))})"


def aware_in_zone(wall_clock, zone):
    """The naive ``wall_clock`` date and time read in ``zone`` (aware).

    In the hour that repeats when the clocks go back, the first of the two.
    Raises ValidationError (code "nonexistent_time") for a time the clocks skip
    when they go forward (02:30 on 28 March 2027 in Madrid), and (code
    "invalid") for one too close to the year 9999 to have a UTC instant."""
    if wall_clock.tzinfo is not None:
        return wall_clock
    tz = zoneinfo.ZoneInfo(zone)
    aware = wall_clock.replace(tzinfo=tz)
    try:
        round_trip = aware.astimezone(datetime.UTC).astimezone(tz)
    except OverflowError:
        raise ValidationError(forms.DateTimeField.default_error_messages["invalid"], code="invalid")
    if round_trip.replace(tzinfo=None) != wall_clock:
        raise ValidationError(
            _(
                "%(time)s does not exist in %(zone)s: the clocks jump forward at that "
                "hour for daylight saving time. Pick a time outside the jump."
            ),
            code="nonexistent_time",
            params={
                "time": formats.time_format(wall_clock, "TIME_FORMAT"),
                "zone": zone_name(zone),
            },
        )
    return aware


def format_local(moment, zone, *, weekday=False, language=None):
    """``moment`` (aware) as wall-clock time in ``zone``, for the language:
    "10 de diciembre de 2026, 18:30" / "December 10, 2026, 6:30 p.m." (with
    ``weekday``: "jueves, 10 de diciembre de 2026, 18:30")."""
    local = moment.astimezone(zoneinfo.ZoneInfo(zone))
    with _language_override(language):
        date_text = format_date(local.date(), "full" if weekday else "long", locale=_locale())
        return f"{date_text}, {format_time(moment, zone)}"


def format_local_named(moment, zone=None, *, language=None):
    """``format_local`` with the zone in words: "14 de diciembre de 2026,
    07:46, hora de Colombia (UTC−5)"; ``zone`` defaults to the site's."""
    zone = zone or site_time_zone()
    return f"{format_local(moment, zone, language=language)}, {zone_label(zone, moment, language)}"


def format_time(moment, zone, *, language=None):
    """Only the wall-clock time of ``moment`` in ``zone``: "18:30" / "6:30 p.m."."""
    with _language_override(language):
        # Django's TIME_FORMAT formats the datetime's own wall clock.
        return formats.time_format(moment.astimezone(zoneinfo.ZoneInfo(zone)), "TIME_FORMAT")


def format_span(start, end, zone, *, weekday=True, language=None):
    """(start text, end text, zone text) of an event from ``start`` to ``end`` in
    ``zone``: the end gives only its time when it ends the same local day."""
    tz = zoneinfo.ZoneInfo(zone)
    with _language_override(language):
        start_text = format_local(start, zone, weekday=weekday)
        if start.astimezone(tz).date() == end.astimezone(tz).date():
            end_text = format_time(end, zone)
        else:
            end_text = format_local(end, zone, weekday=weekday)
        return start_text, end_text, zone_label(zone, start)


def format_span_text(start, end, zone, *, weekday=True, language=None):
    """One line for emails and messages: "jueves, 10 de diciembre de 2026,
    19:00 – 21:00 (hora de España... )", in the zone's own wall-clock time."""
    start_text, end_text, zone_text = format_span(
        start, end, zone, weekday=weekday, language=language
    )
    return f"{start_text} – {end_text}, {zone_text}"


def _sort_key(text):
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


@lru_cache(maxsize=2048)
def _zone_city(zone, language):
    return get_timezone_location(zone, locale=Locale.parse(language), return_city=True)


def _city_in(city, country):
    return city if city == country else f"{city}, {country}"


@lru_cache(maxsize=16)
def _choices(language, hour):
    locale = Locale.parse(language)
    when = datetime.datetime.fromtimestamp(hour * 3600, datetime.UTC)
    groups = []
    for code, zones in zones_by_country().items():
        country = locale.territories.get(code, code)
        options = []
        for zone in zones:
            city = _zone_city(zone, language)
            options.append((utc_offset(zone, when), _sort_key(city), zone, city))
        options.sort()
        groups.append(
            (
                _sort_key(country),
                country,
                [
                    # The country too: a closed <select> hides its group, and
                    # "Córdoba" or "Mérida" alone reads as Spain's.
                    (zone, f"{_city_in(city, country)} ({utc_offset_text(offset, padded=True)})")
                    for offset, _key, zone, city in options
                ],
            )
        )
    groups.sort()
    utc_name = locale.time_zones.get("Etc/UTC", {}).get("long", {}).get("standard", UTC)
    with translation.override(language):
        other = str(_("Other"))
    return [(country, options) for _key, country, options in groups] + [
        (other, [(UTC, f"{utc_name[:1].upper()}{utc_name[1:]} ({UTC})")])
    ]


def time_zone_choices(language=None, when=None):
    """The zones people live in for a <select>, grouped by country in
    alphabetical order: [("Colombia", [("America/Bogota", "Bogotá, Colombia (UTC−05:00)")]),
    ...], then UTC. Names in ``language`` (the active one); offsets as at
    ``when`` (now), since daylight saving time moves them."""
    when = when or datetime.datetime.now(datetime.UTC)
    return _choices(str(_locale(language)), int(when.timestamp() // 3600))


def time_zone_at(point):
    """The time zone of the gazetteer city nearest ``point`` (a lon/lat Point),
    by KNN on the cities' GiST index; None without a point or a gazetteer.

    Near a border the nearest city may be across it: people can correct it."""
    if point is None:
        return None
    from django.contrib.gis.db.models.functions import GeometryDistance

    from places.models import City

    zone = (
        City.objects.order_by(GeometryDistance("location", point))
        .values_list("time_zone", flat=True)
        .first()
    )
    return canonical_time_zone(zone)


class TimeZoneFormField(forms.ChoiceField):
    """A <select> of the zones people live in, grouped by country, labelled in
    the page's language. ``empty_label`` adds a first, empty choice (its
    meaning is the form's to give, e.g. "The group's time zone"). Old names
    that are links ("America/Buenos_Aires") are accepted as today's name."""

    def __init__(self, *, empty_label=None, max_length=None, empty_value="", **kwargs):
        self.empty_label = empty_label
        kwargs.pop("choices", None)
        super().__init__(choices=self.grouped_choices, **kwargs)

    def __deepcopy__(self, memo):
        # Each form's copy lists its own choices, so that its empty_label counts.
        result = super().__deepcopy__(memo)
        result.choices = result.grouped_choices
        return result

    def grouped_choices(self):
        choices = time_zone_choices()
        if self.empty_label is not None:
            return [("", self.empty_label), *choices]
        return choices

    def to_python(self, value):
        value = super().to_python(value)
        return canonical_time_zone(value) or value

    def validate(self, value):
        forms.Field.validate(self, value)
        if value and canonical_time_zone(value) is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )


class TimeZoneField(models.Field):
    """An IANA time zone people live in, stored as its name (varchar). Model
    forms, the admin's included, offer the zones grouped by country."""

    description = _("Time zone")
    default_validators = [validate_time_zone]

    def __init__(self, *args, empty_label="---------", **kwargs):
        # What leaving a blank field empty means, for its forms (not stored).
        self.empty_label = empty_label
        kwargs.setdefault("max_length", 63)
        super().__init__(*args, **kwargs)

    def get_internal_type(self):
        return "CharField"

    def to_python(self, value):
        return value if value is None or isinstance(value, str) else str(value)

    def get_prep_value(self, value):
        return self.to_python(super().get_prep_value(value))

    def formfield(self, **kwargs):
        defaults = {"form_class": TimeZoneFormField}
        if self.blank:
            defaults["empty_label"] = self.empty_label
        return super().formfield(**{**defaults, **kwargs})
