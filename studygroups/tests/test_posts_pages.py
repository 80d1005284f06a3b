"""The conversation on the group's and the event's pages."""

import re

import pytest
from django.urls import reverse

from studygroups.post_services import post_create
from studygroups.posts import Post
from studygroups.templatetags.conversation import post_text

from .post_factories import PostFactory, ThreadFactory

pytestmark = pytest.mark.django_db


def page(client, owner):
    response = client.get(owner.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_members_read_the_thread_others_are_told_how_to_join(
    client, group_a, member_a, outsider
):
    post_create(author=member_a, body="Solo para miembros", group=group_a)
    assert "Solo para miembros" not in page(client, group_a)
    client.force_login(outsider)
    html = page(client, group_a)
    assert "Solo para miembros" not in html and 'id="conversation"' in html
    client.force_login(member_a)
    assert "Solo para miembros" in page(client, group_a)


def test_a_member_posts_and_replies_from_the_page(client, group_a, member_a, organizer_a):
    client.force_login(member_a)
    url = reverse("conversation-group-post", args=[group_a.pk])
    response = client.post(url, {"body": "¿Quién trae el proyector?"})
    post = Post.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{group_a.get_absolute_url()}#post-{post.pk}"
    client.force_login(organizer_a)
    client.post(url, {"body": "Yo lo traigo", "parent": post.pk})
    assert Post.objects.get(parent=post).body == "Yo lo traigo"
    html = page(client, group_a)
    assert html.index("¿Quién trae el proyector?") < html.index("Yo lo traigo")


def test_outsiders_posting_get_a_403_that_keeps_their_text(client, group_a, outsider):
    client.force_login(outsider)
    response = client.post(
        reverse("conversation-group-post", args=[group_a.pk]), {"body": "Déjenme entrar"}
    )
    assert response.status_code == 403
    assert "Déjenme entrar" in response.content.decode()
    assert not Post.objects.exists()


def test_anonymous_posts_go_to_sign_in(client, group_a):
    response = client.post(reverse("conversation-group-post", args=[group_a.pk]), {"body": "x"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Post.objects.exists()


def test_a_rate_limited_post_is_a_429_with_retry_after_and_the_text_kept(
    client, group_a, member_a, settings
):
    settings.POSTS_PER_WINDOW = 1
    client.force_login(member_a)
    url = reverse("conversation-group-post", args=[group_a.pk])
    client.post(url, {"body": "Primero"})
    response = client.post(url, {"body": "Segundo, muy rápido"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    html = response.content.decode()
    assert "Segundo, muy rápido" in html and "You are posting too fast" in html
    assert Post.objects.count() == 1


def test_pinned_posts_come_first_then_newest(client, group_a, member_a):
    thread = ThreadFactory(study_group=group_a)
    old = PostFactory(thread=thread, body="El más viejo", pinned=True)
    PostFactory(thread=thread, body="El del medio")
    PostFactory(thread=thread, body="El más nuevo")
    client.force_login(member_a)
    html = page(client, group_a)
    order = [html.index(text) for text in ("El más viejo", "El más nuevo", "El del medio")]
    assert order == sorted(order)
    assert old.pinned


def test_older_posts_page_by_cursor(client, group_a, member_a):
    thread = ThreadFactory(study_group=group_a)
    for n in range(25):
        PostFactory(thread=thread, body=f"Número {n:02d}")
    client.force_login(member_a)
    html = page(client, group_a)
    assert "Número 24" in html and "Número 05" in html and "Número 04" not in html
    older = re.search(r'href="([^"]*\?posts=[^"#]+)#conversation"', html).group(1)
    response = client.get(older.replace("&amp;", "&"))
    older_html = response.content.decode()
    assert "Número 04" in older_html and "Número 00" in older_html
    assert "Número 05" not in older_html


def test_a_page_of_posts_and_replies_costs_the_same_queries_at_any_size(
    client, group_a, member_a, django_assert_max_num_queries
):
    thread = ThreadFactory(study_group=group_a)
    client.force_login(member_a)

    def queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            page(client, group_a)
        return len(captured)

    PostFactory(thread=thread)
    few = queries()
    for _n in range(15):
        post = PostFactory(thread=thread)
        for _m in range(3):
            PostFactory(thread=thread, parent=post)
    assert queries() == few


def test_a_removed_post_shows_a_tombstone_not_its_text(client, group_a, member_a, organizer_a):
    post = post_create(author=member_a, body="Texto ofensivo", group=group_a)
    post_create(author=organizer_a, body="Respuesta que queda", group=group_a, parent=post)
    client.force_login(organizer_a)
    client.post(reverse("conversation-post-remove", args=[post.pk]))
    html = page(client, group_a)
    assert "Texto ofensivo" not in html
    assert "This post was removed by an organizer." in html
    assert "Respuesta que queda" in html


def test_a_member_cannot_remove_nor_pin_on_the_site(client, group_a, member_a, second_member):
    post = post_create(author=second_member, body="Mío", group=group_a)
    client.force_login(member_a)
    assert client.post(reverse("conversation-post-remove", args=[post.pk])).status_code == 403
    assert client.post(reverse("conversation-post-pin", args=[post.pk]),
                       {"pinned": "1"}).status_code == 403
    assert client.post(reverse("conversation-post-delete", args=[post.pk])).status_code == 403
    assert Post.objects.get(pk=post.pk).status == "visible"


def test_the_event_page_has_its_own_thread(client, event_a, attendee, group_a):
    client.force_login(attendee)
    client.post(reverse("conversation-event-post", args=[event_a.pk]), {"body": "¿Parqueadero?"})
    assert "¿Parqueadero?" in page(client, event_a)
    assert Post.objects.get().thread.event == event_a


def test_following_toggles_from_the_page(client, group_a, member_a):
    client.force_login(member_a)
    url = reverse("conversation-group-follow", args=[group_a.pk])
    client.post(url, {"following": "1"})
    assert 'aria-pressed="true"' in page(client, group_a)
    client.post(url, {"following": "0"})
    assert 'aria-pressed="false"' in page(client, group_a)


# Hostile text.


def test_html_in_a_post_is_shown_as_text():
    html = post_text('<script>alert("x")</script> <img src=x onerror=alert(1)>')
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;img" in html


def test_web_addresses_become_user_links_and_javascript_does_not():
    html = post_text("Mira https://example.org/a?b=1&c=2 y javascript:alert(1)")
    assert (
        '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc noopener">' in html
    )
    assert 'href="javascript' not in html
    assert html.count("<a ") == 1


def test_quotes_cannot_break_out_of_a_link():
    html = post_text('https://example.org/"onmouseover="alert(1)')
    assert 'onmouseover="' not in html
    assert "&quot;" in html or "%22" in html


def test_line_breaks_are_kept():
    assert post_text("uno\ndos") == "uno<br>dos"


def test_a_cancelled_events_thread_is_read_only(client, event_a, attendee):
    post_create(author=attendee, body="Nos vemos allá", event=event_a)
    event_a.status = "cancelled"
    event_a.save()
    client.force_login(attendee)
    html = page(client, event_a)
    assert "Nos vemos allá" in html
    assert "This event was cancelled: its conversation is closed." in html
    assert 'name="body"' not in html
    response = client.post(reverse("conversation-event-post", args=[event_a.pk]),
                           {"body": "¿Y ahora?"})
    assert response.status_code == 400
    assert Post.objects.count() == 1


def test_the_panel_shows_each_posts_newest_replies_and_links_to_the_rest(
    client, group_a, member_a
):
    thread = ThreadFactory(study_group=group_a)
    busy = PostFactory(thread=thread, body="Pregunta con muchas respuestas")
    for n in range(5):
        PostFactory(thread=thread, parent=busy, body=f"Respuesta {n}")
    quiet = PostFactory(thread=thread, body="Pregunta con dos respuestas")
    for n in range(2):
        PostFactory(thread=thread, parent=quiet, body=f"Corta {n}")
    client.force_login(member_a)
    html = page(client, group_a)
    shown = [f"Respuesta {n}" for n in range(5) if f"Respuesta {n}<" in html]
    assert shown == ["Respuesta 2", "Respuesta 3", "Respuesta 4"]
    assert html.index("Respuesta 2") < html.index("Respuesta 4")
    assert "Corta 0" in html and "Corta 1" in html
    replies_url = reverse("conversation-post-replies", args=[busy.pk])
    assert html.count('class="earlier-replies"') == 1
    assert f'href="{replies_url}"' in html


def test_the_replies_page_lists_them_all_oldest_first_in_keyset_pages(
    client, group_a, member_a, monkeypatch
):
    monkeypatch.setattr("studygroups.post_views.REPLIES_PAGE_SIZE", 2)
    post = PostFactory(thread=ThreadFactory(study_group=group_a), body="La pregunta")
    for n in range(5):
        PostFactory(thread=post.thread, parent=post, body=f"Respuesta {n}")
    client.force_login(member_a)
    url = reverse("conversation-post-replies", args=[post.pk])
    seen = []
    while url:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        html = response.content.decode()
        assert "La pregunta" in html
        seen += [f"Respuesta {n}" for n in range(5) if f"Respuesta {n}<" in html]
        found = re.search(r'<a href="([^"]+)" rel="next">', html)
        url = found and reverse("conversation-post-replies", args=[post.pk]) + found[1].replace(
            "&amp;", "&"
        )
    assert seen == [f"Respuesta {n}" for n in range(5)]


@pytest.mark.parametrize("after", ["not-a-cursor", "WyJhIiwyXQ", "x\x00"])
def test_a_bad_replies_cursor_is_a_400_naming_it(client, group_a, member_a, after):
    post = PostFactory(thread=ThreadFactory(study_group=group_a))
    client.force_login(member_a)
    response = client.get(
        reverse("conversation-post-replies", args=[post.pk]), {"after": after},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_the_replies_page_is_for_the_conversations_readers(
    client, group_a, member_a, outsider
):
    post = PostFactory(thread=ThreadFactory(study_group=group_a), body="Solo miembros")
    reply = PostFactory(thread=post.thread, parent=post)
    url = reverse("conversation-post-replies", args=[post.pk])
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(outsider)
    assert client.get(url).status_code == 403
    client.force_login(member_a)
    assert client.get(reverse("conversation-post-replies", args=[reply.pk])).status_code == 404
    assert "Solo miembros" in client.get(url).content.decode()


def test_a_page_of_replies_costs_the_same_queries_at_any_size(client, group_a, member_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    post = PostFactory(thread=ThreadFactory(study_group=group_a))
    client.force_login(member_a)
    url = reverse("conversation-post-replies", args=[post.pk])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    PostFactory(thread=post.thread, parent=post)
    few = queries()
    for _n in range(60):
        PostFactory(thread=post.thread, parent=post)
    assert queries() == few


def test_a_pages_replies_walk_a_few_index_rows_under_each_post(group_a, member_a):
    """EXPLAIN ANALYZE with 3,000 replies under one post and a few under 19
    others, analyzed: the replies of a page are read from post_replies_idx,
    at most four rows under each post (the three shown and one to know there
    are more), not numbered all 3,000 with a window function."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from studygroups.post_querysets import REPLIES_ON_PAGE, attach_replies

    thread = ThreadFactory(study_group=group_a)
    posts = [PostFactory(thread=thread, author=member_a) for _n in range(20)]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO studygroups_post (body, pinned, status, created_at, author_id, "
            "parent_id, thread_id) SELECT 'Respuesta ' || n, false, 'visible', "
            "now() + n * interval '1 second', %s, p, %s FROM unnest(%s::bigint[]) AS p, "
            "generate_series(1, %s) AS n",
            [member_a.pk, thread.pk, [posts[0].pk], 3000],
        )
        cursor.execute(
            "INSERT INTO studygroups_post (body, pinned, status, created_at, author_id, "
            "parent_id, thread_id) SELECT 'Corta', false, 'visible', now(), %s, p, %s "
            "FROM unnest(%s::bigint[]) AS p, generate_series(1, 2)",
            [member_a.pk, thread.pk, [post.pk for post in posts[1:]]],
        )
        cursor.execute("ANALYZE studygroups_post")
    with CaptureQueriesContext(connection) as captured:
        attach_replies(posts, REPLIES_ON_PAGE, newest=True)
    newest = [f"Respuesta {n}" for n in (2998, 2999, 3000)]
    assert [reply.body for reply in posts[0].shown_replies] == newest
    assert posts[0].more_replies and not posts[1].more_replies
    (query,) = captured.captured_queries
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {query['sql']}")
        plan = cursor.fetchone()[0][0]["Plan"]

    def nodes(node):
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    walks = [n for n in nodes(plan) if n.get("Index Name") == "post_replies_idx"]
    assert walks and all(n["Actual Rows"] <= REPLIES_ON_PAGE + 1 for n in walks)
    assert not [n for n in nodes(plan) if n["Node Type"] == "WindowAgg"]
