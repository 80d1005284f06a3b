"""A member's public profile under /api/people/<id>/: the page's rules
(studygroups/people.py), never an email or a home location."""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from places.views import APIView

from .models import Membership
from .people import GROUPS_SHOWN, display_name, first_of, public_memberships


class PublicGroupSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="study_group.pk")
    slug = serializers.CharField(source="study_group.slug")
    name = serializers.CharField(source="study_group.name")
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    url = serializers.CharField(help_text="The group's page.")


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField(
        help_text="Their display name, else their username when it is not an email "
        'address, else "Member <id>".'
    )
    bio = serializers.CharField(help_text="Plain text, up to 500 characters.")
    url = serializers.CharField(help_text="Their profile page on the site.")
    groups = PublicGroupSerializer(
        many=True,
        help_text=f"Up to {GROUPS_SHOWN} of their study groups, by name: those they "
        "organize, and the others unless they hide from member lists.",
    )
    more_groups = serializers.IntegerField(
        allow_null=True,
        help_text="How many more public groups they have (0: none); null: more "
        "than are counted.",
    )


class PersonView(APIView):
    """A member's public profile."""

    permission_classes = [AllowAny]

    @extend_schema(
        summary="A member's public profile",
        description="What anyone may see of a member: no email address, no home location.",
        responses={
            200: PersonSerializer,
            404: OpenApiResponse(description="No such member."),
        },
    )
    def get(self, request, pk):
        person = get_object_or_404(
            get_user_model().objects.select_related("profile"), pk=pk, is_active=True
        )
        memberships, more_groups = first_of(public_memberships(person), GROUPS_SHOWN)
        profile = getattr(person, "profile", None)
        for membership in memberships:
            membership.url = request.build_absolute_uri(
                membership.study_group.get_absolute_url()
            )
        data = {
            "id": person.pk,
            "display_name": display_name(person),
            "bio": profile.bio if profile else "",
            "url": request.build_absolute_uri(reverse("person-page", args=[person.pk])),
            "groups": memberships,
            "more_groups": more_groups,
        }
        return Response(PersonSerializer(data).data)
