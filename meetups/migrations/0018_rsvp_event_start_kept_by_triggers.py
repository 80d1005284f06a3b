"""An RSVP carries its event's start, kept by the database: a row trigger
sets it on every insert and update of an RSVP (from the event it names), and
another rewrites the event's RSVPs when the event's start moves. A member's
RSVPs soonest first (meetups.my_rsvps) then walk rsvp_user_start_idx. The
existing RSVPs are filled in before the index is built."""

from django.conf import settings
from django.db import migrations, models

TRIGGERS = """
UPDATE meetups_rsvp AS r SET event_start = lower(e.during)
FROM meetups_event AS e WHERE e.id = r.event_id;
CREATE FUNCTION meetups_rsvp_event_start() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.event_start := (SELECT lower(e.during) FROM meetups_event AS e WHERE e.id = NEW.event_id);
    RETURN NEW;
END $$;
CREATE TRIGGER rsvp_event_start BEFORE INSERT OR UPDATE ON meetups_rsvp
    FOR EACH ROW EXECUTE FUNCTION meetups_rsvp_event_start();
CREATE FUNCTION meetups_event_moves_rsvps() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE meetups_rsvp SET event_start = lower(NEW.during) WHERE event_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER event_moves_rsvps AFTER UPDATE OF during ON meetups_event
    FOR EACH ROW WHEN (lower(OLD.during) IS DISTINCT FROM lower(NEW.during))
    EXECUTE FUNCTION meetups_event_moves_rsvps();
"""

DROP_TRIGGERS = """
UPDATE meetups_rsvp AS r SET event_start = lower(e.during)
FROM meetups_event AS e WHERE e.id = r.event_id;
DROP TRIGGER event_moves_rsvps ON meetups_event;
DROP FUNCTION meetups_event_moves_rsvps();
DROP TRIGGER rsvp_event_start ON meetups_rsvp;
DROP FUNCTION meetups_rsvp_event_start();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('meetups', '0017_event_photos'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='rsvp',
            name='event_start',
            field=models.DateTimeField(editable=False, null=True, verbose_name="event's start"),
        ),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
        migrations.AddIndex(
            model_name='rsvp',
            index=models.Index(fields=['user', 'event_start', 'event'], name='rsvp_user_start_idx'),
        ),
    ]
