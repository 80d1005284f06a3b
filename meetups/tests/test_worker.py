"""The notifications through Redis and a real Celery worker (four threads,
started by the ``celery_worker`` fixture on the project-local Redis), with the
locmem mail backend that the worker's threads share with the test."""

import threading
import time

import pytest
from django.core import mail
from pyproj import Geod

from studygroups import notifications
from studygroups.models import Delivery
from studygroups.tasks import deliveries_send
from studygroups.tests.factories import MemberProfileFactory, MembershipFactory, point_at
from studygroups.tests.test_notifications import FlakyBackend

from .factories import VenueFactory
from .test_notifications import VENUE

GEOD = Geod(ellps="WGS84")


def wait_for(condition, timeout=30):
    """Poll ``condition`` until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"not true after {timeout} s: {condition.__doc__ or condition}")


def settled(then=1.5):
    """Nothing pending is left, and nothing more arrives for ``then`` seconds."""
    wait_for(lambda: not Delivery.objects.pending().exists())
    count = len(mail.outbox)
    time.sleep(then)
    assert len(mail.outbox) == count


def addressees():
    return sorted(address for message in mail.outbox for address in message.to)


def test_an_event_created_through_the_api_emails_the_members_within_their_radius(
    celery_worker, client, settings
):
    settings.ALERT_DELAY_SECONDS = 1
    inside = MemberProfileFactory(home_location=point_at(VENUE, 120, 4_900), alert_radius_km=5)
    outside = MemberProfileFactory(home_location=point_at(VENUE, 300, 5_100), alert_radius_km=5)
    for profile, expected_m in ((inside, 4_900), (outside, 5_100)):
        home = profile.home_location
        assert GEOD.inv(VENUE.x, VENUE.y, home.x, home.y)[2] == pytest.approx(expected_m, abs=0.01)
    organizer = MembershipFactory(role="organizer", user__password="!")
    venue = VenueFactory(location=VENUE)
    client.force_login(organizer.user)
    response = client.post(
        "/api/events/",
        {
            "type": "Feature",
            "properties": {
                "title": "Club de cartografía",
                "study_group": organizer.study_group_id,
                "venue": venue.pk,
                "start": "2027-02-04T18:00:00-05:00",
                "end": "2027-02-04T20:00:00-05:00",
                "time_zone": "America/Bogota",
            },
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert mail.outbox == []  # the alert waits ALERT_DELAY_SECONDS
    wait_for(lambda: len(mail.outbox) >= 1)
    settled()
    assert addressees() == [inside.user.email]
    assert "Club de cartografía" in mail.outbox[0].subject


@pytest.fixture
def recorded_batch():
    """Forty pending deliveries (join answers) to forty members."""
    membership = MembershipFactory()
    profiles = MemberProfileFactory.create_batch(40)
    user_ids = [profile.user_id for profile in profiles]
    notifications.deliveries_create(
        Delivery.Kind.JOIN_APPROVED, "membership:1", user_ids,
        {"group_id": membership.study_group_id},
    )
    return list(Delivery.objects.order_by("pk").values_list("pk", flat=True))


def test_the_same_task_delivered_twice_sends_each_email_once(celery_worker, recorded_batch):
    deliveries_send.delay(recorded_batch)
    deliveries_send.delay(recorded_batch)
    settled()
    assert len(mail.outbox) == 40 and len(set(addressees())) == 40


class SlowBackend:
    """A mail server that takes 20 ms a message, so that workers overlap."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        time.sleep(0.02)
        mail.outbox.extend(messages)
        return len(messages)


def test_workers_racing_on_one_batch_send_each_email_once(
    celery_worker, recorded_batch, settings
):
    settings.EMAIL_BACKEND = "meetups.tests.test_worker.SlowBackend"
    start = threading.Barrier(4)

    def send():
        start.wait()
        deliveries_send.delay(recorded_batch)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    settled()
    assert len(mail.outbox) == 40 and len(set(addressees())) == 40


def test_a_server_failing_twice_then_accepting_delivers_once(
    celery_worker, settings
):
    settings.EMAIL_BACKEND = "studygroups.tests.test_notifications.FlakyBackend"
    settings.DELIVERY_RETRY_SECONDS = 0.2
    FlakyBackend.calls, FlakyBackend.failures = 0, 2
    profile = MemberProfileFactory()
    membership = MembershipFactory()
    notifications.deliveries_create_and_dispatch(
        Delivery.Kind.JOIN_APPROVED, "m", [profile.user_id],
        {"group_id": membership.study_group_id},
    )
    settled()
    assert addressees() == [profile.user.email]
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("sent", 3)


def test_a_server_that_always_fails_leaves_the_email_failed_in_the_admin(
    celery_worker, settings, client, moderator
):
    settings.EMAIL_BACKEND = "studygroups.tests.test_notifications.FlakyBackend"
    settings.DELIVERY_RETRY_SECONDS = 0.1
    settings.DELIVERY_MAX_RETRIES = 2
    FlakyBackend.calls, FlakyBackend.failures = 0, 1000
    profile = MemberProfileFactory(user__username="nadia")
    membership = MembershipFactory()
    notifications.deliveries_create_and_dispatch(
        Delivery.Kind.JOIN_APPROVED, "m", [profile.user_id],
        {"group_id": membership.study_group_id},
    )
    wait_for(lambda: Delivery.objects.filter(status="failed").exists())
    delivery = Delivery.objects.get()
    assert delivery.attempts == 3 and "the mail server is down" in delivery.error
    assert mail.outbox == []
    client.force_login(moderator)
    listing = client.get("/admin/studygroups/delivery/?status__exact=failed")
    assert "nadia" in listing.content.decode()
