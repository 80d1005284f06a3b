"""Each group's summary row (GroupSummary: active members, topics' slugs and
names) is kept by the database's triggers (migration studygroups 0031), through
any write: the ORM's, the admin's, bulk statements, concurrent transactions.
Each summary is checked against a count and a sort done here, in Python."""

import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction

from studygroups.models import GroupSummary, Membership, StudyGroup, Topic

from .factories import MembershipFactory, StudyGroupFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


def summary(group):
    """(members, slugs, Spanish names, English names) of ``group``'s row, or None."""
    row = GroupSummary.objects.filter(study_group=group).first()
    if row is None:
        return None
    return (row.member_count, row.topic_slugs, row.topic_names_es, row.topic_names_en)


def expected(group):
    """The same, worked out here from the memberships and topics."""
    members = sum(
        1 for m in Membership.objects.filter(study_group=group) if m.status == "active"
    )
    topics = sorted(Topic.objects.filter(study_groups=group), key=lambda t: t.slug)
    return (
        members,
        [t.slug for t in topics],
        [t.name_es or t.name_en for t in topics],
        [t.name_en or t.name_es for t in topics],
    )


def test_only_active_members_count_through_joins_approvals_and_leaves():
    group = StudyGroupFactory()
    first = MembershipFactory(study_group=group)
    MembershipFactory(study_group=group, role=Membership.Role.ORGANIZER)
    pending = MembershipFactory(study_group=group, status=Membership.Status.PENDING)
    assert summary(group)[0] == 2 == expected(group)[0]

    pending.status = Membership.Status.ACTIVE
    pending.save()
    assert summary(group)[0] == 3

    first.role = Membership.Role.ORGANIZER
    first.save()
    first.delete()
    assert summary(group) == expected(group)
    assert summary(group)[0] == 2

    # A bulk statement counts once, for every group it touched.
    other = StudyGroupFactory()
    users = [UserFactory() for _ in range(4)]
    Membership.objects.bulk_create(
        [Membership(user=u, study_group=g) for u in users for g in (group, other)]
    )
    assert summary(group)[0] == 6 and summary(other)[0] == 4
    Membership.objects.filter(user__in=users[:3]).update(status=Membership.Status.PENDING)
    assert (summary(group)[0], summary(other)[0]) == (3, 1)
    Membership.objects.filter(study_group=group).delete()
    assert summary(group)[0] == 0 == expected(group)[0]
    assert summary(other) == expected(other)


def test_a_membership_moved_to_another_group_counts_in_its_new_group():
    alfa, beta = StudyGroupFactory(), StudyGroupFactory()
    membership = MembershipFactory(study_group=alfa)
    Membership.objects.filter(pk=membership.pk).update(study_group=beta)
    assert (summary(alfa)[0], summary(beta)[0]) == (0, 1)


def test_deleting_a_user_leaves_their_groups():
    alfa, beta = StudyGroupFactory(), StudyGroupFactory()
    user = UserFactory()
    for group in (alfa, beta):
        MembershipFactory(study_group=group, user=user)
        MembershipFactory(study_group=group)
    get_user_model().objects.filter(pk=user.pk).delete()
    assert summary(alfa) == expected(alfa) and summary(beta) == expected(beta)
    assert summary(alfa)[0] == 1


def test_topics_come_in_slug_order_with_each_languages_names():
    group = StudyGroupFactory()
    calculo = TopicFactory(slug="calculo", name_es="Cálculo", name_en="Calculus")
    arte = TopicFactory(slug="arte", name_es="Arte", name_en="")
    zen = TopicFactory(slug="zen", name_es="", name_en="Zen meditation")
    group.topics.add(zen, calculo, arte)
    assert summary(group) == (
        0,
        ["arte", "calculo", "zen"],
        ["Arte", "Cálculo", "Zen meditation"],
        ["Arte", "Calculus", "Zen meditation"],
    )
    group.topics.remove(calculo)
    assert summary(group)[1] == ["arte", "zen"]
    group.topics.set([calculo])
    assert summary(group) == expected(group)
    group.topics.clear()
    assert summary(group) == (0, [], [], [])


def test_a_renamed_topic_is_renamed_in_each_of_its_groups():
    topic = TopicFactory(slug="python", name_es="Python", name_en="Python")
    other = TopicFactory(slug="java", name_es="Java", name_en="Java")
    groups = [StudyGroupFactory() for _ in range(3)]
    for group in groups:
        group.topics.add(topic, other)
    bystander = StudyGroupFactory()
    bystander.topics.add(other)

    topic.name_es = "Programación en Python"
    topic.slug = "aprender-python"
    topic.save()
    for group in groups:
        assert summary(group) == expected(group)
        assert summary(group)[1] == ["aprender-python", "java"]
        assert summary(group)[2] == ["Programación en Python", "Java"]
    assert summary(bystander)[1] == ["java"]

    topic.delete()
    assert all(summary(group)[1] == ["java"] for group in groups)


def test_a_group_deleted_with_its_members_and_topics_takes_its_summary():
    group = StudyGroupFactory()
    MembershipFactory(study_group=group)
    group.topics.add(TopicFactory())
    assert summary(group) is not None
    pk = group.pk
    group.delete()
    assert not GroupSummary.objects.filter(study_group_id=pk).exists()


def test_a_summary_written_by_anything_else_is_put_right_by_the_next_write():
    group = StudyGroupFactory()
    MembershipFactory(study_group=group)
    GroupSummary.objects.filter(study_group=group).update(member_count=99, topic_slugs=["x"])
    MembershipFactory(study_group=group)
    assert summary(group) == expected(group)
    assert summary(group)[0] == 2


def test_the_api_the_groups_page_and_the_group_page_read_the_summary(client):
    group = StudyGroupFactory(name="Cálculo en el Poblado")
    topic = TopicFactory(slug="calculo", name_es="Cálculo", name_en="Calculus")
    group.topics.add(topic)
    for _ in range(3):
        MembershipFactory(study_group=group)
    MembershipFactory(study_group=group, status=Membership.Status.PENDING)
    lonely = StudyGroupFactory(name="Grupo sin nadie")

    features = {
        f["id"]: f["properties"]
        for f in client.get("/api/studygroups/", HTTP_ACCEPT_LANGUAGE="en").json()["features"]
    }
    assert features[group.pk]["member_count"] == 3
    assert features[group.pk]["topics"] == ["calculo"]
    assert features[group.pk]["topic_names"] == ["Calculus"]
    # A group that never had members nor topics has no row, and reads as empty.
    assert summary(lonely) is None
    assert (features[lonely.pk]["member_count"], features[lonely.pk]["topics"]) == (0, [])
    assert features[lonely.pk]["topic_names"] == []

    page = client.get(group.get_absolute_url())
    assert page.context["member_count"] == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("what", ["join", "topic"])
def test_two_writers_at_once_both_count(what):
    """A second transaction writing to the same group while the first has not
    committed waits for it, then counts what it committed as well as its own."""
    group = StudyGroupFactory()
    first_topic, second_topic = TopicFactory(), TopicFactory()
    users = [UserFactory(), UserFactory()]
    first_wrote, errors = threading.Event(), []

    def write(n):
        if what == "join":
            MembershipFactory(study_group=group, user=users[n])
        else:
            group.topics.add((first_topic, second_topic)[n])

    def second():
        try:
            first_wrote.wait(10)
            with transaction.atomic():
                write(1)
        except Exception as error:  # reported by the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=second)
    thread.start()
    with transaction.atomic():
        write(0)
        first_wrote.set()
        # Commit only once the second writer waits for this transaction.
        with connection.cursor() as cursor:
            for _ in range(200):
                # pg_locks is read live (pg_stat_activity would be read once
                # for the whole transaction).
                cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.05)
            else:
                pytest.fail(f"the second writer never waited for the first: {errors}")
    thread.join(20)
    assert not errors
    group = StudyGroup.objects.get(pk=group.pk)
    assert summary(group) == expected(group)
    if what == "join":
        assert summary(group)[0] == 2
    else:
        assert len(summary(group)[1]) == 2
