"""A member's own RSVPs: the dashboard's "my upcoming events" (studygroups.dashboard)
and the API's GET /api/me/rsvps/, in keyset pages by the event's start."""

import zoneinfo

from django.db import models
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from places import parsers
from places.paging import RowAfter, decode_cursor, encode_cursor
from places.views import APIView

from .models import EVENT_LONGEST, RSVP

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# The keys of the list's order, ascending: the event's start, then its id
# (a member answers an event once, so the pair is unique among their RSVPs).
KEY_FIELDS = [models.DateTimeField(), models.BigIntegerField()]


def rsvps_of(user):
    """``user``'s RSVPs with their events (and the events' groups and venues),
    soonest event first, each annotated with ``waitlist_position``: 1 for the
    next on its event's waitlist, None unless waitlisted. The position counts
    as ``meetups.services.rsvp_waitlist_position`` does, in the same query."""
    ahead = (
        RSVP.objects.filter(event=OuterRef("event"), status=RSVP.Status.WAITLIST)
        .filter(
            Q(updated_at__lt=OuterRef("updated_at"))
            | Q(updated_at=OuterRef("updated_at"), pk__lt=OuterRef("pk"))
        )
        .order_by()
        .values("event")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        # A hidden event (studygroups.moderation) has no page for its attendees.
        RSVP.objects.filter(user=user, event__hidden=False)
        .select_related("event", "event__study_group", "event__venue")
        .annotate(
            waitlist_position=Case(
                When(status=RSVP.Status.WAITLIST, then=Coalesce(Subquery(ahead), Value(0)) + 1),
                default=None,
                output_field=models.IntegerField(),
            ),
            # The event's start as the RSVP keeps it (the same value, kept by
            # the database): the order of rsvp_user_start_idx.
            _k0=F("event_start"),
            _k1=F("event_id"),
        )
        .order_by("_k0", "_k1")
    )


def upcoming_answers(rsvps, now):
    """``rsvps`` (``rsvps_of``) going or waitlisted, for events not ended yet
    (which started less than EVENT_LONGEST ago: where the index walk begins)."""
    return rsvps.filter(
        status__in=[RSVP.Status.YES, RSVP.Status.WAITLIST],
        event_start__gt=now - EVENT_LONGEST,
        event__during__endswith__gt=now,
    )


def after_cursor(rsvps, cursor, param="cursor"):
    """``rsvps`` (``rsvps_of``) after the keyset ``cursor``; InvalidParameter(param)."""
    values = decode_cursor(cursor, KEY_FIELDS, param=param)
    return rsvps.filter(RowAfter([F("_k0"), F("_k1")], values, KEY_FIELDS))


def cursor_of(rsvp):
    return encode_cursor([rsvp.event.during.lower, rsvp.event_id])


# The API.


class ZonedDateTimeField(serializers.DateTimeField):
    """An aware date-time written with its own offset, not converted to the
    site's zone as DRF's field does."""

    def enforce_timezone(self, value):
        return value


class MyRSVPSerializer(serializers.Serializer):
    event = serializers.IntegerField(source="event_id", help_text=gettext_lazy("The event's id."))
    title = serializers.CharField(source="event.title")
    start = ZonedDateTimeField(
        help_text=gettext_lazy("RFC 3339, with the offset of the event's own time zone.")
    )
    end = ZonedDateTimeField(
        help_text=gettext_lazy("RFC 3339, with the offset of the event's own time zone.")
    )
    time_zone = serializers.CharField(
        source="event.time_zone",
        help_text=gettext_lazy("The event's IANA time zone, such as America/Bogota."),
    )
    event_status = serializers.ChoiceField(
        source="event.status",
        choices=["scheduled", "cancelled"],
        help_text=gettext_lazy("Whether the event still happens."),
    )
    status = serializers.ChoiceField(
        choices=[("going", "going"), ("waitlisted", "waitlisted"), ("not_going", "not_going")],
        help_text=gettext_lazy("Your answer."),
    )
    waitlist_position = serializers.IntegerField(
        allow_null=True,
        help_text=gettext_lazy("Your place on the waitlist (1 is next), when waitlisted."),
    )
    url = serializers.CharField(help_text=gettext_lazy("The event's page."))


class MyRSVPPageSerializer(serializers.Serializer):
    results = MyRSVPSerializer(many=True)
    next = serializers.CharField(
        allow_null=True, help_text=gettext_lazy("The next page's URL; null on the last page.")
    )


STATUS_WORDS = {
    RSVP.Status.YES: "going",
    RSVP.Status.WAITLIST: "waitlisted",
    RSVP.Status.NO: "not_going",
}


def as_item(rsvp, request):
    event = rsvp.event
    zone = zoneinfo.ZoneInfo(event.time_zone)
    return {
        "event_id": event.pk,
        "event": event,
        "start": event.during.lower.astimezone(zone),
        "end": event.during.upper.astimezone(zone),
        "status": STATUS_WORDS[rsvp.status],
        "waitlist_position": rsvp.waitlist_position,
        "url": request.build_absolute_uri(event.get_absolute_url()),
    }


class MyRSVPListView(APIView):
    """Your RSVPs (going, waitlisted, not going), soonest event first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Your RSVPs",
        description=(
            "Every event you answered, soonest first, past ones included unless `upcoming` "
            "is true. Times carry the offset of the event's own zone, named in `time_zone`. "
            "Pages follow `next` (a keyset cursor)."
        ),
        parameters=[
            OpenApiParameter("limit", OpenApiTypes.INT, description="Items per page, 1 to 100."),
            OpenApiParameter("cursor", OpenApiTypes.STR, description="From a `next` link."),
            OpenApiParameter(
                "upcoming", OpenApiTypes.BOOL,
                description="true: only events not ended yet, going or waitlisted.",
            ),
        ],
        responses={
            200: MyRSVPPageSerializer,
            400: OpenApiResponse(description="A bad parameter, named in `parameter`."),
            401: OpenApiResponse(description="Not signed in (token or session)."),
        },
    )
    def get(self, request):
        params = request.query_params
        for name, value in params.items():
            if "\x00" in value:
                raise parsers.InvalidParameter(name, _("Contains a NUL character."))
        unknown = sorted(set(params) - {"limit", "cursor", "upcoming"})
        if unknown:
            raise parsers.InvalidParameter(
                unknown[0], _("Unknown parameter. Known parameters: cursor, limit, upcoming.")
            )
        limit = parsers.parse_limit(
            params.get("limit"), "limit", default=DEFAULT_LIMIT, maximum=MAX_LIMIT
        )
        upcoming = "upcoming" in params and parsers.parse_bool(params["upcoming"], "upcoming")
        rsvps = rsvps_of(request.user)
        if upcoming:
            rsvps = upcoming_answers(rsvps, timezone.now())
        if params.get("cursor"):
            rsvps = after_cursor(rsvps, params["cursor"])
        rows = list(rsvps[: limit + 1])
        next_url = None
        if len(rows) > limit:
            rows = rows[:limit]
            query = params.copy()
            query["cursor"] = cursor_of(rows[-1])
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        data = {"results": [as_item(rsvp, request) for rsvp in rows], "next": next_url}
        return Response(MyRSVPPageSerializer(data).data)
