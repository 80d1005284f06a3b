from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    """The API's list orders on B-trees: events by start then id, venues by
    city, name and id, so pages and keyset cursors read an index instead of
    sorting the table. Built concurrently: writes go on meanwhile."""

    atomic = False

    dependencies = [
        ("meetups", "0009_place_search_name_indexes"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="event",
            index=models.Index(
                models.F("during__startswith"), models.F("id"), name="event_start_id_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="venue",
            index=models.Index(fields=["city", "name", "id"], name="venue_city_name_id_idx"),
        ),
    ]
