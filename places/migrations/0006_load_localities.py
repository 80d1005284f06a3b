"""Load the curated neighbourhoods and campuses of places/data/localities.csv.

A later change to the file comes with a migration that calls
``places.localities.sync_localities`` again.
"""

from django.db import migrations


def load_localities(apps, schema_editor):
    from places.localities import sync_localities

    sync_localities(apps.get_model("places", "Locality"), apps.get_model("places", "LocalityName"))


def delete_localities(apps, schema_editor):
    apps.get_model("places", "Locality").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0005_load_geonames_places_near_cerca_cities"),
    ]

    operations = [
        migrations.RunPython(load_localities, delete_localities, elidable=False),
    ]
