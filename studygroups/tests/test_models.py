import pytest
from django.contrib.gis.geos import Point, Polygon
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection

from studygroups.models import Membership, StudyGroup

from .factories import MembershipFactory, StudyGroupFactory, UserFactory

pytestmark = pytest.mark.django_db

# A rough ring around Ciudad Universitaria, Universidad Nacional de Colombia, Bogotá,
# counter-clockwise as RFC 7946 asks.
UNAL_CAMPUS = Polygon(
    (
        (-74.0905, 4.6330),
        (-74.0785, 4.6330),
        (-74.0785, 4.6440),
        (-74.0905, 4.6440),
        (-74.0905, 4.6330),
    ),
    srid=4326,
)


def test_location_round_trips_through_postgis_as_geography():
    group = StudyGroupFactory(location=Point(-75.565800, 6.247600, srid=4326))

    stored = StudyGroup.objects.get(pk=group.pk)

    assert stored.location.srid == 4326
    assert stored.location.coords == pytest.approx((-75.5658, 6.2476), abs=1e-9)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_typeof(location)::text, ST_AsText(location) FROM studygroups_studygroup "
            "WHERE id = %s",
            [group.pk],
        )
        assert cursor.fetchone() == ("geography", "POINT(-75.5658 6.2476)")


def test_meeting_area_round_trips_through_postgis():
    group = StudyGroupFactory(meeting_area=UNAL_CAMPUS)

    stored = StudyGroup.objects.get(pk=group.pk)

    assert stored.meeting_area.equals_exact(UNAL_CAMPUS, tolerance=1e-9)
    assert stored.meeting_area.srid == 4326


def test_capacity_must_be_positive():
    with pytest.raises(IntegrityError, match="studygroup_capacity_positive"):
        StudyGroupFactory(capacity=0)


def test_in_person_group_needs_a_location():
    with pytest.raises(IntegrityError, match="studygroup_location_unless_online"):
        StudyGroupFactory(is_online=False, location=None)


def test_online_group_may_have_no_location():
    group = StudyGroupFactory(is_online=True, location=None, city="")

    assert StudyGroup.objects.get(pk=group.pk).location is None


def test_slugs_are_unique():
    StudyGroupFactory(slug="python-medellin")

    with pytest.raises(IntegrityError, match="slug"):
        StudyGroupFactory(slug="python-medellin")


def test_a_user_joins_a_group_once():
    membership = MembershipFactory()

    with pytest.raises(IntegrityError, match="membership_one_per_user_and_group"):
        Membership.objects.create(
            user=membership.user, study_group=membership.study_group, role="organizer"
        )


def test_membership_role_must_be_known():
    with pytest.raises(IntegrityError, match="membership_role_valid"):
        MembershipFactory(role="owner")


def test_full_clean_reports_the_missing_location_by_its_rule():
    group = StudyGroup(name="Sin lugar", slug="sin-lugar", is_online=False, location=None)

    with pytest.raises(ValidationError) as error:
        group.full_clean()

    (rule,) = error.value.error_dict["__all__"]
    assert rule.code == "studygroup_location_unless_online"
    assert rule.messages  # worded in the active language


@pytest.mark.parametrize(
    "lon, lat",
    [(10, 95), (10, -90.5), (200, 10), (-180.0001, 0), (float("nan"), 4.6), (4.6, float("inf"))],
)
def test_out_of_range_coordinates_fail_validation(lon, lat):
    # PostGIS geography would silently wrap these (latitude 95 becomes 85), so the
    # model field's validator must refuse them before they are saved.
    group = StudyGroup(name="Fuera", slug="fuera", location=Point(lon, lat, srid=4326))

    with pytest.raises(ValidationError) as error:
        group.full_clean()

    assert "location" in error.value.message_dict


def test_self_intersecting_meeting_area_fails_validation():
    bowtie = Polygon(((0, 0), (1, 1), (1, 0), (0, 1), (0, 0)), srid=4326)
    group = StudyGroup(
        name="Moño", slug="mono", location=Point(0.5, 0.25, srid=4326), meeting_area=bowtie
    )

    with pytest.raises(ValidationError) as error:
        group.full_clean()

    assert "Self-intersection" in str(error.value.message_dict["meeting_area"])


def test_members_are_reached_through_memberships():
    group = StudyGroupFactory()
    organizer, member = UserFactory(), UserFactory()
    MembershipFactory(study_group=group, user=organizer, role="organizer")
    MembershipFactory(study_group=group, user=member)

    assert set(group.members.all()) == {organizer, member}
    assert list(group.memberships.filter(role="organizer").values_list("user", flat=True)) == [
        organizer.pk
    ]
