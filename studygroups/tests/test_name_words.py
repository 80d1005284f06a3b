"""The name words (studygroups.name_words, migration 0032): each visible
group's name stems with the rank ``q`` of that word gives it, kept by the
database on every write, and the ranked lists that read their first rows from
them. The oracle is the same list ranked over every match, as before the
name words (``first_matches`` switched off, tests/ranked_pages.py): page after
page, through the API and the groups page, with filters, hidden groups and
ties."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from places import paging
from places.search import one_word_stems
from studygroups import api, finder, name_words
from studygroups.models import NameWord, StudyGroup
from studygroups.moderation import content_hide
from tests.ranked_pages import pages_both_ways

from .factories import StudyGroupFactory, TopicFactory

pytestmark = pytest.mark.django_db

CITIES = [
    "Chapinero", "Usaquén", "Suba", "Teusaquillo", "Kennedy", "Bosa", "Engativá",
    "Fontibón", "Laureles", "El Poblado", "Malasaña", "Lavapiés", "Chamberí",
    "Gràcia", "Coyoacán", "Roma Norte", "Palermo", "Recoleta", "Miraflores",
    "Barranco", "Providencia", "Ñuñoa", "Ciudad Universitaria", "La Candelaria",
    "Belgrano", "Condesa",
]


def words_of(group):
    return dict(
        NameWord.objects.filter(study_group=group).values_list("lexeme", "neg_rank")
    )


@pytest.fixture
def groups(django_user_model):
    """26 "Python <neighbourhood>" groups (English and Spanish, some saying
    Python again in the description: three ranks, ties by name), a hidden
    one, a description match, a typo, groups on history in both languages,
    and a topic on some."""
    topic = TopicFactory(slug="python", name_es="Python", name_en="Python")
    python = []
    for n, city in enumerate(CITIES):
        group = StudyGroupFactory(
            name=f"Python {city}",
            language="en" if n % 3 == 0 else "es",
            description="Python cada semana, con Python." if n % 4 == 0 else "Nos reunimos.",
            is_online=n % 5 == 0,
        )
        if n % 2:
            group.topics.add(topic)
        python.append(group)
    StudyGroupFactory(name="Ciencia de datos", description="Usamos Python y R.")
    StudyGroupFactory(name="Pyton sin prisa")
    hidden = StudyGroupFactory(name="Python gratis, haz clic")
    moderator = django_user_model.objects.create_superuser("mod", "mod@example.org", "x")
    content_hide(actor=moderator, target=hidden, reason="Spam.")
    for n, city in enumerate(CITIES[:12]):
        StudyGroupFactory(name=f"Historia de {city}", language="es")
        StudyGroupFactory(name=f"History of {city}", language="en",
                          description="Historia local." if n % 2 else "")
    return python


def test_every_name_word_has_the_rank_search_gives_its_group(groups):
    checked = set()
    for lexeme in set(NameWord.objects.values_list("lexeme", flat=True)):
        if one_word_stems(lexeme) != (lexeme, lexeme):
            continue  # a stem that is not a word of its own ("histori")
        ranks = dict(StudyGroup.objects.search(lexeme).values_list("pk", "search_rank"))
        for row in NameWord.objects.filter(lexeme=lexeme):
            # Exactly: the list's cursor compares these doubles.
            assert row.neg_rank == -ranks[row.study_group_id], row
            checked.add(lexeme)
    assert "python" in checked and len(checked) > 10
    # Three ranks among the 26 (the word once, twice and thrice), all above 1.
    python = {-rank for rank in NameWord.objects.filter(lexeme="python")
              .values_list("neg_rank", flat=True)}
    assert len(python) >= 2 and min(python) > 1


def test_a_hidden_group_has_no_name_words(groups):
    assert not NameWord.objects.filter(name__startswith="Python gratis").exists()
    assert NameWord.objects.filter(lexeme="python").count() == len(groups)


def test_the_rows_follow_each_write_of_a_group(django_user_model):
    group = StudyGroupFactory(name="Taller de Rust", language="es")
    assert set(words_of(group)) == {"tall", "rust"}
    before = words_of(group)["rust"]

    # Saying it again in the description ranks it higher.
    StudyGroup.objects.filter(pk=group.pk).update(description="Rust, rust y más Rust.")
    assert words_of(group)["rust"] < before

    group.name = "Círculo de Haskell"
    group.save()
    assert set(words_of(group)) == {"circul", "haskell"}
    assert set(NameWord.objects.filter(study_group=group).values_list("name", flat=True)) == {
        "Círculo de Haskell"
    }

    # English stems English.
    StudyGroup.objects.filter(pk=group.pk).update(language="en", name="Haskell students")
    assert set(words_of(group)) == {"haskel", "student"}

    moderator = django_user_model.objects.create_superuser("mod", "mod@example.org", "x")
    content_hide(actor=moderator, target=group, reason="Spam.")
    assert words_of(group) == {}
    content_hide(actor=moderator, target=group, reason="Aclarado.", hidden=False)
    assert set(words_of(group)) == {"haskel", "student"}

    # An update that changes nothing searched leaves the rows alone.
    StudyGroup.objects.filter(pk=group.pk).update(capacity=12)
    assert set(words_of(group)) == {"haskel", "student"}

    group.delete()
    assert not NameWord.objects.filter(study_group_id=group.pk).exists()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("python", ("python", "python")),
        ("  PYTHÓN ", ("python", "python")),
        ("historia", ("histori", "historia")),
        ("dos palabras", None),
        ("-python", None),
        ("de", None),
        ("", None),
        ("'", None),
    ],
)
def test_stems_of_one_word_only(text, expected):
    assert one_word_stems(text) == expected


@pytest.mark.parametrize(
    "params, served",
    [
        ({"q": "python", "limit": 1}, True),
        ({"q": "python", "limit": 5}, True),
        ({"q": "Python", "limit": 25}, True),
        # 26 name matches: a page of 26 and its next row need a 27th.
        ({"q": "python", "limit": 26}, False),
        ({"q": "python", "limit": 100}, False),
        # Filters: served only if all of the first name matches pass them.
        ({"q": "python", "limit": 4, "topic": "python"}, None),
        ({"q": "python", "limit": 3, "online": "true"}, None),
        # Spanish 'histori', English 'historia': each stem's rows, and both.
        ({"q": "historia", "limit": 5}, True),
        ({"q": "history", "limit": 7}, True),
        ({"q": "pyton", "limit": 5}, False),
        ({"q": "ciencia datos", "limit": 5}, False),
    ],
)
def test_api_pages_are_those_of_the_list_ranked_over_every_match(
    client, groups, monkeypatch, params, served
):
    fast, slow, decided = pages_both_ways(
        client, monkeypatch, "/api/studygroups/", api.StudyGroupKind, params
    )
    assert fast == slow
    assert fast[0][0]
    if served is not None:
        assert decided[0] is served


def test_many_name_matches_are_not_counted(client, groups, monkeypatch):
    monkeypatch.setattr(paging, "EXACT_COUNT_LIMIT", 10)
    with CaptureQueriesContext(connection) as captured:
        body = client.get("/api/studygroups/", {"q": "python", "limit": 2}).json()
    # Left out, as any count past the limit.
    assert "numberMatched" not in body and len(body["features"]) == 2
    counts = [q["sql"] for q in captured.captured_queries
              if q["sql"].startswith("SELECT COUNT(*)") and "studygroups_studygroup" in q["sql"]]
    assert counts == []
    # With a filter the floor does not hold: the matches are counted.
    with CaptureQueriesContext(connection) as captured:
        body = client.get("/api/studygroups/", {"q": "python", "limit": 2, "online": "true"}).json()
    assert body["numberMatched"] == 6
    assert [q for q in captured.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]


def groups_page_names(client, params):
    names, url = [], "/groups/"
    while url:
        response = client.get(url, params if not names else None)
        assert response.status_code == 200
        names.append([group.name for group in response.context["groups"]])
        url = response.context["next_url"]
    return names


@pytest.mark.parametrize("text", ["python", "historia", "pyton"])
def test_the_groups_page_pages_are_those_ranked_over_every_match(
    client, groups, monkeypatch, text
):
    monkeypatch.setattr(finder, "PAGE_SIZE", 4)
    fast = groups_page_names(client, {"q": text})
    monkeypatch.setattr(name_words, "first_matches", lambda *args: None)
    assert fast == groups_page_names(client, {"q": text})
    assert sum(len(page) for page in fast) > 8
    ranks = dict(
        StudyGroup.objects.visible().search(text).values_list("name", "search_rank")
    )
    flat = [name for page in fast for name in page]
    assert [ranks[name] for name in flat] == sorted(ranks.values(), reverse=True)
