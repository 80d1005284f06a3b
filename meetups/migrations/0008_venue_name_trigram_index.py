import django.contrib.postgres.indexes
import places.functions
from django.db import migrations


class Migration(migrations.Migration):
    """The trigram index the place search finds venues by (meetups/place_sources.py)."""

    dependencies = [
        ('meetups', '0007_event_series'),
        ('places', '0002_cerca_unaccent_and_city_gazetteer'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='venue',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(places.functions.Unaccented('name'), name='gin_trgm_ops'), name='venue_name_trgm'),
        ),
    ]
