from django.db.models import Value
from django.db.models.functions import Collate

from places.functions import Unaccented
from places.querysets import SpatialQuerySet
from places.search import SearchQuerySetMixin


class StudyGroupQuerySet(SearchQuerySetMixin, SpatialQuerySet):
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
