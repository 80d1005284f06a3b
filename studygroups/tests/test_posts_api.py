"""/api/studygroups/<id>/posts/, /api/events/<id>/posts/ and /api/posts/<id>/."""

import pytest
from django.urls import reverse

from studygroups.post_services import post_create
from studygroups.posts import Post

from .post_factories import PostFactory, ThreadFactory

pytestmark = pytest.mark.django_db


def group_posts(group):
    return reverse("api:studygroup-posts", args=[group.pk])


def test_a_member_posts_and_reads_the_thread(client, group_a, member_a, organizer_a):
    client.force_login(member_a)
    response = client.post(group_posts(group_a), {"body": "Hola <b>grupo</b>"},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["body"] == "Hola <b>grupo</b>"  # plain text: the client escapes
    assert created["author"] == "mia_miembro" and created["parent"] is None
    client.force_login(organizer_a)
    client.post(group_posts(group_a), {"body": "Bienvenida", "parent": created["id"]},
                content_type="application/json")
    body = client.get(group_posts(group_a)).json()
    assert [post["body"] for post in body["posts"]] == ["Hola <b>grupo</b>"]
    assert [reply["body"] for reply in body["posts"][0]["replies"]] == ["Bienvenida"]
    assert body["next"] is None


def test_anonymous_get_a_401_and_outsiders_a_403(client, group_a, outsider):
    response = client.get(group_posts(group_a))
    assert response.status_code == 401 and response["WWW-Authenticate"]
    client.force_login(outsider)
    assert client.get(group_posts(group_a)).status_code == 403
    response = client.post(group_posts(group_a), {"body": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "not_a_participant"


def test_bad_bodies_name_the_field(client, group_a, member_a):
    client.force_login(member_a)
    for body, field in (
        ({}, "body"),
        ({"body": ""}, "body"),
        ({"body": "x" * 4001}, "body"),
        ({"body": "   "}, "body"),
        ({"body": "ok", "parent": "abc"}, "parent"),
        ({"body": "ok", "parent": 999999}, "parent"),
    ):
        response = client.post(group_posts(group_a), body, content_type="application/json")
        assert response.status_code == 400, (body, response.content)
        assert response.json()["parameter"] == field
    assert not Post.objects.exists()


def test_a_bad_cursor_is_a_400_naming_it(client, group_a, member_a):
    client.force_login(member_a)
    response = client.get(group_posts(group_a), {"cursor": "nonsense"})
    assert response.status_code == 400 and response.json()["parameter"] == "cursor"


def test_pages_follow_the_next_link(client, group_a, member_a):
    thread = ThreadFactory(study_group=group_a)
    made = [PostFactory(thread=thread, author=member_a).pk for _n in range(45)]
    client.force_login(member_a)
    seen, url = [], group_posts(group_a)
    while url:
        body = client.get(url).json()
        seen += [post["id"] for post in body["posts"]]
        url = body["next"]
    assert seen == sorted(made, reverse=True)


def test_the_list_costs_the_same_queries_at_any_size(client, group_a, member_a,
                                                     django_assert_max_num_queries):
    thread = ThreadFactory(study_group=group_a)
    for _n in range(20):
        post = PostFactory(thread=thread, author=member_a)
        PostFactory(thread=thread, parent=post, author=member_a)
    client.force_login(member_a)
    # session, user, group, two permission reads, membership, thread, posts, replies
    with django_assert_max_num_queries(9):
        assert len(client.get(group_posts(group_a)).json()["posts"]) == 20


def test_rate_limited_posts_are_429_with_retry_after(client, group_a, member_a, settings):
    settings.POSTS_PER_WINDOW = 2
    client.force_login(member_a)
    for n in range(2):
        client.post(group_posts(group_a), {"body": f"M{n}"}, content_type="application/json")
    response = client.post(group_posts(group_a), {"body": "M3"}, content_type="application/json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert response.json()["code"] == "TooManyRequests"
    assert Post.objects.count() == 2


def test_organizers_pin_members_may_not(client, group_a, member_a, organizer_a):
    post = post_create(author=member_a, body="Fijar", group=group_a)
    url = reverse("api:post-detail", args=[post.pk])
    client.force_login(member_a)
    assert client.patch(url, {"pinned": True}, content_type="application/json").status_code == 403
    client.force_login(organizer_a)
    for bad in ({}, {"pinned": "yes"}):
        response = client.patch(url, bad, content_type="application/json")
        assert response.status_code == 400 and response.json()["parameter"] == "pinned"
    response = client.patch(url, {"pinned": True}, content_type="application/json")
    assert response.status_code == 200 and response.json()["pinned"] is True


def test_delete_is_the_authors_delete_or_an_organizers_removal(
    client, group_a, member_a, organizer_a, second_member
):
    mine = post_create(author=member_a, body="Mío", group=group_a)
    theirs = post_create(author=second_member, body="Suyo", group=group_a)
    client.force_login(member_a)
    assert client.delete(reverse("api:post-detail", args=[theirs.pk])).status_code == 403
    assert client.delete(reverse("api:post-detail", args=[mine.pk])).status_code == 204
    assert not Post.objects.filter(pk=mine.pk).exists()
    client.force_login(organizer_a)
    assert client.delete(reverse("api:post-detail", args=[theirs.pk])).status_code == 204
    assert Post.objects.get(pk=theirs.pk).status == "removed"
    listed = client.get(group_posts(group_a)).json()["posts"][0]
    assert (listed["status"], listed["body"]) == ("removed", None)


def test_event_threads_take_the_people_going(client, event_a, attendee, outsider):
    url = reverse("api:event-posts", args=[event_a.pk])
    client.force_login(attendee)
    assert client.post(url, {"body": "Voy"}, content_type="application/json").status_code == 201
    client.force_login(outsider)
    assert client.get(url).status_code == 403


def test_the_schema_documents_the_posts(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/studygroups/{id}/posts/"])
    assert {"get", "post"} <= set(paths["/api/events/{id}/posts/"])
    assert {"get", "patch", "delete"} <= set(paths["/api/posts/{id}/"])
    assert set(paths["/api/posts/{id}/replies/"]) == {"get"}


def test_every_reply_is_reached_through_the_replies_pages(client, group_a, member_a):
    thread = ThreadFactory(study_group=group_a)
    post = PostFactory(thread=thread, author=member_a)
    made = [PostFactory(thread=thread, parent=post, author=member_a).pk for _n in range(120)]
    client.force_login(member_a)
    listed = client.get(group_posts(group_a)).json()["posts"][0]
    assert len(listed["replies"]) == 50 and listed["more_replies"] is True
    seen, url, pages = [], reverse("api:post-replies", args=[post.pk]), 0
    while url:
        body = client.get(url).json()
        seen += [reply["id"] for reply in body["replies"]]
        url, pages = body["next"], pages + 1
    # Oldest first: the order they were written in.
    order = Post.objects.filter(parent=post).order_by("created_at", "pk")
    assert seen == list(order.values_list("pk", flat=True)) and sorted(seen) == sorted(made)
    assert pages == 3


def test_replies_pages_refuse_outsiders_replies_and_bad_cursors(
    client, group_a, member_a, outsider
):
    thread = ThreadFactory(study_group=group_a)
    post = PostFactory(thread=thread, author=member_a)
    reply = PostFactory(thread=thread, parent=post, author=member_a)
    url = reverse("api:post-replies", args=[post.pk])
    assert client.get(url).status_code == 401
    client.force_login(outsider)
    assert client.get(url).status_code == 403
    client.force_login(member_a)
    assert client.get(reverse("api:post-replies", args=[reply.pk])).status_code == 404
    response = client.get(url, {"cursor": "nonsense"})
    assert response.status_code == 400 and response.json()["parameter"] == "cursor"
    assert client.get(url).json()["replies"][0]["id"] == reply.pk
