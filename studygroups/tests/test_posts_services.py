"""Posting, replying, pinning, removing, deleting and following, through the
services every surface calls."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from psycopg2.extras import DateTimeTZRange

from meetups.tests.factories import RSVPFactory
from studygroups import post_permissions as permissions
from studygroups.post_services import (
    PostingThrottled,
    is_following,
    post_create,
    post_delete,
    post_pin,
    post_remove,
    thread_follow,
)
from studygroups.posts import Post, ThreadFollow

pytestmark = pytest.mark.django_db


def refusal_code(**kwargs):
    with pytest.raises(ValidationError) as caught:
        post_create(**kwargs)
    return caught.value.code


def test_a_member_posts_and_follows_the_thread(group_a, member_a):
    post = post_create(author=member_a, body="  Hola a todos\r\n", group=group_a)
    assert post.body == "Hola a todos"
    assert post.thread.study_group == group_a
    assert ThreadFollow.objects.get(thread=post.thread, user=member_a).following


def test_who_may_post_in_a_group(group_a, member_a, organizer_a, organizer_b, outsider, moderator):
    assert post_create(author=organizer_a, body="Bienvenidos", group=group_a)
    assert post_create(author=moderator, body="Moderación", group=group_a)
    for user in (organizer_b, outsider):
        assert refusal_code(author=user, body="Hola", group=group_a) == "not_a_participant"


def test_a_pending_member_may_not_post(group_a):
    from studygroups.tests.factories import MembershipFactory

    pending = MembershipFactory(study_group=group_a, status="pending").user
    assert refusal_code(author=pending, body="Hola", group=group_a) == "not_a_participant"


def test_who_may_post_in_an_event(event_a, member_a, attendee, outsider):
    assert post_create(author=attendee, body="Llevo café", event=event_a)
    assert post_create(author=member_a, body="Yo llevo pan", event=event_a)
    assert refusal_code(author=outsider, body="Hola", event=event_a) == "not_a_participant"
    said_no = RSVPFactory(event=event_a, status="no").user
    assert refusal_code(author=said_no, body="Hola", event=event_a) == "not_a_participant"


def test_a_cancelled_event_takes_no_posts(event_a, attendee):
    event_a.status = "cancelled"
    event_a.save()
    assert refusal_code(author=attendee, body="Hola", event=event_a) == "thread_closed"


def test_posting_stays_open_a_week_after_the_event(event_a, attendee):
    now = timezone.now()
    event_a.during = DateTimeTZRange(now - datetime.timedelta(days=6, hours=2),
                                     now - datetime.timedelta(days=6))
    event_a.save()
    assert post_create(author=attendee, body="¡Gracias!", event=event_a)
    event_a.during = DateTimeTZRange(now - datetime.timedelta(days=8, hours=2),
                                     now - datetime.timedelta(days=8))
    event_a.save()
    assert refusal_code(author=attendee, body="¿Alguien?", event=event_a) == "thread_closed"


def test_a_registered_rule_refuses_posts(group_a, member_a, organizer_a):
    def suspended(user, thread):
        if user == member_a:
            return "suspended", "Suspendido."
        return None

    permissions.register_posting_rule(suspended)
    try:
        assert refusal_code(author=member_a, body="Hola", group=group_a) == "suspended"
        assert post_create(author=organizer_a, body="Hola", group=group_a)
        assert not permissions.can_post(member_a, Post.objects.get().thread)
    finally:
        permissions.POSTING_RULES.remove(suspended)


def test_replies_are_one_level_and_in_the_same_thread(group_a, group_b, member_a, organizer_a):
    post = post_create(author=member_a, body="Pregunta", group=group_a)
    reply = post_create(author=organizer_a, body="Respuesta", group=group_a, parent=post)
    assert reply.parent == post
    with pytest.raises(ValidationError) as caught:
        post_create(author=member_a, body="Otra", group=group_a, parent=reply)
    assert "parent" in caught.value.message_dict
    from studygroups.tests.factories import organizer_of

    other = organizer_of(group_b, "beto")
    with pytest.raises(ValidationError):
        post_create(author=other, body="Desde B", group=group_b, parent=post)


def test_empty_and_too_long_posts_name_the_body(group_a, member_a):
    for body in ("   ", "x" * 4001):
        with pytest.raises(ValidationError) as caught:
            post_create(author=member_a, body=body, group=group_a)
        assert "body" in caught.value.message_dict
    assert not Post.objects.exists()


def test_posting_is_rate_limited_per_member(group_a, member_a, second_member, settings):
    settings.POSTS_PER_WINDOW = 3
    for n in range(3):
        post_create(author=member_a, body=f"Mensaje {n}", group=group_a)
    with pytest.raises(PostingThrottled) as caught:
        post_create(author=member_a, body="Uno más", group=group_a)
    assert 1 <= caught.value.wait <= settings.POST_WINDOW_SECONDS
    # Another member is counted apart.
    assert post_create(author=second_member, body="Yo sí", group=group_a)
    assert Post.objects.filter(author=member_a).count() == 3


def test_organizers_pin_and_remove_members_do_not(group_a, member_a, organizer_a, organizer_b):
    post = post_create(author=member_a, body="Importante", group=group_a)
    for user in (member_a, organizer_b):
        with pytest.raises(PermissionDenied):
            post_pin(post, user=user, pinned=True)
        with pytest.raises(PermissionDenied):
            post_remove(post, user=user)
    post_pin(post, user=organizer_a, pinned=True)
    assert Post.objects.get(pk=post.pk).pinned
    post_remove(post, user=organizer_a)
    removed = Post.objects.get(pk=post.pk)
    assert (removed.status, removed.pinned, removed.removed_by) == ("removed", False, organizer_a)


def test_a_removed_post_keeps_its_replies_under_a_tombstone(group_a, member_a, organizer_a):
    post = post_create(author=member_a, body="Ofensivo", group=group_a)
    reply = post_create(author=organizer_a, body="Por favor, respeto", group=group_a, parent=post)
    post_remove(post, user=organizer_a)
    assert Post.objects.get(pk=reply.pk).parent_id == post.pk
    with pytest.raises(ValidationError):
        post_create(author=member_a, body="Más", group=group_a, parent=post)


def test_authors_delete_their_own_posts_only(group_a, member_a, second_member, organizer_a):
    lonely = post_create(author=member_a, body="Sin respuestas", group=group_a)
    answered = post_create(author=member_a, body="Con respuestas", group=group_a)
    post_create(author=second_member, body="Respondo", group=group_a, parent=answered)
    with pytest.raises(PermissionDenied):
        post_delete(lonely, user=organizer_a)
    assert post_delete(lonely, user=member_a) is None
    assert not Post.objects.filter(pk=lonely.pk).exists()
    tombstone = post_delete(answered, user=member_a)
    assert (tombstone.status, tombstone.body) == ("deleted", "")
    assert tombstone.replies.count() == 1


def test_organizers_follow_their_groups_thread_until_they_stop(group_a, organizer_a, member_a):
    assert is_following(organizer_a, None, group_a)
    assert not is_following(member_a, None, group_a)
    thread = thread_follow(organizer_a, following=False, group=group_a)
    assert not is_following(organizer_a, thread, group_a)
    # Posting again does not override an explicit choice.
    post_create(author=organizer_a, body="Hola", group=group_a)
    assert not is_following(organizer_a, thread, group_a)


def test_an_event_without_a_group_is_for_the_people_going_and_moderators(
    attendee, organizer_a, moderator
):
    from meetups.tests.factories import EventFactory

    lone = EventFactory(study_group=None)
    goer = RSVPFactory(event=lone).user
    assert post_create(author=goer, body="¿Quién más va?", event=lone)
    assert refusal_code(author=organizer_a, body="Hola", event=lone) == "not_a_participant"
    answer = post_create(author=moderator, body="Bienvenidos", event=lone)
    # Only moderators moderate it: no group, no organizers.
    with pytest.raises(PermissionDenied):
        post_remove(answer, user=goer)
    post_pin(answer, user=moderator, pinned=True)


def test_a_deleted_account_leaves_its_posts_and_others_replies(
    client, group_a, member_a, second_member
):
    question = post_create(author=member_a, body="Pregunta", group=group_a)
    post_create(author=second_member, body="Respuesta", group=group_a, parent=question)
    member_a.delete()
    question.refresh_from_db()
    assert question.author is None and question.replies.get().body == "Respuesta"
    client.force_login(second_member)
    html = client.get(group_a.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "a former member" in html and "Respuesta" in html
