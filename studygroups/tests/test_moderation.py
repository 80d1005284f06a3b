"""Reports and moderation: reporting (one open report per reporter and
target, rate-limited, emailed to the group's organizers and the moderators),
and the actions (dismiss, hide, warn, suspend, ban), each logged."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from meetups.models import RSVP
from meetups.services import rsvp_answer
from meetups.tests.factories import AttendeeFactory, EventFactory
from places.models import TileCell
from studygroups.models import Invitation, Membership, StudyGroup
from studygroups.moderation import (
    ReportsThrottled,
    content_hide,
    group_ban,
    is_suspended,
    member_suspend,
    report_act,
    report_create,
    report_dismiss,
)
from studygroups.reports import GroupBan, ModerationAction, Report, Suspension
from studygroups.services import (
    invitation_create,
    studygroup_create,
    studygroup_join,
)

from .factories import MembershipFactory, StudyGroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english(client, settings):
    """Pages, messages and emails in English (the site's default is Spanish;
    the e2e tests see both)."""
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def reporter(db):
    return AttendeeFactory(username="rita_reporta")


@pytest.fixture
def event_a(group_a):
    return EventFactory(title="Taller Alfa", study_group=group_a)


def report(reporter, target, reason="spam", details=""):
    return report_create(reporter=reporter, target=target, reason=reason, details=details)


def cells(layer):
    """How many rows the tiles' zoom-0 cells of ``layer`` count."""
    return TileCell.objects.filter(layer=layer, z=0).aggregate(n=Sum("n"))["n"] or 0


# Reporting -----------------------------------------------------------------------


def test_a_report_emails_the_groups_organizers_and_the_moderators(
    reporter, group_a, organizer_a, organizer_b, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        made = report(reporter, group_a, "harassment", "Insultan en el chat <b>")
    assert made.study_group == group_a and made.state == "open"
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([organizer_a.email, moderator.email])
    body = mail.outbox[0].body
    assert "Grupo Alfa" in body and "Insultan en el chat <b>" in body
    assert f"/admin/studygroups/report/{made.pk}/change/" in body


def test_a_report_of_a_member_reaches_moderators_only(
    reporter, member_a, organizer_a, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        made = report(reporter, member_a)
    assert made.study_group is None
    assert [m.to for m in mail.outbox] == [[moderator.email]]


def test_one_open_report_per_reporter_and_target(reporter, group_a, moderator):
    first = report(reporter, group_a)
    with pytest.raises(ValidationError) as refused:
        report(reporter, group_a, "other")
    assert refused.value.code == "already_reported"
    report_dismiss(actor=moderator, report=first, reason="No es spam.")
    again = report(reporter, group_a, "other")
    assert again.pk != first.pk


def test_the_database_holds_one_open_report_per_reporter_and_target(reporter, group_a):
    first = report(reporter, group_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(
            reporter=reporter, kind="group", content_type=first.content_type,
            object_id=group_a.pk, reason="other",
        )


def test_reports_are_rate_limited_per_member(reporter, settings):
    settings.REPORTS_PER_WINDOW = 2
    groups = StudyGroupFactory.create_batch(3)
    report(reporter, groups[0])
    report(reporter, groups[1])
    with pytest.raises(ReportsThrottled) as throttled:
        report(reporter, groups[2])
    assert 0 < throttled.value.wait <= settings.REPORT_WINDOW_SECONDS
    assert Report.objects.count() == 2
    # Someone else is not held back by it.
    report(AttendeeFactory(username="otra"), groups[2])


def test_nobody_reports_themselves(reporter):
    with pytest.raises(ValidationError) as refused:
        report(reporter, reporter)
    assert "target_id" in refused.value.error_dict


def test_an_unknown_reason_is_refused_naming_the_field(reporter, group_a):
    with pytest.raises(ValidationError) as refused:
        report(reporter, group_a, "boring")
    assert "reason" in refused.value.error_dict


def test_for_organizer_lists_their_groups_content_only(
    reporter, group_a, group_b, event_a, member_a, organizer_a
):
    on_group = report(reporter, group_a)
    on_event = report(reporter, event_a)
    report(reporter, group_b)
    report(reporter, member_a)
    assert list(Report.objects.for_organizer(organizer_a)) == [on_event, on_group]
    assert not Report.objects.for_organizer(member_a).exists()


# Acting ----------------------------------------------------------------------------


def test_hiding_a_group_takes_it_and_its_events_out_of_lists_and_tiles(
    client, reporter, group_a, event_a, organizer_a
):
    made = report(reporter, group_a)
    groups_before, events_before = cells("studygroups"), cells("events")
    report_act(actor=organizer_a, report=made, action="hide", reason="Spam evidente.")
    group_a.refresh_from_db()
    event_a.refresh_from_db()
    assert group_a.hidden and event_a.hidden and event_a.hidden_at == group_a.hidden_at
    assert cells("studygroups") == groups_before - 1
    assert cells("events") == events_before - 1
    made.refresh_from_db()
    assert made.state == "actioned"
    ids = [f["id"] for f in client.get("/api/studygroups/").json()["features"]]
    assert group_a.pk not in ids
    assert client.get(f"/api/studygroups/{group_a.pk}/").status_code == 404
    assert client.get(f"/api/events/{event_a.pk}/").status_code == 404
    assert client.get(group_a.get_absolute_url()).status_code == 404
    assert client.get(event_a.get_absolute_url()).status_code == 404
    ogc = client.get("/ogc/collections/studygroups/items?f=json").json()
    assert group_a.pk not in [f["id"] for f in ogc["features"]]
    # Its organizer still sees the page, marked hidden.
    client.force_login(organizer_a)
    page = client.get(group_a.get_absolute_url())
    assert page.status_code == 200 and "Hidden by moderation" in page.text


def test_showing_a_group_again_brings_back_only_the_events_hidden_with_it(
    reporter, group_a, organizer_a, moderator
):
    on_their_own = EventFactory(study_group=group_a, title="Spam")
    content_hide(actor=moderator, target=on_their_own, reason="Spam.")
    with_group = EventFactory(study_group=group_a, title="Taller")
    events_before = cells("events")
    content_hide(actor=organizer_a, target=group_a, reason="Hasta aclarar.")
    content_hide(actor=organizer_a, target=group_a, reason="Aclarado.", hidden=False)
    on_their_own.refresh_from_db()
    with_group.refresh_from_db()
    assert on_their_own.hidden and not with_group.hidden
    assert cells("events") == events_before
    assert list(
        ModerationAction.objects.filter(study_group=group_a).values_list("action", flat=True)
    ) == ["unhide", "hide", "hide"]  # newest first; the event's own hide too


def test_deleting_a_hidden_group_leaves_the_tile_cells_right(moderator, group_a, group_b):
    before = cells("studygroups")
    content_hide(actor=moderator, target=group_a, reason="Spam.")
    StudyGroup.objects.filter(pk=group_a.pk).delete()
    assert cells("studygroups") == before - 1


def test_another_groups_organizer_may_not_act(reporter, group_a, organizer_b):
    made = report(reporter, group_a)
    with pytest.raises(PermissionDenied):
        report_act(actor=organizer_b, report=made, action="dismiss", reason="No.")
    with pytest.raises(PermissionDenied):
        content_hide(actor=organizer_b, target=group_a, reason="No.")
    assert not ModerationAction.objects.exists()


def test_an_organizer_may_not_suspend(reporter, group_a, organizer_a):
    author = MembershipFactory(study_group=group_a).user
    with pytest.raises(PermissionDenied):
        member_suspend(actor=organizer_a, member=author, days=7, reason="No.")
    assert not is_suspended(author)


def test_every_action_needs_a_reason(reporter, group_a, moderator):
    made = report(reporter, group_a)
    with pytest.raises(ValidationError):
        report_act(actor=moderator, report=made, action="dismiss", reason="  ")
    made.refresh_from_db()
    assert made.state == "open"


def test_warning_a_member_emails_them_the_reason(
    reporter, member_a, moderator, django_capture_on_commit_callbacks
):
    made = report(reporter, member_a, "harassment")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        logged = report_act(actor=moderator, report=made, action="warn",
                            reason="Mensajes ofensivos a otros miembros.")
    assert logged.member == member_a and logged.actor == moderator
    assert [m.to for m in mail.outbox] == [[member_a.email]]
    assert "Mensajes ofensivos a otros miembros." in mail.outbox[0].body
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers


def test_the_log_is_append_only_in_the_database(reporter, group_a, moderator):
    logged = report_dismiss(actor=moderator, report=report(reporter, group_a), reason="Bien.")
    with pytest.raises(IntegrityError), transaction.atomic():
        ModerationAction.objects.filter(pk=logged.pk).update(reason="Otra cosa.")
    with pytest.raises(IntegrityError), transaction.atomic():
        ModerationAction.objects.filter(pk=logged.pk).delete()
    # Its links may go when what they name goes.
    Report.objects.filter(pk=logged.report_id).delete()
    logged.refresh_from_db()
    assert logged.report_id is None and logged.reason == "Bien."


# Suspensions and bans in the other services ----------------------------------------------


@pytest.fixture
def suspended(moderator):
    user = AttendeeFactory(username="susana_suspendida")
    member_suspend(actor=moderator, member=user, days=3, reason="Spam repetido.")
    return user


def test_a_suspended_member_cannot_rsvp_join_or_create(suspended, group_a, event_a):
    assert is_suspended(suspended)
    with pytest.raises(ValidationError) as refused:
        rsvp_answer(user=suspended, event=event_a, going=True)
    assert refused.value.code == "suspended"
    assert "suspended until" in refused.value.messages[0]
    # The site's zone in words, never a zone id (found trying it: "(America/Bogota)").
    assert "Colombia" in refused.value.messages[0] and "/" not in refused.value.messages[0]
    with pytest.raises(ValidationError) as refused:
        studygroup_join(user=suspended, group=group_a)
    assert refused.value.code == "suspended"
    with pytest.raises(ValidationError) as refused:
        studygroup_create(organizer=suspended, name="Grupo nuevo", is_online=True)
    assert refused.value.code == "suspended"
    assert not RSVP.objects.filter(user=suspended).exists()
    assert not Membership.objects.filter(user=suspended).exists()


def test_a_suspension_ends(suspended, event_a):
    Suspension.objects.filter(user=suspended).update(
        ends_at=timezone.now() - datetime.timedelta(seconds=1),
        created_at=timezone.now() - datetime.timedelta(days=3),
    )
    assert not is_suspended(suspended)
    assert rsvp_answer(user=suspended, event=event_a, going=True).status == "yes"


def test_a_suspended_member_is_refused_on_the_site_with_the_reason(client, suspended, event_a):
    client.force_login(suspended)
    page = client.post(reverse("event-rsvp-page", args=[event_a.pk]), {"going": "yes"},
                       follow=True)
    assert "Your account is suspended until" in page.text
    page = client.post(reverse("studygroup-new"), {"name": "Nuevo", "is_online": "on",
                                                   "language": "es", "capacity": "20",
                                                   "join_policy": "open"})
    assert page.status_code == 200
    assert "Your account is suspended until" in page.text
    assert not StudyGroup.objects.filter(name="Nuevo").exists()


def test_a_suspended_member_is_refused_by_the_api(client, suspended, event_a):
    client.force_login(suspended)
    answer = client.post(f"/api/events/{event_a.pk}/rsvp/", {"going": True},
                         content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["code"] == "suspended"
    created = client.post(
        "/api/studygroups/",
        {"type": "Feature", "geometry": None, "properties": {"name": "Nuevo", "is_online": True}},
        content_type="application/geo+json",
    )
    assert created.status_code == 400
    assert "suspended until" in created.json()["description"]
    assert not StudyGroup.objects.filter(name="Nuevo").exists()


def test_a_banned_member_leaves_and_cannot_come_back(reporter, group_a, organizer_a, event_a):
    banned = MembershipFactory(study_group=group_a, user=AttendeeFactory(username="bea")).user
    group_ban(actor=organizer_a, group=group_a, member=banned, reason="Acoso en las sesiones.")
    assert not Membership.objects.filter(user=banned, study_group=group_a).exists()
    with pytest.raises(ValidationError) as refused:
        studygroup_join(user=banned, group=group_a)
    assert refused.value.code == "banned"
    with pytest.raises(ValidationError) as refused:
        invitation_create(actor=organizer_a, group=group_a, username="bea")
    assert refused.value.code == "banned"
    with pytest.raises(ValidationError) as refused:
        rsvp_answer(user=banned, event=event_a, going=True)
    assert refused.value.code == "banned"
    assert not Invitation.objects.exists()
    assert GroupBan.objects.get(user=banned).created_by == organizer_a


def test_organizers_are_not_banned_from_their_own_group(group_a, organizer_a, moderator):
    with pytest.raises(ValidationError):
        group_ban(actor=moderator, group=group_a, member=organizer_a, reason="No.")


def test_another_groups_organizer_cannot_ban(group_a, organizer_b, member_a):
    with pytest.raises(PermissionDenied):
        group_ban(actor=organizer_b, group=group_a, member=member_a, reason="No.")
    assert Membership.objects.filter(user=member_a, study_group=group_a).exists()


def test_the_hidden_event_trigger_is_the_one_counting(moderator, event_a):
    """The events' tile membership function asks ``NOT hidden`` (meetups 0015)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_functiondef('meetups_event_tile_member'::regproc)"
        )
        assert "hidden" in cursor.fetchone()[0]


# Through Redis and a real Celery worker ------------------------------------------------


def test_a_report_through_the_api_is_emailed_once_by_the_worker(celery_worker, client):
    from meetups.tests.test_worker import addressees, settled
    from studygroups.models import Delivery
    from studygroups.tasks import deliveries_dispatch

    from .factories import UserFactory, organizer_of

    group = StudyGroupFactory(name="Grupo Gamma")
    organizer = organizer_of(group, "gala_gamma")
    moderator = UserFactory(username="moni", is_superuser=True, is_staff=True, password="!")
    client.force_login(AttendeeFactory(username="rita_reporta"))
    answer = client.post("/api/reports/", {"target_kind": "group", "target_id": group.pk,
                                           "reason": "spam"}, content_type="application/json")
    assert answer.status_code == 201
    settled()
    assert addressees() == sorted([organizer.email, moderator.email])
    # A second dispatch of the same report (a redelivered task) sends nothing more.
    deliveries_dispatch.delay(Delivery.Kind.REPORT, f"report:{answer.json()['id']}")
    settled()
    assert len(mail.outbox) == 2


@pytest.mark.parametrize("z", [3, 16])  # stored cells below CELLS_MAX_ZOOM; live features above
def test_the_map_tiles_leave_hidden_groups_and_events_out(client, moderator, z):
    import mercantile

    from places.tests.test_tiles import counted, features

    group = StudyGroupFactory(name="Visible")
    hidden = StudyGroupFactory(name="Oculto", location=group.location)
    event = EventFactory(study_group=group)
    EventFactory(study_group=hidden, venue=None, location=event.location)
    content_hide(actor=moderator, target=hidden, reason="Spam.")
    tile = mercantile.tile(group.location.x, group.location.y, z)
    drawn = features(client, "studygroups", z, tile.x, tile.y)
    assert sum(counted(f) for f in drawn) == 1
    events = features(client, "events", z, tile.x, tile.y)
    assert sum(counted(f) for f in events) == 1
    if z == 16:
        assert [f["properties"]["name"] for f in drawn] == ["Visible"]


def test_a_suspended_member_gives_their_seat_back_to_the_waitlist(client, moderator, group_a):
    event = EventFactory(title="Taller con un cupo", study_group=group_a, capacity=1)
    seated, waiting = AttendeeFactory(username="ana_sentada"), AttendeeFactory(username="cata")
    rsvp_answer(user=seated, event=event, going=True)
    assert rsvp_answer(user=waiting, event=event, going=True).status == "waitlist"
    member_suspend(actor=moderator, member=seated, days=3, reason="Spam repetido.")
    client.force_login(seated)
    page = client.get(event.get_absolute_url()).text
    assert "Your account is suspended until" in page
    assert 'name="going" value="no"' in page and 'name="going" value="yes"' not in page
    client.post(reverse("event-rsvp-page", args=[event.pk]), {"going": "no"})
    assert RSVP.objects.get(user=seated, event=event).status == "no"
    assert RSVP.objects.get(user=waiting, event=event).status == "yes"
    # Saying yes again is still refused.
    with pytest.raises(ValidationError) as refused:
        rsvp_answer(user=seated, event=event, going=True)
    assert refused.value.code == "suspended"


def test_a_report_of_an_organizers_own_photo_goes_to_the_moderators_only(reporter, group_a):
    from meetups.tests.factories import EventPhotoFactory, past_event_with_attendee

    event, _attendee = past_event_with_attendee()
    organizer = MembershipFactory(study_group=event.study_group, role="organizer").user
    own = EventPhotoFactory(event=event, uploader=organizer)
    theirs = EventPhotoFactory(event=event, uploader=_attendee)
    about_own, about_theirs = report(reporter, own), report(reporter, theirs)
    assert about_own.study_group is None
    assert about_theirs.study_group == event.study_group
    assert list(Report.objects.for_organizer(organizer)) == [about_theirs]
