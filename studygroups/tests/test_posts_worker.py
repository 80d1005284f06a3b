"""A post's emails through Redis and a real Celery worker."""

import pytest
from django.core import mail

from meetups.tests.test_worker import addressees, settled, wait_for
from studygroups.models import Delivery
from studygroups.tests.factories import MembershipFactory, organizer_of

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_post_through_the_api_emails_each_follower_once_through_the_worker(
    celery_worker, client
):
    from studygroups.tests.factories import StudyGroupFactory

    group = StudyGroupFactory(name="Grupo Obrero", slug="grupo-obrero")
    organizer_of(group, "olga_org")
    author = MembershipFactory(study_group=group, user__username="ana_autora",
                               user__password="!").user
    follower = MembershipFactory(study_group=group, user__username="fede_fiel",
                                 user__password="!").user
    MembershipFactory(study_group=group, user__username="nadia_nofollow", user__password="!")
    client.force_login(follower)
    client.post(f"/conversation/groups/{group.pk}/follow/", {"following": "1"})
    client.force_login(author)
    response = client.post(f"/api/studygroups/{group.pk}/posts/", {"body": "¡Hola!"},
                           content_type="application/json")
    assert response.status_code == 201, response.content

    def two_sent():
        """both followers' emails are sent"""
        return Delivery.objects.filter(kind="post", status="sent").count() == 2

    wait_for(two_sent)
    settled()
    assert addressees() == ["fede_fiel@example.org", "olga_org@example.org"]
    assert Delivery.objects.filter(kind="post", status="sent").count() == 2
    assert all("¡Hola!" in message.body for message in mail.outbox)
