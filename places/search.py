"""Full-text and fuzzy search shared by study groups and events.

Each searchable model stores a generated ``search_vector`` column (GIN
indexed): its texts without accents, stemmed with PostgreSQL's Spanish or
English configuration. A query is matched in both languages, so "matemáticas"
and "math" both find what they should, and a trigram match on the name
forgives typos ("pyton" finds Python).
"""

from functools import reduce
from operator import add, or_

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
    TrigramWordSimilarity,
)
from django.db import models
from django.db.models import Case, F, Q, Value, When

from places.functions import Unaccented

CONFIGS = {"es": "spanish", "en": "english"}
# Word similarity of the query to the name at which a typo still counts:
# "pyton" is 0.44 from "Python" (pg_trgm's own default, 0.6, would miss it).
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
    """``search(text)`` for QuerySets of models with a ``search_vector`` column."""

    trigram_field = "name"

    def search(self, text):
        """Rows matching ``text`` in full text (either language) or, for typos,
        by trigram word similarity of the name; annotated with ``search_rank``
        (higher is more relevant). Accents and case are ignored."""
        text = " ".join(text.split())
        unaccented = Unaccented(Value(text))
        queries = [
            SearchQuery(unaccented, config=config, search_type="websearch")
            for config in CONFIGS.values()
        ]
        fuzzy = Q(_name_similarity__gte=TRIGRAM_THRESHOLD)
        return (
            self.alias(
                _name_similarity=TrigramWordSimilarity(unaccented, Unaccented(self.trigram_field))
            )
            .filter(reduce(or_, [Q(search_vector=query) for query in queries]) | fuzzy)
            .annotate(
                search_rank=models.ExpressionWrapper(
                    reduce(add, [SearchRank(F("search_vector"), query) for query in queries])
                    + Case(When(fuzzy, then=F("_name_similarity")), default=Value(0.0)),
                    output_field=models.FloatField(),
                )
            )
        )
