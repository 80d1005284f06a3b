"""The best matches of a one-word ``q``, read in order from the name words'
index instead of ranking every match.

``search(text)`` looks for the text's Spanish stem and its English stem. It
ranks a group with either in its name at (1 + r_es) + r_en, each r the
group's ``ts_rank`` for one stem (0 without it), and any other match below
1: a word in the description ranks at most 0.4 a language, a typo of the
name at most 1.0. NameWord holds, for each stem in each visible group's
name, -((1 + r) + r), in order on its primary key. So:

- When both stems are the same lexeme ("python"), the first rows of a
  ranked list (-search_rank, name, id) are NameWord's first rows for it,
  after a cursor as well: at a million groups "python" matches 65,000, and
  ranking them all took 300 ms.
- When they differ ("historia": Spanish 'histori', English 'historia'), a
  group with only one of them ranks in that stem's order, so the first page
  is among the first rows of each stem and the few groups that have both.
  Later pages rank every match as before.

A caller restricts its own query (with every filter it has) to these ids,
ranks them, and keeps the result only if all of them pass its filters and
at least as many as it asked for remain: then no row it would have found
ranks among them. Otherwise it runs the query as before.
"""

import re

from django.contrib.postgres.search import SearchQueryField
from django.db import connection, models
from django.db.models import F, Func, Value
from django.db.models.functions import Cast

from places import paging
from places.functions import Matches

from .models import NameWord, StudyGroup

# websearch_to_tsquery's text for a single lexeme: 'python'.
ONE_LEXEME = re.compile(r"'([^'\\]+)'")


def stems(text):
    """The (Spanish, English) lexemes ``search(text)`` looks for when
    ``text`` is one word in both languages ("python": both 'python';
    "historia": 'histori' and 'historia'), else None ("dos palabras", a stop
    word, "-python")."""
    text = " ".join(text.split())
    if not text:
        return None
    with connection.cursor() as cursor:
        # As places.search: cerca_unaccent(lower(text)), each language.
        cursor.execute(
            "SELECT websearch_to_tsquery('spanish', cerca_unaccent(lower(%s)))::text, "
            "websearch_to_tsquery('english', cerca_unaccent(lower(%s)))::text",
            [text, text],
        )
        queries = cursor.fetchone()
    found = [ONE_LEXEME.fullmatch(query) for query in queries]
    return tuple(match.group(1) for match in found) if all(found) else None


def first_of(lexeme, count, after=None):
    """The ids of the first ``count`` groups with ``lexeme`` in their name,
    in NameWord's order, after its keys ``after`` if given."""
    keys = [F("neg_rank"), F("name"), F("study_group_id")]
    words = NameWord.objects.filter(lexeme=lexeme)
    if after is not None:
        fields = [models.FloatField(), models.CharField(), models.BigIntegerField()]
        words = words.filter(paging.RowAfter(keys, after, fields))
    return list(words.order_by(*keys).values_list("study_group_id", flat=True)[:count])


def first_matches(text, count, after=None):
    """Ids among which are the first ``count`` rows of a ranked list of
    visible groups matching ``text`` (-search_rank, name, id), after the sort
    keys ``after`` (a cursor's) if given; at least ``count`` of them, or None
    when the name words cannot tell (see the module's docstring)."""
    found = stems(text)
    if found is None:
        return None
    spanish, english = found
    if spanish == english:
        ids = first_of(spanish, count, after)
    elif after is not None:
        return None
    else:
        # Groups with both stems rank above their place in either's order.
        both = both_stems(spanish, english, count + 1)
        if len(both) > count:
            return None
        ids = list(dict.fromkeys([*first_of(spanish, count), *first_of(english, count), *both]))
    return ids if len(ids) >= count else None


def both_stems(first, second, limit):
    """Up to ``limit`` ids of visible groups whose search vector holds both
    lexemes, one of them in the name (on the search vector's GIN index)."""

    def query(operator):
        # The lexemes hold no quote or backslash (ONE_LEXEME).
        return Cast(Value(f"'{first}' {operator} '{second}'"), SearchQueryField())

    name = Func(F("search_vector"), Value("{a}"), function="ts_filter")
    groups = StudyGroup.objects.visible().filter(
        Matches(F("search_vector"), query("&")), Matches(name, query("|"))
    )
    return list(groups.values_list("pk", flat=True)[:limit])


def matches_at_least(text):
    """A floor of how many visible groups match ``text`` (one word), counted
    only as far as the count's limit: those with a stem of it in their name
    (0 when the text is not one word)."""
    found = stems(text)
    if found is None:
        return 0
    limit = paging.EXACT_COUNT_LIMIT + 1
    return max(
        NameWord.objects.filter(lexeme=lexeme)[:limit].count() for lexeme in set(found)
    )
