import django.contrib.postgres.indexes
import places.functions
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations


class Migration(migrations.Migration):
    """The trigram index of the folded name that search()'s typo match
    (name %> text) runs on, beside the full text's GIN index. Built
    concurrently: at a million groups it takes seconds, and writes go on."""

    atomic = False

    dependencies = [
        ('places', '0002_cerca_unaccent_and_city_gazetteer'),
        ('studygroups', '0013_list_order_index'),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='studygroup',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(places.functions.Unaccented('name'), name='gin_trgm_ops'), name='studygroup_name_trgm'),
        ),
    ]
