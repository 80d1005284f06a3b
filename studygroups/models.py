import secrets

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.gis.db.models import GeometryField
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Expression, F, FloatField, Func, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Collate, Length, Lower, NullIf
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils.deconstruct import deconstructible
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from places.functions import Unaccented, Words
from places.querysets import geometry_index
from places.search import language_search_vector, trigram_index
from places.timezones import TimeZoneField
from places.validators import (
    MAX_POLYGON_AREA_KM2,
    MAX_POLYGON_POINTS,
    validate_polygon_size,
    validate_wgs84,
)

from .querysets import (
    DeliveryQuerySet,
    MemberProfileQuerySet,
    MembershipQuerySet,
    StudyGroupQuerySet,
)


def topic_languages():
    """The Topic name fields to read, the active language's first."""
    if (get_language() or settings.LANGUAGE_CODE).startswith("en"):
        return "name_en", "name_es"
    return "name_es", "name_en"


@deconstructible(path="studygroups.models.TopicName")
class TopicName(Expression):
    """A topic's name in the language active when the query is compiled,
    falling back to the other language's name when it has none. Used to
    order topics and to list their names in SQL (the API)."""

    def resolve_expression(self, *args, **kwargs):
        first, other = topic_languages()
        # ICU's root collation sorts "Cálculo" before "Conversación"; the
        # database's C collation would not.
        name = Collate(Coalesce(NullIf(F(first), Value("")), F(other)), "und-x-icu")
        return name.resolve_expression(*args, **kwargs)


class Topic(models.Model):
    """A subject study groups share, named in each of the site's languages."""

    name_es = models.CharField(_("name in Spanish"), max_length=80, blank=True)
    name_en = models.CharField(_("name in English"), max_length=80, blank=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)

    class Meta:
        # Resolved per query: topics come in the alphabetical order of the
        # names the reader sees.
        ordering = [TopicName()]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        constraints = [
            models.CheckConstraint(
                condition=~Q(name_es="") | ~Q(name_en=""),
                name="topic_has_a_name",
                violation_error_message=_("Give the topic a name in Spanish or English."),
            ),
            models.UniqueConstraint(
                Lower("name_es"),
                condition=~Q(name_es=""),
                name="topic_name_es_unique",
                violation_error_message=_("Another topic has this Spanish name."),
            ),
            models.UniqueConstraint(
                Lower("name_en"),
                condition=~Q(name_en=""),
                name="topic_name_en_unique",
                violation_error_message=_("Another topic has this English name."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self):
        """The name in the active language, else the other language's."""
        first, other = topic_languages()
        return getattr(self, first) or getattr(self, other)


def polygon_points(field):
    """``ST_NPoints`` of a geography column: its points, all rings together."""
    return Func(
        Cast(field, GeometryField(srid=4326)), function="ST_NPoints",
        output_field=models.IntegerField(),
    )


def geography_area_m2(field):
    """``ST_Area`` of a geography column, in square metres on the spheroid."""
    return Func(field, function="ST_Area", output_field=FloatField())


class StudyGroup(models.Model):
    class Language(models.TextChoices):
        SPANISH = "es", _("Spanish")
        ENGLISH = "en", _("English")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    description = models.TextField(_("description"), blank=True)
    topics = models.ManyToManyField(
        Topic, related_name="study_groups", blank=True, verbose_name=_("topics")
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.SPANISH
    )
    is_online = models.BooleanField(
        _("online"), default=False, help_text=_("The group meets online.")
    )

    class JoinPolicy(models.TextChoices):
        OPEN = "open", _("Open: anyone may join")
        APPROVAL = "approval", _("Approval required: organizers accept each request")

    join_policy = models.CharField(
        _("who may join"),
        max_length=10,
        choices=JoinPolicy.choices,
        default=JoinPolicy.OPEN,
        db_default=JoinPolicy.OPEN,
    )
    # Geography, not geometry: ST_DWithin and ST_Distance then work in meters
    # on the WGS84 spheroid, and the GiST index still serves KNN ordering.
    location = models.PointField(
        _("location"),
        validators=[validate_wgs84],
        geography=True,
        srid=4326,
        null=True,
        blank=True,
        help_text=_(
            "Where the group usually meets. Required unless the group is online."
        ),
    )
    meeting_area = models.PolygonField(
        _("meeting area"),
        validators=[validate_wgs84, validate_polygon_size],
        geography=True,
        srid=4326,
        null=True,
        blank=True,
        help_text=_("Optional area the group covers, such as a campus."),
    )
    city = models.CharField(_("city"), max_length=120, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    time_zone = TimeZoneField(
        _("time zone"),
        blank=True,
        db_default="",
        empty_label=_("From the group's location"),
        help_text=_(
            "The zone of the group's events unless an event says otherwise. "
            "Empty: the zone of the nearest city to the group's location."
        ),
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        validators=[MinValueValidator(1)],
        default=20,
        help_text=_("Most members the group takes."),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Membership",
        related_name="study_groups",
        verbose_name=_("members"),
    )
    # Set by imports (places.imports): with the source, the id the row has
    # there, so that importing the same file again recognizes it.
    import_source = models.CharField(
        _("import source"), max_length=200, blank=True, db_default=""
    )
    external_id = models.CharField(
        _("id at the source"), max_length=200, blank=True, db_default=""
    )
    # Re-encoded without metadata by places.images; set through services.
    cover = models.ImageField(
        _("cover image"), upload_to="covers/", blank=True, db_default="", max_length=200
    )
    # Hidden by a moderator or an organizer (studygroups.moderation): left out
    # of every public list, map tile, feed and API, as if deleted.
    hidden = models.BooleanField(_("hidden"), default=False, db_default=False)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Kept by PostgreSQL itself: name and description, stemmed in the group's language.
    search_vector = models.GeneratedField(
        expression=language_search_vector([("name", "A"), ("description", "B")]),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = StudyGroupQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        get_latest_by = "created_at"
        verbose_name = _("study group")
        verbose_name_plural = _("study groups")
        permissions = [("moderate", "Can see and change every study group, event and venue")]
        indexes = [
            geometry_index("location", "studygroup_location_geom_idx"),
            GinIndex(fields=["search_vector"], name="studygroup_search_idx"),
            # search()'s typo match (name %> text), beside the full text's index.
            trigram_index("name", "studygroup_name_trgm"),
            # The place search (studygroups/place_sources.py): see the venue's;
            # the folded name also serves same_name().
            GinIndex(Words(Unaccented("name")), name="studygroup_name_words"),
            models.Index(Collate(Unaccented("name"), "C"), name="studygroup_name_folded"),
            models.Index(Collate(Unaccented("address"), "C"), name="studygroup_address_folded"),
            # The API's list order (studygroups.api.StudyGroupKind.ordering), and
            # its keyset pages: (name, id) > (last name, last id).
            models.Index(fields=["name", "id"], name="studygroup_name_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gt=0), name="studygroup_capacity_positive"
            ),
            models.UniqueConstraint(
                fields=["import_source", "external_id"],
                condition=~Q(external_id=""),
                name="studygroup_import_source_external_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(is_online=True) | Q(location__isnull=False),
                name="studygroup_location_unless_online",
                violation_error_code="studygroup_location_unless_online",
                violation_error_message=_(
                    "A group that meets in person needs a location."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(slug=""), name="studygroup_slug_not_empty"
            ),
            # A meeting area is a campus or a district, not a country: lists
            # and pages that carry it stay small.
            models.CheckConstraint(
                condition=Q(meeting_area__isnull=True)
                | Q(LessThanOrEqual(polygon_points("meeting_area"), MAX_POLYGON_POINTS)),
                name="studygroup_meeting_area_points",
                violation_error_code="meeting_area_too_many_points",
                violation_error_message=_(
                    "A meeting area may have at most 5,000 points."
                ),
            ),
            models.CheckConstraint(
                condition=Q(meeting_area__isnull=True)
                | Q(LessThanOrEqual(geography_area_m2("meeting_area"),
                                    MAX_POLYGON_AREA_KM2 * 1_000_000)),
                name="studygroup_meeting_area_size",
                violation_error_code="meeting_area_too_large",
                violation_error_message=_(
                    "A meeting area may cover at most 1,000 km²; mark a campus or a "
                    "district, not a whole region."
                ),
            ),
            models.CheckConstraint(
                condition=Q(join_policy__in=["open", "approval"]),
                name="studygroup_join_policy_valid",
            ),
            models.CheckConstraint(
                condition=Q(hidden=False, hidden_at__isnull=True)
                | Q(hidden=True, hidden_at__isnull=False),
                name="studygroup_hidden_at_when_hidden",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.pk and self.capacity:
            members = self.memberships.filter(status=Membership.Status.ACTIVE).count()
            if self.capacity < members:
                raise ValidationError(
                    {
                        "capacity": _(
                            "The group has %(members)s members: its capacity cannot be less."
                        )
                        % {"members": members}
                    },
                    code="capacity_below_members",
                )

    def get_absolute_url(self):
        return reverse("studygroup-page", args=[self.slug])


class Membership(models.Model):
    class Role(models.TextChoices):
        ORGANIZER = "organizer", _("Organizer")
        MEMBER = "member", _("Member")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    study_group = models.ForeignKey(
        StudyGroup,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("study group"),
    )

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PENDING = "pending", _("Waiting for approval")

    role = models.CharField(
        _("role"), max_length=10, choices=Role.choices, default=Role.MEMBER
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.ACTIVE,
        db_default=Status.ACTIVE,
    )
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)
    # The group's name, kept by the database (triggers of migration
    # studygroups 0030, on every write of a membership and when a group is
    # renamed): a member's groups by name (the dashboard, their profile) walk
    # membership_user_name_idx instead of every group's name looking for
    # theirs (580 ms for an organizer of 400 groups among 1M).
    group_name = models.CharField(_("group's name"), max_length=200, null=True, editable=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["study_group", "-role", "joined_at"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        indexes = [
            # A group's people (MembershipQuerySet.in_list_order): its organizers,
            # then its members by when they joined, paged by (joined_at, id).
            models.Index(
                fields=["study_group", "role", "joined_at", "id"],
                condition=Q(status="active"),
                name="membership_listed_idx",
            ),
            # Requests to join the groups someone organizes, oldest first (the
            # dashboard's "to approve"): the pending rows of each group only,
            # not every member of a popular group filtered out one by one.
            models.Index(
                fields=["study_group", "joined_at", "id"],
                condition=Q(status="pending"),
                name="membership_pending_idx",
            ),
            # A member's groups by name, and their keyset pages.
            models.Index(
                fields=["user", "group_name", "id"],
                condition=Q(status="active"),
                name="membership_user_name_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "study_group"],
                name="membership_one_per_user_and_group",
                violation_error_message=_("This user already belongs to the group."),
            ),
            models.CheckConstraint(
                condition=Q(role__in=["organizer", "member"]),
                name="membership_role_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "pending"]),
                name="membership_status_valid",
            ),
            # Only an active member can organize.
            models.CheckConstraint(
                condition=Q(role="member") | Q(status="active"),
                name="membership_organizer_is_active",
            ),
        ]

    def __str__(self):
        # The member by name, never a username that may be an email address:
        # organizers read this in the admin.
        from .people import display_name

        return f"{display_name(self.user)} – {self.study_group} ({self.get_role_display()})"


class GroupSummary(models.Model):
    """What every list shows of a group's members and topics, kept by the
    database (the triggers of migration studygroups 0031, on every write of a
    membership, of a group's topics and of a topic): a list reads a group's
    row by its key instead of counting its members and gathering its topics
    (at 1M groups, an OGC page of 1,000 in Bogotá went from 83 to 69 ms).
    Nothing in Python writes it. A group with neither members nor topics may have no row;
    a group's row goes with it (ON DELETE CASCADE in the database)."""

    study_group = models.OneToOneField(
        StudyGroup,
        # The database deletes the row with its group (migration 0031).
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="summary",
        verbose_name=_("study group"),
    )
    # Active members: pending requests are not members yet.
    member_count = models.PositiveIntegerField(_("members"), default=0)
    # The group's topics by slug, and their names in each language (falling
    # back to the other language's, as TopicName does), in the same order.
    topic_slugs = ArrayField(models.CharField(max_length=80), default=list)
    topic_names_es = ArrayField(models.CharField(max_length=80), default=list)
    topic_names_en = ArrayField(models.CharField(max_length=80), default=list)

    class Meta:
        verbose_name = _("group summary")
        verbose_name_plural = _("group summaries")

    def __str__(self):
        return str(self.study_group_id)


class NameWord(models.Model):
    """A word of a visible group's name as its search vector holds it (a
    Spanish or English stem, without accents), with the rank that ``q`` of
    that one word gives the group (``places.search``: 1 for the name, plus
    each language's ``ts_rank``). Kept by the database (the trigger of
    migration studygroups 0032, on every write of a group); nothing in
    Python writes it.

    A word in the name outranks every match elsewhere (a description's
    words rank at most 0.8, a typo at most 1), so the best matches of a
    common word are the first rows of this table's key for it, read in
    order from the index (``studygroups.name_words``): at a million groups,
    "python" matches 65,000 of them, and ranking them all took 300 ms."""

    pk = models.CompositePrimaryKey("lexeme", "neg_rank", "name", "study_group")
    lexeme = models.TextField()
    # The list's sort keys: -search_rank, then the name and the id.
    neg_rank = models.FloatField()
    name = models.CharField(max_length=200)
    study_group = models.ForeignKey(
        StudyGroup,
        # The database deletes the rows with their group (migration 0032).
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("name word")
        verbose_name_plural = _("name words")

    def __str__(self):
        return f"{self.lexeme} ({self.study_group_id})"


def summary_of_group(column):
    """``column`` of the group's summary row, looked up by its key.

    A subquery, not a join: in a list sorted and cut to a page, PostgreSQL
    runs it for the page's rows only, where a join would be made for every
    row the filter found before the sort (13,617 rows of a Bogotá box for a
    page of 1,000 at 1M groups)."""
    return Subquery(GroupSummary.objects.filter(study_group=OuterRef("pk")).values(column))


def summary_member_count():
    """A group's active members, from its summary row (0 without one)."""
    return Coalesce(summary_of_group("member_count"), Value(0))


@deconstructible(path="studygroups.models.SummaryTopics")
class SummaryTopics(Expression):
    """A group's topics from its summary row: their slugs, or with
    ``names=True`` their names in the language active when the query is
    compiled (as TopicName), in the order of the slugs; an empty array for a
    group without a summary row."""

    def __init__(self, names=False):
        super().__init__(output_field=ArrayField(models.CharField(max_length=80)))
        self.names = names

    def resolve_expression(self, *args, **kwargs):
        column = "topic_slugs"
        if self.names:
            column = "topic_names_" + topic_languages()[0].removeprefix("name_")
        topics = Coalesce(summary_of_group(column), Value([], output_field=self.output_field))
        return topics.resolve_expression(*args, **kwargs)


class Invitation(models.Model):
    """An organizer asks someone to join their group. Nobody becomes a member
    without saying yes: the invitee accepts (and becomes an active member,
    whatever the group's join policy) or declines (the invitation goes)."""

    study_group = models.ForeignKey(
        StudyGroup,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("study group"),
    )
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("invited user"),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["study_group", "invitee"],
                name="invitation_one_per_user_and_group",
                violation_error_message=_("This user is already invited to the group."),
            ),
        ]

    def __str__(self):
        return f"{self.invitee} → {self.study_group}"


# The alert area is the home location buffered by the alert radius, 1% and
# 50 m wider than it: ST_Buffer draws a polygon inside the circle, and the
# exact test is ST_DWithin on the home location anyway.
ALERT_AREA_M_PER_KM = 1010.0
ALERT_AREA_MARGIN_M = 50.0


def alert_area():
    """``ST_Buffer(home_location, radius)``: a geography polygon a little wider
    than the member's alert circle. ``profile_alert_area_idx`` indexes it, and
    ``MemberProfileQuerySet.alerted_at`` asks it with the same expression."""
    radius_m = Cast("alert_radius_km", FloatField()) * Value(ALERT_AREA_M_PER_KM) + Value(
        ALERT_AREA_MARGIN_M
    )
    return Func(
        F("home_location"),
        radius_m,
        function="ST_Buffer",
        output_field=GeometryField(geography=True, srid=4326),
    )


DISPLAY_NAME_MAX_LENGTH = 80
BIO_MAX_LENGTH = 500


def new_calendar_token():
    return secrets.token_urlsafe(32)


class MemberProfile(models.Model):
    """A member's private settings. The home location never leaves the
    database through any page or API: organizers see only counts."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("user"),
    )
    home_location = models.PointField(
        _("home location"),
        validators=[validate_wgs84],
        geography=True,
        srid=4326,
        null=True,
        blank=True,
        help_text=_("Private. Used to alert you of new groups and events nearby."),
    )
    alert_radius_km = models.PositiveSmallIntegerField(
        _("alert radius (km)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
    )
    # The secret in the URL of the member's personal calendar feed.
    calendar_token = models.CharField(
        _("calendar token"), max_length=64, unique=True, default=new_calendar_token
    )
    language = models.CharField(
        _("language of your emails"),
        max_length=2,
        choices=StudyGroup.Language.choices,
        default=StudyGroup.Language.SPANISH,
        db_default=StudyGroup.Language.SPANISH,
    )
    # What the member is told by email; each kind has its own unsubscribe link.
    notify_event_nearby = models.BooleanField(
        _("new events near me"), default=True, db_default=True
    )
    notify_group_nearby = models.BooleanField(
        _("new study groups near me"), default=True, db_default=True
    )
    notify_reminders = models.BooleanField(
        _("reminders of events I am going to (24 and 2 hours before)"),
        default=True,
        db_default=True,
    )
    notify_digest = models.BooleanField(
        _("a weekly digest of the coming week's events"), default=True, db_default=True
    )
    notify_event_updates = models.BooleanField(
        _("changes, cancellations and waitlist places of events I answered"),
        default=True,
        db_default=True,
    )
    notify_membership = models.BooleanField(
        _("join requests and their answers"), default=True, db_default=True
    )
    # Shown to everyone beside the member's name; re-encoded without metadata
    # (no GPS position) by places.images.
    avatar = models.ImageField(
        _("avatar"), upload_to="avatars/", blank=True, db_default="", max_length=200
    )
    notify_posts = models.BooleanField(
        _("new posts in the conversations I follow"), default=True, db_default=True
    )

    # The public profile (/people/<id>/): what the member chooses to show.
    display_name = models.CharField(
        _("display name"),
        max_length=DISPLAY_NAME_MAX_LENGTH,
        blank=True,
        default="",
        db_default="",
        help_text=_(
            "Shown beside what you do on Cerca. Empty: your username, unless it is "
            "an email address."
        ),
    )
    bio = models.TextField(
        _("about you"),
        max_length=BIO_MAX_LENGTH,
        blank=True,
        default="",
        db_default="",
        help_text=_("Plain text, up to 500 characters; links become clickable."),
    )
    hidden_from_member_lists = models.BooleanField(
        _("hide me from member lists"),
        default=False,
        db_default=False,
        help_text=_(
            "Other members do not see you in the member lists of your groups or among "
            "the people going to events, and your profile does not list the groups you "
            "belong to. Organizers still see you; as an organizer you are always shown."
        ),
    )

    objects = MemberProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("member profile")
        verbose_name_plural = _("member profiles")
        indexes = [
            # Who is alerted of something at a point: the box of each member's
            # alert area, so the radius (each member's own) is in the index.
            GistIndex(
                alert_area(),
                condition=Q(home_location__isnull=False),
                name="profile_alert_area_idx",
            ),
            # The digest's walk over the members who want it, by user id.
            models.Index(
                fields=["user"], condition=Q(notify_digest=True), name="profile_digest_user_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(alert_radius_km__gte=1, alert_radius_km__lte=500),
                name="profile_alert_radius_range",
            ),
            models.CheckConstraint(
                condition=Q(language__in=["es", "en"]), name="profile_language_valid"
            ),
            models.CheckConstraint(
                condition=Q(LessThanOrEqual(Length("bio"), BIO_MAX_LENGTH)),
                name="profile_bio_length",
                violation_error_code="profile_bio_length",
                violation_error_message=_("Keep it to 500 characters."),
            ),
            # A name of only spaces would show as nobody; the form strips them.
            models.CheckConstraint(
                condition=Q(display_name="") | ~Q(display_name__regex=r"^\s*$"),
                name="profile_display_name_not_blank",
                violation_error_code="profile_display_name_not_blank",
                violation_error_message=_("Give a name, or leave it empty."),
            ),
        ]

    def __str__(self):
        return str(self.user)


class Delivery(models.Model):
    """One email to one member about one thing, recorded before it is sent.

    The unique (kind, key, recipient) is what makes sending idempotent: a task
    delivered twice, a retry or a second beat finds the row and sends nothing
    more. ``key`` names what the email is about ("event:12", "series:<uuid>",
    "week:2026-W49"); ``data`` holds what the email needs that the database no
    longer says (an event's old time)."""

    class Kind(models.TextChoices):
        EVENT_NEARBY = "event_nearby", _("New event near you")
        GROUP_NEARBY = "group_nearby", _("New study group near you")
        REMINDER_24H = "reminder_24h", _("Reminder, 24 hours before")
        REMINDER_2H = "reminder_2h", _("Reminder, 2 hours before")
        DIGEST = "digest", _("Weekly digest")
        EVENT_CANCELLED = "event_cancelled", _("Event cancelled")
        EVENT_CHANGED = "event_changed", _("Event changed")
        WAITLIST_PROMOTED = "waitlist_promoted", _("Waitlist place")
        JOIN_REQUEST = "join_request", _("Join request")
        JOIN_APPROVED = "join_approved", _("Join request approved")
        JOIN_DECLINED = "join_declined", _("Join request declined")
        INVITATION = "invitation", _("Invitation to a group")
        POST = "post", _("New post in a conversation")
        REPORT = "report", _("New report to review")
        MODERATION_WARNING = "moderation_warning", _("Warning from the moderators")
        SUSPENSION = "suspension", _("Account suspended")
        GROUP_BAN = "group_ban", _("Banned from a group")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent: no longer wanted or nothing to say")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    key = models.CharField(_("about"), max_length=120)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("recipient"),
    )
    data = models.JSONField(_("data"), default=dict, db_default=Value({}, models.JSONField()))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.PENDING,
        db_default=Status.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0, db_default=0)
    error = models.TextField(_("last error"), blank=True, default="", db_default="")
    subject = models.CharField(_("subject"), max_length=255, blank=True, default="", db_default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("email delivery")
        verbose_name_plural = _("email deliveries")
        indexes = [
            # The sweep and the resends walk the pending ones by id.
            models.Index(
                fields=["kind", "id"], condition=Q(status="pending"), name="delivery_pending_idx"
            ),
            models.Index(
                fields=["id"], condition=Q(status="failed"), name="delivery_failed_idx"
            ),
        ]
        constraints = [
            # Also the keyset order of a fan-out: (kind, key, recipient).
            models.UniqueConstraint(
                fields=["kind", "key", "recipient"], name="delivery_once_per_recipient"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sent", "failed", "skipped"]),
                name="delivery_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient} ({self.get_status_display()})"


class EmailVerification(models.Model):
    """An address a member gave (at sign-up) and has not confirmed yet. While
    the row names the account's current address, nothing is sent to it but
    the confirmation link: no notifications, no password resets. Accounts
    without a row were made by the site's staff (the admin, ``ensure_admin``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="email_verification",
        verbose_name=_("user"),
    )
    email = models.EmailField(_("email address"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("email address to confirm")
        verbose_name_plural = _("email addresses to confirm")

    def __str__(self):
        return f"{self.user} <{self.email}>"


# The conversations of groups and events (threads, posts, follows), likewise.
from .posts import Post, Thread, ThreadFollow  # noqa: E402, F401

# Reports and moderation live in their own module; imported here so that
# Django finds their models.
from .reports import GroupBan, ModerationAction, Report, Suspension  # noqa: E402, F401
