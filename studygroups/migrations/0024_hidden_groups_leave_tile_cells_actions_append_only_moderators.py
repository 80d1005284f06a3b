"""Hidden study groups leave the tiles' cluster grids as if deleted (and come
back when shown again); moderation actions are append-only in the database;
a "Moderators" auth group holds the ``studygroups.moderate`` permission.

The group triggers of studygroups 0015 counted every located row; these count
the located rows that are not hidden. Every row is visible when this runs
(``hidden`` was added false), so the cells need no rebuilding.
"""

from django.db import migrations

TRIGGERS = """
CREATE FUNCTION studygroup_tile_cells_of_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM cerca_tile_add_rows('studygroups', 1, array_agg(r.id),
                                    array_agg(ST_X(r.location::geometry)),
                                    array_agg(ST_Y(r.location::geometry)))
        FROM new_rows AS r WHERE r.location IS NOT NULL AND NOT r.hidden HAVING count(*) > 0;
    ELSE
        PERFORM cerca_tile_add_rows('studygroups', -1, array_agg(r.id),
                                    array_agg(ST_X(r.location::geometry)),
                                    array_agg(ST_Y(r.location::geometry)))
        FROM old_rows AS r WHERE r.location IS NOT NULL AND NOT r.hidden HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION studygroup_tile_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.location IS NOT NULL AND NOT OLD.hidden THEN
        PERFORM cerca_tile_add('studygroups', OLD.id, ST_X(OLD.location::geometry),
                               ST_Y(OLD.location::geometry), -1);
    END IF;
    IF NEW.location IS NOT NULL AND NOT NEW.hidden THEN
        PERFORM cerca_tile_add('studygroups', NEW.id, ST_X(NEW.location::geometry),
                               ST_Y(NEW.location::geometry), 1);
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER studygroup_tile_cells ON studygroups_studygroup;
DROP TRIGGER studygroup_tile_cells_deleted ON studygroups_studygroup;
DROP TRIGGER studygroup_tile_cells_moved ON studygroups_studygroup;
CREATE TRIGGER studygroup_tile_cells AFTER INSERT ON studygroups_studygroup
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION studygroup_tile_cells_of_statement();
CREATE TRIGGER studygroup_tile_cells_deleted AFTER DELETE ON studygroups_studygroup
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION studygroup_tile_cells_of_statement();
CREATE TRIGGER studygroup_tile_cells_moved AFTER UPDATE OF location, hidden
    ON studygroups_studygroup
    FOR EACH ROW WHEN (OLD.location IS DISTINCT FROM NEW.location
                       OR OLD.hidden IS DISTINCT FROM NEW.hidden)
    EXECUTE FUNCTION studygroup_tile_cells();

-- What was done and why is never deleted or rewritten; the links to the
-- report, the actor, the member or the group may become NULL when those go.
CREATE FUNCTION studygroups_moderationaction_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'moderation actions are append-only (% refused)', TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER moderationaction_append_only
    BEFORE DELETE OR UPDATE OF action, reason, until, created_at, object_id
    ON studygroups_moderationaction
    FOR EACH ROW EXECUTE FUNCTION studygroups_moderationaction_append_only();
"""

DROP_TRIGGERS = """
DROP TRIGGER moderationaction_append_only ON studygroups_moderationaction;
DROP FUNCTION studygroups_moderationaction_append_only();
DROP TRIGGER studygroup_tile_cells ON studygroups_studygroup;
DROP TRIGGER studygroup_tile_cells_deleted ON studygroups_studygroup;
DROP TRIGGER studygroup_tile_cells_moved ON studygroups_studygroup;
DROP FUNCTION studygroup_tile_cells();
DROP FUNCTION studygroup_tile_cells_of_statement();
CREATE TRIGGER studygroup_tile_cells AFTER INSERT ON studygroups_studygroup
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cerca_tile_cells_inserted('studygroups');
CREATE TRIGGER studygroup_tile_cells_deleted AFTER DELETE ON studygroups_studygroup
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cerca_tile_cells_deleted('studygroups');
CREATE TRIGGER studygroup_tile_cells_moved AFTER UPDATE OF location ON studygroups_studygroup
    FOR EACH ROW WHEN (OLD.location IS DISTINCT FROM NEW.location)
    EXECUTE FUNCTION cerca_tile_cells('studygroups');
SELECT cerca_tile_rebuild('studygroups', $q$
    SELECT id, ST_X(location::geometry), ST_Y(location::geometry)
    FROM studygroups_studygroup WHERE location IS NOT NULL
$q$);
"""

MODERATORS_GROUP = "Moderators"


def create_moderators_group(apps, schema_editor):
    # As in 0008: the permission may not exist before post_migrate.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    content_type, _created = ContentType.objects.using(db).get_or_create(
        app_label="studygroups", model="studygroup"
    )
    permission, _created = Permission.objects.using(db).get_or_create(
        content_type=content_type,
        codename="moderate",
        defaults={"name": "Can see and change every study group, event and venue"},
    )
    moderators, _created = Group.objects.using(db).get_or_create(name=MODERATORS_GROUP)
    moderators.permissions.add(permission)


def delete_moderators_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name=MODERATORS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("studygroups", "0023_reports_moderation_actions_suspensions_bans_hidden_groups"),
    ]

    operations = [
        migrations.RunSQL([TRIGGERS], [DROP_TRIGGERS]),
        migrations.RunPython(create_moderators_group, delete_moderators_group),
    ]
