from django.contrib.gis.db.models import PointField
from django.db import models
from django.db.models import F, Func, Value
from django.db.models.functions import Cast, Collate

from places.functions import Unaccented
from places.querysets import SpatialQuerySet
from places.search import SearchQuerySetMixin


class StudyGroupQuerySet(SearchQuerySetMixin, SpatialQuerySet):
    def visible(self):
        """Groups nobody has hidden (studygroups.moderation): the public ones."""
        return self.filter(hidden=False)

    def covering(self, point):
        """Groups whose meeting area covers ``point`` (edges included), on the
        meeting area's geography GiST index."""
        return self.filter(meeting_area__covers=point)

    def online(self, is_online=True):
        """Groups that meet online (or, with False, in person)."""
        return self.filter(is_online=is_online)

    def with_topic(self, slug):
        """Groups tagged with the topic whose slug is ``slug``."""
        return self.filter(topics__slug=slug)

    def organized_by(self, user):
        """Groups where ``user`` is an organizer (an active membership)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            memberships__user=user,
            memberships__role="organizer",
            memberships__status="active",
        )

    def same_name(self, name):
        """Groups named ``name``, ignoring case and accents ("Cálculo UdeA" is
        "calculo udea"), on the place search's index of the folded name (equality
        is the same in every deterministic collation, so "C" costs nothing)."""
        return self.alias(name_key=Collate(Unaccented("name"), "C")).filter(
            name_key=Collate(Unaccented(Value(name)), "C")
        )


def not_hidden(user_lookup="user"):
    """Rows whose ``user_lookup`` is shown in member lists: no profile, or one
    without ``hidden_from_member_lists``."""
    return ~models.Q(**{f"{user_lookup}__profile__hidden_from_member_lists": True})


class MembershipQuerySet(models.QuerySet):
    def active(self):
        """Memberships that count: not requests waiting for approval."""
        return self.filter(status="active")

    def organizers(self):
        """Active organizer memberships."""
        return self.active().filter(role="organizer")

    def members(self):
        """Active memberships of plain members (not organizers)."""
        return self.active().filter(role="member")

    def listed(self, with_hidden=False):
        """Active memberships whose member shows in member lists: all of them
        for organizers (``with_hidden``), else those not hidden by choice."""
        queryset = self.active()
        return queryset if with_hidden else queryset.filter(not_hidden())

    def in_list_order(self):
        """By when each joined, then id: the (joined_at, id) keyset of
        ``membership_listed_idx``, with the member's profile at hand."""
        return self.select_related("user__profile").order_by("joined_at", "pk")


class MemberProfileQuerySet(models.QuerySet):
    def alerted_at(self, point):
        """Members whose home location lies within their own alert radius of
        ``point`` (kilometres, on the WGS84 spheroid).

        Each member has a radius of their own, which a plain ST_DWithin on the
        home location's index cannot take (its index condition needs one
        radius for every row). So the index is on the alert area (the home
        buffered by the radius, see ``models.alert_area``): ``&&`` finds the
        areas whose box holds the point, and ST_DWithin on the home location
        decides exactly."""
        from .models import alert_area

        # ST_DWithin as a boolean expression, not the dwithin lookup: the
        # lookup does not relabel a column in its distance when the query
        # becomes a subquery (user__in=...).
        within_radius = Func(
            F("home_location"),
            Value(point, output_field=PointField(geography=True, srid=4326)),
            Cast("alert_radius_km", models.FloatField()) * Value(1000.0),
            function="ST_DWithin",
            output_field=models.BooleanField(),
        )
        return (
            self.filter(home_location__isnull=False)
            .alias(alert_area=alert_area())
            .filter(alert_area__bboverlaps=point)
            .filter(within_radius)
        )

    def wanting(self, preference):
        """Members who have ``preference`` ("notify_digest" ...) on."""
        return self.filter(**{preference: True})


class DeliveryQuerySet(models.QuerySet):
    def pending(self):
        """Deliveries not sent yet (and not given up on)."""
        return self.filter(status="pending")

    def failed(self):
        """Deliveries given up on after their retries: the admin lists them."""
        return self.filter(status="failed")
