import datetime

import factory
from django.contrib.gis.geos import Point
from django.utils import timezone
from psycopg2.extras import DateTimeTZRange

from meetups.models import RSVP, Event, EventPhoto, Venue
from places.images import clean_image
from places.tests.pictures import picture_bytes, upload
from studygroups.tests.factories import StudyGroupFactory, UserFactory


def hours_from_now(start_h, end_h):
    base = timezone.now().replace(minute=0, second=0, microsecond=0)
    return DateTimeTZRange(
        base + datetime.timedelta(hours=start_h), base + datetime.timedelta(hours=end_h), "[)"
    )


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"Biblioteca {n}")
    city = "Medellín"
    address = "Calle 67 #53-108"
    # Biblioteca Carlos Gaviria Díaz, Universidad de Antioquia.
    location = factory.LazyFunction(lambda: Point(-75.5686, 6.2672, srid=4326))
    capacity = 50


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Sesión {n}")
    study_group = factory.SubFactory(StudyGroupFactory)
    venue = factory.SubFactory(VenueFactory)
    location = factory.LazyAttribute(lambda event: event.venue.location if event.venue else None)
    during = factory.LazyFunction(lambda: hours_from_now(24, 26))
    time_zone = "America/Bogota"
    capacity = 20


class RSVPFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RSVP

    user = factory.SubFactory(UserFactory)
    event = factory.SubFactory(EventFactory)


class AttendeeFactory(UserFactory):
    """A user who signs in through force_login only. An unusable password
    skips hashing, which takes a good part of a second per user."""

    password = "!"


def event_form_data(group, **overrides):
    """The site's event form as a browser posts it, for ``group``: one online
    event on 14 October 2027, 18:00-20:00 in Madrid, unless ``overrides`` say
    otherwise."""
    data = {
        "title": "Club de lectura",
        "description": "",
        "study_group": group.pk,
        "venue": "",
        "location": "",
        "online_url": "",
        "start": "2027-10-14T18:00",
        "end": "2027-10-14T20:00",
        "time_zone": "Europe/Madrid",
        "capacity": "20",
        "repeat": "",
        "occurrences": "1",
    }
    data.update(overrides)
    return data


def past_event_with_attendee(username="ana_asistente", **event_fields):
    """An event that ended an hour ago, and a user who said they were going."""
    event = EventFactory(during=hours_from_now(-3, -1), **event_fields)
    attendee = AttendeeFactory(username=username)
    RSVPFactory(event=event, user=attendee, status=RSVP.Status.YES)
    return event, attendee


class EventPhotoFactory(factory.django.DjangoModelFactory):
    """A photo stored as the site stores one: a small PNG, cleaned."""

    class Meta:
        model = EventPhoto

    event = factory.SubFactory(EventFactory)
    uploader = factory.SubFactory(AttendeeFactory)
    caption = factory.Sequence(lambda n: f"Foto {n}")
    image = factory.LazyFunction(
        lambda: clean_image(upload(picture_bytes("PNG", size=(200, 150)), name="p.png"))
    )
