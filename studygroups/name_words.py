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
  group with only one of them ranks in that stem's order, so a page is
  among the first rows of each stem (after the cursor's rank, in that
  order) and the few groups that have both.

A caller restricts its own query (with every filter it has) to these ids,
ranks them, and keeps the result only if all of them pass its filters and
at least as many as it asked for remain: then no row it would have found
ranks among them. Otherwise it runs the query as before.
"""

import struct

from django.contrib.postgres.search import SearchQueryField
from django.db import models
from django.db.models import F, Func, Value
from django.db.models.functions import Cast

from places import paging
from places.functions import Matches
from places.search import first_word_ids, one_word_stems

from .models import NameWord, StudyGroup

# NameWord's order: the ranked list's (-search_rank, name, id).
KEYS = ["neg_rank", "name", "study_group_id"]
FIELDS = [models.FloatField(), models.CharField(), models.BigIntegerField()]


def first_of(lexeme, count, after=None):
    """The ids of the first ``count`` groups with ``lexeme`` in their name,
    in NameWord's order, after its keys ``after`` if given."""
    words = NameWord.objects.filter(lexeme=lexeme)
    return first_word_ids(words, KEYS, FIELDS, "study_group_id", count, after)


def first_matches(text, count, after=None):
    """Ids among which are the first ``count`` rows of a ranked list of
    visible groups matching ``text`` (-search_rank, name, id), after the sort
    keys ``after`` (a cursor's) if given; at least ``count`` of them, or None
    when the name words cannot tell (see the module's docstring)."""
    found = one_word_stems(text)
    if found is None:
        return None
    spanish, english = found
    if spanish == english:
        ids = first_of(spanish, count, after)
        return ids if len(ids) == count else None
    # Groups with both stems rank above their place in either's order: they
    # are looked at apart (few: a Spanish and an English word in one group).
    both = both_stems(spanish, english, count + 1)
    if len(both) > count:
        return None
    bound, later = None, both
    if after is not None:
        # A group with one stem ranks (1 + r) + 0: the cursor's rank, less
        # one, is its r, a float4 (unless the cursor's row had both stems),
        # and NameWord's -((1 + r) + r) for it the bound in NameWord's order
        # (both exact in doubles, as PostgreSQL works them out).
        r = -after[0] - 1.0
        if struct.unpack("f", struct.pack("f", r))[0] != r:
            return None
        bound = [-((1.0 + r) + r), after[1], after[2]]
        later = list(
            StudyGroup.objects.filter(pk__in=both)
            .search(text)
            .alias(_rank=-F("search_rank"))
            .filter(paging.RowAfter([F("_rank"), F("name"), F("pk")], after, FIELDS))
            .values_list("pk", flat=True)
        )
    apart = set(both)
    firsts = [
        [pk for pk in first_of(lexeme, count + len(both), bound) if pk not in apart][:count]
        for lexeme in found
    ]
    ids = list(dict.fromkeys([*firsts[0], *firsts[1], *later]))
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
    found = one_word_stems(text)
    if found is None:
        return 0
    limit = paging.EXACT_COUNT_LIMIT + 1
    return max(
        NameWord.objects.filter(lexeme=lexeme)[:limit].count() for lexeme in set(found)
    )
