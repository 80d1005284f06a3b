import pytest

from meetups.tests.factories import AttendeeFactory, EventFactory, RSVPFactory
from studygroups.tests.factories import MembershipFactory


@pytest.fixture
def outsider(db):
    """Signed in, in no group, at no event."""
    return AttendeeFactory(username="oscar_otro")


@pytest.fixture
def event_a(group_a):
    return EventFactory(title="Taller Alfa", study_group=group_a)


@pytest.fixture
def attendee(event_a):
    """Going to group A's event without being a member of group A."""
    return RSVPFactory(event=event_a, user=AttendeeFactory(username="gina_going")).user


@pytest.fixture
def second_member(group_a):
    return MembershipFactory(study_group=group_a, user__username="marco_miembro").user
