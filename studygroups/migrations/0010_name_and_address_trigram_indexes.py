import django.contrib.postgres.indexes
import places.functions
from django.db import migrations


class Migration(migrations.Migration):
    """The trigram indexes the place search finds meeting areas by
    (studygroups/place_sources.py)."""

    dependencies = [
        ('places', '0002_cerca_unaccent_and_city_gazetteer'),
        ('studygroups', '0009_join_policy_and_membership_status_database_defaults'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='studygroup',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(places.functions.Unaccented('name'), name='gin_trgm_ops'), name='studygroup_name_trgm'),
        ),
        migrations.AddIndex(
            model_name='studygroup',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(places.functions.Unaccented('address'), name='gin_trgm_ops'), name='studygroup_address_trgm'),
        ),
    ]
