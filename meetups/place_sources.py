"""Cerca's venues, found by the place search (registered in MeetupsConfig.ready()).

Venues are public: their name, city and point are on every event page.
"""

from django.db.models import F, Value

from places.sources import NameMatch, bounded_rows, key_of

# A venue is known to its visitors, not to a city: it counts as a hamlet, so
# that a city or neighbourhood of the same name outweighs it.
VENUE_PROMINENCE = 1000


class VenuePlaceSource:
    """Venues whose name is like the text (``venue_name_folded``, ``venue_name_words``)."""

    def matches(self, text, near=None):
        from meetups.models import Venue

        match = NameMatch("name", text)
        return bounded_rows(
            Venue.objects.all(),
            match,
            near,
            key=key_of("venue", "pk"),
            kind=Value("venue"),
            name=F("name"),
            point=F("location"),
            prominence=Value(float(VENUE_PROMINENCE)),
            city=F("city"),
        )
