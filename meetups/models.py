import datetime

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db.models import Deferrable, DurationField, ExpressionWrapper, F, Q, Value
from django.db.models.functions import Collate
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from places.functions import Unaccented, Words
from places.querysets import geometry_index
from places.search import bilingual_search_vector, trigram_index
from places.timezones import TimeZoneField
from places.validators import validate_wgs84

from .querysets import EventQuerySet, RSVPQuerySet, VenueQuerySet


class Venue(models.Model):
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=255, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    location = models.PointField(
        _("location"), validators=[validate_wgs84], geography=True, srid=4326
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        validators=[MinValueValidator(1)],
        help_text=_("How many people fit in the venue."),
    )
    study_group = models.ForeignKey(
        "studygroups.StudyGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="venues",
        verbose_name=_("study group"),
        help_text=_(
            "The group whose organizers manage this venue. Empty for shared venues."
        ),
    )
    # Set by imports (places.imports): with the source, the id the row has
    # there, so that importing the same file again recognizes it.
    import_source = models.CharField(
        _("import source"), max_length=200, blank=True, db_default=""
    )
    external_id = models.CharField(
        _("id at the source"), max_length=200, blank=True, db_default=""
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = VenueQuerySet.as_manager()

    class Meta:
        ordering = ["city", "name"]
        get_latest_by = "created_at"
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        indexes = [
            geometry_index("location", "venue_location_geom_idx"),
            # The place search (meetups/place_sources.py, places.sources.bounded_rows):
            # = and prefix LIKE, in order, on the btree; words on the GIN.
            GinIndex(Words(Unaccented("name")), name="venue_name_words"),
            models.Index(Collate(Unaccented("name"), "C"), name="venue_name_folded"),
            # The API's list order (meetups.api.VenueKind.ordering) and its keyset pages.
            models.Index(fields=["city", "name", "id"], name="venue_city_name_id_idx"),
            # search(): LIKE '%text%' on each folded field, a BitmapOr of the three.
            trigram_index("name", "venue_name_trgm"),
            trigram_index("address", "venue_address_trgm"),
            trigram_index("city", "venue_city_trgm"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gt=0), name="venue_capacity_positive"
            ),
            models.UniqueConstraint(
                fields=["import_source", "external_id"],
                condition=~Q(external_id=""),
                name="venue_import_source_external_id_unique",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.city})" if self.city else self.name

    def clean(self):
        super().clean()
        if self.pk and self.capacity:
            # Events here were refused more people than the venue holds; a
            # venue made smaller must not leave its upcoming ones above it.
            over = list(
                self.events.filter(
                    status=Event.Status.SCHEDULED,
                    during__endswith__gt=timezone.now(),
                    capacity__gt=self.capacity,
                ).order_by("during").values_list("title", flat=True)[:4]
            )
            if over:
                raise ValidationError(
                    {
                        "capacity": _(
                            "Upcoming events here take more people than that (%(events)s): "
                            "lower their capacity first."
                        )
                        % {"events": ", ".join(over[:3]) + ("…" if len(over) > 3 else "")}
                    },
                    code="venue_smaller_than_events",
                )

    def get_absolute_url(self):
        return reverse("venue-page", args=[self.pk])


# The longest an event may last, and the first and last instants one may
# touch: beyond these a date is a typing slip or a venue squatted for
# centuries, and calendars cannot show it (iCalendar dates have four digits).
EVENT_LONGEST = datetime.timedelta(days=31)
EVENT_EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
EVENT_LATEST = datetime.datetime(2100, 1, 1, tzinfo=datetime.timezone.utc)


class Event(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    study_group = models.ForeignKey(
        "studygroups.StudyGroup",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("study group"),
    )
    venue = models.ForeignKey(
        Venue,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("venue"),
    )
    location = models.PointField(
        _("location"),
        validators=[validate_wgs84],
        geography=True,
        srid=4326,
        null=True,
        blank=True,
        help_text=_("Where the event happens. Taken from the venue when left empty."),
    )
    online_url = models.URLField(_("online URL"), blank=True)
    during = DateTimeRangeField(_("when"), help_text=_("Start and end of the event."))
    time_zone = TimeZoneField(
        _("time zone"),
        default="UTC",
        help_text=_("IANA time zone of the event, such as America/Bogota."),
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), validators=[MinValueValidator(1)], default=30
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancellation_reason = models.TextField(
        _("reason for cancelling"),
        max_length=500,
        blank=True,
        db_default="",
        help_text=_("Sent to the people going or waitlisted, and shown on the event's page."),
    )
    series = models.UUIDField(
        _("series"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("Shared by the occurrences of a weekly or monthly series."),
    )
    # Hidden by a moderator or an organizer (studygroups.moderation), or with
    # its group: left out of every public list, map tile, feed and API.
    hidden = models.BooleanField(_("hidden"), default=False, db_default=False)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Kept by PostgreSQL itself. An event has no language of its own (its group
    # has), and a generated column cannot look at another table: both stemmings.
    search_vector = models.GeneratedField(
        expression=bilingual_search_vector([("title", "A"), ("description", "B")]),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["during"]
        get_latest_by = "created_at"
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["status"], name="event_status_idx"),
            geometry_index("location", "event_location_geom_idx"),
            # upcoming() and between() filter on the time range.
            GistIndex(fields=["during"], name="event_during_idx"),
            GinIndex(fields=["search_vector"], name="event_search_idx"),
            # The API's list order, soonest start first (meetups.api.EventKind),
            # and its keyset pages; between() bounds the start from below so
            # that this index serves upcoming lists too.
            models.Index(F("during__startswith"), F("id"), name="event_start_id_idx"),
            # An organizer's upcoming in-person events without a venue (the
            # dashboard): the events of their groups only. Without it the
            # planner walked every event's start probing each for its group's
            # organizer, the whole table when none matched.
            models.Index(
                F("study_group"),
                F("during__startswith"),
                F("id"),
                condition=Q(venue__isnull=True, location__isnull=False, status="scheduled"),
                name="event_group_no_venue_idx",
            ),
            # search()'s typo match (title %> text), beside the full text's index.
            trigram_index("title", "event_title_trgm"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gt=0), name="event_capacity_positive"
            ),
            models.CheckConstraint(
                condition=Q(
                    during__isempty=False,
                    during__lower_inf=False,
                    during__upper_inf=False,
                ),
                name="event_ends_after_start",
                violation_error_code="event_ends_after_start",
                violation_error_message=_("The event must end after it starts."),
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(
                    ExpressionWrapper(
                        F("during__endswith") - F("during__startswith"),
                        output_field=DurationField(),
                    ),
                    Value(EVENT_LONGEST),
                ),
                name="event_at_most_31_days",
                violation_error_code="event_at_most_31_days",
                violation_error_message=_(
                    "An event lasts at most 31 days; for a course, create a weekly series."
                ),
            ),
            models.CheckConstraint(
                condition=Q(
                    during__startswith__gte=EVENT_EARLIEST, during__endswith__lte=EVENT_LATEST
                ),
                name="event_within_years_2000_2099",
                violation_error_code="event_within_years_2000_2099",
                violation_error_message=_(
                    "An event starts and ends between the years 2000 and 2099."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(online_url="") | Q(location__isnull=False),
                name="event_has_place_or_url",
                violation_error_code="event_has_place_or_url",
                violation_error_message=_(
                    "An event needs a location, a venue or an online URL."
                ),
            ),
            models.CheckConstraint(
                condition=Q(venue__isnull=True) | Q(location__isnull=False),
                name="event_with_venue_has_location",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "cancelled"]),
                name="event_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(hidden=False, hidden_at__isnull=True)
                | Q(hidden=True, hidden_at__isnull=False),
                name="event_hidden_at_when_hidden",
            ),
            # Older cancelled rows have no record of when; a scheduled one has none.
            models.CheckConstraint(
                condition=Q(status="cancelled")
                | Q(cancelled_at__isnull=True, cancelled_by__isnull=True, cancellation_reason=""),
                name="event_cancellation_only_when_cancelled",
            ),
            # A venue holds one scheduled event at a time. '[)' ranges let one
            # event end at 18:00 and the next start at 18:00. Deferrable (still
            # checked immediately) so PostgreSQL checks it once per statement,
            # not row by row: moving a weekly series by a week in one UPDATE
            # would otherwise collide with rows not moved yet.
            ExclusionConstraint(
                name="event_venue_not_double_booked",
                violation_error_code="event_venue_not_double_booked",
                deferrable=Deferrable.IMMEDIATE,
                expressions=[
                    ("venue", RangeOperators.EQUAL),
                    ("during", RangeOperators.OVERLAPS),
                ],
                condition=Q(status="scheduled", venue__isnull=False),
                violation_error_message=_(
                    "This venue is already booked for an overlapping time."
                ),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("event-page", args=[self.pk])

    @property
    def starts_at(self):
        return self.during.lower if self.during else None

    @property
    def ends_at(self):
        return self.during.upper if self.during else None


class TitleWord(models.Model):
    """A word of a visible, scheduled event's title as its search vector
    holds it (Spanish and English stems, without accents), with the rank
    that ``q`` of that one word gives the event, and its start and end: kept
    by the database (the triggers of migration meetups 0020, on every write
    of an event); nothing in Python writes it. The events' counterpart of
    studygroups.NameWord: the first rows of a word's key, in the ranked
    list's order (-search_rank, start, id), are its best upcoming matches
    (meetups.title_words). The end is in the key too, so that skipping the
    events that have ended reads the index alone, until the nightly task
    ``title_words_prune`` deletes their rows."""

    pk = models.CompositePrimaryKey("lexeme", "neg_rank", "starts_at", "event", "ends_at")
    lexeme = models.TextField()
    # The list's sort keys: -search_rank, then the start and the id.
    neg_rank = models.FloatField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    event = models.ForeignKey(
        Event,
        # The database deletes the rows with their event (migration 0020).
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("title word")
        verbose_name_plural = _("title words")

    def __str__(self):
        return f"{self.lexeme} ({self.event_id})"


class RSVP(models.Model):
    class Status(models.TextChoices):
        YES = "yes", _("Going")
        NO = "no", _("Not going")
        WAITLIST = "waitlist", _("Waitlisted")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="rsvps",
        verbose_name=_("user"),
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="rsvps", verbose_name=_("event")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.YES
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # The start of the event, kept by the database (triggers of migration
    # meetups 0018, on every write of an RSVP and when an event moves): a
    # member's RSVPs, soonest first, then walk rsvp_user_start_idx instead of
    # every event's start looking for theirs (133 ms for 5,000 RSVPs at 1M events).
    event_start = models.DateTimeField(_("event's start"), null=True, editable=False)

    objects = RSVPQuerySet.as_manager()

    class Meta:
        ordering = ["event", "created_at"]
        verbose_name = _("RSVP")
        verbose_name_plural = _("RSVPs")
        indexes = [
            # Who is going and the waitlist, in order (RSVPQuerySet.in_list_order).
            models.Index(fields=["event", "status", "updated_at", "id"], name="rsvp_listed_idx"),
            # A member's RSVPs by their events' start (meetups.my_rsvps), and
            # its keyset pages: (event_start, event) > (last start, last event).
            models.Index(fields=["user", "event_start", "event"], name="rsvp_user_start_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "event"],
                name="rsvp_one_per_user_and_event",
                violation_error_message=_("This user already answered for the event."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["yes", "no", "waitlist"]),
                name="rsvp_status_valid",
            ),
        ]

    def __str__(self):
        # By name, as Membership: organizers read this in the admin.
        from studygroups.people import display_name

        return f"{display_name(self.user)} → {self.event} ({self.get_status_display()})"


def event_photo_path(photo, filename):
    return f"events/{photo.event_id}/{filename}"


class EventPhoto(models.Model):
    """A photo an attendee took at an event, shown on the event's page once it
    has started. The file is re-encoded without metadata (places.images)."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="photos", verbose_name=_("event")
    )
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="event_photos",
        verbose_name=_("uploaded by"),
    )
    image = models.ImageField(_("photo"), upload_to=event_photo_path, max_length=200)
    caption = models.CharField(_("caption"), max_length=200, blank=True, db_default="")
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["event", "created_at", "id"]
        get_latest_by = "created_at"
        verbose_name = _("event photo")
        verbose_name_plural = _("event photos")
        indexes = [
            # An event's photos in the order they were added (its page, the API).
            models.Index(fields=["event", "created_at", "id"], name="eventphoto_event_created_idx"),
            # How many one person added to an event (the per-person cap).
            models.Index(fields=["uploader", "event"], name="eventphoto_uploader_event_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(image=""), name="eventphoto_has_image"),
        ]

    def __str__(self):
        return self.caption or self.image.name

    def get_absolute_url(self):
        return reverse("event-photo", args=[self.event_id, self.pk])
