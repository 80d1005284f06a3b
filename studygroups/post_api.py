"""The conversations in the API: /api/studygroups/<id>/posts/,
/api/events/<id>/posts/ and /api/posts/<id>/.

Bodies are plain text in and out: a client shows them escaped, as the site
does. A post removed by an organizer or deleted by its author stays in the
list, without its text (``body`` null), so its replies keep their place."""

import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, Throttled
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from meetups.models import Event
from places.errors import error_response
from places.views import APIView
from studygroups.models import StudyGroup

from .people import display_name
from .post_permissions import can_read, hidden_from, thread_owner
from .post_querysets import REPLIES_PAGE_SIZE, cursor_keys, replies_page, thread_page
from .post_services import (
    PostingThrottled,
    post_create,
    post_delete,
    post_pin,
    post_remove,
    thread_get,
)
from .posts import POST_MAX_LENGTH, Post

PAGE_SIZE = 20


class ReplySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    author = serializers.SerializerMethodField(
        help_text=_("The author's name as others see it (never an email address); "
                    "null once their account is deleted.")
    )
    body = serializers.SerializerMethodField(
        help_text=_("The text, plain (escape it to show it); null once removed or deleted.")
    )
    status = serializers.ChoiceField(choices=Post.Status.choices)
    pinned = serializers.BooleanField()
    created_at = serializers.DateTimeField()

    def get_author(self, post) -> str | None:
        return display_name(post.author) if post.author else None

    def get_body(self, post) -> str | None:
        return post.body if post.is_visible else None


class PostSerializer(ReplySerializer):
    replies = ReplySerializer(
        many=True, source="shown_replies", help_text=_("Its first 50 replies, oldest first.")
    )
    more_replies = serializers.BooleanField(
        default=False,
        help_text=_("Whether it has more replies than these: /api/posts/{id}/replies/ "
                    "pages through all of them.")
    )


class ReplyPageSerializer(serializers.Serializer):
    replies = ReplySerializer(many=True)
    next = serializers.CharField(
        allow_null=True, help_text=_("The next (newer) page's address, or null.")
    )


class PostPageSerializer(serializers.Serializer):
    posts = PostSerializer(many=True)
    next = serializers.CharField(
        allow_null=True, help_text=_("The next (older) page's address, or null.")
    )


class PostWriteSerializer(serializers.Serializer):
    body = serializers.CharField(
        max_length=POST_MAX_LENGTH,
        help_text=_("Plain text, 1 to 4,000 characters; web addresses become links on the site."),
    )
    parent = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text=_("To reply: the id of a top-level post of this conversation."),
    )


class PostPinSerializer(serializers.Serializer):
    pinned = serializers.BooleanField(help_text=_("true pins the post on top; false unpins it."))

    def to_internal_value(self, data):
        value = data.get("pinned") if isinstance(data, dict) else None
        if not isinstance(value, bool):
            raise serializers.ValidationError({"pinned": [_("Must be true or false.")]})
        return {"pinned": value}


def refusal_response(exc):
    """A service's ValidationError in the API's error shape: the field at
    fault (400), or a refusal by code (403)."""
    if hasattr(exc, "error_dict"):
        field, errors = next(iter(exc.error_dict.items()))
        return error_response(
            400, errors[0].messages[0], code="InvalidFieldValue", parameter=field,
            errors={name: [m for e in errs for m in e.messages]
                    for name, errs in exc.error_dict.items()},
        )
    return error_response(403, exc.messages[0], code=exc.code)


CURSOR = OpenApiParameter(
    "cursor", OpenApiTypes.STR,
    description="Where the page starts: copy it from a `next` link, as is.",
)


class ThreadPostsView(APIView):
    """Base of the two thread lists: ``owner(pk)`` gives (group, event)."""

    permission_classes = [IsAuthenticated]

    def owner(self, pk):
        raise NotImplementedError

    def visible_owner(self, request, pk):
        """(group, event), or 404 when moderation hid them from this user."""
        group, event = self.owner(pk)
        if hidden_from(request.user, group, event):
            raise Http404
        return group, event

    def get(self, request, pk):
        group, event = self.visible_owner(request, pk)
        if not can_read(request.user, group, event):
            raise PermissionDenied(_("Only the conversation's participants read it."))
        token = request.query_params.get("cursor")
        keys = cursor_keys(token) if token is not None else None
        posts, next_cursor = thread_page(thread_get(group, event), keys, PAGE_SIZE)
        next_url = None
        if next_cursor:
            next_url = request.build_absolute_uri(
                f"{reverse(self.url_name, args=[pk])}?cursor={next_cursor}"
            )
        return Response(PostPageSerializer({"posts": posts, "next": next_url}).data)

    def post(self, request, pk):
        group, event = self.visible_owner(request, pk)
        data = PostWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        parent = None
        parent_id = data.validated_data.get("parent")
        if parent_id is not None:
            parent = Post.objects.filter(pk=parent_id).first()
            if parent is None:
                return error_response(
                    400, _("No such post."), code="InvalidFieldValue", parameter="parent"
                )
        try:
            post = post_create(
                author=request.user, body=data.validated_data["body"], group=group,
                event=event, parent=parent,
            )
        except PostingThrottled as exc:
            raise Throttled(wait=math.ceil(exc.wait), detail=exc.message) from None
        except DjangoValidationError as exc:
            return refusal_response(exc)
        post.shown_replies = []
        return Response(PostSerializer(post).data, status=201)


LIST_DOC = {
    "summary": "The conversation's posts, pinned first, then newest first",
    "description": (
        "Top-level posts (20 a page, keyset-paged by `next`), each with its first 50 "
        "replies. Readable by the group's active members (for an event also the people "
        "going or waitlisted) and moderators."
    ),
    "parameters": [CURSOR],
    "responses": {200: PostPageSerializer},
}
CREATE_DOC = {
    "summary": "Post, or reply to a top-level post",
    "description": (
        "For the conversation's participants; closed on a cancelled event and a week after "
        "an event ended (403, code `thread_closed`). At most POSTS_PER_WINDOW posts per "
        "member per window (429 with `Retry-After`). The thread's followers are emailed."
    ),
    "request": PostWriteSerializer,
    "responses": {201: PostSerializer, 400: OpenApiResponse(description="A field is wrong.")},
}


class GroupPostsView(ThreadPostsView):
    url_name = "api:studygroup-posts"

    def owner(self, pk):
        return get_object_or_404(StudyGroup, pk=pk), None

    @extend_schema(**LIST_DOC)
    def get(self, request, pk):
        return super().get(request, pk)

    @extend_schema(**CREATE_DOC)
    def post(self, request, pk):
        return super().post(request, pk)


class EventPostsView(ThreadPostsView):
    url_name = "api:event-posts"

    def owner(self, pk):
        event = get_object_or_404(Event.objects.select_related("study_group"), pk=pk)
        return event.study_group, event

    @extend_schema(**LIST_DOC)
    def get(self, request, pk):
        return super().get(request, pk)

    @extend_schema(**CREATE_DOC)
    def post(self, request, pk):
        return super().post(request, pk)


class PostDetailView(APIView):
    """One post: read it, pin it (organizers), remove or delete it."""

    permission_classes = [IsAuthenticated]

    def post_get(self, request, pk):
        post = get_object_or_404(
            Post.objects.select_related(
                "author__profile", "thread__study_group", "thread__event__study_group"
            ),
            pk=pk,
        )
        group, event = thread_owner(post.thread)
        if hidden_from(request.user, group, event):
            raise Http404
        if not can_read(request.user, group, event) and post.author_id != request.user.pk:
            raise PermissionDenied(_("Only the conversation's participants read it."))
        return post

    @extend_schema(summary="One post", responses={200: ReplySerializer})
    def get(self, request, pk):
        return Response(ReplySerializer(self.post_get(request, pk)).data)

    @extend_schema(
        summary="Pin or unpin a post",
        description="The organizers of the thread's group and moderators only.",
        request=PostPinSerializer,
        responses={200: ReplySerializer},
    )
    def patch(self, request, pk):
        post = self.post_get(request, pk)
        data = PostPinSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            post_pin(post, user=request.user, pinned=data.validated_data["pinned"])
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        except DjangoValidationError as exc:
            return refusal_response(exc)
        return Response(ReplySerializer(post).data)

    @extend_schema(
        summary="Delete your post, or remove one as an organizer",
        description=(
            "Its author deletes it (gone, or a tombstone without text when it has "
            "replies); the organizers of the thread's group and moderators remove it "
            "(a tombstone, \"removed by an organizer\")."
        ),
        responses={204: None},
    )
    def delete(self, request, pk):
        post = self.post_get(request, pk)
        try:
            if post.author_id == request.user.pk:
                post_delete(post, user=request.user)
            else:
                post_remove(post, user=request.user)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        return Response(status=204)


class PostRepliesView(APIView):
    """A top-level post's replies, oldest first, in keyset pages."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="A post's replies",
        description=(
            f"Every reply to a top-level post, oldest first, {REPLIES_PAGE_SIZE} a page: "
            "follow `next`. For the conversation's participants, as its list."
        ),
        parameters=[CURSOR],
        responses={
            200: ReplyPageSerializer,
            404: OpenApiResponse(description="No such post, or a reply."),
        },
    )
    def get(self, request, pk):
        post = get_object_or_404(
            Post.objects.select_related("thread__study_group", "thread__event__study_group"),
            pk=pk, parent=None,
        )
        group, event = thread_owner(post.thread)
        if hidden_from(request.user, group, event):
            raise Http404
        if not can_read(request.user, group, event):
            raise PermissionDenied(_("Only the conversation's participants read it."))
        replies, next_cursor = replies_page(post, request.query_params.get("cursor"))
        next_url = None
        if next_cursor:
            next_url = request.build_absolute_uri(
                f"{reverse('api:post-replies', args=[pk])}?cursor={next_cursor}"
            )
        return Response(ReplyPageSerializer({"replies": replies, "next": next_url}).data)
