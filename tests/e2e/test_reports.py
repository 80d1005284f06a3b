"""Reporting and moderating in Chromium: a member reports a group and an
event from their pages (Spanish and English, 1366 and 375 px wide); a
suspended member is told why they cannot answer an event; a moderator and an
organizer work the moderation queue in the admin."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from meetups.tests.factories import AttendeeFactory, EventFactory
from studygroups.models import StudyGroup
from studygroups.moderation import member_suspend, report_create
from studygroups.reports import ModerationAction, Report
from studygroups.tests.factories import StudyGroupFactory, organizer_of
from tests.e2e.layout import page_width

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 375, "height": 740}}

WORDS = {
    "es": {"report": "Reportar", "spam": "Spam o publicidad", "send": "Enviar el reporte",
           "thanks": "Gracias por tu reporte", "details": "Algo que los organizadores",
           "again": "Ya reportaste esto", "suspended": "Tu cuenta está suspendida hasta"},
    "en": {"report": "Report", "spam": "Spam or advertising", "send": "Send the report",
           "thanks": "Thank you for your report", "details": "Anything the organizers",
           "again": "You have already reported this", "suspended":
           "Your account is suspended until"},
}


def signed_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


def fits_the_screen(page):
    return page_width(page) <= page.evaluate("window.innerWidth")


@pytest.fixture
def cast(db):
    group = StudyGroupFactory(name="Club de Cálculo <b>", slug="club-de-calculo")
    organizer_of(group, "ana_organiza")
    event = EventFactory(study_group=group, title="Taller de integrales")
    return {"group": group, "event": event, "member": AttendeeFactory(username="rita")}


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("language", ["es", "en"])
def test_a_member_reports_a_group_and_an_event(
    new_page, live_server, quiet_live_server, screenshot, cast, language, width
):
    words = WORDS[language]
    page = signed_in(new_page(locale=language, viewport=WIDTHS[width]), live_server,
                     cast["member"])
    for kind, target in (("group", cast["group"]), ("event", cast["event"])):
        page.goto(f"{live_server.url}{target.get_absolute_url()}")
        page.locator(".report-link").get_by_role("link", name=words["report"]).click()
        expect(page.locator("h1")).to_contain_text(getattr(target, "name", None)
                                                   or target.title)
        page.get_by_label(words["spam"]).check()
        page.get_by_label(words["details"]).fill("Publicidad <script>alert(1)</script>")
        if kind == "group":
            screenshot(f"report-form-{language}-{width}", of=page)
            assert fits_the_screen(page)
        page.get_by_role("button", name=words["send"]).click()
        expect(page.locator("h1")).to_have_text(words["thanks"])
        assert fits_the_screen(page)
        if kind == "event":
            screenshot(f"report-sent-{language}-{width}", of=page)
        made = Report.objects.get(kind=kind)
        assert made.target == target and made.details == "Publicidad <script>alert(1)</script>"
        # Sent again: the form says so.
        page.go_back()
        page.get_by_label(words["spam"]).check()
        page.get_by_role("button", name=words["send"]).click()
        expect(page.locator(".report-form")).to_contain_text(words["again"])
    assert Report.objects.count() == 2
    assert not page.console_errors


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("language", ["es", "en"])
def test_a_suspended_member_is_told_why_they_cannot_answer(
    new_page, live_server, quiet_live_server, screenshot, cast, language, width
):
    moderator = AttendeeFactory(username="mora", is_superuser=True, is_staff=True)
    member_suspend(actor=moderator, member=cast["member"], days=3, reason="Spam.")
    page = signed_in(new_page(locale=language, viewport=WIDTHS[width]), live_server,
                     cast["member"])
    page.goto(f"{live_server.url}{cast['event'].get_absolute_url()}")
    expect(page.locator(".rsvp-closed")).to_contain_text(WORDS[language]["suspended"])
    assert fits_the_screen(page)
    screenshot(f"suspended-event-{language}-{width}", of=page)


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_moderation_queue_in_the_admin(
    new_page, live_server, quiet_live_server, screenshot, cast, language
):
    rita = cast["member"]
    report_create(reporter=rita, target=cast["group"], reason="spam",
                  details="Venden cursos <b>falsos</b>")
    report_create(reporter=rita, target=AttendeeFactory(username="troll"), reason="harassment")
    moderator = AttendeeFactory(username="mora", is_superuser=True, is_staff=True)
    page = signed_in(new_page(locale=language, viewport=WIDTHS["desktop"]), live_server,
                     moderator)
    page.goto(f"{live_server.url}/admin/studygroups/report/?state__exact=open")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    # The kind filter.
    page.goto(f"{live_server.url}/admin/studygroups/report/?kind=group")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Club de Cálculo <b>")
    screenshot(f"admin-report-queue-{language}", of=page)
    rows.first.locator("th a").click()
    expect(page.locator(".readonly").filter(has_text="falsos")).to_contain_text(
        "Venden cursos <b>falsos</b>"
    )
    page.select_option("#moderation-form select[name=action]", "hide")
    page.fill("#moderation-form textarea[name=reason]", "Spam de cursos.")
    page.locator("#moderation-form input[name=_moderate]").click()
    expect(page.locator(".moderation-log")).to_contain_text("Spam de cursos.")
    screenshot(f"admin-report-acted-{language}", of=page)
    assert StudyGroup.objects.get(pk=cast["group"].pk).hidden
    assert ModerationAction.objects.get().actor == moderator
    # The group's page is gone for everyone else.
    anonymous = new_page(locale=language)
    answer = anonymous.goto(f"{live_server.url}{cast['group'].get_absolute_url()}")
    assert answer.status == 404


def test_an_organizer_sees_only_their_groups_reports(
    new_page, live_server, quiet_live_server, screenshot, cast
):
    other = StudyGroupFactory(name="Otro grupo", slug="otro-grupo")
    rita = cast["member"]
    report_create(reporter=rita, target=cast["event"], reason="misleading")
    report_create(reporter=rita, target=other, reason="spam")
    organizer = StudyGroup.objects.get(pk=cast["group"].pk).memberships.get(
        role="organizer").user
    page = signed_in(new_page(locale="en"), live_server, organizer)
    page.goto(f"{live_server.url}/admin/studygroups/report/")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Taller de integrales")
    rows.first.locator("th a").click()
    options = page.locator("#moderation-form select[name=action] option")
    expect(options).to_have_count(2)
    values = [options.nth(i).get_attribute("value") for i in range(options.count())]
    assert values == ["dismiss", "hide"]
    page.select_option("#moderation-form select[name=action]", "dismiss")
    page.fill("#moderation-form textarea[name=reason]", "It is a real workshop.")
    page.locator("#moderation-form input[name=_moderate]").click()
    expect(page.locator(".moderation-log")).to_contain_text("It is a real workshop.")
    screenshot("admin-report-organizer", of=page)
    assert Report.objects.get(kind="event").state == "dismissed"
