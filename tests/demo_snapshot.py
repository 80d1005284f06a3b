"""The demo fixture for tests, in a fraction of ``loaddata``'s time.

``loaddata demo`` saves its 2,779 objects one at a time, each with its
triggers: 5 to 7 s here, paid again by every browser test (their flush empties
the tables) and every module that loads it. ``load_demo()`` runs ``loaddata``
once a run, notes which tables it changed (rows it inserted, and what the
triggers wrote from them: the groups' summaries, the tiles' versions) and copies
them out; later calls copy those rows back in (``COPY``, triggers off, as they
were written already), then set the sequences as ``loaddata`` does.

The copy is the database as ``loaddata`` left it, so tests see the same rows.
It is used only when the tables it fills are empty (after a flush, or in a
fresh transaction), and falls back to ``loaddata`` where it cannot be used:
turning triggers off (``session_replication_role``) takes a superuser, which
the project-local cluster's owner is and a ``DATABASE_URL`` given may not be.
"""

import io

from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction

from places.models import City, CityName, Locality, LocalityName

# Reference data no demo row touches, and the biggest tables: not compared.
SKIPPED = {model._meta.db_table for model in (City, CityName, Locality, LocalityName)}

_copied = None  # [(table, rows as COPY text)], once loaddata has run on empty tables


def _tables():
    return [
        table
        for table in connection.introspection.django_table_names(
            only_existing=True, include_views=False
        )
        if table not in SKIPPED and not table.startswith("places_basemap")
    ]


def _states(cursor, tables):
    """Each table's row count and a digest of its rows."""
    states = {}
    for table in tables:
        name = connection.ops.quote_name(table)
        cursor.execute(
            f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
            f"FROM {name} AS t"
        )
        states[table] = cursor.fetchone()
    return states


def _capture():
    """``loaddata demo``, and the rows of every table it changed."""
    tables = _tables()
    with connection.cursor() as cursor:
        before = _states(cursor, tables)
    # In autocommit, loaddata closes the connection when it is done.
    call_command("loaddata", "demo", verbosity=0)
    with connection.cursor() as cursor:
        after = _states(cursor, tables)
        changed = [table for table in tables if after[table] != before[table]]
        # Only tables it filled from empty can be put back as they were
        # (and nothing changed means the demo was there already).
        if not changed or any(before[table][0] for table in changed):
            return None
        copied = []
        for table in changed:
            rows = io.StringIO()
            cursor.copy_expert(f"COPY {connection.ops.quote_name(table)} TO STDOUT", rows)
            copied.append((table, rows.getvalue()))
        return copied


def _restore(copied):
    """The copied rows back in their (empty) tables; False if it cannot be done."""
    models = {
        model._meta.db_table: model for model in apps.get_models(include_auto_created=True)
    }
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for table, _rows in copied:
                cursor.execute(f"SELECT EXISTS (SELECT FROM {connection.ops.quote_name(table)})")
                if cursor.fetchone()[0]:
                    return False
            # The triggers' rows are among the copied ones; foreign keys held
            # when they were copied out.
            cursor.execute("SET LOCAL session_replication_role = replica")
            for table, rows in copied:
                cursor.copy_expert(
                    f"COPY {connection.ops.quote_name(table)} FROM STDIN", io.StringIO(rows)
                )
            cursor.execute("SET LOCAL session_replication_role = origin")
            for sql in connection.ops.sequence_reset_sql(
                no_style(), [models[table] for table, _rows in copied if table in models]
            ):
                cursor.execute(sql)
    except DatabaseError:
        return False
    return True


def load_demo():
    """The demo's rows in the database, as ``call_command("loaddata", "demo")``."""
    global _copied
    if _copied is None:
        # Tried again next time if the tables were not empty this time.
        _copied = _capture()
    elif not _restore(_copied):
        call_command("loaddata", "demo", verbosity=0)
