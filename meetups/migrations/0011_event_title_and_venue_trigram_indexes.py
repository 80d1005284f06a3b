import django.contrib.postgres.indexes
import places.functions
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations


class Migration(migrations.Migration):
    """Trigram indexes of folded texts: an event's title, for search()'s typo
    match (title %> text), and a venue's name, address and city, for its
    search (LIKE '%text%'). Built concurrently, so writes go on meanwhile."""

    atomic = False

    dependencies = [
        ('places', '0002_cerca_unaccent_and_city_gazetteer'),
        ('meetups', '0010_list_order_indexes'),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='event',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(places.functions.Unaccented('title'), name='gin_trgm_ops'), name='event_title_trgm'),
        ),
        AddIndexConcurrently(
            model_name='venue',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(places.functions.Unaccented('name'), name='gin_trgm_ops'), name='venue_name_trgm'),
        ),
        AddIndexConcurrently(
            model_name='venue',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(places.functions.Unaccented('address'), name='gin_trgm_ops'), name='venue_address_trgm'),
        ),
        AddIndexConcurrently(
            model_name='venue',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(places.functions.Unaccented('city'), name='gin_trgm_ops'), name='venue_city_trgm'),
        ),
    ]
