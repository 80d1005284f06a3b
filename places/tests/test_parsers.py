"""The shared query-parameter parsers: what they accept, and that refusals name the parameter."""

import datetime
import math

import pytest
from django.utils import translation

from places import parsers

# The latitude where the square Web Mercator world ends: atan(sinh(pi)).
MERCATOR_EDGE = math.degrees(math.atan(math.sinh(math.pi)))
UTC = datetime.UTC


@pytest.mark.parametrize(
    "tile, bounds",
    [
        ("0/0/0", (-180, -MERCATOR_EDGE, 180, MERCATOR_EDGE)),
        ("1/0/0", (-180, 0, 0, MERCATOR_EDGE)),
        ("1/1/1", (0, -MERCATOR_EDGE, 180, 0)),
    ],
)
def test_tile_is_its_lon_lat_bounds(tile, bounds):
    assert parsers.parse_tile(tile) == pytest.approx(bounds, abs=1e-9)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("\N{SUPERSCRIPT TWO}/0/0", id="superscript-digit"),
        pytest.param("1/" + "0" * 5000 + "/0", id="more-digits-than-int-converts"),
    ],
)
def test_tile_that_int_cannot_read_is_refused(value):
    with pytest.raises(parsers.InvalidParameter) as excinfo:
        parsers.parse_tile(value)
    assert excinfo.value.param == "tile"


def test_six_number_bbox_drops_the_heights():
    assert parsers.parse_bbox("-76,6,-100,-75,7,2000") == (-76, 6, -75, 7)


def test_bbox_across_the_antimeridian_keeps_west_above_east():
    assert parsers.parse_bbox("170,-10,-170,10") == (170, -10, -170, 10)


@pytest.mark.parametrize(
    "value, limit",
    [
        (None, 100),
        ("", 100),
        ("1", 1),
        ("10000", 10_000),
        ("999999", 10_000),
        # More than a bigint holds: still a client asking for everything.
        ("99999999999999999999", 10_000),
    ],
)
def test_limit_defaults_and_is_clamped(value, limit):
    assert parsers.parse_limit(value) == limit


@pytest.mark.parametrize(
    "value, number",
    [("-5", -5), (" 7 ", 7), ("0" * 5000, 0), ("0" * 24 + "7", 7), ("-0", 0)],
)
def test_whole_numbers_are_read_with_one_sign_and_any_leading_zeros(value, number):
    assert parsers.parse_int(value, "n", minimum=-10) == number


@pytest.mark.parametrize("value", ["--5", "-+5", "+5", "-", "", "5-", "1e3", "\u0661\u0662"])
def test_anything_else_is_not_a_whole_number_naming_the_parameter(value):
    with pytest.raises(parsers.InvalidParameter) as error:
        parsers.parse_int(value, "n", minimum=-10)
    assert error.value.param == "n"


@translation.override("en")
def test_more_digits_than_any_bound_is_too_big_or_too_small():
    with pytest.raises(parsers.InvalidParameter, match="at most 100"):
        parsers.parse_int("9" * 25, "n", maximum=100)
    with pytest.raises(parsers.InvalidParameter, match="at least 0"):
        parsers.parse_int("-" + "9" * 25, "n")


def test_full_date_is_midnight_utc():
    assert parsers.parse_datetime("2026-12-01", "start") == datetime.datetime(
        2026, 12, 1, tzinfo=UTC
    )


def test_time_zone_offset_is_honoured():
    moment = parsers.parse_datetime("2026-12-08T18:00:00-05:00", "start")

    assert moment == datetime.datetime(2026, 12, 8, 23, tzinfo=UTC)


def test_an_offset_postgresql_cannot_read_comes_back_in_utc():
    # Found by the fuzz run: PostgreSQL refuses "+18:33", Python reads it.
    moment = parsers.parse_datetime("0432-06-16T01:52:47+18:33", "start")
    assert moment.utcoffset() == datetime.timedelta(0)
    assert moment == datetime.datetime(432, 6, 15, 7, 19, 47, tzinfo=UTC)


def test_a_moment_before_the_first_utc_year_is_a_400_naming_the_parameter():
    with pytest.raises(parsers.InvalidParameter) as error:
        parsers.parse_datetime("0001-01-01T00:00:00+05:00", "end")
    assert error.value.param == "end"


@pytest.mark.parametrize(
    "value, interval",
    [
        (
            "2026-12-01T00:00:00Z/..",
            (datetime.datetime(2026, 12, 1, tzinfo=UTC), None),
        ),
        ("../2026-12-01", (None, datetime.datetime(2026, 12, 1, tzinfo=UTC))),
        ("/2026-12-01", (None, datetime.datetime(2026, 12, 1, tzinfo=UTC))),
    ],
)
def test_interval_open_ends_are_none(value, interval):
    assert parsers.parse_interval(value) == interval


def test_instant_is_an_interval_of_one_moment():
    moment = datetime.datetime(2026, 12, 1, tzinfo=UTC)

    assert parsers.parse_interval("2026-12-01") == (moment, moment)


@pytest.mark.parametrize(
    "parse, value, param",
    [
        (parsers.parse_lonlat, "1,2,3", "near"),
        (parsers.parse_bbox, "0,0,1", "bbox"),
        (parsers.parse_tile, "1/2/0", "tile"),
        (parsers.parse_limit, "0", "limit"),
        (parsers.parse_interval, "../..", "datetime"),
    ],
)
def test_refusal_names_the_default_parameter(parse, value, param):
    with pytest.raises(parsers.InvalidParameter) as excinfo:
        parse(value)
    assert excinfo.value.param == param
