"""The title words (meetups.title_words, migration 0020): each visible,
scheduled event's title stems with the rank ``q`` of that word gives it, its
start and its end, kept by the database on every write, and the API's
upcoming events that read their first rows from them. The oracle is the same
list ranked over every match (``first_matches`` switched off), page after
page, with filters, ended, cancelled and hidden events, and ties."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from psycopg2.extras import DateTimeTZRange

from meetups import api
from meetups.models import Event, TitleWord
from places import paging
from places.search import one_word_stems
from studygroups.moderation import content_hide
from studygroups.tests.factories import StudyGroupFactory, TopicFactory
from tests.ranked_pages import pages_both_ways

from .factories import EventFactory
from .test_worker import wait_for

pytestmark = pytest.mark.django_db

PLACES = ["Chapinero", "Usaquén", "Malasaña", "Lavapiés", "Coyoacán", "Palermo",
          "Miraflores", "Ñuñoa", "Laureles", "Gràcia", "Condesa", "Suba"]


def hours(start, end):
    now = timezone.now()
    return DateTimeTZRange(
        now + datetime.timedelta(hours=start), now + datetime.timedelta(hours=end)
    )


def words_of(event):
    return set(TitleWord.objects.filter(event=event).values_list("lexeme", flat=True))


@pytest.fixture
def events(django_user_model):
    """12 "Taller de Python" events at different times (two at the same
    hour), some saying Python again in the description, half online, in two
    groups; an ended one, a cancelled one and a hidden one that would rank
    first; a description match and a typo."""
    python = TopicFactory(slug="python", name_es="Python", name_en="Python")
    groups = [StudyGroupFactory(name="Python Bogotá"), StudyGroupFactory(name="Python Madrid")]
    groups[0].topics.add(python)
    made = []
    for n, place in enumerate(PLACES):
        online = {"venue": None, "location": None, "online_url": "https://meet.example.org/x"}
        made.append(EventFactory(
            title=f"Taller de Python en {place}",
            description="Python y más Python." if n % 4 == 0 else "Traigan portátil.",
            during=hours(24 * (n % 5) + 1, 24 * (n % 5) + 3),
            study_group=groups[n % 2],
            **(online if n % 2 else {}),
        ))
    loud = "Python, Python, Python."
    EventFactory(title="Python Python ya pasó", description=loud, during=hours(-30, -28))
    EventFactory(title="Python cancelado", description=loud, status=Event.Status.CANCELLED,
                 cancellation_reason="Lluvia.")
    hidden = EventFactory(title="Python gratis", description=loud)
    moderator = django_user_model.objects.create_superuser("mod", "mod@example.org", "x")
    content_hide(actor=moderator, target=hidden, reason="Spam.")
    EventFactory(title="Ciencia de datos", description="Usamos Python.")
    EventFactory(title="Pyton sin prisa")
    return made


def test_every_title_word_has_the_rank_search_gives_its_event(events):
    checked = set()
    for lexeme in set(TitleWord.objects.values_list("lexeme", flat=True)):
        if one_word_stems(lexeme) != (lexeme, lexeme):
            continue
        ranks = dict(Event.objects.search(lexeme).values_list("pk", "search_rank"))
        for row in TitleWord.objects.filter(lexeme=lexeme):
            assert row.neg_rank == -ranks[row.event_id], row
            event = Event.objects.get(pk=row.event_id)
            assert (row.starts_at, row.ends_at) == (event.during.lower, event.during.upper)
            checked.add(lexeme)
    assert "python" in checked and len(checked) > 5
    # The ended event keeps its rows (the list skips it by its end); the
    # cancelled and the hidden have none.
    titles = set(Event.objects.filter(pk__in=TitleWord.objects.values("event"))
                 .values_list("title", flat=True))
    assert "Python Python ya pasó" in titles
    assert not titles & {"Python cancelado", "Python gratis"}


def test_the_rows_follow_each_write_of_an_event(django_user_model):
    event = EventFactory(title="Taller de Rust", during=hours(5, 7))
    assert {"rust", "tall", "taller"} <= words_of(event)
    row = TitleWord.objects.filter(event=event, lexeme="rust").get()
    assert row.starts_at == event.during.lower

    Event.objects.filter(pk=event.pk).update(during=hours(50, 52))
    moved = TitleWord.objects.filter(event=event, lexeme="rust").get()
    assert moved.starts_at > row.starts_at and moved.ends_at == moved.starts_at + (
        row.ends_at - row.starts_at
    )

    # The description counts in the rank too.
    Event.objects.filter(pk=event.pk).update(description="Rust, rust y Rust.")
    assert TitleWord.objects.get(event=event, lexeme="rust").neg_rank != moved.neg_rank

    Event.objects.filter(pk=event.pk).update(title="Círculo de Haskell")
    assert "haskell" in words_of(event) and "rust" not in words_of(event)

    Event.objects.filter(pk=event.pk).update(
        status=Event.Status.CANCELLED, cancellation_reason="Lluvia."
    )
    assert words_of(event) == set()
    Event.objects.filter(pk=event.pk).update(
        status=Event.Status.SCHEDULED, cancellation_reason=""
    )
    assert "haskell" in words_of(event)

    moderator = django_user_model.objects.create_superuser("mod", "mod@example.org", "x")
    content_hide(actor=moderator, target=event, reason="Spam.")
    assert words_of(event) == set()
    content_hide(actor=moderator, target=event, reason="Aclarado.", hidden=False)
    assert "haskell" in words_of(event)

    event.delete()
    assert not TitleWord.objects.filter(event_id=event.pk).exists()


@pytest.mark.parametrize(
    "params, served",
    [
        ({"q": "python", "limit": 1}, True),
        ({"q": "Python", "limit": 5}, True),
        ({"q": "python", "limit": 11}, True),
        # 12 upcoming title matches: a page of 12 and its next row need 13.
        ({"q": "python", "limit": 12}, False),
        ({"q": "python", "limit": 100}, False),
        ({"q": "python", "limit": 3, "online": "true"}, None),
        ({"q": "python", "limit": 3, "topic": "python"}, None),
        ({"q": "python", "limit": 4, "sortby": "start"}, True),
        # Other events than the scheduled, upcoming ones: ranked as before.
        ({"q": "python", "limit": 4, "status": "any"}, False),
        ({"q": "python", "limit": 4, "start": "2000-01-01T00:00:00Z"}, False),
        # Two stems ('histori', 'historia'), a typo, two words.
        ({"q": "taller", "limit": 4}, False),
        ({"q": "pyton", "limit": 4}, False),
        ({"q": "ciencia datos", "limit": 4}, False),
    ],
)
def test_api_pages_are_those_of_the_list_ranked_over_every_match(
    client, events, monkeypatch, params, served
):
    fast, slow, decided = pages_both_ways(
        client, monkeypatch, "/api/events/", api.EventKind, params
    )
    assert fast == slow
    assert fast[0][0]
    if served is not None:
        assert decided[0] is served


def test_many_title_matches_are_not_counted(client, events, monkeypatch):
    monkeypatch.setattr(paging, "EXACT_COUNT_LIMIT", 8)
    with CaptureQueriesContext(connection) as captured:
        body = client.get("/api/events/", {"q": "python", "limit": 2}).json()
    assert "numberMatched" not in body and len(body["features"]) == 2
    assert not [q["sql"] for q in captured.captured_queries
                if q["sql"].startswith("SELECT COUNT(*)") and "meetups_event" in q["sql"]]
    with CaptureQueriesContext(connection) as captured:
        body = client.get("/api/events/", {"q": "python", "limit": 2, "online": "true"}).json()
    assert body["numberMatched"] == 6
    assert [q for q in captured.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]


def test_the_nightly_prune_drops_the_words_of_ended_events_only(celery_worker, client):
    """Through a real worker: the ended event's rows go, in one DELETE; the
    upcoming list answers as before, from the title words still."""
    from meetups.tasks import title_words_prune

    ended = EventFactory(title="Python de ayer", during=hours(-30, -28))
    upcoming = [EventFactory(title=f"Python en {place}", during=hours(n + 1, n + 3))
                for n, place in enumerate(PLACES[:4])]

    def first_page():
        body = client.get("/api/events/", {"q": "python", "limit": 2}).json()
        return [f["id"] for f in body["features"]], body["links"]

    before = first_page()
    assert words_of(ended) and all(words_of(event) for event in upcoming)

    title_words_prune.delay()
    wait_for(lambda: not words_of(ended))
    assert all(words_of(event) for event in upcoming)
    assert first_page() == before
    # One DELETE, however many rows: nothing is read into Python.
    EventFactory(title="Python de anteayer", during=hours(-60, -58))
    with CaptureQueriesContext(connection) as captured:
        assert title_words_prune() == 3
    statements = [q["sql"].split()[0] for q in captured.captured_queries]
    assert [word for word in statements if word not in {"BEGIN", "COMMIT"}] == ["DELETE"]


def test_the_prune_is_scheduled_nightly_for_a_task_the_worker_knows():
    import importlib

    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    from geoconfig.celery import app

    migration = importlib.import_module(
        "meetups.migrations.0021_beat_schedule_for_the_title_words_prune"
    )
    PeriodicTask.objects.filter(name=migration.NAME).delete()
    migration.create_schedule(apps, None)
    schedule = PeriodicTask.objects.get(name=migration.NAME)
    app.loader.import_default_modules()
    assert schedule.task in app.tasks and schedule.enabled
    assert (schedule.crontab.hour, schedule.crontab.day_of_week) == ("4", "*")
