"""Database functions shared by every app's queries.

``Unaccented`` is the one way Cerca compares names without accents or case:
"Bogotá", "BOGOTA" and "bogota" all become ``bogota``. Use it on both sides of
a comparison, and in the index that serves it, so the expressions match:

    GinIndex(OpClass(Unaccented("name"), name="gin_trgm_ops"), name="..._trgm")
    queryset.annotate(similarity=TrigramSimilarity(Unaccented("name"),
                                                   Unaccented(Value(text))))

PostgreSQL's own ``unaccent()`` is only STABLE (its dictionary could be
changed), so it cannot appear in an index or a generated column. The migration
``places/0002`` creates ``cerca_unaccent(text)``, an IMMUTABLE wrapper that
names its dictionary explicitly; a migration that indexes ``Unaccented(...)``
must depend on that one.
"""

from django.contrib.postgres.search import SearchQueryField, SearchVectorField
from django.db.models import BooleanField, FloatField, Func, TextField


class Unaccented(Func):
    """``cerca_unaccent(lower(expression))``: the text in lower case, accents removed.

    Immutable, so it may be indexed and used in generated columns. Takes a
    field name, an expression, or ``Value(text)`` for user input.
    """

    template = "cerca_unaccent(lower(%(expressions)s))"
    arity = 1
    output_field = TextField()


class PointLon(Func):
    """``ST_X(point)``: the longitude of a geometry point, in degrees."""

    function = "ST_X"
    arity = 1
    output_field = FloatField()


class PointLat(Func):
    """``ST_Y(point)``: the latitude of a geometry point, in degrees."""

    function = "ST_Y"
    arity = 1
    output_field = FloatField()


class Words(Func):
    """``to_tsvector('simple', text)``: the words of a text, unstemmed.

    Indexed with GIN over ``Unaccented(name)``, it answers ``WordStarts``
    exactly (no recheck), so a LIMIT stops the reading after that many rows
    even for a word a fifth of the names have.
    """

    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    arity = 1
    output_field = SearchVectorField()


class WordStarts(Func):
    """A tsquery: every word of the text starts a word (``'luis':* & 'angel':*``).

    plainto_tsquery splits the text as to_tsvector does and quotes each word,
    so the text cannot inject tsquery operators; each quoted word then gets
    the prefix mark.
    """

    template = (
        "to_tsquery('simple'::regconfig, regexp_replace("
        "plainto_tsquery('simple'::regconfig, %(expressions)s)::text, '''( |$)', ''':*\\1', 'g'))"
    )
    arity = 1
    output_field = SearchQueryField()


class Matches(Func):
    """``words @@ query``: the tsvector matches the tsquery."""

    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    arity = 2
    output_field = BooleanField()
