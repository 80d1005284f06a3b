"""Each visible group's name words (NameWord: a stem of its name, with the
rank a one-word ``q`` for it gives the group), kept by the database.

studygroups_name_words(vector) lists the weight-A lexemes of a search vector
(the name's, as ``places.search`` weighs it) with minus the rank that
``search()`` works out for a query of that lexeme alone, in the same SQL
expression, so that the doubles are equal: (1.0 + ts_rank(v, q)) +
ts_rank(v, q), one ts_rank for each language's query, both that lexeme.
Statement triggers with transition tables write the rows of the groups
inserted, and of the groups whose name, search vector or hidden flag
changed; a group's rows go with it (ON DELETE CASCADE). Hidden groups have
none. The existing groups get theirs in one statement at the end.
"""

import django.db.models.deletion
from django.db import migrations, models

SQL = r"""
CREATE FUNCTION studygroups_name_words(vector tsvector)
    RETURNS TABLE (lexeme text, neg_rank double precision)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT w.lexeme, -((1.0 + ts_rank(vector, w.query)) + ts_rank(vector, w.query))
    FROM (
        -- The lexeme as a tsquery of itself: quoted, quotes and backslashes doubled.
        SELECT l AS lexeme,
               ('''' || replace(replace(l, '\', '\\'), '''', '''''') || '''')::tsquery AS query
        FROM unnest(tsvector_to_array(ts_filter(vector, '{a}'))) AS l
    ) AS w
$$;

CREATE FUNCTION studygroups_name_words_after_groups() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO studygroups_nameword (lexeme, neg_rank, name, study_group_id)
        SELECT w.lexeme, w.neg_rank, n.name, n.id
        FROM new_rows AS n CROSS JOIN LATERAL studygroups_name_words(n.search_vector) AS w
        WHERE NOT n.hidden;
    ELSE
        DELETE FROM studygroups_nameword AS x
        USING old_rows AS o JOIN new_rows AS n ON n.id = o.id
        WHERE x.study_group_id = o.id
          AND (o.name, o.search_vector, o.hidden)
              IS DISTINCT FROM (n.name, n.search_vector, n.hidden);
        INSERT INTO studygroups_nameword (lexeme, neg_rank, name, study_group_id)
        SELECT w.lexeme, w.neg_rank, n.name, n.id
        FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
        CROSS JOIN LATERAL studygroups_name_words(n.search_vector) AS w
        WHERE NOT n.hidden
          AND (o.name, o.search_vector, o.hidden)
              IS DISTINCT FROM (n.name, n.search_vector, n.hidden);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER studygroup_name_words_inserted AFTER INSERT ON studygroups_studygroup
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION studygroups_name_words_after_groups();
CREATE TRIGGER studygroup_name_words_updated AFTER UPDATE ON studygroups_studygroup
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION studygroups_name_words_after_groups();

ALTER TABLE studygroups_nameword
    ADD CONSTRAINT studygroups_nameword_study_group_fk FOREIGN KEY (study_group_id)
    REFERENCES studygroups_studygroup (id) ON DELETE CASCADE;

INSERT INTO studygroups_nameword (lexeme, neg_rank, name, study_group_id)
SELECT w.lexeme, w.neg_rank, g.name, g.id
FROM studygroups_studygroup AS g CROSS JOIN LATERAL studygroups_name_words(g.search_vector) AS w
WHERE NOT g.hidden;
"""

DROP_SQL = """
DROP TRIGGER studygroup_name_words_updated ON studygroups_studygroup;
DROP TRIGGER studygroup_name_words_inserted ON studygroups_studygroup;
DROP FUNCTION studygroups_name_words_after_groups();
DROP FUNCTION studygroups_name_words(tsvector);
ALTER TABLE studygroups_nameword DROP CONSTRAINT studygroups_nameword_study_group_fk;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('studygroups', '0031_group_summaries_kept_by_triggers'),
    ]

    operations = [
        migrations.CreateModel(
            name='NameWord',
            fields=[
                ('pk', models.CompositePrimaryKey('lexeme', 'neg_rank', 'name', 'study_group', blank=True, editable=False, primary_key=True, serialize=False)),
                ('lexeme', models.TextField()),
                ('neg_rank', models.FloatField()),
                ('name', models.CharField(max_length=200)),
                ('study_group', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='studygroups.studygroup')),
            ],
            options={
                'verbose_name': 'name word',
                'verbose_name_plural': 'name words',
            },
        ),
        migrations.RunSQL(SQL, DROP_SQL),
    ]
