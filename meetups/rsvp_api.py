"""The signed-in user's RSVP for an event, under /api/events/<id>/rsvp/."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from places.errors import error_response
from places.views import APIView

from .models import RSVP, Event
from .services import rsvp_answer, rsvp_counts, rsvp_waitlist_position


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false, nothing that merely looks like one ("yes", 1)."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class RSVPAnswerSerializer(serializers.Serializer):
    going = StrictBooleanField(help_text=_("true: going (or waitlisted when full); false: not."))


class RSVPStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=RSVP.Status.choices,
        allow_null=True,
        help_text=_("Your answer; null when you have not answered."),
    )
    waitlist_position = serializers.IntegerField(
        allow_null=True, help_text=_("Your place on the waitlist (1 is next), when waitlisted.")
    )
    going_count = serializers.IntegerField(help_text=_("How many are going."))
    capacity = serializers.IntegerField(help_text=_("How many seats the event has."))


RefusalSerializer = inline_serializer(
    "RSVPRefusal",
    {
        "code": serializers.ChoiceField(
            choices=["event_started", "event_cancelled", "not_a_member", "suspended", "banned"]
        ),
        "description": serializers.CharField(),
    },
)


def rsvp_status(event, rsvp):
    return {
        "status": rsvp.status if rsvp else None,
        "waitlist_position": rsvp_waitlist_position(rsvp),
        "going_count": rsvp_counts(event)["going"],
        "capacity": event.capacity,
    }


class EventRSVPView(APIView):
    """Your RSVP for an event: read it, or answer yes or no."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Your RSVP for the event",
        responses={
            200: RSVPStatusSerializer,
            404: OpenApiResponse(description="No such event."),
        },
    )
    def get(self, request, pk):
        event = get_object_or_404(Event, pk=pk)
        rsvp = RSVP.objects.filter(event=event, user=request.user).first()
        return Response(RSVPStatusSerializer(rsvp_status(event, rsvp)).data)

    @extend_schema(
        summary="Answer the event: going or not",
        description=(
            "A yes beyond the capacity lands on the waitlist; when someone who is going "
            "says no, the first on the waitlist takes the seat. Refused (400, with a "
            "code) once the event has started, when it is cancelled, and for people "
            "who are not active members of a group that approves its members."
        ),
        request=RSVPAnswerSerializer,
        responses={
            200: RSVPStatusSerializer,
            400: OpenApiResponse(
                response=RefusalSerializer,
                description="A refused answer (code), or a missing or non-boolean "
                "`going` (named as the field).",
            ),
            404: OpenApiResponse(description="No such event."),
        },
    )
    def post(self, request, pk):
        event = get_object_or_404(Event, pk=pk)
        answer = RSVPAnswerSerializer(data=request.data)
        answer.is_valid(raise_exception=True)
        try:
            rsvp = rsvp_answer(
                user=request.user, event=event, going=answer.validated_data["going"]
            )
        except DjangoValidationError as exc:
            return error_response(400, exc.messages[0], code=exc.code)
        return Response(RSVPStatusSerializer(rsvp_status(rsvp.event, rsvp)).data)
