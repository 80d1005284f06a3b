from django.db import models
from django.db.models import Case, Count, F, FloatField, Func, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from psycopg2.extras import DateTimeTZRange

from places.functions import Unaccented
from places.querysets import SpatialQuerySet
from places.search import SearchQuerySetMixin


class VenueQuerySet(SpatialQuerySet):
    def search(self, text):
        """Venues whose name, address or city contain ``text``, ignoring case and accents.

        Each field is compared folded (``Unaccented``) on both sides, the form
        its GIN trigram index holds, so the three LIKEs are a BitmapOr of the
        three indexes (``unaccent()`` itself cannot be indexed). The text
        folds to a constant, escaped for LIKE by the ``contains`` lookup.
        """
        folded = Unaccented(Value(text))
        in_name = Q(_name_folded__contains=folded)
        in_address = Q(_address_folded__contains=folded)
        return (
            self.alias(
                _name_folded=Unaccented("name"),
                _address_folded=Unaccented("address"),
                _city_folded=Unaccented("city"),
            )
            .filter(in_name | in_address | Q(_city_folded__contains=folded))
            # The name first, then the address, then the city. Ranked lists
            # sort their matches (found on the indexes) rather than walk the
            # (city, name, id) order hoping a LIMIT stops early, which a
            # common text in a city that sorts last made take seconds.
            .annotate(
                search_rank=Case(
                    When(in_name, then=Value(2.0)),
                    When(in_address, then=Value(1.0)),
                    default=Value(0.5),
                    output_field=FloatField(),
                )
            )
        )


class EventQuerySet(SearchQuerySetMixin, SpatialQuerySet):
    trigram_field = "title"

    def visible(self):
        """Events nobody has hidden (studygroups.moderation): the public ones.
        Hiding a group hides its events with it, so one column says it."""
        return self.filter(hidden=False)

    def scheduled(self):
        """Events that have not been cancelled."""
        return self.filter(status="scheduled")

    def upcoming(self):
        """Scheduled events that have not ended yet, soonest first."""
        # Overlapping [now, ∞) is "ends after now", phrased so the GiST index
        # on ``during`` serves it.
        return self.scheduled().between(timezone.now(), None).order_by("during")

    def past(self):
        """Events that have ended, most recent first."""
        return self.filter(during__endswith__lte=timezone.now()).order_by("-during")

    def between(self, start=None, end=None, bounds="[)"):
        """Events whose time overlaps [start, end) (or, with ``bounds="[]"``,
        [start, end]); None leaves that end open."""
        queryset = self.filter(during__overlap=DateTimeTZRange(start, end, bounds))
        if start is None:
            return queryset
        # Implied by the overlap, and said again in a form the (start, id)
        # B-tree can use, so a list by start reads the index from there instead
        # of sorting every upcoming event: nothing that overlaps [start, ...)
        # starts before the earliest event in progress at ``start`` (a short
        # GiST lookup), or before ``start`` when none is.
        in_progress = self.model._base_manager.filter(during__contains=start).order_by().values(
            # min() as a plain function: Django's Min would GROUP BY the id.
            earliest=Func(F("during__startswith"), function="min")
        )
        return queryset.filter(
            during__startswith__gte=Coalesce(Subquery(in_progress), Value(start))
        )

    def with_going_count(self):
        """Annotates ``going_count``: how many answered they were (or are) going."""
        return self.annotate(going_count=Count("rsvps", filter=Q(rsvps__status="yes")))

    def online(self, is_online=True):
        """Events with an online URL (hybrid included), or, with False, without one."""
        return self.exclude(online_url="") if is_online else self.filter(online_url="")

    def with_topic(self, slug):
        """Events of study groups tagged with the topic ``slug``."""
        return self.filter(study_group__topics__slug=slug)


class RSVPQuerySet(models.QuerySet):
    def going(self):
        """Answers with a seat."""
        return self.filter(status="yes")

    def waitlisted(self):
        """Answers waiting for a seat."""
        return self.filter(status="waitlist")

    def listed(self, with_hidden=False):
        """Answers whose person shows in lists of people: all of them for
        organizers (``with_hidden``), else those not hidden by choice."""
        from studygroups.querysets import not_hidden

        return self if with_hidden else self.filter(not_hidden())

    def in_list_order(self):
        """In the order seats and waitlist places were taken (``updated_at``, id:
        the waitlist's own order, see meetups.services.WAITLIST_ORDER), on
        ``rsvp_listed_idx``, with each person's profile at hand."""
        return self.select_related("user__profile").order_by("updated_at", "pk")
