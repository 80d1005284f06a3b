"""The background machinery around the emails: beat's schedules, batches of
recipients, the sweep that recovers deliveries whose task was lost, the
organizers' answers to join requests, and mail settings from the environment."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core import mail
from django.utils import timezone

from studygroups import notifications, tasks
from studygroups.models import Delivery, Membership

from .factories import MembershipFactory, StudyGroupFactory, UserFactory, organizer_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_batches(monkeypatch):
    """The id lists handed to ``deliveries_send``, which still runs each one."""
    batches = []

    def delay(ids):
        batches.append(list(ids))
        return tasks.deliveries_send.apply(args=[ids])

    monkeypatch.setattr(tasks.deliveries_send, "delay", delay)
    return batches


def record(users, key="membership:1"):
    group = StudyGroupFactory()
    for user in users:
        MembershipFactory(study_group=group, user=user)
    return notifications.deliveries_create(
        Delivery.Kind.JOIN_APPROVED, key, [user.pk for user in users], {"group_id": group.pk}
    )


def test_the_schedules_beat_runs_name_tasks_the_worker_knows():
    from django_celery_beat.models import PeriodicTask

    from geoconfig.celery import app

    migration = importlib.import_module(
        "studygroups.migrations.0017_beat_schedules_for_notifications"
    )
    PeriodicTask.objects.filter(name__startswith="Cerca: ").delete()
    migration.create_schedules(apps, None)
    schedules = PeriodicTask.objects.filter(name__startswith="Cerca: ")
    assert schedules.count() == 3
    app.loader.import_default_modules()
    for schedule in schedules:
        assert schedule.task in app.tasks, schedule.task
        assert schedule.enabled
    digest = schedules.get(name="Cerca: weekly digest")
    assert (digest.crontab.day_of_week, digest.crontab.hour) == ("1", "7")


def test_a_dispatch_sends_one_task_per_batch_of_recipients(monkeypatch, sent_batches):
    monkeypatch.setattr(notifications.pending_batches, "__defaults__", (2,))
    users = [UserFactory() for _ in range(5)]
    assert record(users) == 5
    tasks.deliveries_dispatch("join_approved", "membership:1")
    assert [len(batch) for batch in sent_batches] == [2, 2, 1]
    # Every recipient once, by the unique index's order, nobody twice.
    assert sorted(pk for batch in sent_batches for pk in batch) == sorted(
        Delivery.objects.values_list("pk", flat=True)
    )
    assert sorted(message.to[0] for message in mail.outbox) == sorted(u.email for u in users)


def test_the_sweep_sends_what_was_left_pending_and_only_that(sent_batches):
    stale_users, fresh_user = [UserFactory(), UserFactory()], UserFactory()
    record(stale_users, key="membership:1")
    record([fresh_user], key="membership:2")
    Delivery.objects.filter(key="membership:1").update(
        updated_at=timezone.now() - datetime.timedelta(minutes=20)
    )
    tasks.deliveries_sweep()
    assert sorted(message.to[0] for message in mail.outbox) == sorted(u.email for u in stale_users)
    assert Delivery.objects.get(key="membership:2").status == Delivery.Status.PENDING
    mail.outbox.clear()
    tasks.deliveries_sweep()  # nothing pending and stale any more
    assert mail.outbox == []


@pytest.mark.parametrize(
    "action, subject",
    [
        ("approve", "[Cerca] Ya eres miembro de Seminario de Topología"),
        ("decline", "[Cerca] Tu solicitud para unirte a Seminario de Topología"),
    ],
)
def test_the_organizers_answer_is_emailed_to_whoever_asked(
    client, django_capture_on_commit_callbacks, action, subject
):
    group = StudyGroupFactory(name="Seminario de Topología", join_policy="approval")
    organizer = organizer_of(group, "olga_organiza")
    request = MembershipFactory(study_group=group, status="pending", user__username="santi")
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/groups/{group.slug}/{action}/", {"membership": request.pk}
        )
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [[request.user.email]]
    assert mail.outbox[0].subject == subject
    assert f"/groups/{group.slug}/" in mail.outbox[0].body
    approved = Membership.objects.filter(pk=request.pk, status="active").exists()
    assert approved == (action == "approve")
