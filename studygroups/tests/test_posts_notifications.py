"""The email of a new post: to the thread's followers who may still read it,
never to its author, once, in their language, with its own unsubscribe."""

from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse

from studygroups import notifications
from studygroups.models import Delivery, MemberProfile, Membership
from studygroups.post_services import post_create, post_remove, thread_follow
from studygroups.posts import Post
from studygroups.tests.factories import MemberProfileFactory

pytestmark = pytest.mark.django_db


def post(django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return post_create(**kwargs)


def addressees():
    return sorted(address for message in mail.outbox for address in message.to)


def test_followers_are_emailed_not_the_author(
    group_a, member_a, second_member, organizer_a, django_capture_on_commit_callbacks
):
    thread_follow(second_member, following=True, group=group_a)
    post(django_capture_on_commit_callbacks, author=member_a, body="Hola", group=group_a)
    # The organizer follows by default, the other member asked to, the author wrote it.
    assert addressees() == ["ana_alfa@example.org", "marco_miembro@example.org"]


def test_the_author_follows_and_hears_of_replies(
    group_a, member_a, organizer_a, django_capture_on_commit_callbacks
):
    first = post(django_capture_on_commit_callbacks, author=member_a, body="Pregunta",
                 group=group_a)
    mail.outbox.clear()
    post(django_capture_on_commit_callbacks, author=organizer_a, body="Respuesta",
         group=group_a, parent=first)
    (message,) = mail.outbox
    assert message.to == ["mia_miembro@example.org"]
    assert "ana_alfa" in message.body and "Respuesta" in message.body


def test_someone_who_left_the_group_is_not_emailed(
    group_a, member_a, second_member, django_capture_on_commit_callbacks
):
    thread_follow(second_member, following=True, group=group_a)
    Membership.objects.filter(user=second_member).delete()
    post(django_capture_on_commit_callbacks, author=member_a, body="Hola", group=group_a)
    assert "marco_miembro@example.org" not in addressees()


def test_someone_who_leaves_before_the_email_goes_is_skipped(
    group_a, member_a, second_member, organizer_a
):
    thread_follow(second_member, following=True, group=group_a)
    # Recorded as post_notify records them, before the member leaves.
    written = post_create(author=member_a, body="Hola", group=group_a)
    notifications.deliveries_create(
        Delivery.Kind.POST, f"post:{written.pk}",
        [second_member.pk], {"post_id": written.pk},
    )
    Membership.objects.filter(user=second_member).delete()
    delivery = Delivery.objects.get(recipient=second_member)
    assert notifications.delivery_send(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "skipped" and mail.outbox == []


def test_a_removed_post_is_not_emailed(group_a, member_a, organizer_a):
    written = post_create(author=member_a, body="Spam", group=group_a)
    notifications.deliveries_create(
        Delivery.Kind.POST, f"post:{written.pk}", [organizer_a.pk], {"post_id": written.pk}
    )
    post_remove(written, user=organizer_a)
    delivery = Delivery.objects.get()
    notifications.delivery_send(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "skipped" and mail.outbox == []


def test_the_task_run_twice_emails_once(group_a, member_a, organizer_a,
                                        django_capture_on_commit_callbacks):
    from studygroups.post_tasks import post_notify

    written = post(django_capture_on_commit_callbacks, author=member_a, body="Una vez",
                   group=group_a)
    post_notify(written.pk)
    assert len(mail.outbox) == 1
    assert Delivery.objects.filter(kind="post").count() == 1


def test_posts_emails_obey_their_own_setting_and_unsubscribe(
    client, group_a, member_a, organizer_a, django_capture_on_commit_callbacks
):
    post(django_capture_on_commit_callbacks, author=member_a, body="Uno", group=group_a)
    (message,) = mail.outbox
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = message.alternatives[0][0]
    assert unsubscribe in html
    response = client.post(urlsplit(unsubscribe).path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    profile = MemberProfile.objects.get(user=organizer_a)
    assert profile.notify_posts is False and profile.notify_digest is True
    mail.outbox.clear()
    post(django_capture_on_commit_callbacks, author=member_a, body="Dos", group=group_a)
    assert mail.outbox == []


def test_the_email_is_in_the_recipients_language_and_escapes_the_text(
    group_a, member_a, organizer_a, django_capture_on_commit_callbacks
):
    MemberProfileFactory(user=organizer_a, language="en")
    post(django_capture_on_commit_callbacks, author=member_a,
         body="<script>alert(1)</script>\nhttps://example.org", group=group_a)
    (message,) = mail.outbox
    assert "wrote in the conversation of" in message.body
    html = message.alternatives[0][0]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<a href="https://example.org"' in html


def test_the_settings_page_offers_the_posts_kind(client, member_a):
    client.force_login(member_a)
    response = client.get(reverse("notification-settings"), HTTP_ACCEPT_LANGUAGE="en")
    assert 'name="notify_posts"' in response.content.decode()
    assert Post.objects.count() == 0


def test_someone_no_longer_going_is_not_emailed_about_the_event(
    event_a, attendee, member_a, django_capture_on_commit_callbacks
):
    from meetups.models import RSVP

    post(django_capture_on_commit_callbacks, author=attendee, body="Llevo café", event=event_a)
    mail.outbox.clear()
    RSVP.objects.filter(user=attendee).update(status="no")
    post(django_capture_on_commit_callbacks, author=member_a, body="Yo pan", event=event_a)
    assert "gina_going@example.org" not in addressees()


def test_a_moderator_who_follows_is_emailed(
    group_a, member_a, moderator, django_capture_on_commit_callbacks
):
    thread_follow(moderator, following=True, group=group_a)
    post(django_capture_on_commit_callbacks, author=member_a, body="Hola", group=group_a)
    assert "mora_moderadora@example.org" in addressees()
