"""Study groups in the vector tiles' cluster grids (places 0008), kept by triggers.

A group with a location is counted in its cells; moving, adding or deleting
one moves its counts in the same transaction. Any write to groups, their
topics or the topics gives the studygroups layer, and the events layer (an
event shows its group's city and is found by its group's topics), a new
version.
"""

from django.db import migrations

TRIGGERS = """
CREATE TRIGGER studygroup_tile_cells AFTER INSERT ON studygroups_studygroup
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cerca_tile_cells_inserted('studygroups');
CREATE TRIGGER studygroup_tile_cells_deleted AFTER DELETE ON studygroups_studygroup
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cerca_tile_cells_deleted('studygroups');
CREATE TRIGGER studygroup_tile_cells_moved AFTER UPDATE OF location ON studygroups_studygroup
    FOR EACH ROW WHEN (OLD.location IS DISTINCT FROM NEW.location)
    EXECUTE FUNCTION cerca_tile_cells('studygroups');

CREATE TRIGGER studygroup_tile_version
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON studygroups_studygroup
    FOR EACH STATEMENT EXECUTE FUNCTION cerca_tile_bump('events', 'studygroups');
CREATE TRIGGER studygroup_topics_tile_version
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON studygroups_studygroup_topics
    FOR EACH STATEMENT EXECUTE FUNCTION cerca_tile_bump('events', 'studygroups');
CREATE TRIGGER topic_tile_version
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON studygroups_topic
    FOR EACH STATEMENT EXECUTE FUNCTION cerca_tile_bump('events', 'studygroups');

SELECT cerca_tile_rebuild('studygroups', $q$
    SELECT id, ST_X(location::geometry), ST_Y(location::geometry)
    FROM studygroups_studygroup WHERE location IS NOT NULL
$q$);
SELECT cerca_tile_bump_layers(ARRAY['events', 'studygroups']);
"""

DROP_TRIGGERS = """
DROP TRIGGER topic_tile_version ON studygroups_topic;
DROP TRIGGER studygroup_topics_tile_version ON studygroups_studygroup_topics;
DROP TRIGGER studygroup_tile_version ON studygroups_studygroup;
DROP TRIGGER studygroup_tile_cells_moved ON studygroups_studygroup;
DROP TRIGGER studygroup_tile_cells_deleted ON studygroups_studygroup;
DROP TRIGGER studygroup_tile_cells ON studygroups_studygroup;
DELETE FROM places_tile_cell WHERE layer = 'studygroups';
"""


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0008_tile_cells"),
        ("studygroups", "0014_studygroup_name_trigram_index"),
    ]

    operations = [
        migrations.RunSQL([TRIGGERS], [DROP_TRIGGERS]),
    ]
