"""Events and venues in the vector tiles' cluster grids (places 0008), kept by triggers.

Venues: every venue, in its cell. Events: the scheduled ones with a place
that end after the events layer's ``as_of``; the tiles take away, as they
are drawn, those that have ended since (places.tiles), and
``meetups_event_tile_advance()`` moves ``as_of`` up to now, taking them out
of the cells for good. A write to events runs it when ``as_of`` is over an
hour old; a cron job may call it too. Writes to events give the events layer a
new version; writes to venues, the venues layer and the events layer (an
event shows its venue's city).
"""

from django.db import migrations

TRIGGERS = """
CREATE FUNCTION meetups_event_tile_member(e meetups_event, as_of timestamptz) RETURNS boolean
    STABLE LANGUAGE sql
    RETURN e.location IS NOT NULL AND e.status = 'scheduled' AND upper(e.during) > as_of;

CREATE FUNCTION meetups_event_tile_cells() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    as_of timestamptz := coalesce(
        (SELECT l.as_of FROM places_tile_layer AS l WHERE l.layer = 'events'), '-infinity');
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND meetups_event_tile_member(OLD, as_of) THEN
        PERFORM cerca_tile_add('events', OLD.id, ST_X(OLD.location::geometry),
                               ST_Y(OLD.location::geometry), -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND meetups_event_tile_member(NEW, as_of) THEN
        PERFORM cerca_tile_add('events', NEW.id, ST_X(NEW.location::geometry),
                               ST_Y(NEW.location::geometry), 1);
    END IF;
    RETURN NULL;
END $$;

-- The events a statement inserted or deleted, counted in or out together.
CREATE FUNCTION meetups_event_tile_cells_of_statement() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    as_of timestamptz := coalesce(
        (SELECT l.as_of FROM places_tile_layer AS l WHERE l.layer = 'events'), '-infinity');
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM cerca_tile_add_rows('events', 1, array_agg(e.id),
                                    array_agg(ST_X(e.location::geometry)),
                                    array_agg(ST_Y(e.location::geometry)))
        FROM new_rows AS e WHERE meetups_event_tile_member(e, as_of) HAVING count(*) > 0;
    ELSE
        PERFORM cerca_tile_add_rows('events', -1, array_agg(e.id),
                                    array_agg(ST_X(e.location::geometry)),
                                    array_agg(ST_Y(e.location::geometry)))
        FROM old_rows AS e WHERE meetups_event_tile_member(e, as_of) HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END $$;

-- Take the events that ended between as_of and now out of the cells.
CREATE FUNCTION meetups_event_tile_advance() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    since timestamptz;
    moment timestamptz := now();
BEGIN
    -- Locked first: writers read as_of under the same row's lock (cerca_tile_bump).
    INSERT INTO places_tile_layer (layer, version, as_of)
    VALUES ('events', nextval('places_tile_version'), '-infinity')
    ON CONFLICT (layer) DO NOTHING;
    SELECT coalesce(l.as_of, '-infinity') INTO since
    FROM places_tile_layer AS l WHERE l.layer = 'events' FOR UPDATE;
    IF since >= moment THEN
        RETURN;
    END IF;
    PERFORM cerca_tile_add_rows('events', -1, array_agg(e.id),
                                array_agg(ST_X(e.location::geometry)),
                                array_agg(ST_Y(e.location::geometry)))
    FROM meetups_event AS e
    WHERE e.during && tstzrange(since, moment, '(]')
      AND meetups_event_tile_member(e, since) AND upper(e.during) <= moment
    HAVING count(*) > 0;
    UPDATE places_tile_layer SET as_of = moment WHERE layer = 'events';
END $$;

CREATE FUNCTION meetups_event_tile_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM cerca_tile_bump_layers(ARRAY['events']);
    IF (SELECT coalesce(l.as_of, '-infinity') FROM places_tile_layer AS l
        WHERE l.layer = 'events') < now() - interval '1 hour' THEN
        PERFORM meetups_event_tile_advance();
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER event_tile_cells AFTER INSERT ON meetups_event
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION meetups_event_tile_cells_of_statement();
CREATE TRIGGER event_tile_cells_deleted AFTER DELETE ON meetups_event
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION meetups_event_tile_cells_of_statement();
CREATE TRIGGER event_tile_cells_changed AFTER UPDATE OF location, status, during ON meetups_event
    FOR EACH ROW WHEN (OLD.location IS DISTINCT FROM NEW.location
                       OR OLD.status IS DISTINCT FROM NEW.status
                       OR OLD.during IS DISTINCT FROM NEW.during)
    EXECUTE FUNCTION meetups_event_tile_cells();
CREATE TRIGGER event_tile_version
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON meetups_event
    FOR EACH STATEMENT EXECUTE FUNCTION meetups_event_tile_version();

CREATE TRIGGER venue_tile_cells AFTER INSERT ON meetups_venue
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cerca_tile_cells_inserted('venues');
CREATE TRIGGER venue_tile_cells_deleted AFTER DELETE ON meetups_venue
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cerca_tile_cells_deleted('venues');
CREATE TRIGGER venue_tile_cells_moved AFTER UPDATE OF location ON meetups_venue
    FOR EACH ROW WHEN (OLD.location IS DISTINCT FROM NEW.location)
    EXECUTE FUNCTION cerca_tile_cells('venues');
CREATE TRIGGER venue_tile_version
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON meetups_venue
    FOR EACH STATEMENT EXECUTE FUNCTION cerca_tile_bump('events', 'venues');

SELECT cerca_tile_rebuild('venues', $q$
    SELECT id, ST_X(location::geometry), ST_Y(location::geometry) FROM meetups_venue
$q$);
INSERT INTO places_tile_layer (layer, version, as_of)
VALUES ('events', nextval('places_tile_version'), now())
ON CONFLICT (layer) DO UPDATE SET as_of = excluded.as_of;
SELECT cerca_tile_rebuild('events', $q$
    SELECT e.id, ST_X(e.location::geometry), ST_Y(e.location::geometry) FROM meetups_event AS e
    WHERE meetups_event_tile_member(e, (SELECT as_of FROM places_tile_layer WHERE layer = 'events'))
$q$);
SELECT cerca_tile_bump_layers(ARRAY['events', 'venues']);
"""

DROP_TRIGGERS = """
DROP TRIGGER venue_tile_version ON meetups_venue;
DROP TRIGGER venue_tile_cells_moved ON meetups_venue;
DROP TRIGGER venue_tile_cells_deleted ON meetups_venue;
DROP TRIGGER venue_tile_cells ON meetups_venue;
DROP TRIGGER event_tile_version ON meetups_event;
DROP TRIGGER event_tile_cells_changed ON meetups_event;
DROP TRIGGER event_tile_cells_deleted ON meetups_event;
DROP TRIGGER event_tile_cells ON meetups_event;
DROP FUNCTION meetups_event_tile_version();
DROP FUNCTION meetups_event_tile_advance();
DROP FUNCTION meetups_event_tile_cells();
DROP FUNCTION meetups_event_tile_cells_of_statement();
DROP FUNCTION meetups_event_tile_member(meetups_event, timestamptz);
DELETE FROM places_tile_cell WHERE layer IN ('events', 'venues');
"""


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0008_tile_cells"),
        ("meetups", "0011_event_title_and_venue_trigram_indexes"),
    ]

    operations = [
        migrations.RunSQL([TRIGGERS], [DROP_TRIGGERS]),
    ]
