"""The map's two layers in a real browser: groups and events that never hide
each other, a legend, accessible cluster and marker icons, contrast measured
from the computed colours, event times in the event's own zone, and a map
that holds what the list and the note say.

Expected values come from outside the page's code: rows read back from the
database, Django's translation catalogues, zoneinfo, and the WCAG 2 formula.
"""

import datetime
import re
import zoneinfo

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from playwright.sync_api import expect
from psycopg2.extras import DateTimeTZRange

from meetups.models import Event
from meetups.tests.factories import EventFactory, VenueFactory
from studygroups.models import StudyGroup
from studygroups.tests.factories import StudyGroupFactory
from tests.demo_snapshot import load_demo
from tests.e2e.mappage import (
    DEFAULT_CENTER,
    XSS_NAME,
    drawn_counts,
    in_tiles,
    open_map,
    reload_list,
    reload_view,
    translated,
    translated_plural,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    load_demo()


def set_view(page, lonlat, zoom):
    """Move the map and wait until its markers are loaded and clusters drawn."""
    page.evaluate("() => { delete document.body.dataset.viewLoaded; }")
    reload_view(
        page, "([lon, lat, zoom]) => window.cercaMap.setView([lat, lon], zoom, {animate: false})",
        [*lonlat, zoom],
    )
    page.wait_for_function("() => document.body.dataset.viewLoaded !== undefined")


# For each marker icon in the viewport: is what the user must read of it on
# top? Each count of a cluster is checked at its corners and centre, a single
# marker at its centre.
HIDDEN_ICONS = """() => {
    const inset = 1.5;
    const onTop = (icon, box) => [
        [box.left + inset, box.top + inset], [box.right - inset, box.top + inset],
        [box.left + inset, box.bottom - inset], [box.right - inset, box.bottom - inset],
        [(box.left + box.right) / 2, (box.top + box.bottom) / 2],
    ].every(([x, y]) => icon.contains(document.elementFromPoint(x, y)));
    // Inside the map, and not under one of its controls (legend, zoom, attribution).
    const view = document.getElementById('map').getBoundingClientRect();
    const controls = [...document.querySelectorAll('#map .leaflet-control')]
        .map((control) => control.getBoundingClientRect());
    const apart = (a, b) => a.right <= b.left || b.right <= a.left
        || a.bottom <= b.top || b.bottom <= a.top;
    const onScreen = (box) => box.left >= view.left && box.top >= view.top
        && box.right <= view.right && box.bottom <= view.bottom
        && controls.every((control) => apart(box, control));
    const report = { checked: { groups: 0, events: 0 }, hidden: [] };
    for (const icon of document.querySelectorAll('#map .leaflet-marker-icon')) {
        if (Number(getComputedStyle(icon).opacity) < 1) continue;
        const parts = icon.matches('.marker-cluster')
            ? [...icon.querySelectorAll('.group-count, .event-count')]
            : [icon];
        for (const part of parts) {
            let box = part.getBoundingClientRect();
            if (part === icon) {
                const x = (box.left + box.right) / 2, y = (box.top + box.bottom) / 2;
                box = { left: x - 2, right: x + 2, top: y - 2, bottom: y + 2 };
            }
            if (!onScreen(box)) continue;
            const kind = part.matches('.event-count, .event-marker') ? 'events' : 'groups';
            report.checked[kind] += 1;
            if (!onTop(icon, box)) {
                report.hidden.push(`${icon.getAttribute('aria-label')} (${kind})`);
            }
        }
    }
    return report;
}"""


@pytest.mark.parametrize("zoom", [3, 5, 8, 12])
def test_no_event_or_group_icon_hides_another(page, live_server, demo, zoom):
    open_map(page, live_server.url)

    set_view(page, DEFAULT_CENTER, zoom)

    report = page.evaluate(HIDDEN_ICONS)
    assert report["checked"]["events"] > 0 and report["checked"]["groups"] > 0, report
    assert report["hidden"] == [], report
    assert not page.console_errors


def test_cluster_icons_are_announced_as_counts_of_groups_and_events(new_page, live_server, demo):
    page = new_page(locale="es-CO")
    open_map(page, live_server.url)
    set_view(page, DEFAULT_CENTER, 4)

    icons = page.evaluate(
        """() => {
          const count = (part) => Number(part ? part.textContent.replace(/\\D/g, '') : 0);
          return [...document.querySelectorAll('#map .marker-cluster')].map((icon) => ({
            groups: count(icon.querySelector('.group-count')),
            events: count(icon.querySelector('.event-count')),
            label: icon.getAttribute('aria-label'),
            role: icon.getAttribute('role'),
            tabindex: icon.getAttribute('tabindex'),
          }));
        }"""
    )

    assert any(icon["groups"] for icon in icons) and any(icon["events"] for icon in icons)
    for icon in icons:
        parts = []
        if icon["groups"]:
            parts.append(translated_plural(
                "%(count)s study group", "%(count)s study groups", icon["groups"], "es"))
        if icon["events"]:
            parts.append(
                translated_plural("%(count)s event", "%(count)s events", icon["events"], "es")
            )
        assert icon["label"] == ", ".join(parts), icon
        assert (icon["role"], icon["tabindex"]) == ("button", "0"), icon
    assert any(re.fullmatch(r"\d+ grupos de estudio, \d+ eventos", icon["label"]) for icon in icons)


def test_the_legend_names_each_layer_with_its_icons_colour_and_shape(new_page, live_server, demo):
    page = new_page(locale="es-CO")
    open_map(page, live_server.url)
    set_view(page, DEFAULT_CENTER, 5)

    legend = page.locator("#map .map-legend")
    expect(legend).to_be_visible()
    rows = legend.locator("label")
    assert rows.all_text_contents() == [
        translated("Study groups", "es"),
        translated("Upcoming events", "es"),
    ]
    style = """(selector) => { const s = getComputedStyle(document.querySelector(selector));
        return [s.backgroundColor, s.borderTopLeftRadius]; }"""
    group_swatch = page.evaluate(style, "#map .groups-swatch")
    event_swatch = page.evaluate(style, "#map .events-swatch")
    assert group_swatch[0] == page.evaluate(style, "#map .group-count")[0]
    assert event_swatch[0] == page.evaluate(style, "#map .event-count")[0]
    assert group_swatch[0] != event_swatch[0]
    assert group_swatch[1] == "50%" and event_swatch[1] != "50%", "a circle and a square"


def test_turning_a_layer_off_in_the_legend_hides_it_and_the_note_says_so(page, live_server, demo):
    open_map(page, live_server.url)
    set_view(page, DEFAULT_CENTER, 11)
    assert page.locator("#map .event-count, #map .event-marker").count() > 0

    page.locator("#map .map-legend label").nth(1).click()

    assert page.locator("#map .event-count, #map .event-marker").count() == 0
    assert page.locator("#map .group-count, #map .group-marker").count() > 0
    assert page.text_content("#map-note").startswith(
        translated("The map shows the study groups in view; events are hidden.", "en")
    )


def relative_luminance(rgb):
    def linear(channel):
        channel /= 255
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(foreground, background):
    """WCAG 2's contrast ratio of two sRGB colours."""
    lighter, darker = sorted(
        (relative_luminance(foreground), relative_luminance(background)), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


# Each element with text of its own in the map panel: its computed colour and
# the colour behind it, composited from its own and its ancestors'
# backgrounds (alpha included) down to the page's white.
TEXT_COLOURS = """() => {
    const rgba = (value) => {
        const parts = value.match(/[\\d.]+/g).map(Number);
        return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
    };
    const over = (top, bottom) => ({
        r: top.r * top.a + bottom.r * (1 - top.a),
        g: top.g * top.a + bottom.g * (1 - top.a),
        b: top.b * top.a + bottom.b * (1 - top.a), a: 1,
    });
    // What is painted under the element's centre: the element and whatever
    // lies beneath it there, positioned or not, down to the first opaque one.
    const behind = (element) => {
        const box = element.getBoundingClientRect();
        const x = (box.left + box.right) / 2, y = (box.top + box.bottom) / 2;
        const stack = document.elementsFromPoint(x, y);
        const start = stack.indexOf(element);
        const layers = [];
        for (const node of start >= 0 ? stack.slice(start) : [element]) {
            const colour = rgba(getComputedStyle(node).backgroundColor);
            if (colour.a > 0) layers.push(colour);
            if (colour.a === 1) break;
        }
        const white = { r: 255, g: 255, b: 255, a: 1 };
        return layers.reduceRight((below, layer) => over(layer, below), white);
    };
    const out = [];
    for (const element of document.querySelectorAll('.map-panel *')) {
        const own = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
        if (!own || !element.getClientRects().length) continue;
        const style = getComputedStyle(element);
        if (style.visibility === 'hidden' || Number(style.opacity) === 0) continue;
        const fg = over(rgba(style.color), behind(element));
        const bg = behind(element);
        out.push({ text: element.textContent.trim().slice(0, 40), cls: element.className,
                   fg: [fg.r, fg.g, fg.b], bg: [bg.r, bg.g, bg.b] });
    }
    return out;
}"""


def test_every_text_on_the_map_has_at_least_4_5_to_1_contrast(page, live_server, demo):
    venue = VenueFactory(
        name="Biblioteca Virgilio Barco", location=Point(-74.0838, 4.6566, srid=4326)
    )
    EventFactory(title="Repaso de cálculo", venue=venue, location=venue.location)
    open_map(page, live_server.url)
    set_view(page, DEFAULT_CENTER, 6)
    texts = page.evaluate(TEXT_COLOURS)
    # A popup, a single group and a single event marker too.
    set_view(page, (-74.0838, 4.6566), 18)
    page.locator("#map .event-marker[title='Repaso de cálculo']").click()
    page.locator(".leaflet-popup-content").wait_for()
    texts += page.evaluate(TEXT_COLOURS)

    classes = " ".join(item["cls"] for item in texts)
    for expected in ("event-count", "group-count", "legend-label", "event-start", "map-note"):
        assert expected in classes, f"no text of class {expected} was measured"
    low = [
        {**item, "ratio": round(contrast(item["fg"], item["bg"]), 2)}
        for item in texts
        if contrast(item["fg"], item["bg"]) < 4.5
    ]
    assert low == []


def next_evening(zone, hour):
    """The next day's ``hour``:00 in ``zone``, aware."""
    tz = zoneinfo.ZoneInfo(zone)
    day = timezone.now().astimezone(tz).date() + datetime.timedelta(days=3)
    return datetime.datetime(day.year, day.month, day.day, hour, 0, tzinfo=tz)


def gmt_offset(moment):
    """Chromium's short offset name: "GMT+1", "GMT-3", "GMT+5:30"."""
    minutes = int(moment.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"GMT{sign}{hours}" + (f":{rest:02d}" if rest else "") if minutes else "GMT"


@pytest.mark.parametrize(
    "zone, place",
    [
        ("Europe/Madrid", (-3.7038, 40.4168)),  # Puerta del Sol
        ("America/Mexico_City", (-99.1332, 19.4326)),  # Zócalo
        ("America/Argentina/Buenos_Aires", (-58.3816, -34.6037)),  # Obelisco
        ("America/Santiago", (-70.6483, -33.4569)),  # Plaza de Armas
    ],
)
def test_an_event_popup_gives_the_start_in_the_events_own_time_zone(
    new_page, live_server, zone, place
):
    start = next_evening(zone, 19)
    venue = VenueFactory(name="Sala de estudio", city="", location=Point(*place, srid=4326))
    EventFactory(
        title="Club de lectura",
        venue=venue,
        location=venue.location,
        time_zone=zone,
        during=DateTimeTZRange(start, start + datetime.timedelta(hours=2), "[)"),
    )
    # The visitor is in Bogotá, where 19:00 in the event's zone is another hour.
    page = new_page(locale="es-CO", timezone_id="America/Bogota")
    open_map(page, live_server.url)
    set_view(page, place, 17)

    page.locator("#map .event-marker[title='Club de lectura']").click()

    starts = page.locator(".leaflet-popup-content .event-start")
    expect(starts).to_contain_text("19:00")
    assert gmt_offset(start) in starts.text_content()
    assert str(start.day) in starts.text_content()
    bogota = start.astimezone(zoneinfo.ZoneInfo("America/Bogota"))
    local = page.locator(".leaflet-popup-content .event-local-start")
    assert local.text_content().startswith(translated("Your time: %(time)s", "es", time="")[:8])
    assert bogota.strftime("%H:%M") in local.text_content()
    assert "GMT-5" in local.text_content()
    assert not page.console_errors


def test_single_markers_are_reached_with_the_tab_key_and_open_with_enter(page, live_server):
    venue = VenueFactory(
        name="Biblioteca Luis Ángel Arango", location=Point(-74.0736, 4.5970, srid=4326)
    )
    EventFactory(title="Tertulia de física", venue=venue, location=venue.location)
    # 150 m apart: two single markers at zoom 18, not one cluster.
    StudyGroupFactory(name="Física en La Candelaria", slug="fisica-candelaria",
                      location=Point(-74.0750, 4.5968, srid=4326))
    open_map(page, live_server.url)
    set_view(page, (-74.0743, 4.5969), 18)
    page.focus("#map")

    reached = {}
    for _ in range(12):
        page.keyboard.press("Tab")
        classes, label, role = page.evaluate(
            "() => { const e = document.activeElement;"
            " return [e.className, e.getAttribute('aria-label'), e.getAttribute('role')]; }"
        )
        kind = next((k for k in ("group-marker", "event-marker") if k in classes), None)
        if kind:
            reached[kind] = (label, role)
            last = label
        if len(reached) == 2:
            break
    assert reached.get("group-marker") == ("Física en La Candelaria", "button"), reached
    assert reached.get("event-marker") == ("Tertulia de física", "button"), reached

    page.keyboard.press("Enter")

    popup = page.locator(".leaflet-popup-content")
    expect(popup.locator("a")).to_have_text(last)
    assert not page.console_errors


def test_an_event_title_is_shown_as_text_never_as_markup(page, live_server):
    venue = VenueFactory(name=XSS_NAME, location=Point(-74.0736, 4.5970, srid=4326))
    EventFactory(title=XSS_NAME, venue=venue, location=venue.location)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_map(page, live_server.url)
    set_view(page, (-74.0736, 4.5970), 18)

    page.locator("#map .event-marker").first.click()

    popup = page.locator(".leaflet-popup-content")
    expect(popup.locator("a")).to_have_text(XSS_NAME)
    assert XSS_NAME in popup.text_content()
    assert popup.locator("img").count() == 0
    assert page.locator("img[src=x]").count() == 0
    assert dialogs == []


def test_after_a_topic_search_the_map_counts_what_the_note_says(page, live_server, demo):
    open_map(page, live_server.url)
    reload_list(page, lambda: page.select_option("#radius", "25"))
    page.wait_for_timeout(400)

    page.evaluate("() => { delete document.body.dataset.viewLoaded; }")
    page.fill("#q", "python")
    reload_list(page, lambda: page.press("#q", "Enter"))
    # The view drawn for q: the tiles take the list's filters once the list
    # has come, and a view the radius asked for may finish in between.
    page.wait_for_function(
        "() => document.body.dataset.viewLoaded !== undefined"
        " && document.body.dataset.viewQuery === 'python'"
    )

    drawn, tiles = drawn_counts(page)
    groups = [g for g in StudyGroup.objects.search("python") if g.location]
    events = [e for e in Event.objects.upcoming().search("python") if e.location]
    assert any(in_tiles(group.location, tiles) for group in groups), (
        "the demo has Python groups around Bogotá"
    )
    # Only matching groups and events, every one of them in the tiles, once.
    assert drawn == {
        "groups": sum(in_tiles(group.location, tiles) for group in groups),
        "events": sum(in_tiles(event.location, tiles) for event in events),
    }
    assert page.text_content("#map-note") == " ".join([
        translated(
            "The map shows the study groups and upcoming events in view that match “%(q)s”.",
            "en", q="python",
        ),
        translated("The dashed circle is the area the list searches.", "en"),
    ])
    assert page.text_content("#results-heading") == translated(
        "Best matches for “%(q)s” nearby", "en", q="python"
    )
    assert not page.console_errors
