"""The events page, /events/: date words read in the searched place's own time
zone, a radius checked with pyproj, keyset pages, a month calendar, and bad
input answered with the page and a 400 naming the field."""

import datetime
import re
import zoneinfo

import pytest
from django.utils import timezone
from psycopg2.extras import DateTimeTZRange
from pyproj import Geod

from meetups import finder
from meetups.models import Event
from meetups.tests.factories import EventFactory, VenueFactory
from studygroups.models import Topic
from studygroups.tests.factories import StudyGroupFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("gazetteer_restored")]

MADRID = "Europe/Madrid"
BOGOTA = "America/Bogota"
SANTIAGO = "America/Santiago"
GEOD = Geod(ellps="WGS84")
# Puerta del Sol, Madrid; Plaza de Bolívar, Bogotá (lon, lat).
SOL = (-3.7038, 40.4168)
BOLIVAR = (-74.0760, 4.5981)


def at(zone, *wall_clock):
    return datetime.datetime(*wall_clock, tzinfo=zoneinfo.ZoneInfo(zone))


def during(start, hours=2):
    return DateTimeTZRange(start, start + datetime.timedelta(hours=hours), "[)")


def venue_at(lon, lat, **fields):
    from django.contrib.gis.geos import Point

    return VenueFactory(location=Point(lon, lat, srid=4326), **fields)


def titles(response):
    return [event.title for _day, events in response.context["days"] for event in events]


# Date words, computed by hand for fixed instants


def test_today_in_madrid_ends_at_madrid_midnight():
    now = at(MADRID, 2031, 7, 10, 22, 30)  # Thursday
    window = finder.date_window("today", MADRID, now)
    assert window.start == now
    assert window.end == at(MADRID, 2031, 7, 11, 0, 0)
    # 00:00 CEST is 22:00 UTC the day before.
    assert window.end.astimezone(datetime.UTC) == datetime.datetime(
        2031, 7, 10, 22, 0, tzinfo=datetime.UTC
    )


def test_the_same_instant_is_still_wednesday_in_bogota():
    now = datetime.datetime(2031, 7, 10, 3, 0, tzinfo=datetime.UTC)  # 22:00 Wed in Bogotá
    assert finder.date_window("today", BOGOTA, now).first_day == datetime.date(2031, 7, 9)
    assert finder.date_window("today", MADRID, now).first_day == datetime.date(2031, 7, 10)


def test_weekend_on_a_weekday_is_next_saturday_and_sunday():
    window = finder.date_window("weekend", MADRID, at(MADRID, 2031, 7, 10, 12))
    assert (window.start, window.end) == (at(MADRID, 2031, 7, 12), at(MADRID, 2031, 7, 14))


def test_weekend_on_a_sunday_is_the_rest_of_today():
    now = at(MADRID, 2031, 7, 13, 18)
    window = finder.date_window("weekend", MADRID, now)
    assert (window.start, window.end) == (now, at(MADRID, 2031, 7, 14))


def test_this_week_runs_to_sunday_midnight():
    now = at(BOGOTA, 2031, 7, 10, 9)
    assert finder.date_window("week", BOGOTA, now).end == at(BOGOTA, 2031, 7, 14)


def test_a_day_whose_midnight_the_clocks_skip_starts_when_it_really_starts():
    # Chile moved its clocks from 24:00 on 2 September 2023 to 01:00 on the 3rd.
    start = finder.midnight(datetime.date(2023, 9, 3), SANTIAGO)
    assert start.astimezone(datetime.UTC) == datetime.datetime(
        2023, 9, 3, 4, 0, tzinfo=datetime.UTC
    )


def test_a_range_is_inclusive_of_its_last_day():
    window = finder.date_window(
        "range", MADRID, at(MADRID, 2031, 1, 1), "2031-03-28", "2031-03-30"
    )
    # Summer time starts on 30 March 2031: the range ends at 00:00 CEST on the 31st.
    assert window.end.astimezone(datetime.UTC) == datetime.datetime(
        2031, 3, 30, 22, 0, tzinfo=datetime.UTC
    )


# The page


def test_today_lists_the_events_left_today_near_madrid_not_bogotas(client):
    now = timezone.now()
    madrid_today = now.astimezone(zoneinfo.ZoneInfo(MADRID)).date()
    tonight = datetime.datetime.combine(
        madrid_today, datetime.time(23, 0), tzinfo=zoneinfo.ZoneInfo(MADRID)
    )
    if tonight <= now:
        pytest.skip("Too close to midnight in Madrid for an event later today.")
    madrid = venue_at(*SOL, name="Ateneo de Madrid", city="Madrid")
    EventFactory(title="Tertulia en el Ateneo", venue=madrid, time_zone=MADRID,
                 during=during(tonight, hours=0.5))
    EventFactory(title="Mañana en el Ateneo", venue=madrid, time_zone=MADRID,
                 during=during(tonight + datetime.timedelta(days=1)))
    EventFactory(title="Bogotá hoy", venue=venue_at(*BOLIVAR), time_zone=BOGOTA,
                 during=during(now + datetime.timedelta(minutes=30)))
    response = client.get("/events/", {"near": f"{SOL[0]},{SOL[1]}", "when": "today"})
    assert response.status_code == 200
    assert titles(response) == ["Tertulia en el Ateneo"]
    assert response.context["zone"] == MADRID


def test_radius_keeps_the_events_pyproj_puts_inside_it(client):
    start = timezone.now() + datetime.timedelta(days=2)
    # Due east of Sol at 4, 9.5, 10.5 and 30 km, by pyproj on WGS84.
    for distance_km in (4, 9.5, 10.5, 30):
        lon, lat, _back = GEOD.fwd(*SOL, 90, distance_km * 1000)
        EventFactory(title=f"A {distance_km} km", venue=venue_at(lon, lat), during=during(start))
    response = client.get("/events/", {"near": f"{SOL[0]},{SOL[1]}", "radius_km": "10"})
    assert sorted(titles(response)) == ["A 4 km", "A 9.5 km"]
    for event in (e for _d, events in response.context["days"] for e in events):
        _f, _b, metres = GEOD.inv(*SOL, event.location.x, event.location.y)
        assert event.distance_m == pytest.approx(metres, rel=1e-3)
    # Shown in kilometres, as pyproj measures them (it said "4000.0 km" before).
    shown = re.findall(r'<span class="distance">[^<\d]*([\d.,]+) km', response.content.decode())
    assert sorted(float(km.replace(",", ".")) for km in shown) == [4.0, 9.5]


def test_pages_follow_one_another_in_start_order_without_repeats(client):
    start = timezone.now() + datetime.timedelta(days=1)
    created = [
        EventFactory(
            title=f"Sesión {n:02}", during=during(start + datetime.timedelta(hours=n // 2))
        )
        for n in range(finder.PAGE_SIZE * 2 + 5)
    ]
    seen, url, pages = [], "/events/", 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen += [e.pk for _d, events in response.context["days"] for e in events]
        url, pages = response.context["next_url"], pages + 1
    expected = sorted(created, key=lambda event: (event.during.lower, event.pk))
    assert seen == [event.pk for event in expected]
    assert pages == 3


def test_topic_and_format_filter_the_list(client):
    python = Topic.objects.create(name_es="Python", name_en="Python", slug="python")
    group = StudyGroupFactory()
    group.topics.add(python)
    start = timezone.now() + datetime.timedelta(days=1)
    EventFactory(title="Python en persona", study_group=group, during=during(start))
    EventFactory(title="Python en línea", study_group=group, venue=None, location=None,
                 online_url="https://meet.example.org/py", during=during(start))
    EventFactory(title="Otro tema", during=during(start))
    assert sorted(titles(client.get("/events/", {"topic": "python"}))) == [
        "Python en línea", "Python en persona"
    ]
    assert titles(client.get("/events/", {"topic": "python", "format": "online"})) == [
        "Python en línea"
    ]
    assert titles(client.get("/events/", {"topic": "python", "format": "in_person"})) == [
        "Python en persona"
    ]


def test_cancelled_events_are_left_out(client):
    start = timezone.now() + datetime.timedelta(days=1)
    EventFactory(title="Cancelado", status=Event.Status.CANCELLED, during=during(start))
    EventFactory(title="En pie", during=during(start))
    assert titles(client.get("/events/")) == ["En pie"]


def test_the_list_is_grouped_under_the_days_of_the_places_zone(client):
    # 23:30 in Madrid on the 10th is 16:30 in Bogotá: a search near Madrid
    # files it under the 10th, whatever the event's own zone.
    start = at(MADRID, 2031, 7, 10, 23, 30)
    EventFactory(title="Noche", venue=venue_at(*SOL), time_zone=BOGOTA, during=during(start))
    response = client.get("/events/", {"near": f"{SOL[0]},{SOL[1]}", "when": "range",
                                       "from": "2031-07-10", "to": "2031-07-12"})
    assert [day for day, _events in response.context["days"]] == [datetime.date(2031, 7, 10)]


def test_month_view_puts_each_event_on_its_day(client):
    EventFactory(title="Día 3", venue=venue_at(*SOL), time_zone=MADRID,
                 during=during(at(MADRID, 2031, 7, 3, 19)))
    for hour in range(9, 14):
        EventFactory(title=f"Día 15 a las {hour}", venue=venue_at(*SOL), time_zone=MADRID,
                     during=during(at(MADRID, 2031, 7, 15, hour)))
    response = client.get("/events/", {"near": f"{SOL[0]},{SOL[1]}", "view": "month",
                                       "month": "2031-07"})
    assert response.status_code == 200
    cells = {cell["day"]: cell for week in response.context["weeks"] for cell in week
             if not cell.get("outside")}
    assert len(cells) == 31
    assert [e.title for e in cells[datetime.date(2031, 7, 3)]["events"]] == ["Día 3"]
    day15 = cells[datetime.date(2031, 7, 15)]
    assert [e.title for e in day15["events"]] == ["Día 15 a las 9", "Día 15 a las 10",
                                                  "Día 15 a las 11"]
    assert day15["more"] is True
    assert "from=2031-07-15" in day15["url"] and "to=2031-07-15" in day15["url"]
    assert "view=month&amp;month=2031-08" in response.content.decode()


def test_a_month_costs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(45):
        assert client.get("/events/", {"view": "month", "month": "2031-07"}).status_code == 200


@pytest.mark.parametrize(
    "params,field",
    [
        ({"when": "range", "from": "10/07/2031"}, "from"),
        ({"when": "range", "from": "2031-07-10", "to": "2031-07-01"}, "to"),
        ({"when": "range", "from": "2031-01-01", "to": "2033-01-01"}, "to"),
        ({"when": "range", "from": "9999-12-31"}, "from"),
        ({"when": "someday"}, "when"),
        ({"format": "hologram"}, "format"),
        ({"topic": "no-such-topic"}, "topic"),
        ({"radius_km": "-3"}, "radius_km"),
        ({"radius_km": "nan"}, "radius_km"),
        ({"near": "200,100"}, "near"),
        ({"view": "month", "month": "2031-13"}, "month"),
        ({"after": "not-a-cursor"}, "after"),
        ({"when": "range", "from": "2031-07-10\x00"}, "from"),
    ],
)
def test_bad_values_get_the_page_with_a_400_naming_the_field(client, params, field):
    response = client.get("/events/", params)
    assert response.status_code == 400
    assert field in response.context["errors"]
    assert "<form" in response.content.decode()


@pytest.mark.parametrize(
    "language,params,field,words",
    [
        ("es", {"when": "someday"}, "when", "Elige una de estas opciones: “Próximos”"),
        ("en", {"when": "someday"}, "when", "Choose one of: “Upcoming”, “Today”"),
        ("es", {"format": "hologram"}, "format", "“Presencial o en línea”"),
        ("en", {"format": "<b>x</b>"}, "format", "“In person or online”, “In person”"),
    ],
)
def test_a_value_the_select_does_not_offer_is_told_in_its_words(
    client, language, params, field, words
):
    """The select's own options, in the page's language: not the URL's values
    ("upcoming, today, tomorrow...") and not the value given back."""
    response = client.get("/events/", params, HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 400
    message = str(response.context["errors"][field])
    assert words in message
    assert "upcoming, today" not in message and "in_person" not in message
    assert "<b>x</b>" not in response.content.decode()


def test_an_event_without_a_group_has_no_dot_before_its_venue(client):
    """The line's parts are spans, the dot between two drawn by CSS: an event
    with no group started the line with " · Ateneo de Madrid"."""
    EventFactory(title="Tertulia sin grupo", study_group=None,
                 venue=VenueFactory(name="Ateneo de Madrid", city="Madrid"))

    html = client.get("/events/").content.decode()

    line = re.search(r'<p class="meta parts">(.*?)</p>', html).group(1)
    assert line.startswith("<span>Ateneo de Madrid, Madrid</span>")
    assert "·" not in line


def test_empty_dates_are_no_error(client):
    response = client.get("/events/", {"when": "range", "from": "", "to": "", "place": ""})
    assert response.status_code == 200
    assert response.context["searched"] is True


def test_an_unknown_place_is_an_answer_not_an_error(client):
    response = client.get("/events/", {"place": "Xyzzyqwv"})
    assert response.status_code == 200
    assert "place" in response.context["errors"]


def test_hostile_text_is_escaped(client):
    EventFactory(title='<img src=x onerror="alert(1)">',
                 during=during(timezone.now() + datetime.timedelta(days=1)))
    html = client.get("/events/").content.decode()
    assert '<img src=x onerror="alert(1)">' not in html
    assert re.search(r"&lt;img src=x onerror=(&quot;|&#x27;|\")alert\(1\)", html)
    html = client.get("/events/", {"place": '"><script>alert(2)</script>'}).content.decode()
    assert "<script>alert(2)</script>" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html


def test_the_page_speaks_spanish(client):
    response = client.get("/events/", HTTP_ACCEPT_LANGUAGE="es")
    assert "Buscar eventos" in response.content.decode()
