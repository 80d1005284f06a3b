"""Organizers see and remove their groups' posts in the admin: the
"Organizers" auth group gets view and change on posts (the admin then shows
each organizer only their own groups' conversations)."""

from django.db import migrations

ORGANIZERS_GROUP = "Organizers"
ACTIONS = ["view", "change"]


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    organizers, _created = Group.objects.using(db).get_or_create(name=ORGANIZERS_GROUP)
    content_type, _created = ContentType.objects.using(db).get_or_create(
        app_label="studygroups", model="post"
    )
    for action in ACTIONS:
        permission, _created = Permission.objects.using(db).get_or_create(
            content_type=content_type,
            codename=f"{action}_post",
            defaults={"name": f"Can {action} post"},
        )
        organizers.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    for group in Group.objects.using(db).filter(name=ORGANIZERS_GROUP):
        group.permissions.remove(
            *Permission.objects.using(db).filter(
                content_type__app_label="studygroups",
                codename__in=[f"{action}_post" for action in ACTIONS],
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("studygroups", "0027_threads_posts_follows"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
