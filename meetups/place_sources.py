"""Cerca's venues, found by the place search (registered in MeetupsConfig.ready()).

Venues are public: their name, city and point are on every event page.
"""

from django.db.models import F, Value

from places.sources import NameMatch, key_of, name_rows

# A venue is known to its visitors, not to a city: it counts as a hamlet, so
# that a city or neighbourhood of the same name outweighs it.
VENUE_PROMINENCE = 1000


class VenuePlaceSource:
    """Venues whose name is like the text, on the ``venue_name_trgm`` index."""

    def matches(self, text):
        from meetups.models import Venue

        match = NameMatch("name", text)
        return name_rows(
            Venue.objects.filter(match.word_condition),
            key=key_of("venue", "pk"),
            kind=Value("venue"),
            name=F("name"),
            folded=match.folded,
            point=F("location"),
            prominence=Value(VENUE_PROMINENCE),
            city=F("city"),
        )
