"""Each group's summary row (GroupSummary: its active members' count, its
topics' slugs and their names in each language), kept by the database.

studygroups_refresh_summaries(ids) recomputes the rows of the groups named,
after taking their group rows in the order of their ids: writers of one
group's members or topics take turns, and each recomputes from what the one
before committed (READ COMMITTED: a new snapshot for each statement), so two
joins or two topics added at once both count. Statement triggers with
transition tables call it once per statement, for the groups it touched:
memberships (an active one added or removed, a status or a group changed),
a group's topics, and a topic renamed. The rows are recomputed, never
incremented, so a summary written by anything else (a fixture) is put right
by the next write. The existing groups get theirs in one statement; the
bench's loader calls studygroups_save_summaries the same way after its load.
"""

import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models


SQL = """
CREATE FUNCTION studygroups_summaries_of(ids bigint[])
    RETURNS TABLE (study_group_id bigint, member_count integer, topic_slugs varchar(80)[],
                   topic_names_es varchar(80)[], topic_names_en varchar(80)[])
    LANGUAGE sql STABLE AS $$
    SELECT g.id,
           (SELECT count(*) FROM studygroups_membership AS m
            WHERE m.study_group_id = g.id AND m.status = 'active')::integer,
           coalesce(t.slugs, '{}'), coalesce(t.names_es, '{}'), coalesce(t.names_en, '{}')
    FROM (SELECT DISTINCT unnest(ids) AS id) AS i
    JOIN studygroups_studygroup AS g ON g.id = i.id
    LEFT JOIN LATERAL (
        -- In the order of the slugs; a name missing in one language is the other's.
        SELECT array_agg(t.slug ORDER BY t.slug) AS slugs,
               array_agg(coalesce(nullif(t.name_es, ''), t.name_en) ORDER BY t.slug) AS names_es,
               array_agg(coalesce(nullif(t.name_en, ''), t.name_es) ORDER BY t.slug) AS names_en
        FROM studygroups_studygroup_topics AS x
        JOIN studygroups_topic AS t ON t.id = x.topic_id
        WHERE x.studygroup_id = g.id
    ) AS t ON true
$$;

CREATE FUNCTION studygroups_save_summaries(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO studygroups_groupsummary AS s
        (study_group_id, member_count, topic_slugs, topic_names_es, topic_names_en)
    SELECT * FROM studygroups_summaries_of(ids)
    ON CONFLICT (study_group_id) DO UPDATE SET
        member_count = excluded.member_count, topic_slugs = excluded.topic_slugs,
        topic_names_es = excluded.topic_names_es, topic_names_en = excluded.topic_names_en
    WHERE (s.member_count, s.topic_slugs, s.topic_names_es, s.topic_names_en)
          IS DISTINCT FROM (excluded.member_count, excluded.topic_slugs,
                            excluded.topic_names_es, excluded.topic_names_en);
$$;

CREATE FUNCTION studygroups_refresh_summaries(ids bigint[]) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(cardinality(ids), 0) = 0 THEN
        RETURN;
    END IF;
    PERFORM FROM studygroups_studygroup WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE;
    PERFORM studygroups_save_summaries(ids);
END $$;

CREATE FUNCTION studygroups_summaries_after_memberships() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE studygroups_groupsummary SET member_count = 0 WHERE member_count <> 0;
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT study_group_id) INTO ids FROM new_rows WHERE status = 'active';
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT study_group_id) INTO ids FROM old_rows WHERE status = 'active';
    ELSE
        -- A new role or the group's new name (studygroup_renames_memberships)
        -- changes no count.
        SELECT array_agg(DISTINCT v.id) INTO ids
        FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (o.study_group_id), (n.study_group_id)) AS v (id)
        WHERE (o.status, o.study_group_id) IS DISTINCT FROM (n.status, n.study_group_id);
    END IF;
    PERFORM studygroups_refresh_summaries(ids);
    RETURN NULL;
END $$;

CREATE FUNCTION studygroups_summaries_after_group_topics() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE studygroups_groupsummary
        SET topic_slugs = '{}', topic_names_es = '{}', topic_names_en = '{}'
        WHERE topic_slugs <> '{}';
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT studygroup_id) INTO ids FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT studygroup_id) INTO ids FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT v.id) INTO ids
        FROM (SELECT studygroup_id FROM old_rows UNION SELECT studygroup_id FROM new_rows)
            AS v (id);
    END IF;
    PERFORM studygroups_refresh_summaries(ids);
    RETURN NULL;
END $$;

-- A topic renamed (or given a new slug) is renamed in each of its groups'
-- summaries: one statement, however many groups have it.
CREATE FUNCTION studygroups_summaries_after_topics() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM studygroups_refresh_summaries(ARRAY(
        SELECT DISTINCT x.studygroup_id
        FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
        JOIN studygroups_studygroup_topics AS x ON x.topic_id = n.id
        WHERE (o.slug, o.name_es, o.name_en) IS DISTINCT FROM (n.slug, n.name_es, n.name_en)
    ));
    RETURN NULL;
END $$;

CREATE TRIGGER membership_summaries_inserted AFTER INSERT ON studygroups_membership
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION studygroups_summaries_after_memberships();
CREATE TRIGGER membership_summaries_updated AFTER UPDATE ON studygroups_membership
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION studygroups_summaries_after_memberships();
CREATE TRIGGER membership_summaries_deleted AFTER DELETE ON studygroups_membership
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION studygroups_summaries_after_memberships();
CREATE TRIGGER membership_summaries_truncated AFTER TRUNCATE ON studygroups_membership
    FOR EACH STATEMENT EXECUTE FUNCTION studygroups_summaries_after_memberships();

CREATE TRIGGER group_topics_summaries_inserted AFTER INSERT ON studygroups_studygroup_topics
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION studygroups_summaries_after_group_topics();
CREATE TRIGGER group_topics_summaries_updated AFTER UPDATE ON studygroups_studygroup_topics
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION studygroups_summaries_after_group_topics();
CREATE TRIGGER group_topics_summaries_deleted AFTER DELETE ON studygroups_studygroup_topics
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION studygroups_summaries_after_group_topics();
CREATE TRIGGER group_topics_summaries_truncated AFTER TRUNCATE ON studygroups_studygroup_topics
    FOR EACH STATEMENT EXECUTE FUNCTION studygroups_summaries_after_group_topics();

CREATE TRIGGER topic_summaries_updated AFTER UPDATE ON studygroups_topic
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION studygroups_summaries_after_topics();

ALTER TABLE studygroups_groupsummary
    ADD CONSTRAINT studygroups_groupsummary_study_group_fk FOREIGN KEY (study_group_id)
    REFERENCES studygroups_studygroup (id) ON DELETE CASCADE;

SELECT studygroups_save_summaries(ARRAY(SELECT id FROM studygroups_studygroup));
"""

DROP_SQL = """
DROP TRIGGER topic_summaries_updated ON studygroups_topic;
DROP TRIGGER group_topics_summaries_truncated ON studygroups_studygroup_topics;
DROP TRIGGER group_topics_summaries_deleted ON studygroups_studygroup_topics;
DROP TRIGGER group_topics_summaries_updated ON studygroups_studygroup_topics;
DROP TRIGGER group_topics_summaries_inserted ON studygroups_studygroup_topics;
DROP TRIGGER membership_summaries_truncated ON studygroups_membership;
DROP TRIGGER membership_summaries_deleted ON studygroups_membership;
DROP TRIGGER membership_summaries_updated ON studygroups_membership;
DROP TRIGGER membership_summaries_inserted ON studygroups_membership;
DROP FUNCTION studygroups_summaries_after_topics();
DROP FUNCTION studygroups_summaries_after_group_topics();
DROP FUNCTION studygroups_summaries_after_memberships();
DROP FUNCTION studygroups_refresh_summaries(bigint[]);
DROP FUNCTION studygroups_save_summaries(bigint[]);
DROP FUNCTION studygroups_summaries_of(bigint[]);
ALTER TABLE studygroups_groupsummary DROP CONSTRAINT studygroups_groupsummary_study_group_fk;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('studygroups', '0030_membership_group_name_kept_by_triggers'),
    ]

    operations = [
        migrations.CreateModel(
            name='GroupSummary',
            fields=[
                ('study_group', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='summary', serialize=False, to='studygroups.studygroup', verbose_name='study group')),
                ('member_count', models.PositiveIntegerField(default=0, verbose_name='members')),
                ('topic_slugs', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=80), default=list, size=None)),
                ('topic_names_es', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=80), default=list, size=None)),
                ('topic_names_en', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=80), default=list, size=None)),
            ],
            options={
                'verbose_name': 'group summary',
                'verbose_name_plural': 'group summaries',
            },
        ),
        migrations.RunSQL(SQL, DROP_SQL),
    ]
