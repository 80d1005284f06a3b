from django.utils import timezone

from places.querysets import SpatialQuerySet


class VenueQuerySet(SpatialQuerySet):
    pass


class EventQuerySet(SpatialQuerySet):
    def scheduled(self):
        """Events that have not been cancelled."""
        return self.filter(status="scheduled")

    def upcoming(self):
        """Scheduled events that have not ended yet, soonest first."""
        return (
            self.scheduled()
            .filter(during__endswith__gt=timezone.now())
            .order_by("during")
        )

    def past(self):
        """Events that have ended, most recent first."""
        return self.filter(during__endswith__lte=timezone.now()).order_by("-during")
