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

from django.db.models import FloatField, Func, TextField


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
