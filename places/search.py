"""Full-text and fuzzy search shared by study groups and events.

Each searchable model stores a generated ``search_vector`` column (GIN
indexed): its texts without accents, stemmed with PostgreSQL's Spanish or
English configuration. A query is matched in both languages, so "matemáticas"
and "math" both find what they should, and a trigram match on the name
forgives typos ("pyton" finds Python). Both are served by GIN indexes (see
``SearchQuerySetMixin``).
"""

import re
from functools import reduce
from operator import add, or_

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
    TrigramWordSimilarity,
)
from django.db import connection, models
from django.db.models import Case, F, Func, Q, Value, When

from places.functions import Matches, Unaccented, WithWordSimilarityThreshold
from places.paging import RowAfter

CONFIGS = {"es": "spanish", "en": "english"}
# Word similarity of the query to the name at which a typo still counts:
# "pyton" is 0.5 from "Python" (pg_trgm's own default, 0.6, would miss it),
# "matematica" 0.9 from "Matemáticas".
TRIGRAM_THRESHOLD = 0.4


def weighted_vector(config, weighted_fields):
    """``setweight(to_tsvector(config, unaccented text), weight) || ...``."""
    return reduce(
        add,
        (
            SearchVector(Unaccented(field), config=config, weight=weight)
            for field, weight in weighted_fields
        ),
    )


def language_search_vector(weighted_fields, language_field="language"):
    """A search vector stemmed in the row's own language (es or en).

    Immutable, so it can be a generated column: the configs are literals and
    ``cerca_unaccent`` is an immutable wrapper of unaccent.
    """
    return Case(
        When(
            **{language_field: "en"},
            then=weighted_vector(CONFIGS["en"], weighted_fields),
        ),
        default=weighted_vector(CONFIGS["es"], weighted_fields),
        output_field=SearchVectorField(),
    )


def bilingual_search_vector(weighted_fields):
    """A search vector stemmed in both languages, for rows without a language."""
    return weighted_vector(CONFIGS["es"], weighted_fields) + weighted_vector(
        CONFIGS["en"], weighted_fields
    )


class SearchQuerySetMixin:
    """``search(text)`` for QuerySets of models with a ``search_vector`` column.

    The model indexes ``search_vector`` with GIN, and ``Unaccented(trigram_field)``
    with GIN ``gin_trgm_ops`` (``trigram_index``), so that both halves of the
    match are index conditions and PostgreSQL reads only the matching rows
    (a BitmapOr of the two indexes), never the whole table.
    """

    trigram_field = "name"

    def search(self, text):
        """Rows matching ``text`` in full text (either language) or, for typos,
        by trigram word similarity of the name; annotated with ``search_rank``
        (higher is more relevant). Accents and case are ignored.

        ``search_rank`` is, for a full-text match, its ``ts_rank`` in each
        language (name words weigh more than description words) plus 1 when
        the name's own words match; otherwise the word similarity of the text
        to the name (TRIGRAM_THRESHOLD to 1). A name that says the word thus
        comes first, a typo ranks with a word in the description. A common
        word matches tens of thousands of rows, each of them ranked, so the
        rank costs a microsecond or two a row, on the row already read: the
        name's trigram similarity (several times dearer) is worked out only
        for the rows the full text misses.
        """
        text = " ".join(text.split())
        unaccented = Unaccented(Value(text))
        queries = [
            SearchQuery(unaccented, config=config, search_type="websearch")
            for config in CONFIGS.values()
        ]
        # One tsquery (q_es || q_en), so one scan of the GIN index answers both.
        either = reduce(or_, queries)
        full_text = Q(search_vector=either)
        # name %> text, with the threshold set for it: the index's operator.
        typo = Q(
            TrigramWordSimilar(
                Unaccented(self.trigram_field),
                WithWordSimilarityThreshold(unaccented, TRIGRAM_THRESHOLD),
            )
        )
        # The name's own words (weight A) match: what the name's similarity
        # was to a full-text match, for a fraction of its cost.
        in_name = Matches(Func(F("search_vector"), Value("{a}"), function="ts_filter"), either)
        return self.filter(full_text | typo).annotate(
            search_rank=Case(
                When(
                    full_text,
                    then=reduce(
                        add,
                        [SearchRank(F("search_vector"), query) for query in queries],
                        Case(When(in_name, then=Value(1.0)), default=Value(0.0)),
                    ),
                ),
                default=TrigramWordSimilarity(unaccented, Unaccented(self.trigram_field)),
                output_field=models.FloatField(),
            )
        )


def trigram_index(field, name):
    """A GIN trigram index on ``Unaccented(field)``: it serves ``search()``'s
    typo match (``%>``) and ``LIKE '%text%'`` on the folded field. Put it in
    Meta.indexes; its migration depends on places 0002 (``cerca_unaccent``)."""
    return GinIndex(OpClass(Unaccented(field), name="gin_trgm_ops"), name=name)


# websearch_to_tsquery's text for a single lexeme: 'python'.
ONE_LEXEME = re.compile(r"'([^'\\]+)'")


def one_word_stems(text):
    """The (Spanish, English) lexemes ``search(text)`` looks for when
    ``text`` is one word in both languages ("python": both 'python';
    "historia": 'histori' and 'historia'), else None ("dos palabras", a stop
    word, "-python")."""
    text = " ".join(text.split())
    if not text:
        return None
    with connection.cursor() as cursor:
        # As search(): cerca_unaccent(lower(text)), each language.
        cursor.execute(
            "SELECT websearch_to_tsquery('spanish', cerca_unaccent(lower(%s)))::text, "
            "websearch_to_tsquery('english', cerca_unaccent(lower(%s)))::text",
            [text, text],
        )
        queries = cursor.fetchone()
    found = [ONE_LEXEME.fullmatch(query) for query in queries]
    return tuple(match.group(1) for match in found) if all(found) else None


def first_word_ids(words, keys, fields, id_field, count, after=None):
    """The ``id_field`` of the first ``count`` rows of ``words`` (a
    QuerySet of a words table: one lexeme's rows) in the order of the
    ``keys`` (field names, a B-tree's), after their values ``after`` (typed
    as the model ``fields``) if given."""
    keys = [F(key) for key in keys]
    if after is not None:
        words = words.filter(RowAfter(keys, after, fields))
    return list(words.order_by(*keys).values_list(id_field, flat=True)[:count])
