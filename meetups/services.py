"""Verbs that change events and venues. Views and the API call these."""

from django.db import transaction

from .models import Event, Venue


def _place_from_venue(event):
    # An event at a venue is where the venue is, unless it says otherwise.
    if event.venue_id and event.location is None:
        event.location = event.venue.location


@transaction.atomic
def event_create(**fields):
    """Create an event. Raises django.core.exceptions.ValidationError when a
    model rule or constraint (a double-booked venue, say) refuses it."""
    event = Event(**fields)
    _place_from_venue(event)
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def event_update(event, **fields):
    """Change an event's fields; same errors as event_create."""
    moved_venue = "venue" in fields and fields["venue"] != event.venue
    for name, value in fields.items():
        setattr(event, name, value)
    if moved_venue and "location" not in fields:
        event.location = None
    _place_from_venue(event)
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def venue_create(**fields):
    """Create a venue; raises ValidationError for bad values."""
    venue = Venue(**fields)
    venue.full_clean()
    venue.save()
    return venue


@transaction.atomic
def venue_update(venue, **fields):
    """Change a venue's fields; raises ValidationError for bad values."""
    for name, value in fields.items():
        setattr(venue, name, value)
    venue.full_clean()
    venue.save()
    return venue
