from collections import defaultdict

from django.db import models
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from places.paging import RowAfter, decode_cursor, encode_cursor
from places.parsers import InvalidParameter

# The keys of a thread's page, in its index's (descending) order.
PAGE_KEYS = ("pinned", "created_at", "id")
# The API shows at most this many replies under each post, the oldest first.
REPLIES_SHOWN = 50
# A thread's panel on a page shows the newest few replies under each post
# (oldest first), and links to the post's own page of replies for the rest:
# a page of 20 posts with 50 replies each took 1.4 s to render.
REPLIES_ON_PAGE = 3
# Replies on a post's own page of replies, oldest first, in keyset pages.
REPLIES_PAGE_SIZE = 50
# The ids of the first (ASC) or newest (DESC) replies under each post: one
# short walk of post_replies_idx per post, however many replies it has
# (a ROW_NUMBER() over every reply read all 3,000 under a popular post).
REPLY_IDS_SQL = """
SELECT r.id FROM unnest(%s::bigint[]) AS p (id) CROSS JOIN LATERAL (
    SELECT q.id FROM {table} AS q WHERE q.parent_id = p.id
    ORDER BY q.created_at {order}, q.id {order} LIMIT %s
) AS r
"""


class RowBefore(RowAfter):
    """``(key1, key2, ...) < (value1, value2, ...)``: the keyset condition of
    a list in descending order, served by a B-tree index on the same keys."""

    def as_sql(self, compiler, connection):
        sql, params = super().as_sql(compiler, connection)
        left, right = sql[2:-2].split(") > (")
        return f"(({left}) < ({right}))", params


def post_cursor(post):
    """The opaque cursor of the page after ``post`` (a top-level post)."""
    return encode_cursor([int(post.pinned), post.created_at, post.pk])


def cursor_keys(token, param="cursor"):
    """(pinned, created_at, id) from a cursor; a 400 naming ``param`` for
    anything ``post_cursor`` could not have made."""
    from .posts import Post

    fields = [models.IntegerField(), Post._meta.get_field("created_at"), models.IntegerField()]
    pinned, created_at, pk = decode_cursor(token, fields, param)
    if pinned not in (0, 1):
        raise InvalidParameter(
            param, _("Not a cursor from a next link; follow the links as given.")
        )
    return bool(pinned), created_at, pk


class PostQuerySet(models.QuerySet):
    def top_level(self):
        """Posts that are not replies."""
        return self.filter(parent__isnull=True)

    def in_thread(self, thread):
        """The top-level posts of ``thread``, pinned first, then newest first,
        with their authors, on ``post_thread_page_idx``."""
        return (
            self.top_level()
            .filter(thread=thread)
            .select_related("author__profile")
            .order_by("-pinned", "-created_at", "-id")
        )

    def before(self, keys):
        """The posts after the cursor's keys (pinned, created_at, id) in the
        thread's order: a range of the same index."""
        from .posts import Post

        fields = [Post._meta.get_field(name) for name in PAGE_KEYS]
        return self.filter(RowBefore([F(name) for name in PAGE_KEYS], keys, fields))


def attach_replies(posts, shown=REPLIES_SHOWN, newest=False):
    """Set ``shown_replies`` on each of ``posts`` (top-level posts): its first
    ``shown`` replies, or with ``newest`` its newest ``shown``, oldest first
    either way, with their authors; and ``more_replies``: whether it has
    others. One query for the whole page, ``shown + 1`` index rows per post."""
    from .posts import Post

    if not posts:
        return posts
    sql = REPLY_IDS_SQL.format(table=Post._meta.db_table, order="DESC" if newest else "ASC")
    replies = (
        Post.objects.filter(pk__in=RawSQL(sql, [[post.pk for post in posts], shown + 1]))
        .select_related("author__profile")
        .order_by("created_at", "id")
    )
    by_parent = defaultdict(list)
    for reply in replies:
        by_parent[reply.parent_id].append(reply)
    for post in posts:
        found = by_parent[post.pk]
        post.more_replies = len(found) > shown
        if post.more_replies:
            found = found[1:] if newest else found[:shown]
        post.shown_replies = found
    return posts


def thread_page(thread, cursor_keys_=None, size=20, replies=REPLIES_SHOWN, newest_replies=False):
    """(posts, next cursor or None): a page of ``thread``'s top-level posts
    with their first ``replies`` replies (with ``newest_replies``, their newest;
    see ``attach_replies``), in two queries whatever the page's size."""
    from .posts import Post

    if thread is None:
        return [], None
    posts = Post.objects.in_thread(thread)
    if cursor_keys_ is not None:
        posts = posts.before(cursor_keys_)
    posts = list(posts[: size + 1])
    next_cursor = post_cursor(posts[size - 1]) if len(posts) > size else None
    return attach_replies(posts[:size], replies, newest_replies), next_cursor


def replies_page(post, cursor=None, size=REPLIES_PAGE_SIZE, param="cursor"):
    """(replies, next cursor or None): ``post``'s replies, oldest first, ``size``
    at a time with their authors, after ``cursor`` (from a previous page's
    next cursor; a 400 naming ``param`` for anything else), on
    post_replies_idx: page 100 costs what page 1 does."""
    from .posts import Post

    fields = [Post._meta.get_field("created_at"), Post._meta.get_field("id")]
    replies = post.replies.select_related("author__profile").order_by("created_at", "pk")
    if cursor:
        if "\x00" in cursor:
            raise InvalidParameter(param, _("Contains a NUL character."))
        values = decode_cursor(cursor, fields, param=param)
        replies = replies.filter(RowAfter([F("created_at"), F("pk")], values, fields))
    rows = list(replies[: size + 1])
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    return rows, encode_cursor([rows[-1].created_at, rows[-1].pk])
