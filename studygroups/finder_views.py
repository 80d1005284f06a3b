"""The groups page, /groups/: its filters live in the URL (see studygroups.finder),
as the events page's do (meetups.finder_views)."""

from urllib.parse import urlencode

from django.contrib.gis.geos import Point
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from places import parsers
from places.gazetteer import search_places

from . import finder
from .models import Topic
from .views import (
    DEFAULT_RADIUS_KM,
    MAX_PLACE_LENGTH,
    MAX_QUERY_LENGTH,
    MAX_RADIUS_KM,
    RADII_KM,
    lonlat_text,
    point_label,
)

# Parameters of the page, kept in every link it makes.
FILTERS = ("place", "near", "radius_km", "q", "topic", "format")


def groups_url(params, **changes):
    """/groups/ with ``params`` and ``changes`` (None drops one); empty values left out."""
    merged = {name: params.get(name, "") for name in FILTERS}
    merged.update(changes)
    query = urlencode({key: value for key, value in merged.items() if value not in ("", None)})
    return reverse("groups-page") + (f"?{query}" if query else "")


def clean_text(params, name, length):
    return " ".join(params.get(name, "").split())[:length]


def locate(params, errors, candidate_url):
    """The searched point and its label, or the namesakes to choose between,
    from ``near`` ("lon,lat", set by "use my location") or ``place``; each
    namesake links to ``candidate_url(place)``. The groups and events pages share it."""
    place_text = clean_text(params, "place", MAX_PLACE_LENGTH)
    if params.get("near"):
        try:
            point = parsers.parse_lonlat(params["near"], "near")
        except parsers.InvalidParameter as exc:
            errors["near"] = exc.message
            return None, "", []
        return point, place_text or point_label(point.x, point.y), []
    if not place_text:
        return None, "", []
    found = search_places(place_text)
    if found.match == "strong":
        best = found.places[0]
        return Point(best.lon, best.lat, srid=4326), best.label, []
    if found.match == "weak":
        return None, "", [
            {
                "label": place.label,
                "country": place.country,
                "url": candidate_url(place),
            }
            for place in found.places
        ]
    errors["place"] = _("We could not find “%(place)s”. Try another city or place.") % {
        "place": place_text
    }
    return None, "", []


@require_safe
def groups_page(request):
    """Study groups near a place, by text, topic and format, in keyset pages.
    Bad values are answered with the page and a 400 naming the field; a place
    that is not found is an answer (200)."""
    params = request.GET
    errors = {}
    for name in (*FILTERS, "after"):
        if "\x00" in params.get(name, ""):
            errors[name] = _("Contains a NUL character.")
    if errors:
        params = {name: value.replace("\x00", "") for name, value in params.items()}
    radius_km = DEFAULT_RADIUS_KM
    if params.get("radius_km"):
        try:
            radius_km = parsers.parse_positive(params["radius_km"], "radius_km", MAX_RADIUS_KM)
        except parsers.InvalidParameter as exc:
            errors["radius_km"] = exc.message
        else:
            radius_km = int(radius_km) if radius_km == int(radius_km) else radius_km
    point, near_label, candidates = locate(
        params,
        errors,
        lambda place: groups_url(
            params, place=place.label, near=lonlat_text(place.lon, place.lat)
        ),
    )
    text = clean_text(params, "q", MAX_QUERY_LENGTH)
    group_format = params.get("format") or "any"
    if group_format not in dict(finder.FORMAT_CHOICES):
        errors["format"] = parsers.choose_one_of(finder.FORMAT_CHOICES)
    topics = list(Topic.objects.all())
    topic = params.get("topic", "")
    if topic and topic not in {each.slug for each in topics}:
        errors["topic"] = _("No topic is called %(value)r.") % {"value": topic}
    context = {
        "errors": errors,
        "candidates": candidates,
        "near_label": near_label,
        "form": {
            "place": clean_text(params, "place", MAX_PLACE_LENGTH),
            "near": params.get("near", "") if point is not None else "",
            "radius_km": radius_km,
            "q": text,
            "topic": topic,
            "format": group_format,
        },
        "radii": sorted({*RADII_KM, radius_km}),
        "format_choices": finder.FORMAT_CHOICES,
        "topics": topics,
        "max_place_length": MAX_PLACE_LENGTH,
        "max_query_length": MAX_QUERY_LENGTH,
    }
    searchable = not errors and not candidates
    if searchable:
        groups = finder.matching(
            point=point,
            radius_m=radius_km * 1000,
            text=text,
            topic=topic,
            group_format=group_format,
        )
        try:
            rows, after = finder.page_of(groups, point, params.get("after", ""), text=text)
        except parsers.InvalidParameter as exc:
            errors[exc.param] = exc.message
        else:
            context["groups"] = rows
            context["next_url"] = groups_url(params, after=after) if after else ""
            context["first_url"] = groups_url(params) if params.get("after") else ""
    context["searched"] = searchable and not errors
    only_place_missing = list(errors) == ["place"]
    return render(
        request,
        "studygroups/groups.html",
        context,
        status=400 if errors and not only_place_missing else 200,
    )
