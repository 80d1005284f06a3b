"""A membership carries its group's name, kept by the database: a row
trigger sets it on every insert and update of a membership (from the group it
names), and another rewrites the group's memberships when the group is
renamed. A member's groups by name (studygroups.dashboard, their profile) then
walk membership_user_name_idx. The existing memberships are filled in before
the index is built."""

from django.conf import settings
from django.db import migrations, models


TRIGGERS = """
UPDATE studygroups_membership AS m SET group_name = g.name
FROM studygroups_studygroup AS g WHERE g.id = m.study_group_id;
CREATE FUNCTION studygroups_membership_group_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.group_name := (SELECT g.name FROM studygroups_studygroup AS g
                       WHERE g.id = NEW.study_group_id);
    RETURN NEW;
END $$;
CREATE TRIGGER membership_group_name BEFORE INSERT OR UPDATE ON studygroups_membership
    FOR EACH ROW EXECUTE FUNCTION studygroups_membership_group_name();
CREATE FUNCTION studygroups_studygroup_renames_memberships() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    UPDATE studygroups_membership SET group_name = NEW.name WHERE study_group_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER studygroup_renames_memberships AFTER UPDATE OF name ON studygroups_studygroup
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION studygroups_studygroup_renames_memberships();
"""

DROP_TRIGGERS = """
DROP TRIGGER studygroup_renames_memberships ON studygroups_studygroup;
DROP FUNCTION studygroups_studygroup_renames_memberships();
DROP TRIGGER membership_group_name ON studygroups_membership;
DROP FUNCTION studygroups_membership_group_name();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('studygroups', '0029_membership_pending_requests_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='membership',
            name='group_name',
            field=models.CharField(editable=False, max_length=200, null=True, verbose_name="group's name"),
        ),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
        migrations.AddIndex(
            model_name='membership',
            index=models.Index(condition=models.Q(('status', 'active')), fields=['user', 'group_name', 'id'], name='membership_user_name_idx'),
        ),
    ]
