from django.db import models
from django.db.models import F, Prefetch, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from places.paging import RowAfter, decode_cursor, encode_cursor
from places.parsers import InvalidParameter

# The keys of a thread's page, in its index's (descending) order.
PAGE_KEYS = ("pinned", "created_at", "id")
# A page shows at most this many replies under each post, the oldest first.
REPLIES_SHOWN = 50


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

    def with_replies(self, shown=REPLIES_SHOWN):
        """Prefetch each post's first ``shown`` replies (oldest first, with
        their authors) as ``shown_replies``: one query for the whole page."""
        from .posts import Post

        replies = (
            Post.objects.filter(parent__isnull=False)
            .select_related("author__profile")
            .annotate(
                reply_number=Window(
                    RowNumber(), partition_by=[F("parent_id")], order_by=[F("created_at"), F("id")]
                )
            )
            .filter(reply_number__lte=shown)
            .order_by("created_at", "id")
        )
        return self.prefetch_related(Prefetch("replies", replies, to_attr="shown_replies"))


def thread_page(thread, cursor_keys_=None, size=20):
    """(posts, next cursor or None): a page of ``thread``'s top-level posts
    with their replies, in two queries whatever the page's size."""
    from .posts import Post

    if thread is None:
        return [], None
    posts = Post.objects.in_thread(thread)
    if cursor_keys_ is not None:
        posts = posts.before(cursor_keys_)
    posts = list(posts.with_replies()[: size + 1])
    if len(posts) > size:
        return posts[:size], post_cursor(posts[size - 1])
    return posts, None
