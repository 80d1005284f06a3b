"""Parse and validate the spatial query parameters every endpoint shares.

Each parser takes the raw string and the parameter's name, and raises
``InvalidParameter`` naming that parameter, so views answer 400 with a message
the caller can act on. Coordinates are ``lon,lat`` (GeoJSON order), WGS84.
"""

import datetime
import math

import mercantile
from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _

MAX_TILE_ZOOM = 24
# Web Mercator tiles stop short of the poles.
MERCATOR_MAX_LAT = 85.0511287798066


class InvalidParameter(ValueError):
    """A query parameter that cannot be used; ``param`` names it."""

    def __init__(self, param, message):
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


def parse_number(value, param):
    """A finite float, or InvalidParameter."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidParameter(param, _("%(value)r is not a number.") % {"value": value})
    if not math.isfinite(number):
        raise InvalidParameter(param, _("Numbers must be finite."))
    return number


def parse_numbers(value, param, counts, what):
    parts = (value or "").split(",")
    if len(parts) not in counts:
        raise InvalidParameter(
            param, _("Expected %(what)s, got %(value)r.") % {"what": what, "value": value}
        )
    return [parse_number(part.strip(), param) for part in parts]


def check_lon(lon, param):
    if not -180 <= lon <= 180:
        raise InvalidParameter(
            param, _("Longitude %(lon)s is outside [-180, 180].") % {"lon": lon}
        )


def check_lat(lat, param):
    if not -90 <= lat <= 90:
        raise InvalidParameter(param, _("Latitude %(lat)s is outside [-90, 90].") % {"lat": lat})


def parse_lonlat(value, param="near"):
    """``"lon,lat"`` as a WGS84 Point."""
    lon, lat = parse_numbers(value, param, {2}, _("two numbers: lon,lat"))
    check_lon(lon, param)
    check_lat(lat, param)
    return Point(lon, lat, srid=4326)


def parse_bbox(value, param="bbox"):
    """``"west,south,east,north"`` (or the six-number 3D form, heights ignored)
    as a tuple of four degrees. ``west > east`` is a box across the antimeridian."""
    numbers = parse_numbers(
        value, param, {4, 6}, _("four numbers: west,south,east,north")
    )
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    west, south, east, north = numbers
    for lon in (west, east):
        check_lon(lon, param)
    for lat in (south, north):
        check_lat(lat, param)
    if south > north:
        raise InvalidParameter(
            param,
            _("South (%(south)s) is north of north (%(north)s).")
            % {"south": south, "north": north},
        )
    return west, south, east, north


def parse_tile_address(z, x, y, param=None):
    """(z, x, y) of an XYZ web map tile, as integers, from the three parts of
    its address (``/tiles/.../<z>/<x>/<y>.mvt``).

    A part that is not a whole number, or lies outside the zoom's grid, is an
    InvalidParameter naming it (``z``, ``x`` or ``y``); given ``param``, naming
    that instead, for an address written as one (``tile=z/x/y``).
    """
    parts = {"z": z, "x": x, "y": y}
    for name, value in parts.items():
        if not (value.isascii() and value.isdigit() and len(value) <= 10):
            if param:
                raise InvalidParameter(
                    param,
                    _("Expected z/x/y with whole numbers, got %(value)r.")
                    % {"value": "/".join(parts.values())},
                )
            raise InvalidParameter(name, _("%(value)r is not a whole number.") % {"value": value})
    z, x, y = (int(value) for value in parts.values())
    if z > MAX_TILE_ZOOM:
        raise InvalidParameter(
            param or "z", _("Zoom %(z)s is above %(max)s.") % {"z": z, "max": MAX_TILE_ZOOM}
        )
    for name, number in (("x", x), ("y", y)):
        if number < 2**z:
            continue
        if param:
            raise InvalidParameter(
                param,
                _("Tile %(x)s/%(y)s does not exist at zoom %(z)s.") % {"x": x, "y": y, "z": z},
            )
        raise InvalidParameter(
            name, _("Must be below %(count)s at zoom %(z)s.") % {"count": 2**z, "z": z}
        )
    return z, x, y


def parse_tile(value, param="tile"):
    """``"z/x/y"`` (an XYZ web map tile) as its (west, south, east, north) in degrees."""
    parts = (value or "").split("/")
    if len(parts) != 3:
        raise InvalidParameter(
            param, _("Expected z/x/y with whole numbers, got %(value)r.") % {"value": value}
        )
    z, x, y = parse_tile_address(*parts, param=param)
    bounds = mercantile.bounds(x, y, z)
    return bounds.west, bounds.south, bounds.east, bounds.north


def parse_positive(value, param, maximum=None):
    """A number above zero, at most ``maximum``."""
    number = parse_number(value, param)
    if number <= 0:
        raise InvalidParameter(param, _("Must be greater than 0."))
    if maximum is not None and number > maximum:
        raise InvalidParameter(param, _("Must be at most %(max)s.") % {"max": maximum})
    return number


def parse_int(value, param, minimum=0, maximum=2**63 - 1):
    """A whole number in [minimum, maximum] (by default, what a bigint holds);
    ``maximum=None`` sets no upper bound, for a caller that clamps or words its
    own limit (more than 20 digits reads as 10**20)."""
    text = str(value).strip()
    # One sign at most: "--5" passed a check of the digits after every
    # leading minus, and int() answered it with a 500.
    digits = text[1:] if text.startswith("-") else text
    if not (digits.isascii() and digits.isdigit()):
        raise InvalidParameter(param, _("%(value)r is not a whole number.") % {"value": value})
    significant = digits.lstrip("0")
    # More digits than any bound here (and than int() should read): too big
    # or too small, not "not a whole number".
    number = 10**20 if len(significant) > 20 else int(significant or "0")
    if text.startswith("-"):
        number = -number
    if number < minimum:
        raise InvalidParameter(param, _("Must be at least %(min)s.") % {"min": minimum})
    if maximum is not None and number > maximum:
        raise InvalidParameter(param, _("Must be at most %(max)s.") % {"max": maximum})
    return number


def choose_one_of(choices):
    """A page's message for a value its select does not offer: the options as
    the select words them, not the values of its URL ("upcoming, today...")."""
    return _("Choose one of: %(choices)s.") % {
        "choices": ", ".join(f"“{label}”" for _value, label in choices)
    }


def parse_limit(value, param="limit", default=100, maximum=10_000):
    """How many items to return: at least 1, clamped to ``maximum``."""
    if value is None or value == "":
        return default
    # Clamped at any size: "limit=99999999999999999999" is a client asking
    # for everything, not one to be told what a bigint holds.
    return min(parse_int(value, param, minimum=1, maximum=None), maximum)


def parse_bool(value, param):
    lowered = (value or "").lower()
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    raise InvalidParameter(param, _("Expected true or false, got %(value)r.") % {"value": value})


def parse_datetime(value, param):
    """An RFC 3339 date-time with an offset (``2026-12-08T18:00:00-05:00`` or ``...Z``),
    or a full date, taken as midnight UTC."""
    try:
        if len(value or "") == 10:
            return datetime.datetime.combine(
                datetime.date.fromisoformat(value), datetime.time(), tzinfo=datetime.UTC
            )
        moment = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidParameter(
            param,
            _("Expected an RFC 3339 date-time with a time zone, such as "
              "2026-12-08T18:00:00Z, got %(value)r.") % {"value": value},
        )
    # In UTC: PostgreSQL refuses offsets past ±15:59, which Python reads
    # (``+18:33``), and a year-1 moment ahead of UTC has no UTC in Python.
    try:
        return moment.astimezone(datetime.UTC)
    except OverflowError:
        raise InvalidParameter(
            param, _("Out of the range of dates, got %(value)r.") % {"value": value}
        ) from None


def parse_interval(value, param="datetime"):
    """An OGC API ``datetime``: an instant, ``start/end``, ``../end`` or ``start/..``,
    as (start, end) with None for an open end."""
    parts = (value or "").split("/")
    if len(parts) == 1:
        moment = parse_datetime(parts[0], param)
        return moment, moment
    if len(parts) != 2 or parts == ["..", ".."] or parts == ["", ""]:
        raise InvalidParameter(
            param, _("Expected an instant or start/end, got %(value)r.") % {"value": value}
        )
    start, end = (None if part in ("", "..") else parse_datetime(part, param) for part in parts)
    if start and end and start > end:
        raise InvalidParameter(param, _("The interval ends before it starts."))
    return start, end
