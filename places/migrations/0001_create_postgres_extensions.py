from django.contrib.postgres.operations import (
    BtreeGistExtension,
    CreateExtension,
    TrigramExtension,
    UnaccentExtension,
)
from django.db import migrations


class Migration(migrations.Migration):
    """The PostgreSQL extensions the ORM relies on.

    postgis: geography columns and spatial functions; pg_trgm: trigram
    similarity; btree_gist: exclusion constraints mixing '=' and '&&';
    unaccent: accent-insensitive search.
    """

    initial = True
    dependencies = []

    operations = [
        CreateExtension("postgis"),
        TrigramExtension(),
        BtreeGistExtension(),
        UnaccentExtension(),
    ]
