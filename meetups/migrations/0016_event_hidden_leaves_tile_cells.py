"""Hidden events leave the tiles' cluster grids as if deleted (and come back
when shown again): membership in the events layer (meetups 0012) now also
asks ``NOT hidden``, and the row trigger also fires when ``hidden`` changes.
Every event is visible when this runs, so the cells need no rebuilding."""

from django.conf import settings
from django.db import migrations, models

MEMBER = """
CREATE FUNCTION meetups_event_tile_member(e meetups_event, as_of timestamptz)
    RETURNS boolean STABLE LANGUAGE sql
    RETURN e.location IS NOT NULL AND e.status = 'scheduled' AND NOT e.hidden
        AND upper(e.during) > as_of;
DROP TRIGGER event_tile_cells_changed ON meetups_event;
CREATE TRIGGER event_tile_cells_changed AFTER UPDATE OF location, status, during, hidden
    ON meetups_event
    FOR EACH ROW WHEN (OLD.location IS DISTINCT FROM NEW.location
                       OR OLD.status IS DISTINCT FROM NEW.status
                       OR OLD.during IS DISTINCT FROM NEW.during
                       OR OLD.hidden IS DISTINCT FROM NEW.hidden)
    EXECUTE FUNCTION meetups_event_tile_cells();
"""

MEMBER_BEFORE = """
DROP FUNCTION meetups_event_tile_member(meetups_event, timestamptz);
DROP TRIGGER event_tile_cells_changed ON meetups_event;
CREATE TRIGGER event_tile_cells_changed AFTER UPDATE OF location, status, during ON meetups_event
    FOR EACH ROW WHEN (OLD.location IS DISTINCT FROM NEW.location
                       OR OLD.status IS DISTINCT FROM NEW.status
                       OR OLD.during IS DISTINCT FROM NEW.during)
    EXECUTE FUNCTION meetups_event_tile_cells();
"""

DROP_MEMBER = "DROP FUNCTION meetups_event_tile_member(meetups_event, timestamptz);"

OLD_MEMBER = """
CREATE FUNCTION meetups_event_tile_member(e meetups_event, as_of timestamptz) RETURNS boolean
    STABLE LANGUAGE sql
    RETURN e.location IS NOT NULL AND e.status = 'scheduled' AND upper(e.during) > as_of;
"""

class Migration(migrations.Migration):

    dependencies = [
        ('meetups', '0015_rsvp_list_order_index'),
        ('studygroups', '0023_reports_moderation_actions_suspensions_bans_hidden_groups'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # A SQL function taking the table's row type forbids adding a column:
        # dropped first (the trigger functions look it up when they run), and
        # made again below with the new column.
        migrations.RunSQL([DROP_MEMBER], [OLD_MEMBER]),
        migrations.AddField(
            model_name='event',
            name='hidden',
            field=models.BooleanField(db_default=False, default=False, verbose_name='hidden'),
        ),
        migrations.AddField(
            model_name='event',
            name='hidden_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='hidden at'),
        ),
        migrations.AddConstraint(
            model_name='event',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('hidden', False), ('hidden_at__isnull', True)), models.Q(('hidden', True), ('hidden_at__isnull', False)), _connector='OR'), name='event_hidden_at_when_hidden'),
        ),
        migrations.RunSQL([MEMBER], [MEMBER_BEFORE]),
    ]
