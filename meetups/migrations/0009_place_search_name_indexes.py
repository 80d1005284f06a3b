import django.contrib.postgres.indexes
import django.db.models.functions.comparison
import places.functions
from django.db import migrations, models


class Migration(migrations.Migration):
    """The indexes the place search finds venues by (meetups/place_sources.py):
    the folded name in order (btree) and its words (GIN full text)."""

    dependencies = [
        ('meetups', '0008_event_cancellation_record_and_time_zone_field'),
        ('places', '0002_cerca_unaccent_and_city_gazetteer'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='venue',
            index=django.contrib.postgres.indexes.GinIndex(places.functions.Words(places.functions.Unaccented('name')), name='venue_name_words'),
        ),
        migrations.AddIndex(
            model_name='venue',
            index=models.Index(django.db.models.functions.comparison.Collate(places.functions.Unaccented('name'), 'C'), name='venue_name_folded'),
        ),
    ]
