from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    """The API's default list order, (name, id), on a B-tree, so its pages and
    keyset cursors read the index instead of sorting every group. Built
    concurrently: a large table keeps taking writes meanwhile."""

    atomic = False

    dependencies = [
        ("studygroups", "0012_place_search_name_and_address_indexes"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="studygroup",
            index=models.Index(fields=["name", "id"], name="studygroup_name_id_idx"),
        ),
    ]
