from places.querysets import SpatialQuerySet


class StudyGroupQuerySet(SpatialQuerySet):
    pass
