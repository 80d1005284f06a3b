"""HTML pages: the map page ("groups near me") and a study group's page."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meetups.models import Event
from places import parsers
from places.gazetteer import search_places
from places.permissions import is_moderator, organizes

from .forms import MemberProfileForm, SignUpForm, StudyGroupForm
from .models import MemberProfile, Membership, StudyGroup
from .services import (
    membership_approve,
    membership_decline,
    organizer_add,
    studygroup_create,
    studygroup_join,
    studygroup_leave,
    studygroup_update,
)

RADII_KM = (1, 5, 10, 25, 50)
DEFAULT_RADIUS_KM = 10
LIST_LENGTH = 50


def default_center():
    """The map's default centre as (lon, lat); LEAFLET_CONFIG keeps (lat, lon)."""
    lat, lon = settings.LEAFLET_CONFIG["DEFAULT_CENTER"]
    return lon, lat


def resolve_place(text, near=None):
    """The place ``text`` names as (lon, lat, label), or None if no match is confident.

    ``near`` is where the map looks (by default its default centre), which
    decides between namesakes. A weak match ("Barcelna", "Córdoba" with no
    clear view) is not followed: the map page says it did not find the place
    rather than jump somewhere else.
    """
    if near is None:
        near = Point(*default_center(), srid=4326)
    result = search_places(text, near=near, limit=1)
    if result.match != "strong":
        return None
    place = result.places[0]
    return place.lon, place.lat, place.label


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
    viewer = (
        group.memberships.filter(user=request.user).first()
        if request.user.is_authenticated
        else None
    )
    can_manage = request.user.is_authenticated and (
        organizes(request.user, group) or is_moderator(request.user)
    )
    memberships = pending = None
    if can_manage:
        # Organizers see who is in, and the requests waiting for them first.
        memberships = list(
            group.memberships.select_related("user").order_by("status", "-role", "joined_at")
        )
        pending = [m for m in memberships if m.status == Membership.Status.PENDING]
    return render(
        request,
        "studygroups/detail.html",
        {
            "group": group,
            "events": events,
            "venues": group.venues.order_by("name")[:VENUES_SHOWN],
            "viewer_membership": viewer,
            "can_manage": can_manage,
            "memberships": memberships,
            "pending_requests": pending,
            "member_count": group.memberships.filter(status="active").count(),
            "share_url": request.build_absolute_uri(group.get_absolute_url()),
            "map_data": detail_map_data(group.location, group.name, group.meeting_area),
        },
    )


# The group page lists this many of the group's venues.
VENUES_SHOWN = 20


def detail_map_data(point, label, area=None):
    """What static/js/detail.js draws: a marker, and a meeting area if any."""
    if point is None:
        return None
    return {
        "point": [round(point.x, 6), round(point.y, 6)],
        "label": label,
        "area": json.loads(area.json) if area else None,
    }


def signup(request):
    """Create an account and sign in."""
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome to Cerca, %(name)s!") % {"name": user.username})
        return redirect(safe_next(request) or "home")
    return render(request, "registration/signup.html", {"form": form})


def safe_next(request):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@login_required
def studygroup_create_view(request):
    form = StudyGroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = group_fields(form)
        topics = data.pop("topics", [])
        try:
            group = studygroup_create(organizer=request.user, topics=topics, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your group is ready. You are its organizer."))
            return redirect(group)
    return render(request, "studygroups/form.html", {"form": form, "group": None})


@login_required
def studygroup_edit_view(request, slug):
    group = get_object_or_404(StudyGroup, slug=slug)
    if not (organizes(request.user, group) or is_moderator(request.user)):
        raise PermissionDenied
    form = StudyGroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        data = group_fields(form)
        topics = data.pop("topics", None)
        try:
            studygroup_update(StudyGroup.objects.get(pk=group.pk), topics=topics, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(group)
    return render(request, "studygroups/form.html", {"form": form, "group": group})


def group_fields(form):
    """The group's own fields from a valid StudyGroupForm (not its confirmations)."""
    data = dict(form.cleaned_data)
    data.pop("confirm_same_name", None)
    return data


@require_POST
@login_required
def studygroup_membership_view(request, slug, action):
    """Join or leave a group (any signed-in user), or, for its organizers,
    approve, decline or promote a member; then back to ``next`` (a page of
    this site) or the group page."""
    group = get_object_or_404(StudyGroup, slug=slug)
    try:
        if action == "join":
            membership = studygroup_join(
                user=request.user,
                group=group,
                group_url=request.build_absolute_uri(group.get_absolute_url()),
            )
            messages.success(
                request,
                _("You joined the group.")
                if membership.status == "active"
                else _("Your request was sent to the organizers."),
            )
        elif action == "leave":
            studygroup_leave(user=request.user, group=group)
            messages.success(request, _("You left the group."))
        else:
            membership = get_object_or_404(
                Membership, pk=request.POST.get("membership"), study_group=group
            )
            verb = {"approve": membership_approve, "decline": membership_decline,
                    "promote": organizer_add}.get(action)
            if verb is None:
                raise Http404
            verb(actor=request.user, membership=membership)
            messages.success(request, _("Done."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    # Back where the button was: the group page, or an event page's "ask to join".
    return redirect(safe_next(request) or group)


@login_required
def profile_view(request):
    """The member's private settings: home location and alert radius. Nobody
    else ever sees them; organizers see only counts."""
    profile, _created = MemberProfile.objects.get_or_create(user=request.user)
    form = MemberProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("profile")
    return render(request, "registration/profile.html", {"form": form})
