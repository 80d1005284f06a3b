"""HTML pages: the map page ("groups near me") and a study group's page."""

import json

from django.conf import settings
from django.contrib.gis.geos import Point
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from meetups.models import Event
from places import parsers
from places.models import City

from .models import StudyGroup

RADII_KM = (1, 5, 10, 25, 50)
DEFAULT_RADIUS_KM = 10
LIST_LENGTH = 50


def default_center():
    """The map's default centre as (lon, lat); LEAFLET_CONFIG keeps (lat, lon)."""
    lat, lon = settings.LEAFLET_CONFIG["DEFAULT_CENTER"]
    return lon, lat


def resolve_place(text):
    """The best gazetteer match for ``text`` as (lon, lat, label), or None."""
    city = City.objects.search(text, limit=1).first()
    if city is None:
        return None
    return city.location.x, city.location.y, str(city)


def home(request):
    """The map page. Without JavaScript it still lists the groups nearest to a
    place, server-rendered from the same queries the API uses."""
    params = request.GET
    errors = {}
    radius_km = DEFAULT_RADIUS_KM
    if params.get("radius_km"):
        try:
            radius_km = parsers.parse_positive(params["radius_km"], "radius_km", maximum=50)
        except parsers.InvalidParameter as exc:
            errors["radius_km"] = exc.message
    query = " ".join(params.get("q", "").split())[:200]
    place_text = " ".join(params.get("place", "").split())[:100]
    lon, lat = default_center()
    place_label = ""
    if params.get("near"):
        try:
            point = parsers.parse_lonlat(params["near"], "near")
            lon, lat = point.x, point.y
            place_label = _("your location")
        except parsers.InvalidParameter as exc:
            errors["near"] = exc.message
    elif place_text:
        found = resolve_place(place_text)
        if found is None:
            errors["place"] = _("We could not find “%(place)s”. Try another city or place.") % {
                "place": place_text
            }
        else:
            lon, lat, place_label = found
    for text in (query, place_text):
        if "\x00" in text:
            errors["q"] = _("Contains a NUL character.")
    groups = []
    if not errors:
        nearby = StudyGroup.objects.near(Point(lon, lat, srid=4326), radius_km * 1000)
        if query:
            nearby = nearby.search(query)
        groups = list(nearby[:LIST_LENGTH])
        for group in groups:
            group.distance_km = group.distance_m / 1000
    page = {
        "center": [lon, lat],
        "placeLabel": place_label,
        "radiusKm": radius_km,
        "q": query,
        "api": {
            "groups": reverse("api:studygroup-list"),
            "events": reverse("api:event-list"),
            "places": reverse("api:place-search"),
        },
        "strings": js_strings(),
    }
    return render(
        request,
        "studygroups/home.html",
        {
            "groups": groups,
            "errors": errors,
            "form": {"place": place_text, "q": query, "radius_km": radius_km},
            "place_label": place_label,
            "radii": RADII_KM,
            "page": page,
        },
        status=400 if errors else 200,
    )


def js_strings():
    """The map script's user-visible words, in the page's language."""
    return {
        "groups": _("Study groups"),
        "events": _("Upcoming events"),
        "km": _("km"),
        "online": _("Online"),
        "locating": _("Finding your location…"),
        "located": _("Showing groups near your location."),
        "geolocationDenied": _(
            "We could not get your location (permission denied or unavailable). "
            "Type a city or place instead."
        ),
        "geolocationUnsupported": _(
            "This browser cannot share its location. Type a city or place instead."
        ),
        "placeNotFound": _("We could not find that place. Try another city or place."),
        "near": _("Showing groups near %(place)s."),
        "noResults": _("No study groups found here. Try a larger radius or another place."),
        "loadError": _("The results could not be loaded. Check your connection and try again."),
        "resultsCount": _("%(count)s study groups"),
        "showOnMap": _("Show on map"),
        "members": _("members"),
        "starts": _("Starts"),
    }


def studygroup_detail(request, slug):
    group = get_object_or_404(StudyGroup.objects.prefetch_related("topics"), slug=slug)
    events = list(
        Event.objects.upcoming().filter(study_group=group).select_related("venue")[:10]
    )
    return render(
        request,
        "studygroups/detail.html",
        {
            "group": group,
            "events": events,
            "member_count": group.memberships.count(),
            "share_url": request.build_absolute_uri(group.get_absolute_url()),
            "map_data": detail_map_data(group.location, group.name, group.meeting_area),
        },
    )


def detail_map_data(point, label, area=None):
    """What static/js/detail.js draws: a marker, and a meeting area if any."""
    if point is None:
        return None
    return {
        "point": [round(point.x, 6), round(point.y, 6)],
        "label": label,
        "area": json.loads(area.json) if area else None,
    }
