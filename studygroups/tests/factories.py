import functools

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.gis.geos import Point

from studygroups.models import MemberProfile, Membership, StudyGroup, Topic


@functools.cache
def hashed_once(raw):
    """``make_password(raw)``, worked out once a run for each password: the
    site's hasher (PBKDF2, a million rounds) takes 0.4 s a user here, which
    every user a test made paid, many times over in a run. Users made with
    one password share its salt; signing in checks it as the site does."""
    return make_password(raw)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("cerca-test-password", transform=hashed_once)


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    name_es = factory.Sequence(lambda n: f"Tema {n}")
    name_en = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class StudyGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudyGroup

    name = factory.Sequence(lambda n: f"Grupo de estudio {n}")
    slug = factory.Sequence(lambda n: f"grupo-{n}")
    description = "Nos reunimos cada semana."
    city = "Medellín"
    # Universidad de Antioquia, Medellín.
    location = factory.LazyFunction(lambda: Point(-75.5690, 6.2675, srid=4326))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    study_group = factory.SubFactory(StudyGroupFactory)
    role = Membership.Role.MEMBER


def organizer_of(group, username):
    """A user made an organizer of ``group`` the way the site does it, with
    access to the admin."""
    from studygroups.permissions import organizers_group
    from studygroups.services import grant_organizer_access

    # A transactional test elsewhere may have flushed the migration's group.
    organizers_group()
    # An unusable password: tests sign in with force_login, and hashing is slow.
    user = get_user_model().objects.create(
        username=username, email=f"{username}@example.org", password="!"
    )
    membership = MembershipFactory(study_group=group, user=user, role=Membership.Role.ORGANIZER)
    grant_organizer_access(membership.user)
    return membership.user


class MemberProfileFactory(factory.django.DjangoModelFactory):
    """A member with a private home location (Universidad de Antioquia,
    Medellín, unless given) and a 10 km alert radius."""

    class Meta:
        model = MemberProfile

    user = factory.SubFactory(UserFactory, password="!")
    home_location = factory.LazyFunction(lambda: Point(-75.5690, 6.2675, srid=4326))
    alert_radius_km = 10


def point_at(origin, azimuth_deg, distance_m):
    """The point ``distance_m`` from ``origin`` (a Point) heading
    ``azimuth_deg``, on the WGS84 ellipsoid (pyproj), outside the code under test."""
    from pyproj import Geod

    lon, lat, _back = Geod(ellps="WGS84").fwd(origin.x, origin.y, azimuth_deg, distance_m)
    return Point(lon, lat, srid=4326)
