"""The "moderate" permission (staff who see every group) and the "Organizers"
auth group, whose model permissions let organizers into the admin, where the
ModelAdmins then show them only their own groups' records."""

from django.db import migrations

ORGANIZERS_GROUP = "Organizers"

# (app label, model name): the actions organizers may take in the admin.
ORGANIZER_PERMISSIONS = {
    ("studygroups", "studygroup"): ["view", "change"],
    ("studygroups", "membership"): ["view", "add", "change", "delete"],
    ("studygroups", "topic"): ["view"],
    ("meetups", "venue"): ["view", "add", "change", "delete"],
    ("meetups", "event"): ["view", "add", "change", "delete"],
    ("meetups", "rsvp"): ["view", "change"],
}


def create_organizers_group(apps, schema_editor):
    # Permissions are otherwise created after all migrations (post_migrate):
    # create the ones the group needs now, named as Django names them.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    organizers, _created = Group.objects.using(db).get_or_create(name=ORGANIZERS_GROUP)
    for (app_label, model_name), actions in ORGANIZER_PERMISSIONS.items():
        model = apps.get_model(app_label, model_name)
        content_type, _created = ContentType.objects.using(db).get_or_create(
            app_label=app_label, model=model_name
        )
        for action in actions:
            permission, _created = Permission.objects.using(db).get_or_create(
                content_type=content_type,
                codename=f"{action}_{model_name}",
                defaults={"name": f"Can {action} {model._meta.verbose_name_raw}"},
            )
            organizers.permissions.add(permission)


def delete_organizers_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name=ORGANIZERS_GROUP).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("meetups", "0007_event_series"),
        ("studygroups", "0007_join_policy_membership_status_member_profile"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="studygroup",
            options={
                "get_latest_by": "created_at",
                "ordering": ["name"],
                "permissions": [
                    ("moderate", "Can see and change every study group, event and venue")
                ],
                "verbose_name": "study group",
                "verbose_name_plural": "study groups",
            },
        ),
        migrations.RunPython(create_organizers_group, delete_organizers_group),
    ]
