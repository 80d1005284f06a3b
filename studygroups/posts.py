"""The discussion threads of study groups and events.

A ``Thread`` belongs to exactly one study group or one event, and is made on
its first post (or first follow). A ``Post`` is either top-level or a reply to
a top-level post of the same thread: one level, as on Meetup. The database
holds that rule (a composite foreign key, migration studygroups 0026), as it holds the
length of a post and the shape of a tombstone.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from .post_querysets import PostQuerySet

# The longest post, in characters (a CHECK constraint says it too).
POST_MAX_LENGTH = 4000


class Thread(models.Model):
    study_group = models.OneToOneField(
        "studygroups.StudyGroup",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="thread",
        verbose_name=_("study group"),
    )
    event = models.OneToOneField(
        "meetups.Event",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="thread",
        verbose_name=_("event"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            models.CheckConstraint(
                condition=Q(study_group__isnull=False, event__isnull=True)
                | Q(study_group__isnull=True, event__isnull=False),
                name="thread_of_one_group_or_one_event",
            ),
        ]

    def __str__(self):
        return str(self.study_group or self.event)

    def get_absolute_url(self):
        owner = self.study_group or self.event
        return f"{owner.get_absolute_url()}#conversation"


class Post(models.Model):
    class Status(models.TextChoices):
        VISIBLE = "visible", _("Visible")
        REMOVED = "removed", _("Removed by an organizer")
        DELETED = "deleted", _("Deleted by its author")

    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="posts", verbose_name=_("conversation")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("in reply to"),
        # post_replies_idx (parent, created_at, id) serves the lookups by parent.
        db_index=False,
    )
    # A deleted account leaves its posts, unsigned: others' replies to them stay.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="posts",
        verbose_name=_("author"),
    )
    body = models.TextField(_("text"), max_length=POST_MAX_LENGTH)
    pinned = models.BooleanField(_("pinned"), default=False, db_default=False)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.VISIBLE,
        db_default=Status.VISIBLE,
    )
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("removed by"),
    )
    created_at = models.DateTimeField(_("posted"), auto_now_add=True)
    # Generated, for the composite foreign key that keeps replies one level
    # deep and in their parent's thread (see migration studygroups 0026).
    is_reply = models.GeneratedField(
        expression=Q(parent__isnull=False),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    is_top_level = models.GeneratedField(
        expression=Q(parent__isnull=True),
        output_field=models.BooleanField(),
        db_persist=True,
    )

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-pinned", "-created_at", "-id"]
        get_latest_by = "created_at"
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [
            # A thread's page: top-level posts, pinned first, newest first,
            # and its keyset pages: (pinned, created_at, id) < the last one's.
            models.Index(
                "thread",
                models.F("pinned").desc(),
                models.F("created_at").desc(),
                models.F("id").desc(),
                condition=Q(parent__isnull=True),
                name="post_thread_page_idx",
            ),
            # The replies of a page's posts, oldest first.
            models.Index(
                fields=["parent", "created_at", "id"],
                condition=Q(parent__isnull=False),
                name="post_replies_idx",
            ),
            # The rate of posting is Redis's; the admin's "by author" is this.
            models.Index(fields=["author", "-created_at"], name="post_author_idx"),
        ]
        constraints = [
            # Visible and removed posts keep a text of 1 to 4,000 characters
            # that is not only spaces; a post its author deleted keeps none.
            models.CheckConstraint(
                condition=Q(status="deleted", body="")
                | (
                    ~Q(status="deleted")
                    & Q(LessThanOrEqual(Length("body"), POST_MAX_LENGTH))
                    & Q(body__regex=r"\S")
                ),
                name="post_body_length",
                violation_error_code="post_body_length",
                violation_error_message=_(
                    "Write between 1 and 4,000 characters."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["visible", "removed", "deleted"]),
                name="post_status_valid",
            ),
            # Only a visible top-level post is pinned.
            models.CheckConstraint(
                condition=Q(pinned=False) | Q(parent__isnull=True, status="visible"),
                name="post_pinned_top_level_visible",
            ),
            models.CheckConstraint(
                condition=Q(status="visible", removed_at__isnull=True, removed_by__isnull=True)
                | (~Q(status="visible") & Q(removed_at__isnull=False)),
                name="post_removed_when_tombstone",
            ),
            # The target of the composite foreign key of replies.
            models.UniqueConstraint(
                fields=["id", "thread", "is_top_level"], name="post_id_thread_top_unique"
            ),
        ]

    def __str__(self):
        # Never the username, which may be an email address (studygroups.people).
        from .people import display_name

        author = display_name(self.author) if self.author_id else _("a former member")
        return f"{author} · {self.body[:40]}"

    def get_absolute_url(self):
        return f"{self.thread.get_absolute_url().split('#')[0]}#post-{self.pk}"

    @property
    def is_visible(self):
        return self.status == self.Status.VISIBLE


class ThreadFollow(models.Model):
    """A member's choice to be emailed (or not) about new posts in a thread.
    Without a row: organizers of the thread's group follow it, nobody else
    does; a member's first post records them as following."""

    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="follows", verbose_name=_("conversation")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="thread_follows",
        verbose_name=_("user"),
    )
    following = models.BooleanField(_("following"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("conversation follow")
        verbose_name_plural = _("conversation follows")
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="follow_one_per_user_thread"),
        ]

    def __str__(self):
        return f"{self.user} → {self.thread} ({self.following})"
