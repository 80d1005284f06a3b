"""The study groups' meeting areas, found by the place search (registered in
StudygroupsConfig.ready()).

A group that meets in person is found by its name, or by the start of its
address; its point is a point inside its meeting area (PostGIS's
ST_PointOnSurface, which unlike the centroid always lies inside), or its
location when it has no area. Groups and where they meet are public; members'
home locations never enter.
"""

from django.contrib.gis.db.models import GeometryField, PointField
from django.contrib.gis.db.models.functions import PointOnSurface
from django.db.models import F, Value
from django.db.models.functions import Cast, Coalesce

from places.sources import NameMatch, bounded_rows, key_of

# As a venue: known to its members, not to a city.
GROUP_PROMINENCE = 1000
# Addresses share their words ("Calle", "Carrera"): only a text this long is
# looked for, and only as the whole address or its start, never by likeness
# ("Calle 60 con Carrera 7", not every "Calle").
ADDRESS_MIN_LENGTH = 6


class MeetingAreaPlaceSource:
    """In-person groups named like the text, or whose address starts with it.

    On the ``studygroup_name_folded``, ``studygroup_name_words`` and
    ``studygroup_address_folded`` indexes.
    """

    def matches(self, text, near=None):
        from studygroups.models import StudyGroup

        geometry = GeometryField(srid=4326)
        columns = dict(
            key=key_of("group-area", "pk"),
            kind=Value("meeting_area"),
            name=F("name"),
            point=Cast(
                Coalesce(
                    PointOnSurface(Cast("meeting_area", geometry)), Cast("location", geometry)
                ),
                PointField(geography=True, srid=4326),
            ),
            prominence=Value(float(GROUP_PROMINENCE)),
            city=F("city"),
        )
        in_person = StudyGroup.objects.visible().filter(location__isnull=False)
        by_name = NameMatch("name", text)
        rows = bounded_rows(in_person, by_name, near, **columns)
        if len(text) < ADDRESS_MIN_LENGTH:
            return rows
        by_address = NameMatch("address", text)
        return rows.union(
            bounded_rows(in_person, by_address, near, words=False, **columns), all=True
        )
