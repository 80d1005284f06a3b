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
from django.db.models import BooleanField, FloatField, Func, TextField, Value


class Unaccented(Func):
    """``cerca_unaccent(lower(expression))``: the text in lower case, accents removed.

    Immutable, so it may be indexed and used in generated columns. Takes a
    field name, an expression, or ``Value(text)`` for user input.
    """

    template = "cerca_unaccent(lower(%(expressions)s))"
    arity = 1
    output_field = TextField()


class WithWordSimilarityThreshold(Func):
    """The text, read from a subquery that first sets pg_trgm's word similarity threshold.

    ``Unaccented(field) %> WithWordSimilarityThreshold(text, 0.4)`` is
    ``word_similarity(text, name) >= 0.4`` in a form a GIN ``gin_trgm_ops``
    index serves (the function form cannot use an index; the operator reads
    its threshold from ``pg_trgm.word_similarity_threshold``). The subquery is
    uncorrelated, so PostgreSQL runs it once, as an InitPlan, and it must run
    before the operator can: its result is the operator's right-hand side. So
    the index scan, the recheck and any sequential scan all see the threshold,
    whatever plan is chosen. ``set_config(..., true)`` lasts until the end of
    the transaction: in autocommit that is this statement; inside
    ``atomic()``, later ``%>`` and ``<%`` in the same transaction see it too,
    so a query that needs another threshold must set its own.
    """

    template = (
        "(SELECT %(expressions)s FROM set_config("
        "'pg_trgm.word_similarity_threshold', %(threshold)s, true))"
    )
    arity = 1
    output_field = TextField()

    def __init__(self, expression, threshold, **extra):
        self.threshold = float(threshold)
        if not 0 <= self.threshold <= 1:
            raise ValueError("A word similarity threshold lies in [0, 1].")
        super().__init__(expression, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        threshold_sql, threshold_params = compiler.compile(Value(str(self.threshold)))
        sql, params = super().as_sql(
            compiler, connection, threshold=threshold_sql, **extra_context
        )
        # The threshold's placeholder comes after the text's in the SQL.
        return sql, (*params, *threshold_params)


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
