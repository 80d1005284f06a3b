"""Reporting on the site and through the API, the admin's moderation queue,
and the organizer's queue include."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from meetups.tests.factories import AttendeeFactory, EventFactory
from studygroups.models import Membership
from studygroups.moderation import report_create
from studygroups.reports import ModerationAction, Report

from .factories import MembershipFactory

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
def reporter(client):
    user = AttendeeFactory(username="rita_reporta")
    client.force_login(user)
    return user


def post_report(client, **body):
    return client.post("/api/reports/", body, content_type="application/json")


# The site -----------------------------------------------------------------------


def test_group_and_event_pages_link_to_the_report_form(client, group_a):
    event = EventFactory(study_group=group_a)
    for url, form in (
        (group_a.get_absolute_url(), reverse("report-new", args=["group", group_a.pk])),
        (event.get_absolute_url(), reverse("report-new", args=["event", event.pk])),
    ):
        assert f'href="{form}"' in client.get(url).text


def test_a_members_profile_links_to_the_report_form_and_back(client, reporter):
    member = AttendeeFactory(username="mario_miembro")
    profile = reverse("person-page", args=[member.pk])
    form = reverse("report-new", args=["member", member.pk])
    assert f'href="{form}"' in client.get(profile).text
    answer = client.post(form, {"reason": "spam", "details": "Publicidad en cada grupo"})
    assert answer.status_code == 302
    thanks = client.get(answer["Location"]).text
    assert f'href="{profile}"' in thanks
    # A member's report reaches the moderators alone, and the page says so.
    assert "The site's moderators have been told." in thanks
    assert "organizers of the group" not in thanks
    assert Report.objects.filter(object_id=member.pk, reporter=reporter).exists()
    # Nobody reports themselves, and signed-out visitors see no link.
    assert 'class="report-link"' not in client.get(reverse("person-page", args=[reporter.pk])).text
    client.logout()
    assert 'class="report-link"' not in client.get(profile).text


def test_the_report_form_asks_anonymous_visitors_to_sign_in(client, group_a):
    answer = client.get(reverse("report-new", args=["group", group_a.pk]))
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_reporting_from_the_site(client, reporter, group_a):
    url = reverse("report-new", args=["group", group_a.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Grupo Alfa" in page.text
    sent = client.post(url, {"reason": "spam", "details": "<script>alert(1)</script>"},
                       follow=True)
    assert "Thank you for your report" in sent.text
    assert group_a.get_absolute_url() in sent.text
    made = Report.objects.get()
    assert (made.reporter, made.target, made.details) == (
        reporter, group_a, "<script>alert(1)</script>"
    )
    again = client.post(url, {"reason": "other"})
    assert again.status_code == 200 and "You have already reported this" in again.text


def test_the_form_names_a_missing_reason(client, reporter, group_a):
    page = client.post(reverse("report-new", args=["group", group_a.pk]), {"details": "x"})
    assert page.status_code == 200
    assert "This field is required" in page.text and not Report.objects.exists()


def test_an_unknown_kind_or_id_is_a_404(client, reporter, group_a):
    assert client.get("/report/planet/1/").status_code == 404
    assert client.get(reverse("report-new", args=["group", 999999])).status_code == 404


def test_too_many_reports_is_the_429_page_with_retry_after(client, reporter, settings):
    settings.REPORTS_PER_WINDOW = 1
    first, second = EventFactory.create_batch(2)
    client.post(reverse("report-new", args=["event", first.pk]), {"reason": "spam"})
    page = client.post(reverse("report-new", args=["event", second.pk]), {"reason": "spam"})
    assert page.status_code == 429
    assert int(page["Retry-After"]) > 0
    assert "many reports in a short time" in page.text


# The API ------------------------------------------------------------------------


def test_api_report_is_created(client, reporter, group_a):
    answer = post_report(client, target_kind="group", target_id=group_a.pk, reason="spam",
                         details="Publicidad")
    assert answer.status_code == 201
    body = answer.json()
    assert body["target_kind"] == "group" and body["target_id"] == group_a.pk
    assert body["state"] == "open"
    assert Report.objects.get().pk == body["id"]


def test_api_report_needs_sign_in(client, group_a):
    answer = post_report(client, target_kind="group", target_id=group_a.pk, reason="spam")
    assert answer.status_code == 401 and "WWW-Authenticate" in answer


@pytest.mark.parametrize(
    "body, field",
    [
        ({"target_kind": "planet", "target_id": 1, "reason": "spam"}, "target_kind"),
        ({"target_kind": "group", "target_id": 999999, "reason": "spam"}, "target_id"),
        ({"target_kind": "group", "target_id": "x", "reason": "spam"}, "target_id"),
        ({"target_kind": "group", "reason": "spam"}, "target_id"),
        ({"target_kind": "group", "target_id": "GROUP", "reason": "boring"}, "reason"),
        ({"target_kind": "group", "target_id": "GROUP"}, "reason"),
        ({"target_kind": "group", "target_id": "GROUP", "reason": "spam",
          "details": "x" * 2001}, "details"),
    ],
)
def test_api_bad_bodies_name_the_field(client, reporter, group_a, body, field):
    body = {k: (group_a.pk if v == "GROUP" else v) for k, v in body.items()}
    answer = post_report(client, **body)
    assert answer.status_code == 400
    assert answer.json()["parameter"] == field
    assert not Report.objects.exists()


def test_api_reporting_yourself_names_target_id(client, reporter):
    answer = post_report(client, target_kind="member", target_id=reporter.pk, reason="spam")
    assert answer.status_code == 400 and answer.json()["parameter"] == "target_id"


def test_api_second_open_report_is_a_409(client, reporter, group_a):
    post_report(client, target_kind="group", target_id=group_a.pk, reason="spam")
    answer = post_report(client, target_kind="group", target_id=group_a.pk, reason="other")
    assert answer.status_code == 409 and answer.json()["code"] == "already_reported"


def test_api_rate_limit_is_a_429_with_retry_after(client, reporter, settings):
    settings.REPORTS_PER_WINDOW = 1
    first, second = EventFactory.create_batch(2)
    assert post_report(client, target_kind="event", target_id=first.pk,
                       reason="spam").status_code == 201
    answer = post_report(client, target_kind="event", target_id=second.pk, reason="spam")
    assert answer.status_code == 429
    assert int(answer["Retry-After"]) > 0
    assert answer.json()["code"] == "TooManyRequests"


def test_the_schema_documents_the_reports_endpoint(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/reports/"]["post"]
    assert {"201", "400", "409", "429"} <= set(operation["responses"])


# The admin's queue ----------------------------------------------------------------


@pytest.fixture
def reports(group_a, group_b, member_a):
    rita = AttendeeFactory(username="rita_reporta")
    return {
        "a": report_create(reporter=rita, target=group_a, reason="spam",
                           details="<b>gritos</b>"),
        "b": report_create(reporter=rita, target=group_b, reason="other"),
        "member": report_create(reporter=rita, target=member_a, reason="harassment"),
    }


def test_the_moderator_sees_every_report_with_filters(client, moderator, reports):
    client.force_login(moderator)
    page = client.get("/admin/studygroups/report/?state__exact=open")
    assert page.status_code == 200
    for name in ("Grupo Alfa", "Grupo Beta", "mia_miembro"):
        assert name in page.text
    only_groups = client.get("/admin/studygroups/report/?kind=group").text
    assert "mia_miembro" not in only_groups


def test_the_queue_counts_and_pages_at_most_its_cap_and_lists_kinds_without_a_scan(
    client, moderator, reports, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr("studygroups.moderation_admin.QUEUE_COUNT_CAP", 2)
    client.force_login(moderator)
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/admin/studygroups/report/")
    assert Report.objects.count() > 2
    assert page.context["cl"].result_count == 2
    assert 'href="?kind=photo"' in page.text and 'href="?kind=post"' in page.text
    assert not [q["sql"] for q in captured if "DISTINCT" in q["sql"]]


def test_an_organizer_sees_their_groups_reports_only(client, organizer_a, reports):
    client.force_login(organizer_a)
    page = client.get("/admin/studygroups/report/")
    assert page.status_code == 200
    assert "Grupo Alfa" in page.text and "Grupo Beta" not in page.text
    other = reverse("admin:studygroups_report_change", args=[reports["b"].pk])
    assert client.get(other).status_code == 302  # "not found" for them: to the index


def test_the_report_page_escapes_details_and_offers_organizer_actions(
    client, organizer_a, reports
):
    client.force_login(organizer_a)
    page = client.get(reverse("admin:studygroups_report_change", args=[reports["a"].pk]))
    assert "&lt;b&gt;gritos&lt;/b&gt;" in page.text and "<b>gritos</b>" not in page.text
    assert 'value="hide"' in page.text and 'value="suspend"' not in page.text


def test_acting_from_the_admin_logs_and_shows_the_action(client, organizer_a, reports, group_a):
    client.force_login(organizer_a)
    url = reverse("admin:studygroups_report_change", args=[reports["a"].pk])
    answer = client.post(url, {"_moderate": "1", "action": "hide", "reason": "Spam claro."},
                         follow=True)
    assert answer.status_code == 200
    group_a.refresh_from_db()
    assert group_a.hidden
    assert "Spam claro." in answer.text
    logged = ModerationAction.objects.get()
    assert (logged.actor, logged.action, logged.report) == (organizer_a, "hide", reports["a"])


def test_an_organizer_cannot_post_a_suspension(client, organizer_a, group_a):
    author = MembershipFactory(study_group=group_a).user
    made = report_create(reporter=AttendeeFactory(username="x"), target=author, reason="spam")
    # A member report has no group: the organizer cannot even open it.
    client.force_login(organizer_a)
    url = reverse("admin:studygroups_report_change", args=[made.pk])
    client.post(url, {"_moderate": "1", "action": "suspend", "reason": "No.", "days": "3"})
    assert not ModerationAction.objects.exists()


def test_the_moderator_suspends_from_the_admin(client, moderator, reports, member_a):
    client.force_login(moderator)
    url = reverse("admin:studygroups_report_change", args=[reports["member"].pk])
    client.post(url, {"_moderate": "1", "action": "suspend", "reason": "Acoso.", "days": "7"})
    from studygroups.moderation import is_suspended

    assert is_suspended(member_a)
    assert Membership.objects.filter(user=member_a).exists()  # a ban is another action


def test_members_have_no_queue(client, member_a, reports):
    client.force_login(member_a)
    assert client.get("/admin/studygroups/report/").status_code == 302


# The organizer's queue include ------------------------------------------------------


def test_the_organizer_queue_include(organizer_a, reports, django_assert_max_num_queries):
    for n in range(5):
        report_create(reporter=AttendeeFactory(username=f"r{n}"), target=EventFactory(
            study_group=reports["a"].study_group), reason="spam")
    request = RequestFactory().get("/")
    request.user = organizer_a
    template = Template('{% include "moderation/organizer_queue.html" %}')
    with django_assert_max_num_queries(5):
        html = template.render(Context({"request": request}))
    assert html.count("Review and act") == 6
    assert "&lt;b&gt;gritos&lt;/b&gt;" in html and "Grupo Beta" not in html
