"""HTML pages: the map page ("groups near me") and a study group's page."""

import json
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_POST

from meetups.api import EventKind
from meetups.models import Event
from places import parsers
from places.api import FeatureQuery, as_pk
from places.gazetteer import search_places
from places.tiles import tile_url_template
from places.widgets import map_widgets_with_nonce
from studygroups.permissions import is_moderator, manages, organizes

from .api import StudyGroupKind
from .forms import MemberProfileForm, SignUpForm, StudyGroupForm
from .models import Invitation, MemberProfile, Membership, StudyGroup, summary_member_count
from .notification_views import member_profile_get
from .notifications import email_confirmed
from .people import first_of, group_people_access
from .services import (
    email_verification_start,
    invitation_accept,
    invitation_create,
    invitation_decline,
    membership_approve,
    membership_decline,
    organizer_add,
    studygroup_create,
    studygroup_join,
    studygroup_leave,
    studygroup_time_zone,
    studygroup_update,
)

RADII_KM = (1, 5, 10, 25, 50)
DEFAULT_RADIUS_KM = 10
MAX_RADIUS_KM = 50
LIST_LENGTH = 50
# The map page also lists this many upcoming events within the radius, soonest first.
EVENT_LIST_LENGTH = 10
MAX_QUERY_LENGTH = 200
MAX_PLACE_LENGTH = 100


def default_center():
    """The map's default centre as (lon, lat); LEAFLET_CONFIG keeps (lat, lon)."""
    lat, lon = settings.LEAFLET_CONFIG["DEFAULT_CENTER"]
    return lon, lat


def parse_map_view(value, param="map"):
    """``"zoom/lat/lon"``, the map's view as OpenStreetMap writes it in its
    links, as (zoom, lon, lat): a whole zoom within the map's limits, degrees."""
    parts = value.split("/")
    if len(parts) != 3:
        raise parsers.InvalidParameter(
            param, _("Expected zoom/latitude/longitude, got %(value)r.") % {"value": value}
        )
    zoom = parsers.parse_int(
        parts[0],
        param,
        minimum=settings.LEAFLET_CONFIG["MIN_ZOOM"],
        maximum=settings.LEAFLET_CONFIG["MAX_ZOOM"],
    )
    lat = parsers.parse_number(parts[1], param)
    lon = parsers.parse_number(parts[2], param)
    parsers.check_lat(lat, param)
    parsers.check_lon(lon, param)
    return zoom, lon, lat


def point_label(lon, lat):
    """A point as people read it, in the page's language: "6.2442° N, 75.5812° W"."""
    return _("%(lat)s° %(north_south)s, %(lon)s° %(east_west)s") % {
        "lat": number_format(abs(lat), 4),
        "north_south": pgettext("compass", "N") if lat >= 0 else pgettext("compass", "S"),
        "lon": number_format(abs(lon), 4),
        "east_west": pgettext("compass", "E") if lon >= 0 else pgettext("compass", "W"),
    }


def place_kind_label(kind):
    return {
        "city": _("city"),
        "neighbourhood": _("neighbourhood"),
        "campus": _("campus"),
        "venue": _("venue"),
        "meeting_area": _("meeting area"),
    }.get(kind, "")


def home_url(**params):
    """The map page's URL for a search; empty values are left out."""
    query = urlencode({key: value for key, value in params.items() if value not in ("", None)})
    return reverse("home") + (f"?{query}" if query else "")


def lonlat_text(lon, lat):
    return f"{lon:.5f},{lat:.5f}"


def home(request):
    """The map page. Its URL holds the search (``place``, ``near``,
    ``radius_km``, ``q`` and the map's view, ``map``), so a search can be
    bookmarked and shared. Without JavaScript it still lists the groups nearest
    to a place, from the same query the API answers for the map script."""
    params = request.GET
    errors = {}
    for name in ("place", "q", "near", "radius_km"):
        if "\x00" in params.get(name, ""):
            errors[name] = _("Contains a NUL character.")
    radius_km = DEFAULT_RADIUS_KM
    if params.get("radius_km") and "radius_km" not in errors:
        try:
            radius_km = parsers.parse_positive(
                params["radius_km"], "radius_km", maximum=MAX_RADIUS_KM
            )
        except parsers.InvalidParameter as exc:
            errors["radius_km"] = exc.message
        else:
            radius_km = int(radius_km) if radius_km == int(radius_km) else radius_km
    # A NUL is refused above, and not written back into the page either.
    query = " ".join(params.get("q", "").replace("\x00", "").split())[:MAX_QUERY_LENGTH]
    place_text = " ".join(params.get("place", "").replace("\x00", "").split())[
        :MAX_PLACE_LENGTH
    ]
    map_view = None
    if params.get("map"):
        try:
            map_view = parse_map_view(params["map"])
        except parsers.InvalidParameter:
            # Only where the map looks: a cut or edited link keeps its search.
            map_view = None
    lon, lat = default_center()
    chosen = False  # whether the list's centre is the visitor's choice, not the default
    near_label = ""
    candidates = []
    place_not_found = False
    if params.get("near") and "near" not in errors:
        try:
            point = parsers.parse_lonlat(params["near"], "near")
        except parsers.InvalidParameter as exc:
            errors["near"] = exc.message
        else:
            lon, lat, chosen = point.x, point.y, True
            # A link made by the map script names the place the point came from.
            near_label = place_text or point_label(lon, lat)
    elif place_text and "place" not in errors:
        # Where the map looks decides between namesakes and lets typos match
        # nearby venues; without a view in the URL, the map opens on its default centre.
        looking_at = Point(*(map_view[1:] if map_view else default_center()), srid=4326)
        found = search_places(place_text, near=looking_at)
        if found.match == "strong":
            best = found.places[0]
            lon, lat, chosen, near_label = best.lon, best.lat, True, best.label
        elif found.match == "weak":
            candidates = [
                {
                    "label": place.label,
                    "country": place.country,
                    "kind": place_kind_label(place.kind),
                    "url": home_url(
                        place=place.label,
                        near=lonlat_text(place.lon, place.lat),
                        radius_km=params.get("radius_km", ""),
                        q=query,
                    ),
                }
                for place in found.places
            ]
        else:
            place_not_found = True
            errors["place"] = _("We could not find “%(place)s”. Try another city or place.") % {
                "place": place_text
            }
    groups = events = []
    searched = not errors and not candidates
    if searched:
        groups = nearest_groups(lon, lat, radius_km, query)
        events = upcoming_events_near(lon, lat, radius_km, query)
        near_label = near_label or point_label(lon, lat)
    if map_view is None:
        map_view = (zoom_for_radius(radius_km), lon, lat)
    page = {
        "center": [lon, lat],
        "chosen": chosen,
        "placeText": place_text if chosen else "",
        "nearLabel": near_label,
        "radiusKm": radius_km,
        "defaultRadiusKm": DEFAULT_RADIUS_KM,
        "q": query,
        "map": {"zoom": map_view[0], "center": [map_view[1], map_view[2]]},
        "searched": searched,
        "listLength": LIST_LENGTH,
        "eventListLength": EVENT_LIST_LENGTH,
        "eventsPage": reverse("events-page"),
        "api": {
            "groups": reverse("api:studygroup-list"),
            "events": reverse("api:event-list"),
            "places": reverse("api:place-search"),
        },
        "tiles": map_tiles(request, query),
        "strings": js_strings(),
    }
    radii = sorted({*RADII_KM, radius_km})
    return render(
        request,
        "studygroups/home.html",
        {
            "groups": groups,
            "events": events,
            "all_events_url": events_page_url(lon, lat, radius_km, near_label) if searched else "",
            "errors": errors,
            "other_errors": [
                (label, errors[name])
                for name, label in (("near", _("Point")),)
                if name in errors
            ],
            "candidates": candidates,
            "form": {"place": place_text, "q": query, "radius_km": radius_km},
            "near_label": near_label if searched else "",
            "searched": searched,
            "radii": radii,
            "list_length": LIST_LENGTH,
            "event_list_length": EVENT_LIST_LENGTH,
            "max_place_length": MAX_PLACE_LENGTH,
            "max_query_length": MAX_QUERY_LENGTH,
            "page": page,
        },
        # A place that is not found is an answer, not a bad request; a value
        # that cannot be read is the visitor's (or the link's) mistake.
        status=400 if errors and not (place_not_found and len(errors) == 1) else 200,
    )


def map_tiles(request, query):
    """For each layer of the map, its TileJSON (asked again when the search
    changes) and its tiles' URL for ``query`` now, so they load at once."""
    filters = QueryDict(mutable=True)
    if query:
        filters["q"] = query
    return {
        name: {
            "tilejson": reverse(f"tiles:{kind.name}-json"),
            "template": tile_url_template(request, kind, filters),
        }
        for name, kind in (("groups", StudyGroupKind()), ("events", EventKind()))
    }


def zoom_for_radius(radius_km):
    """The map zoom at which a circle of ``radius_km`` fills most of the view."""
    for limit_km, zoom in ((1, 15), (5, 13), (10, 12), (25, 11)):
        if radius_km <= limit_km:
            return zoom
    return 10


def nearest_groups(lon, lat, radius_km, query):
    """The list the page shows: the API's own query for the map script's list
    (nearest first; with a topic, best matches first, discounted by distance)."""
    params = QueryDict(mutable=True)
    params["near"] = f"{lon!r},{lat!r}"
    params["radius_km"] = str(radius_km)
    if query:
        params["q"] = query
    groups = list(FeatureQuery(StudyGroupKind(), params).ordered(LIST_LENGTH)[:LIST_LENGTH])
    for group in groups:
        group.distance_km = group.distance_m / 1000
    return groups


def upcoming_events_near(lon, lat, radius_km, query):
    """The page's second list: the API's upcoming events within the radius,
    soonest first (``sortby=start``; with a topic, best matches first)."""
    params = QueryDict(mutable=True)
    params.update({"near": f"{lon!r},{lat!r}", "radius_km": str(radius_km), "sortby": "start"})
    if query:
        params["q"] = query
    # Prefetched, not joined: joined, PostgreSQL reads the group and venue of
    # every event within the radius before sorting them by start (8,500 within
    # 10 km of Bogotá at a million events: 136 ms against 20).
    events = FeatureQuery(EventKind(), params).ordered().prefetch_related("venue", "study_group")
    events = list(events[:EVENT_LIST_LENGTH])
    for event in events:
        event.distance_km = event.distance_m / 1000
    return events


def events_page_url(lon, lat, radius_km, near_label):
    """/events/ (every upcoming event by day) around the same point and radius."""
    query = urlencode(
        {"near": lonlat_text(lon, lat), "place": near_label, "radius_km": radius_km}
    )
    return f"{reverse('events-page')}?{query}"


def js_strings():
    """The map script's user-visible words, in the page's language. Plurals
    come as {"one": ..., "other": ...}, picked with Intl.PluralRules."""

    def plural(forms):
        # ``forms(n)`` calls ngettext with literal strings, so makemessages finds them.
        return {"one": forms(1), "other": forms(2)}

    return {
        "groups": _("Study groups"),
        "events": _("Upcoming events"),
        "legend": _("On the map"),
        "km": _("km"),
        "locating": _("Finding your location…"),
        "yourLocation": _("your location"),
        "searchArea": _("Search this area"),
        "thisArea": _("this area of the map"),
        "geolocationDenied": _(
            "We could not get your location (permission denied or unavailable). "
            "Type a city or place instead."
        ),
        "geolocationUnsupported": _(
            "This browser cannot share its location. Type a city or place instead."
        ),
        "placeNotFound": _(
            "We could not find “%(place)s”. Try another city or place. "
            "The list still shows the last search."
        ),
        "didYouMean": _("Did you mean…?"),
        "pickPlace": _("Which place did you mean? Pick one of the places below the box."),
        "near": _("Showing groups near %(place)s."),
        "eventsHeading": _("Upcoming events nearby"),
        "noEvents": _("No upcoming events within %(radius)s km."),
        "allEvents": _("Every upcoming event near %(place)s, by day"),
        "eventsNote": _(
            "The next %(max)s events within %(radius)s km of %(place)s, soonest first."
        ),
        "pointLabel": _("%(lat)s° %(north_south)s, %(lon)s° %(east_west)s"),
        "north": pgettext("compass", "N"),
        "south": pgettext("compass", "S"),
        "east": pgettext("compass", "E"),
        "west": pgettext("compass", "W"),
        "kinds": {
            kind: place_kind_label(kind)
            for kind in ("city", "neighbourhood", "campus", "venue", "meeting_area")
        },
        "noResults": _("No study groups found here. Try a larger radius or another place."),
        "loadError": _("The results could not be loaded. Check your connection and try again."),
        "loading": _("Loading…"),
        "nearestHeading": _("Nearest study groups"),
        "matchesHeading": _("Best matches for “%(q)s” nearby"),
        "showOnMap": _("Show on map"),
        "members": plural(lambda n: ngettext("%(count)s member", "%(count)s members", n)),
        "groupCount": plural(
            lambda n: ngettext("%(count)s study group", "%(count)s study groups", n)
        ),
        "eventCount": plural(lambda n: ngettext("%(count)s event", "%(count)s events", n)),
        "starts": _("Starts"),
        "yourTime": _("Your time: %(time)s"),
        "noteMapBoth": _("The map shows the study groups and upcoming events in view."),
        "noteMapBothQ": _(
            "The map shows the study groups and upcoming events in view that match “%(q)s”."
        ),
        "noteMapGroups": _("The map shows the study groups in view; events are hidden."),
        "noteMapGroupsQ": _(
            "The map shows the study groups in view that match “%(q)s”; events are hidden."
        ),
        "noteMapEvents": _("The map shows the upcoming events in view; study groups are hidden."),
        "noteMapEventsQ": _(
            "The map shows the upcoming events in view that match “%(q)s”; "
            "study groups are hidden."
        ),
        "noteMapNone": _("The map hides study groups and events; turn them on in its legend."),
        "noteTilesFailed": _(
            "Part of the map could not be loaded; move or zoom the map to try again."
        ),
        "noteCircle": _("The dashed circle is the area the list searches."),
        "noteList": _(
            "The list holds up to %(max)s study groups within %(radius)s km of %(place)s, "
            "nearest first."
        ),
        "noteListQ": _(
            "The list holds up to %(max)s study groups that match “%(q)s” within %(radius)s km "
            "of %(place)s, best matches first (nearer ones rank higher)."
        ),
    }


def studygroup_detail(request, slug):
    group = get_object_or_404(
        StudyGroup.objects.prefetch_related("topics").annotate(member_count=summary_member_count()),
        slug=slug,
    )
    # A hidden group (studygroups.moderation) is not found, but by those who
    # manage it, who see it marked hidden.
    if group.hidden and not manages(request.user, group):
        raise Http404
    events = list(
        Event.objects.visible().upcoming().filter(study_group=group).select_related("venue")[:10]
    )
    # The archive: what the group did, and how many went.
    past_events = list(
        Event.objects.visible()
        .past()
        .scheduled()
        .filter(study_group=group)
        .select_related("venue")
        .with_going_count()[:PAST_EVENTS_SHOWN]
    )
    viewer = (
        group.memberships.filter(user=request.user).first()
        if request.user.is_authenticated
        else None
    )
    can_manage = request.user.is_authenticated and (
        organizes(request.user, group) or is_moderator(request.user)
    )
    invitation = (
        group.invitations.select_related("invited_by").filter(invitee=request.user).first()
        if request.user.is_authenticated
        else None
    )
    pending = invitations = None
    if can_manage:
        invitations = list(group.invitations.select_related("invitee").order_by("created_at"))
        pending = list(
            group.memberships.filter(status=Membership.Status.PENDING)
            .select_related("user__profile")
            .order_by("joined_at", "pk")
        )
    # Organizers are shown to everyone; members to members (people.py).
    access = group_people_access(request.user, group)
    organizers, more_organizers = first_of(group.memberships.organizers().in_list_order())
    members = more_members = None
    if access.members:
        members, more_members = first_of(
            group.memberships.members().listed(with_hidden=access.hidden).in_list_order()
        )
    return render(
        request,
        "studygroups/detail.html",
        {
            "group": group,
            "events": events,
            "past_events": past_events,
            "venues": group.venues.order_by("name")[:VENUES_SHOWN],
            "viewer_membership": viewer,
            "can_manage": can_manage,
            "organizers": organizers,
            "more_organizers": more_organizers,
            "members": members,
            "more_members": more_members,
            "show_hidden": access.hidden,
            "pending_requests": pending,
            "invitation": invitation,
            "invitations": invitations,
            "group_time_zone": studygroup_time_zone(group),
            "member_count": group.member_count,
            "share_url": request.build_absolute_uri(group.get_absolute_url()),
            "map_data": detail_map_data(group.location, group.name, group.meeting_area),
        },
    )


# The group page lists this many of the group's venues, and of its past events.
VENUES_SHOWN = 20
PAST_EVENTS_SHOWN = 10


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
        member_profile_get(user)  # emails in the language of the sign-up page
        email_verification_start(user)
        login(request, user, backend="geoconfig.auth.ThrottledModelBackend")
        messages.success(request, _("Welcome to Cerca, %(name)s!") % {"name": user.username})
        messages.info(
            request,
            _("We sent you a link to confirm your email address: until you open it, "
              "Cerca sends you no emails."),
        )
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
    map_widgets_with_nonce(form, request)
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
    map_widgets_with_nonce(form, request)
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
    """Join or leave a group, or accept or decline an invitation to it (any
    signed-in user), or, for its organizers, invite someone by username, or
    approve, decline or promote a member; then back to ``next`` (a page of
    this site) or the group page."""
    group = get_object_or_404(StudyGroup, slug=slug)
    try:
        if action == "join":
            membership = studygroup_join(user=request.user, group=group)
            messages.success(
                request,
                _("You joined the group.")
                if membership.status == "active"
                else _("Your request was sent to the organizers."),
            )
        elif action == "invite":
            invitation_create(
                actor=request.user, group=group, username=request.POST.get("username", "").strip()
            )
            messages.success(
                request, _("Invitation sent. They become a member when they accept it.")
            )
        elif action in ("accept", "decline-invitation"):
            invitation = get_object_or_404(Invitation, study_group=group, invitee=request.user)
            if action == "accept":
                invitation_accept(user=request.user, invitation=invitation)
                messages.success(request, _("You joined the group."))
            else:
                invitation_decline(user=request.user, invitation=invitation)
                messages.success(request, _("You declined the invitation."))
        elif action == "leave":
            studygroup_leave(user=request.user, group=group)
            messages.success(request, _("You left the group."))
        else:
            membership = get_object_or_404(
                Membership, pk=as_pk(request.POST.get("membership")), study_group=group
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
    map_widgets_with_nonce(form, request)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("profile")
    return render(
        request,
        "registration/profile.html",
        {"form": form, "email_unconfirmed": not email_confirmed(request.user)},
    )
