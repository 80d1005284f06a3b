import django.contrib.postgres.indexes
import django.db.models.functions.comparison
import places.functions
from django.db import migrations, models


class Migration(migrations.Migration):
    """The indexes the place search finds meeting areas by
    (studygroups/place_sources.py): the folded name and address in order
    (btree), and the name's words (GIN full text)."""

    dependencies = [
        ('places', '0002_cerca_unaccent_and_city_gazetteer'),
        ('studygroups', '0011_studygroup_time_zone_from_nearest_city'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='studygroup',
            index=django.contrib.postgres.indexes.GinIndex(places.functions.Words(places.functions.Unaccented('name')), name='studygroup_name_words'),
        ),
        migrations.AddIndex(
            model_name='studygroup',
            index=models.Index(django.db.models.functions.comparison.Collate(places.functions.Unaccented('name'), 'C'), name='studygroup_name_folded'),
        ),
        migrations.AddIndex(
            model_name='studygroup',
            index=models.Index(django.db.models.functions.comparison.Collate(places.functions.Unaccented('address'), 'C'), name='studygroup_address_folded'),
        ),
    ]
