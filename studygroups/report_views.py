"""Reporting from the site (/report/<kind>/<id>/) and the API
(POST /api/reports/). Thin: the rules are in studygroups.moderation."""

import math

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from places.errors import error_response
from places.views import APIView

from .moderation import ReportsThrottled, report_create, report_target
from .moderation_emails import target_name
from .reports import REPORTABLE, Report

# Reports ------------------------------------------------------------------------


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("What is wrong?"),
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
    )
    details = forms.CharField(
        label=gettext_lazy("Anything the organizers and moderators should know (optional)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
    )


def target_url(target):
    """Where the reported thing is shown: its page, a member's public profile."""
    if isinstance(target, get_user_model()):
        return reverse("person-page", args=[target.pk])
    get_url = getattr(target, "get_absolute_url", None)
    try:
        return get_url() if get_url else ""
    except Exception:  # a user model without a page
        return ""


def throttled_page(request, exc):
    response = TemplateResponse(request, "429.html", {"exception": exc.detail}, status=429)
    response["Retry-After"] = str(math.ceil(exc.wait or 1))
    return response


@login_required
def report_page(request, kind, pk):
    """The report form for one group, event or member; then the thanks page."""
    try:
        target = report_target(kind, pk, request.user)
    except DjangoValidationError:
        raise Http404
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report_create(
                reporter=request.user,
                target=target,
                reason=form.cleaned_data["reason"],
                details=form.cleaned_data["details"],
            )
        except ReportsThrottled as exc:
            return throttled_page(request, exc)
        except DjangoValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            return redirect(f"{reverse('report-sent')}?{kind}={pk}")
    return render(
        request,
        "moderation/report_form.html",
        {
            "form": form,
            "kind": REPORTABLE[kind],
            "target": target,
            "target_name": target_name(target),
            "target_url": target_url(target),
        },
    )


@login_required
def report_sent(request):
    """Thanks: what happens now, and the way back."""
    back = ""
    to_organizers = True
    for kind, pk in request.GET.items():
        if kind in REPORTABLE and pk.isdigit():
            try:
                back = target_url(report_target(kind, int(pk)))
            except DjangoValidationError:
                pass
            made = (
                Report.objects.filter(reporter=request.user, kind=kind, object_id=pk)
                .order_by("-created_at", "-id")
                .first()
            )
            # A member, or an organizer's own content, is judged by the moderators alone.
            to_organizers = bool(made and made.study_group_id)
            break
    return render(
        request, "moderation/report_sent.html", {"back_url": back, "to_organizers": to_organizers}
    )


# The API ------------------------------------------------------------------------


class ReportCreateSerializer(serializers.Serializer):
    target_kind = serializers.ChoiceField(
        choices=[],
        help_text=gettext_lazy('What is reported: "group", "event" or "member" (and more '
                               "kinds as the site grows)."),
    )
    target_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    reason = serializers.ChoiceField(choices=Report.Reason.choices)
    details = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", trim_whitespace=True,
        help_text=gettext_lazy("Plain text, at most 2,000 characters."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Apps register kinds as they load: read the registry now.
        self.fields["target_kind"].choices = list(REPORTABLE)


class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    target_kind = serializers.CharField(source="kind")
    target_id = serializers.IntegerField(source="object_id")
    reason = serializers.ChoiceField(choices=Report.Reason.choices)
    details = serializers.CharField()
    state = serializers.ChoiceField(choices=Report.State.choices)
    created_at = serializers.DateTimeField()


RefusalSerializer = inline_serializer(
    "ReportRefusal",
    {"code": serializers.CharField(), "description": serializers.CharField()},
)


class ReportCreateView(APIView):
    """Report a group, an event or a member to its organizers and the moderators."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Report something that breaks the rules",
        description=(
            "The organizers of the group the content belongs to, and the site's moderators, "
            "are emailed. One open report per reporter and target (409 `already_reported` "
            "for another while the first is open). Reports are rate-limited per member: "
            "429 with `Retry-After`."
        ),
        request=ReportCreateSerializer,
        responses={
            201: ReportSerializer,
            400: OpenApiResponse(description="A field is missing or wrong (named)."),
            409: OpenApiResponse(
                response=RefusalSerializer, description="Already reported, still open."
            ),
            429: OpenApiResponse(description="Too many reports lately; see Retry-After."),
        },
    )
    def post(self, request):
        body = ReportCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            target = report_target(data["target_kind"], data["target_id"], request.user)
            report = report_create(
                reporter=request.user, target=target, reason=data["reason"],
                details=data["details"],
            )
        except DjangoValidationError as exc:
            if hasattr(exc, "error_dict"):
                field, errors = next(iter(exc.error_dict.items()))
                return error_response(
                    400, errors[0].messages[0], code="InvalidFieldValue", parameter=field
                )
            if exc.code == "already_reported":
                return error_response(409, exc.messages[0], code="already_reported")
            return error_response(400, exc.messages[0], code=exc.code)
        return Response(ReportSerializer(report).data, status=201)
