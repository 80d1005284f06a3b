"""Study groups get a time zone: the zone of the gazetteer city nearest each
group's location (KNN on the cities' GiST index), the site's for online groups
and wherever the gazetteer has no city."""

from django.conf import settings
from django.db import migrations

import places.timezones


def derive_time_zones(apps, schema_editor):
    StudyGroup = apps.get_model("studygroups", "StudyGroup")
    City = apps.get_model("places", "City")
    groups, cities = StudyGroup._meta.db_table, City._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        # One statement: the nearest city of each group through <->, on the index.
        cursor.execute(
            f"UPDATE {groups} AS g SET time_zone = COALESCE("
            f"(SELECT c.time_zone FROM {cities} AS c ORDER BY c.location <-> g.location LIMIT 1),"
            " '') WHERE g.time_zone = '' AND g.location IS NOT NULL"
        )
        # Online groups, and any left when the gazetteer is empty.
        cursor.execute(
            f"UPDATE {groups} SET time_zone = %s WHERE time_zone = ''", [settings.TIME_ZONE]
        )
    for zone in set(StudyGroup.objects.values_list("time_zone", flat=True).distinct()):
        canonical = places.timezones.canonical_time_zone(zone) or settings.TIME_ZONE
        if canonical != zone:
            StudyGroup.objects.filter(time_zone=zone).update(time_zone=canonical)


class Migration(migrations.Migration):

    dependencies = [
        ("studygroups", "0010_topic_name_in_spanish_and_english"),
        ("places", "0003_load_geonames_cities"),
    ]

    operations = [
        migrations.AddField(
            model_name="studygroup",
            name="time_zone",
            field=places.timezones.TimeZoneField(
                blank=True,
                db_default="",
                help_text=(
                    "The zone of the group's events unless an event says otherwise. "
                    "Empty: the zone of the nearest city to the group's location."
                ),
                max_length=63,
                verbose_name="time zone",
            ),
        ),
        migrations.RunPython(derive_time_zones, migrations.RunPython.noop, elidable=True),
    ]
