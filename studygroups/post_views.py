"""The conversation's form posts from the group's and the event's pages: each
does one thing and goes back to the conversation on the page it came from."""

import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from meetups.models import Event
from places import parsers
from studygroups.models import StudyGroup
from studygroups.permissions import is_moderator, organizes
from studygroups.services import studygroup_time_zone

from .post_permissions import can_read, hidden_from, thread_owner
from .post_querysets import REPLIES_PAGE_SIZE, replies_page
from .post_services import (
    PostingThrottled,
    post_create,
    post_delete,
    post_pin,
    post_remove,
    thread_follow,
)
from .posts import Post


def owner_get(user, kind, pk):
    """(group, event, page url) of the thread of a group's or event's page;
    404 when moderation hid them from ``user``, as their pages do."""
    if kind == "event":
        event = get_object_or_404(Event.objects.select_related("study_group"), pk=pk)
        group, url = event.study_group, event.get_absolute_url()
    else:
        event, group = None, get_object_or_404(StudyGroup, pk=pk)
        url = group.get_absolute_url()
    if hidden_from(user, group, event):
        raise Http404
    return group, event, url


def refused_page(request, *, back, message, body="", parent=None, status=400, headers=None):
    """The post that could not be published, its text kept, and why."""
    response = render(
        request,
        "conversation/refused.html",
        {"back": back, "message": message, "body": body, "parent": parent},
        status=status,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def parent_get(value):
    """The post a reply answers, from the form's ``parent`` (None: a top-level post)."""
    if not value:
        return None
    try:
        return Post.objects.filter(pk=int(value)).first() or False
    except (TypeError, ValueError, OverflowError):
        return False


@login_required
@require_POST
def post_create_view(request, kind, pk):
    group, event, back = owner_get(request.user, kind, pk)
    body = request.POST.get("body", "")
    parent = parent_get(request.POST.get("parent"))
    if parent is False:
        return refused_page(
            request, back=back, body=body, message=_("The post you answered is gone.")
        )
    try:
        post = post_create(author=request.user, body=body, group=group, event=event,
                           parent=parent)
    except PostingThrottled as exc:
        return refused_page(
            request, back=back, body=body, parent=parent, message=exc.message, status=429,
            headers={"Retry-After": str(math.ceil(exc.wait))},
        )
    except ValidationError as exc:
        refused = ("not_a_participant", "not_signed_in", "hidden", "suspended", "banned")
        status = 403 if exc.code in refused else 400
        return refused_page(
            request, back=back, body=body, parent=parent, message=exc.messages[0], status=status
        )
    messages.success(request, _("Posted.") if parent is None else _("Reply sent."))
    return redirect(f"{back}#post-{post.pk}")


@login_required
@require_POST
def follow_view(request, kind, pk):
    group, event, back = owner_get(request.user, kind, pk)
    if not can_read(request.user, group, event):
        raise PermissionDenied
    following = request.POST.get("following") == "1"
    thread_follow(request.user, following=following, group=group, event=event)
    messages.success(
        request,
        _("You will get an email for each new post here.")
        if following
        else _("You will get no more emails about this conversation."),
    )
    return redirect(f"{back}#conversation")


def post_get(user, pk):
    post = get_object_or_404(
        Post.objects.select_related("thread__study_group", "thread__event__study_group"), pk=pk
    )
    group, event = thread_owner(post.thread)
    if hidden_from(user, group, event):
        raise Http404
    return post, (event or group).get_absolute_url()


@login_required
@require_POST
def pin_view(request, pk):
    post, back = post_get(request.user, pk)
    try:
        post_pin(post, user=request.user, pinned=request.POST.get("pinned") == "1")
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Pinned.") if post.pinned else _("Unpinned."))
    return redirect(f"{back}#post-{post.pk}")


@login_required
@require_POST
def remove_view(request, pk):
    post, back = post_get(request.user, pk)
    post_remove(post, user=request.user)
    messages.success(request, _("Removed: its replies stay, under a note."))
    return redirect(f"{back}#post-{post.pk}")


@login_required
@require_POST
def delete_view(request, pk):
    post, back = post_get(request.user, pk)
    kept = post_delete(post, user=request.user)
    messages.success(request, _("Your post was deleted."))
    return redirect(f"{back}#post-{post.pk}" if kept else f"{back}#conversation")


@require_safe
def replies_view(request, pk):
    """A post and its replies, oldest first, REPLIES_PAGE_SIZE at a time (the
    next page after the keyset (created_at, id) in ``after``, on
    post_replies_idx), for those who read its conversation: its panel shows
    each post's newest replies only."""
    post, back = post_get(request.user, pk)
    if post.parent_id is not None:
        raise Http404
    group, event = thread_owner(post.thread)
    if not can_read(request.user, group, event):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    cursor = request.GET.get("after", "")
    error, next_url = "", ""
    try:
        rows, next_cursor = replies_page(post, cursor, REPLIES_PAGE_SIZE, param="after")
    except parsers.InvalidParameter as exc:
        error, rows, next_cursor = exc.message, [], None
    if next_cursor:
        next_url = "?" + urlencode({"after": next_cursor})
    return render(
        request,
        "conversation/replies.html",
        {
            "post": post,
            "replies": rows,
            "back": back,
            "owner": event or group,
            "time_zone": event.time_zone if event else studygroup_time_zone(group),
            "can_moderate": organizes(request.user, group) or is_moderator(request.user),
            "user_id": request.user.pk,
            "next_url": next_url,
            "first_url": reverse("conversation-post-replies", args=[post.pk]) if cursor else "",
            "error": error,
        },
        status=400 if error else 200,
    )
