"""The demo fixture loads, its counts match the file, and it covers what the demo needs."""

import datetime
import json
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone

from meetups.management.commands.load_demo import DEMO_ANCHOR
from meetups.models import RSVP, Event, Venue
from studygroups.models import Membership, StudyGroup, Topic

pytestmark = pytest.mark.django_db

DEMO_JSON = Path(__file__).resolve().parents[2] / "fixtures" / "demo.json"
MODELS = {
    "studygroups.topic": Topic,
    "studygroups.studygroup": StudyGroup,
    "studygroups.membership": Membership,
    "meetups.venue": Venue,
    "meetups.event": Event,
    "meetups.rsvp": RSVP,
}


@pytest.fixture(scope="module")
def fixture_rows():
    return json.loads(DEMO_JSON.read_text(encoding="utf-8"))


@pytest.fixture
def loaded(capsys):
    call_command("load_demo")
    return capsys.readouterr().out


def test_load_demo_loads_every_row_of_the_fixture(loaded, fixture_rows, django_user_model):
    in_file = Counter(row["model"] for row in fixture_rows)
    for label, model in MODELS.items():
        assert model.objects.count() == in_file[label], label
    assert django_user_model.objects.count() == in_file["auth.user"]
    assert f"{in_file['studygroups.studygroup']} study groups" in loaded


def test_demo_has_the_promised_size(loaded):
    assert StudyGroup.objects.count() >= 200
    assert Venue.objects.count() >= 80
    assert Event.objects.count() >= 300


def test_demo_spans_at_least_15_cities_in_latin_america_and_spain(loaded):
    cities = set(Venue.objects.values_list("city", flat=True))
    assert len(cities) >= 15
    assert {"Bogotá", "Medellín", "Madrid", "Ciudad de México", "Buenos Aires"} <= cities
    # Longitudes from the Americas and from Spain.
    lons = [venue.location.x for venue in Venue.objects.all()]
    assert min(lons) < -60 and max(lons) > -10


def test_demo_has_online_groups_and_meeting_areas(loaded):
    online = StudyGroup.objects.filter(is_online=True)
    assert online.count() >= 10
    areas = StudyGroup.objects.exclude(meeting_area=None)
    assert areas.count() >= 3
    for group in areas.exclude(location=None):
        assert group.meeting_area.contains(group.location), group.name


def test_demo_mixes_spanish_and_english(loaded):
    languages = Counter(StudyGroup.objects.values_list("language", flat=True))
    assert languages["es"] >= 50 and languages["en"] >= 20


def test_every_demo_group_has_one_organizer_and_members(loaded):
    groups = StudyGroup.objects.annotate(
        organizers=Count("memberships", filter=Q(memberships__role="organizer")),
        member_count=Count("memberships", filter=Q(memberships__role="member")),
    )
    assert {group.organizers for group in groups} == {1}
    assert min(group.member_count for group in groups) >= 1


def test_demo_events_are_moved_next_to_today_by_whole_weeks(loaded, fixture_rows):
    weeks = (timezone.localdate() - DEMO_ANCHOR).days // 7
    in_file = {
        row["pk"]: datetime.datetime.fromisoformat(json.loads(row["fields"]["during"])["lower"])
        for row in fixture_rows
        if row["model"] == "meetups.event"
    }
    for pk, lower in Event.objects.values_list("pk", "during__startswith"):
        assert lower - in_file[pk] == datetime.timedelta(weeks=weeks)
    assert Event.objects.upcoming().count() >= 100
    assert Event.objects.past().count() >= 50


def test_load_demo_a_second_time_changes_nothing(loaded):
    before = list(Event.objects.order_by("pk").values_list("pk", "during"))
    call_command("load_demo")
    assert list(Event.objects.order_by("pk").values_list("pk", "during")) == before
    assert StudyGroup.objects.count() >= 200
