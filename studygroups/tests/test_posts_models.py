"""The rules the database holds for threads and posts."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from meetups.tests.factories import EventFactory
from studygroups.posts import Post, Thread

from .post_factories import PostFactory, ThreadFactory

pytestmark = pytest.mark.django_db


def refused(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.create(**fields)


def test_a_thread_belongs_to_exactly_one_group_or_event(group_a):
    event = EventFactory(study_group=group_a)
    for fields in ({}, {"study_group": group_a, "event": event}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Thread.objects.create(**fields)
    Thread.objects.create(study_group=group_a)
    Thread.objects.create(event=event)
    with pytest.raises(IntegrityError), transaction.atomic():
        Thread.objects.create(study_group=group_a)  # one thread per group


def test_a_reply_to_a_reply_is_refused(organizer_a):
    post = PostFactory(author=organizer_a)
    reply = PostFactory(thread=post.thread, parent=post, author=organizer_a)
    refused(thread=post.thread, parent=reply, author=organizer_a, body="Tercer nivel")


def test_a_reply_in_another_thread_than_its_parent_is_refused(organizer_a):
    post = PostFactory(author=organizer_a)
    refused(thread=ThreadFactory(), parent=post, author=organizer_a, body="Otro hilo")


def test_a_reply_to_the_same_thread_is_kept(organizer_a):
    post = PostFactory(author=organizer_a)
    reply = PostFactory(thread=post.thread, parent=post, author=organizer_a)
    assert reply.is_reply and not post.is_reply


def test_a_post_holds_1_to_4000_characters_not_only_spaces(organizer_a):
    thread = ThreadFactory()
    for body in ("", "   \n ", "x" * 4001):
        refused(thread=thread, author=organizer_a, body=body)
    assert PostFactory(thread=thread, author=organizer_a, body="x" * 4000).pk


def test_a_reply_cannot_be_pinned_nor_a_removed_post(organizer_a):
    post = PostFactory(author=organizer_a)
    refused(thread=post.thread, parent=post, author=organizer_a, body="r", pinned=True)
    refused(thread=post.thread, author=organizer_a, body="r", pinned=True, status="removed",
            removed_at=timezone.now())


def test_a_tombstone_says_when_and_a_deleted_post_keeps_no_text(organizer_a):
    thread = ThreadFactory()
    refused(thread=thread, author=organizer_a, body="x", status="removed")  # no removed_at
    refused(thread=thread, author=organizer_a, body="x", status="deleted",
            removed_at=timezone.now())
    assert PostFactory(thread=thread, author=organizer_a, body="", status="deleted",
                       removed_at=timezone.now()).pk
