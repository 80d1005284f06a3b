import secrets

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from places.functions import Unaccented
from places.querysets import geometry_index
from places.search import language_search_vector
from places.validators import validate_wgs84

from .querysets import StudyGroupQuerySet


class Topic(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self):
        return self.name


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
        validators=[validate_wgs84],
        geography=True,
        srid=4326,
        null=True,
        blank=True,
        help_text=_("Optional area the group covers, such as a campus."),
    )
    city = models.CharField(_("city"), max_length=120, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
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
            # The place search (studygroups/place_sources.py).
            GinIndex(
                OpClass(Unaccented("name"), name="gin_trgm_ops"), name="studygroup_name_trgm"
            ),
            GinIndex(
                OpClass(Unaccented("address"), name="gin_trgm_ops"),
                name="studygroup_address_trgm",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gt=0), name="studygroup_capacity_positive"
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
            models.CheckConstraint(
                condition=Q(join_policy__in=["open", "approval"]),
                name="studygroup_join_policy_valid",
            ),
        ]

    def __str__(self):
        return self.name

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

    class Meta:
        ordering = ["study_group", "-role", "joined_at"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
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
        return f"{self.user} – {self.study_group} ({self.get_role_display()})"


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

    class Meta:
        verbose_name = _("member profile")
        verbose_name_plural = _("member profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(alert_radius_km__gte=1, alert_radius_km__lte=500),
                name="profile_alert_radius_range",
            ),
        ]

    def __str__(self):
        return str(self.user)
