"""Threads, posts and follows of the conversations of groups and events."""

import django.db.models.deletion
import django.db.models.functions.text
import django.db.models.lookups
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('meetups', '0016_event_hidden_leaves_tile_cells'),
        ('studygroups', '0026_notify_posts_and_post_deliveries'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Thread',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                ('event', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='thread', to='meetups.event', verbose_name='event')),
                ('study_group', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='thread', to='studygroups.studygroup', verbose_name='study group')),
            ],
            options={
                'verbose_name': 'conversation',
                'verbose_name_plural': 'conversations',
            },
        ),
        migrations.CreateModel(
            name='Post',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('body', models.TextField(max_length=4000, verbose_name='text')),
                ('pinned', models.BooleanField(db_default=False, default=False, verbose_name='pinned')),
                ('status', models.CharField(choices=[('visible', 'Visible'), ('removed', 'Removed by an organizer'), ('deleted', 'Deleted by its author')], db_default='visible', default='visible', max_length=10, verbose_name='status')),
                ('removed_at', models.DateTimeField(blank=True, null=True, verbose_name='removed at')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='posted')),
                ('is_reply', models.GeneratedField(db_persist=True, expression=models.Q(('parent__isnull', False)), output_field=models.BooleanField())),
                ('is_top_level', models.GeneratedField(db_persist=True, expression=models.Q(('parent__isnull', True)), output_field=models.BooleanField())),
                ('author', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='posts', to=settings.AUTH_USER_MODEL, verbose_name='author')),
                ('parent', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='replies', to='studygroups.post', verbose_name='in reply to')),
                ('removed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='removed by')),
                ('thread', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='posts', to='studygroups.thread', verbose_name='conversation')),
            ],
            options={
                'verbose_name': 'post',
                'verbose_name_plural': 'posts',
                'ordering': ['-pinned', '-created_at', '-id'],
                'get_latest_by': 'created_at',
            },
        ),
        migrations.CreateModel(
            name='ThreadFollow',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('following', models.BooleanField(default=True, verbose_name='following')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                ('thread', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='follows', to='studygroups.thread', verbose_name='conversation')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='thread_follows', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'conversation follow',
                'verbose_name_plural': 'conversation follows',
            },
        ),
        migrations.AddConstraint(
            model_name='thread',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('event__isnull', True), ('study_group__isnull', False)), models.Q(('event__isnull', False), ('study_group__isnull', True)), _connector='OR'), name='thread_of_one_group_or_one_event'),
        ),
        migrations.AddIndex(
            model_name='post',
            index=models.Index(models.F('thread'), models.OrderBy(models.F('pinned'), descending=True), models.OrderBy(models.F('created_at'), descending=True), models.OrderBy(models.F('id'), descending=True), condition=models.Q(('parent__isnull', True)), name='post_thread_page_idx'),
        ),
        migrations.AddIndex(
            model_name='post',
            index=models.Index(condition=models.Q(('parent__isnull', False)), fields=['parent', 'created_at', 'id'], name='post_replies_idx'),
        ),
        migrations.AddIndex(
            model_name='post',
            index=models.Index(fields=['author', '-created_at'], name='post_author_idx'),
        ),
        migrations.AddConstraint(
            model_name='post',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('body', ''), ('status', 'deleted')), models.Q(models.Q(('status', 'deleted'), _negated=True), django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('body'), 4000), ('body__regex', '\\S')), _connector='OR'), name='post_body_length', violation_error_code='post_body_length', violation_error_message='Write between 1 and 4,000 characters.'),
        ),
        migrations.AddConstraint(
            model_name='post',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['visible', 'removed', 'deleted'])), name='post_status_valid'),
        ),
        migrations.AddConstraint(
            model_name='post',
            constraint=models.CheckConstraint(condition=models.Q(('pinned', False), models.Q(('parent__isnull', True), ('status', 'visible')), _connector='OR'), name='post_pinned_top_level_visible'),
        ),
        migrations.AddConstraint(
            model_name='post',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('removed_at__isnull', True), ('removed_by__isnull', True), ('status', 'visible')), models.Q(models.Q(('status', 'visible'), _negated=True), ('removed_at__isnull', False)), _connector='OR'), name='post_removed_when_tombstone'),
        ),
        migrations.AddConstraint(
            model_name='post',
            constraint=models.UniqueConstraint(fields=('id', 'thread', 'is_top_level'), name='post_id_thread_top_unique'),
        ),
        migrations.AddConstraint(
            model_name='threadfollow',
            constraint=models.UniqueConstraint(fields=('thread', 'user'), name='follow_one_per_user_thread'),
        ),

        # A reply's parent is a top-level post of the same thread: Django has
        # no composite foreign keys, so this one is SQL. (parent_id, thread_id,
        # is_reply) must match a row's (id, thread_id, is_top_level); for a
        # reply is_reply is true, so the parent's is_top_level must be too. A
        # top-level post has no parent_id, and MATCH SIMPLE checks nothing then.
        migrations.RunSQL(
            sql="""
                ALTER TABLE studygroups_post
                ADD CONSTRAINT post_reply_to_top_level_of_same_thread
                FOREIGN KEY (parent_id, thread_id, is_reply)
                REFERENCES studygroups_post (id, thread_id, is_top_level)
                ON DELETE CASCADE DEFERRABLE INITIALLY IMMEDIATE
            """,
            reverse_sql="""
                ALTER TABLE studygroups_post
                DROP CONSTRAINT post_reply_to_top_level_of_same_thread
            """,
        ),
    ]
