"""Recording and sending emails: once, retried, kept when they fail; the
members' alert areas; unsubscribe links and the settings page."""

import pytest
from django.contrib.gis.geos import Point
from django.core import mail, signing
from django.db import connection
from pyproj import Geod

from studygroups import notifications
from studygroups.models import Delivery, MemberProfile
from studygroups.services import studygroup_create
from studygroups.tasks import deliveries_send, group_alerts

from .factories import MemberProfileFactory, MembershipFactory, UserFactory, point_at

pytestmark = pytest.mark.django_db

# Biblioteca Luis Ángel Arango, Bogotá.
BOGOTA = Point(-74.0736, 4.5967, srid=4326)
GEOD = Geod(ellps="WGS84")


def geodesic_m(a, b):
    return GEOD.inv(a.x, a.y, b.x, b.y)[2]


def join_request(user):
    group = MembershipFactory(role="organizer").study_group
    membership = MembershipFactory(study_group=group, user=user, status="pending")
    return membership


def recorded(user, kind=Delivery.Kind.JOIN_APPROVED, key="membership:1"):
    """A pending delivery to ``user`` whose email can be written."""
    membership = MembershipFactory(user=user)
    notifications.deliveries_create(
        kind, key, [user.pk], {"group_id": membership.study_group_id}
    )
    return Delivery.objects.get(kind=kind, key=key, recipient=user)


class FlakyBackend:
    """A mail server that refuses the first ``failures`` messages."""

    failures = 2
    calls = 0

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        FlakyBackend.calls += 1
        if FlakyBackend.calls <= FlakyBackend.failures:
            raise ConnectionRefusedError("the mail server is down")
        mail.outbox.extend(messages)
        return len(messages)


# The alert area ------------------------------------------------------------------


def test_alerted_at_takes_each_members_own_radius_checked_with_pyproj():
    inside = MemberProfileFactory(home_location=point_at(BOGOTA, 30, 4_900), alert_radius_km=5)
    outside = MemberProfileFactory(home_location=point_at(BOGOTA, 210, 5_100), alert_radius_km=5)
    wide = MemberProfileFactory(home_location=point_at(BOGOTA, 90, 5_100), alert_radius_km=6)
    MemberProfileFactory(home_location=None)
    assert geodesic_m(inside.home_location, BOGOTA) == pytest.approx(4_900, abs=0.01)
    assert geodesic_m(outside.home_location, BOGOTA) == pytest.approx(5_100, abs=0.01)
    found = set(MemberProfile.objects.alerted_at(BOGOTA).values_list("pk", flat=True))
    assert found == {inside.pk, wide.pk}


def test_alerted_at_reads_the_alert_area_index_among_100000_members():
    # 100,000 members spread over about 2° around Bogotá, radii 1-50 km.
    user_table = UserFactory._meta.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {user_table} (username, email, password, is_superuser, is_staff,
                                      is_active, first_name, last_name, date_joined)
            SELECT 'bulk' || n, 'bulk' || n || '@example.org', '!', false, false, true,
                   '', '', now()
            FROM generate_series(1, 100000) AS n
            """
        )
        # After an earlier test's flush the table's statistics say it is empty,
        # and the deferred foreign key checks at teardown (100,000 of them)
        # would each scan it whole instead of using its primary key.
        cursor.execute(f"ANALYZE {user_table}")
        cursor.execute(
            f"""
            INSERT INTO {MemberProfile._meta.db_table}
                (user_id, home_location, alert_radius_km, calendar_token)
            SELECT u.id,
                   ST_SetSRID(ST_MakePoint(-75 + random() * 2, 3.6 + random() * 2),
                              4326)::geography,
                   1 + (u.id % 50), md5(u.id::text)
            FROM {user_table} u WHERE u.username LIKE 'bulk%%'
            """
        )
        cursor.execute(f"ANALYZE {MemberProfile._meta.db_table}")
    plan = MemberProfile.objects.alerted_at(BOGOTA).explain()
    assert "profile_alert_area_idx" in plan, plan
    assert "Seq Scan" not in plan, plan


# Sending once ------------------------------------------------------------------------


def test_a_delivery_sent_twice_is_emailed_once():
    delivery = recorded(UserFactory())
    deliveries_send([delivery.pk])
    deliveries_send([delivery.pk])
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 1 and delivery.sent_at


def test_recording_the_same_email_twice_keeps_one_row():
    user = UserFactory()
    recorded(user)
    assert notifications.deliveries_create(
        Delivery.Kind.JOIN_APPROVED, "membership:1", [user.pk]
    ) == 0
    assert Delivery.objects.filter(recipient=user).count() == 1


def test_a_member_without_an_email_address_gets_no_delivery():
    user = UserFactory(email="")
    assert notifications.deliveries_create(Delivery.Kind.DIGEST, "week:1", [user.pk]) == 0


@pytest.fixture
def eager_retries(celery_test_queue):
    """Retries run at once in the test's thread (a real worker waits between
    them: see test_worker.py)."""
    celery_test_queue.conf.task_eager_propagates = False
    yield
    celery_test_queue.conf.task_eager_propagates = True


def test_a_server_that_fails_twice_then_accepts_delivers_once(settings, eager_retries):
    settings.EMAIL_BACKEND = "studygroups.tests.test_notifications.FlakyBackend"
    FlakyBackend.calls, FlakyBackend.failures = 0, 2
    delivery = recorded(UserFactory())
    deliveries_send.delay([delivery.pk])
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.error) == ("sent", 3, "")


def test_a_server_that_always_fails_leaves_the_delivery_failed_with_its_error(
    settings, eager_retries
):
    settings.EMAIL_BACKEND = "studygroups.tests.test_notifications.FlakyBackend"
    settings.DELIVERY_MAX_RETRIES = 2
    FlakyBackend.calls, FlakyBackend.failures = 0, 1000
    delivery = recorded(UserFactory())
    deliveries_send.delay([delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 3
    assert "the mail server is down" in delivery.error
    assert mail.outbox == []


def test_retries_back_off_doubling():
    assert [notifications.retry_countdown(n) for n in range(3)] == [60, 120, 240]


def test_moderators_see_failed_deliveries_in_the_admin_and_resend_them(
    client, moderator, settings, django_capture_on_commit_callbacks
):
    delivery = recorded(UserFactory(username="rosa", email="rosa@example.org"))
    Delivery.objects.filter(pk=delivery.pk).update(status="failed", error="SMTP 554 refused")
    client.force_login(moderator)
    listing = client.get("/admin/studygroups/delivery/?status__exact=failed").content.decode()
    assert "rosa" in listing
    assert "SMTP 554 refused" in client.get(
        f"/admin/studygroups/delivery/{delivery.pk}/change/"
    ).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/studygroups/delivery/",
            {"action": "resend", "_selected_action": [delivery.pk]},
        )
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert [message.to for message in mail.outbox] == [["rosa@example.org"]]


def test_organizers_cannot_see_deliveries_in_the_admin(client, organizer_a):
    client.force_login(organizer_a)
    assert client.get("/admin/studygroups/delivery/").status_code == 403


def test_a_withdrawn_request_is_not_emailed():
    membership = join_request(UserFactory())
    organizer = membership.study_group.memberships.get(role="organizer").user
    notifications.deliveries_create(
        Delivery.Kind.JOIN_REQUEST,
        f"membership:{membership.pk}",
        [organizer.pk],
        {"membership_id": membership.pk},
    )
    membership.delete()
    delivery = Delivery.objects.get(kind="join_request")
    deliveries_send([delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == "skipped" and mail.outbox == []


# The email itself ------------------------------------------------------------------


def test_an_email_has_text_html_a_link_and_one_click_unsubscribe_headers():
    user = UserFactory()
    MemberProfileFactory(user=user, language="en")
    deliveries_send([recorded(user).pk])
    (message,) = mail.outbox
    html = message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html"
    assert message.subject.startswith("[Cerca] You are now a member of ")
    assert "http://127.0.0.1:8000/groups/" in message.body and "Cerca" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://127.0.0.1:8000/notifications/unsubscribe/")
    assert unsubscribe[1:-1] in message.body and unsubscribe[1:-1] in html


def test_user_text_is_escaped_in_the_html():
    user = UserFactory()
    membership = MembershipFactory(user=user, study_group__name="<b>Álgebra</b>")
    notifications.deliveries_create(
        Delivery.Kind.JOIN_APPROVED, "m", [user.pk], {"group_id": membership.study_group_id}
    )
    deliveries_send([Delivery.objects.get(recipient=user).pk])
    html = mail.outbox[0].alternatives[0][0]
    assert "<b>Álgebra</b>" not in html and "&lt;b&gt;Álgebra&lt;/b&gt;" in html


def test_a_kind_turned_off_is_not_sent():
    user = UserFactory()
    MemberProfileFactory(user=user, notify_membership=False)
    delivery = recorded(user)
    deliveries_send([delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == "skipped" and mail.outbox == []


# Unsubscribing -----------------------------------------------------------------------


def unsubscribe_path(user, preference):
    return f"/notifications/unsubscribe/{notifications.unsubscribe_token(user, preference)}/"


def test_a_valid_unsubscribe_post_turns_off_exactly_that_kind(client):
    profile = MemberProfileFactory()
    response = client.post(unsubscribe_path(profile.user, "notify_digest"))
    assert response.status_code == 200
    profile.refresh_from_db()
    assert profile.notify_digest is False
    assert all(
        getattr(profile, name) for name in notifications.PREFERENCES if name != "notify_digest"
    )


def test_the_one_click_post_of_a_mail_client_unsubscribes_without_a_cookie(client):
    profile = MemberProfileFactory()
    client.handler.enforce_csrf_checks = True
    response = client.post(
        unsubscribe_path(profile.user, "notify_reminders"),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    profile.refresh_from_db()
    assert profile.notify_reminders is False


def test_opening_the_unsubscribe_link_asks_first_and_changes_nothing(client):
    profile = MemberProfileFactory()
    response = client.get(
        unsubscribe_path(profile.user, "notify_digest"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200 and b'method="post"' in response.content
    profile.refresh_from_db()
    assert profile.notify_digest is True


def test_a_forged_unsubscribe_token_is_refused(client):
    profile = MemberProfileFactory()
    forged = signing.dumps([profile.user_id, "notify_digest"], salt="another.salt")
    response = client.post(f"/notifications/unsubscribe/{forged}/")
    assert response.status_code == 400
    profile.refresh_from_db()
    assert profile.notify_digest is True


def test_an_altered_unsubscribe_token_is_refused(client):
    victim = MemberProfileFactory()
    mine = MemberProfileFactory()
    token = notifications.unsubscribe_token(mine.user, "notify_digest")
    payload, rest = token.split(":", 1)
    # The same signature over another member's id.
    other = signing.dumps([victim.user_id, "notify_digest"], salt="x").split(":", 1)[0]
    for altered in (f"{other}:{rest}", token[:-2] + ("AA" if not token.endswith("AA") else "BB")):
        assert client.post(f"/notifications/unsubscribe/{altered}/").status_code == 400
    victim.refresh_from_db()
    mine.refresh_from_db()
    assert victim.notify_digest and mine.notify_digest


# The settings page -----------------------------------------------------------------


def test_alerts_reminders_and_digest_are_on_by_default(client):
    user = UserFactory()
    client.force_login(user)
    form = client.get("/accounts/notifications/").context["form"]
    assert all(form.initial[name] for name in notifications.PREFERENCES)


def test_the_settings_page_turns_kinds_off_and_sets_the_language(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        "/accounts/notifications/", {"language": "en", "notify_reminders": "on"}
    )
    assert response.status_code == 302
    profile = MemberProfile.objects.get(user=user)
    assert profile.language == "en" and profile.notify_reminders
    assert not profile.notify_digest and not profile.notify_event_nearby


def test_the_profile_links_to_the_notification_settings(client):
    client.force_login(UserFactory())
    assert b'href="/accounts/notifications/"' in client.get("/accounts/profile/").content


def test_signing_up_keeps_the_pages_language_for_emails(client):
    client.post(
        "/accounts/signup/",
        {"username": "lena", "email": "lena@example.org", "password1": "un-buen-secreto-41",
         "password2": "un-buen-secreto-41"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert MemberProfile.objects.get(user__username="lena").language == "en"


# New study groups near members ------------------------------------------------


def test_a_new_group_alerts_members_within_their_radius_but_not_its_organizer(
    django_capture_on_commit_callbacks,
):
    near = MemberProfileFactory(home_location=point_at(BOGOTA, 0, 3_000), alert_radius_km=5)
    MemberProfileFactory(home_location=point_at(BOGOTA, 0, 30_000), alert_radius_km=5)
    organizer = MemberProfileFactory(home_location=BOGOTA).user
    with django_capture_on_commit_callbacks(execute=True):
        group = studygroup_create(organizer=organizer, name="Cálculo en La Candelaria",
                                  location=BOGOTA)
    assert [message.to for message in mail.outbox] == [[near.user.email]]
    assert group.get_absolute_url() in mail.outbox[0].body
    assert group_alerts(group.pk) == 0  # a second run sends nothing
    assert len(mail.outbox) == 1
