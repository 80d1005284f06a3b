"""Each visible, scheduled event's title words (TitleWord: a stem of its
title, with the rank a one-word ``q`` for it gives the event, its start and
its end), kept by the database, as studygroups 0032 keeps the groups' name
words, with the same function (studygroups_name_words: the weight-A lexemes,
the title's here, with minus the rank ``search()`` works out for each).
Statement triggers with transition tables write the rows of the events
inserted, and of those whose title, search vector, time, status or hidden
flag changed; an event's rows go with it (ON DELETE CASCADE). Cancelled and
hidden events have none. The existing events get theirs in one statement.
"""

import django.db.models.deletion
from django.db import migrations, models

SQL = """
CREATE FUNCTION meetups_title_words_after_events() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM meetups_titleword AS x
        USING old_rows AS o JOIN new_rows AS n ON n.id = o.id
        WHERE x.event_id = o.id
          AND (o.title, o.search_vector, o.during, o.status, o.hidden)
              IS DISTINCT FROM (n.title, n.search_vector, n.during, n.status, n.hidden);
        INSERT INTO meetups_titleword (lexeme, neg_rank, starts_at, ends_at, event_id)
        SELECT w.lexeme, w.neg_rank, lower(n.during), upper(n.during), n.id
        FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
        CROSS JOIN LATERAL studygroups_name_words(n.search_vector) AS w
        WHERE NOT n.hidden AND n.status = 'scheduled'
          AND (o.title, o.search_vector, o.during, o.status, o.hidden)
              IS DISTINCT FROM (n.title, n.search_vector, n.during, n.status, n.hidden);
    ELSE
        INSERT INTO meetups_titleword (lexeme, neg_rank, starts_at, ends_at, event_id)
        SELECT w.lexeme, w.neg_rank, lower(n.during), upper(n.during), n.id
        FROM new_rows AS n CROSS JOIN LATERAL studygroups_name_words(n.search_vector) AS w
        WHERE NOT n.hidden AND n.status = 'scheduled';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER event_title_words_inserted AFTER INSERT ON meetups_event
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION meetups_title_words_after_events();
CREATE TRIGGER event_title_words_updated AFTER UPDATE ON meetups_event
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION meetups_title_words_after_events();

ALTER TABLE meetups_titleword
    ADD CONSTRAINT meetups_titleword_event_fk FOREIGN KEY (event_id)
    REFERENCES meetups_event (id) ON DELETE CASCADE;

INSERT INTO meetups_titleword (lexeme, neg_rank, starts_at, ends_at, event_id)
SELECT w.lexeme, w.neg_rank, lower(e.during), upper(e.during), e.id
FROM meetups_event AS e CROSS JOIN LATERAL studygroups_name_words(e.search_vector) AS w
WHERE NOT e.hidden AND e.status = 'scheduled';
"""

DROP_SQL = """
DROP TRIGGER event_title_words_updated ON meetups_event;
DROP TRIGGER event_title_words_inserted ON meetups_event;
DROP FUNCTION meetups_title_words_after_events();
ALTER TABLE meetups_titleword DROP CONSTRAINT meetups_titleword_event_fk;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('meetups', '0019_event_without_venue_by_group_index'),
        ('studygroups', '0032_name_words_kept_by_triggers'),
    ]

    operations = [
        migrations.CreateModel(
            name='TitleWord',
            fields=[
                ('pk', models.CompositePrimaryKey('lexeme', 'neg_rank', 'starts_at', 'event', 'ends_at', blank=True, editable=False, primary_key=True, serialize=False)),
                ('lexeme', models.TextField()),
                ('neg_rank', models.FloatField()),
                ('starts_at', models.DateTimeField()),
                ('ends_at', models.DateTimeField()),
                ('event', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='meetups.event')),
            ],
            options={
                'verbose_name': 'title word',
                'verbose_name_plural': 'title words',
            },
        ),
        migrations.RunSQL(SQL, DROP_SQL),
    ]
