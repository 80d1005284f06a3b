"""Keyset (cursor) pages and counts that stay cheap at a million rows.

An ``OFFSET`` makes PostgreSQL build and throw away every skipped row, so page
1,000 of a layer costs a thousand pages. A keyset page asks instead for the
rows *after* the last one the client saw, in the list's own order: ``WHERE
(key1, key2, pk) > (v1, v2, v3) ORDER BY key1, key2, pk LIMIT n``, which a
B-tree index on those keys answers from where it left off. The ``next`` link
carries the last row's keys as an opaque ``cursor``.

Counting every match for ``numberMatched`` is a scan of them all; it is
counted only up to ``EXACT_COUNT_LIMIT`` and left out beyond, as OGC API -
Features allows.
"""

import base64
import binascii
import datetime
import json

from django.db import models
from django.db.models import Expression, Value
from django.utils.translation import gettext as _

from places import parsers

# Counting this many matches is an index range scan of a millisecond or two;
# beyond it, numberMatched is left out. (At 10,000 the count was most of a
# dense near-me request at a million rows.)
EXACT_COUNT_LIMIT = 1_000
# Offsets past this are refused: the next link's cursor goes further for the
# price of the first page.
MAX_OFFSET = 10_000


class RowAfter(Expression):
    """``(key1, key2, ...) > (value1, value2, ...)``: a row comparison, which a
    B-tree index on the same keys serves as a range scan."""

    output_field = models.BooleanField()

    def __init__(self, keys, values, fields):
        super().__init__()
        self.keys = list(keys)
        self.values = [Value(value, output_field=field) for value, field in zip(values, fields)]

    def get_source_expressions(self):
        return [*self.keys, *self.values]

    def set_source_expressions(self, expressions):
        self.keys, self.values = expressions[: len(self.keys)], expressions[len(self.keys) :]

    def as_sql(self, compiler, connection):
        sides, params = [], []
        for side in (self.keys, self.values):
            parts = []
            for expression in side:
                sql, part_params = compiler.compile(expression)
                parts.append(sql)
                params.extend(part_params)
            sides.append(", ".join(parts))
        return f"(({sides[0]}) > ({sides[1]}))", params


def _encode_value(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return value


def encode_cursor(values):
    """The opaque ``cursor`` of a row whose sort keys are ``values``."""
    text = json.dumps([_encode_value(value) for value in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(token, fields, param="cursor"):
    """The sort key values in ``token``, typed as the model ``fields`` of the
    keys expect; a 400 naming ``param`` for anything a next link could not have
    made."""
    invalid = parsers.InvalidParameter(
        param, _("Not a cursor from a next link; follow the links as given.")
    )
    try:
        padded = token + "=" * (-len(token) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    # RecursionError: JSON nested a thousand deep.
    except (ValueError, binascii.Error, UnicodeError, RecursionError):
        raise invalid
    if not isinstance(values, list) or len(values) != len(fields):
        raise invalid
    typed = []
    for field, value in zip(fields, values):
        if isinstance(field, models.DateTimeField):
            moment = None
            if isinstance(value, str):
                try:
                    moment = datetime.datetime.fromisoformat(value)
                except ValueError:
                    pass
            if moment is None or moment.tzinfo is None:
                raise invalid
            typed.append(moment)
        elif isinstance(field, (models.IntegerField, models.AutoField)):
            if not isinstance(value, int) or isinstance(value, bool) or abs(value) >= 2**63:
                raise invalid
            typed.append(value)
        elif isinstance(field, models.FloatField):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise invalid
            typed.append(float(value))
        else:
            if not isinstance(value, str) or "\x00" in value:
                raise invalid
            typed.append(value)
    return typed


def capped_count(queryset, limit=None, at_least=0):
    """How many rows ``queryset`` has, or None when more than ``limit``
    (``EXACT_COUNT_LIMIT``): a ``count(*)`` over at most ``limit + 1`` rows,
    never the whole match. None without a query when ``at_least`` (rows known
    to match) is already more than ``limit``."""
    limit = EXACT_COUNT_LIMIT if limit is None else limit
    if at_least > limit:
        return None
    count = queryset.order_by()[: limit + 1].count()
    return count if count <= limit else None
