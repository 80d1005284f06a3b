"""Conversations under moderation: a suspended or banned member does not post
or reply (and is told why, on the page and in the API), a hidden group's or
event's thread is hidden with it, and posts are reported like the rest."""

import pytest
from django.urls import reverse
from django.utils import timezone

from meetups.tests.factories import RSVPFactory
from studygroups.models import Delivery
from studygroups.moderation import content_hide, group_ban, member_suspend, report_act
from studygroups.post_services import post_create, thread_follow
from studygroups.posts import Post
from studygroups.reports import Report, Suspension

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english(client, settings):
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def first_post(group_a, organizer_a):
    return post_create(author=organizer_a, body="Primer mensaje del grupo", group=group_a)


def group_posts(group):
    return reverse("api:studygroup-posts", args=[group.pk])


def api_post(client, url, **data):
    return client.post(url, data, content_type="application/json")


# Suspended site-wide -------------------------------------------------------------


def test_a_suspended_member_is_told_why_on_the_page_and_cannot_post_or_reply(
    client, group_a, member_a, moderator, first_post
):
    member_suspend(actor=moderator, member=member_a, days=7, reason="Spam")
    client.force_login(member_a)

    page = client.get(group_a.get_absolute_url()).content.decode()
    assert "Your account is suspended until" in page
    assert 'name="body"' not in page.split('id="conversation"')[1].split("post-item")[0]
    assert "Primer mensaje del grupo" in page  # still reads

    for data in ({"body": "Hola"}, {"body": "Respuesta", "parent": first_post.pk}):
        response = client.post(reverse("conversation-group-post", args=[group_a.pk]), data)
        assert response.status_code == 403
        assert "Your account is suspended until" in response.content.decode()
        assert data["body"] in response.content.decode()  # the text is kept
        response = api_post(client, group_posts(group_a), **data)
        assert response.status_code == 403
        assert response.json()["code"] == "suspended"
        assert "suspended until" in response.json()["description"]
    assert list(Post.objects.all()) == [first_post]


def test_a_suspension_that_ended_lets_them_post_again(client, group_a, member_a, moderator):
    member_suspend(actor=moderator, member=member_a, days=1, reason="Spam")
    client.force_login(member_a)
    assert api_post(client, group_posts(group_a), body="Hola").status_code == 403
    Suspension.objects.filter(user=member_a).update(ends_at=timezone.now())
    assert api_post(client, group_posts(group_a), body="Hola").status_code == 201


# Banned from the group ---------------------------------------------------------------


def test_a_banned_member_going_to_an_event_cannot_post_in_its_thread(
    client, group_a, organizer_a, member_a
):
    from meetups.tests.factories import EventFactory

    event = EventFactory(title="Taller Alfa", study_group=group_a)
    RSVPFactory(event=event, user=member_a)
    group_ban(actor=organizer_a, group=group_a, member=member_a, reason="Acoso")
    client.force_login(member_a)
    url = reverse("api:event-posts", args=[event.pk])
    response = api_post(client, url, body="Sigo aquí")
    assert response.status_code == 403
    assert response.json()["code"] == "banned"
    assert "banned you" in response.json()["description"]
    response = client.post(reverse("conversation-event-post", args=[event.pk]), {"body": "x"})
    assert response.status_code == 403 and "banned you" in response.content.decode()
    assert not Post.objects.exists()


def test_a_ban_from_another_group_changes_nothing(client, group_a, group_b, organizer_b,
                                                  member_a):
    group_ban(actor=organizer_b, group=group_b, member=member_a, reason="Otro grupo")
    client.force_login(member_a)
    assert api_post(client, group_posts(group_a), body="Hola").status_code == 201


# Hidden groups and events -----------------------------------------------------------


def test_a_hidden_groups_thread_is_gone_but_for_its_organizers_and_moderators(
    client, group_a, member_a, organizer_a, moderator, first_post
):
    content_hide(actor=moderator, target=group_a, reason="Spam")
    client.force_login(member_a)
    assert client.get(group_posts(group_a)).status_code == 404
    assert api_post(client, group_posts(group_a), body="Hola").status_code == 404
    assert client.get(reverse("api:post-detail", args=[first_post.pk])).status_code == 404
    response = client.post(reverse("conversation-group-post", args=[group_a.pk]), {"body": "x"})
    assert response.status_code == 404
    assert client.post(reverse("conversation-group-follow", args=[group_a.pk]),
                       {"following": "1"}).status_code == 404
    for manager in (organizer_a, moderator):
        client.force_login(manager)
        response = client.get(group_posts(group_a))
        assert response.status_code == 200
        assert [p["body"] for p in response.json()["posts"]] == ["Primer mensaje del grupo"]
    assert not Post.objects.exclude(pk=first_post.pk).exists()


def test_a_hidden_events_thread_is_gone_and_its_followers_get_no_email(
    client, group_a, member_a, organizer_a, moderator, django_capture_on_commit_callbacks
):
    from meetups.tests.factories import EventFactory

    event = EventFactory(title="Taller Alfa", study_group=group_a)
    thread_follow(member_a, following=True, group=group_a, event=event)
    content_hide(actor=moderator, target=event, reason="Engañoso")
    client.force_login(member_a)
    url = reverse("api:event-posts", args=[event.pk])
    assert client.get(url).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        post_create(author=organizer_a, body="Solo para moderar", event=event)
    assert not Delivery.objects.filter(kind="post", recipient=member_a).exists()
    # The group's own thread is untouched.
    assert client.get(group_posts(group_a)).status_code == 200


# Reports ---------------------------------------------------------------------------------


def test_a_member_reports_a_post_which_reaches_its_groups_organizers(
    client, group_a, member_a, organizer_a, moderator, first_post
):
    from .factories import MembershipFactory

    author = MembershipFactory(study_group=group_a, user__username="pepe_publica").user
    theirs = post_create(author=author, body="Compro apuntes baratos", group=group_a)
    client.force_login(member_a)
    response = api_post(client, reverse("api:report-create"), target_kind="post",
                        target_id=theirs.pk, reason="spam")
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert report.target == theirs and report.study_group == group_a
    page = client.get(group_a.get_absolute_url()).content.decode()
    assert reverse("report-new", args=["post", theirs.pk]) in page
    # Its author is the member a warning falls on.
    report_act(actor=moderator, report=report, action="warn", reason="Sin spam")
    assert report.actions.get(action="warn").member == author
    # The organizer's own post is judged by the moderators alone.
    api_post(client, reverse("api:report-create"), target_kind="post",
             target_id=first_post.pk, reason="spam")
    assert Report.objects.get(object_id=first_post.pk).study_group is None


def test_nobody_reports_or_reads_through_the_form_a_post_they_cannot_read(
    client, group_a, outsider, first_post
):
    client.force_login(outsider)
    response = api_post(client, reverse("api:report-create"), target_kind="post",
                        target_id=first_post.pk, reason="spam")
    assert response.status_code == 400 and response.json()["parameter"] == "target_id"
    response = client.get(reverse("report-new", args=["post", first_post.pk]))
    assert response.status_code == 404
    assert "Primer mensaje" not in response.content.decode()
    assert not Report.objects.exists()


def test_a_removed_post_is_not_reported(client, group_a, member_a, organizer_a, first_post):
    from studygroups.post_services import post_remove

    post_remove(first_post, user=organizer_a)
    client.force_login(member_a)
    response = api_post(client, reverse("api:report-create"), target_kind="post",
                        target_id=first_post.pk, reason="spam")
    assert response.status_code == 400 and response.json()["parameter"] == "target_id"


def test_hiding_a_reported_post_from_the_queue_leaves_a_tombstone(
    client, group_a, member_a, organizer_a
):
    from studygroups.moderation_admin import actions_for
    from studygroups.posts import Post

    from .factories import MembershipFactory

    author = MembershipFactory(study_group=group_a, user__username="pepe_publica").user
    theirs = post_create(author=author, body="Compro apuntes baratos", group=group_a)
    reply = post_create(author=member_a, body="No, gracias", group=group_a, parent=theirs)
    client.force_login(member_a)
    api_post(client, reverse("api:report-create"), target_kind="post", target_id=theirs.pk,
             reason="spam")
    report = Report.objects.get()
    assert "hide" in actions_for(organizer_a, report)
    report_act(actor=organizer_a, report=report, action="hide", reason="Publicidad")
    theirs.refresh_from_db()
    assert theirs.status == Post.Status.REMOVED and Post.objects.filter(pk=reply.pk).exists()
    report.refresh_from_db()
    assert report.state == Report.State.ACTIONED
    assert report.actions.get().action == "hide"
    page = client.get(group_a.get_absolute_url()).content.decode()
    assert "Compro apuntes baratos" not in page and "No, gracias" in page
