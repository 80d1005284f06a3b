from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('studygroups', '0025_member_avatar_and_group_cover'),
    ]

    operations = [
        migrations.AddField(
            model_name='memberprofile',
            name='notify_posts',
            field=models.BooleanField(db_default=True, default=True, verbose_name='new posts in the conversations I follow'),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='kind',
            field=models.CharField(choices=[('event_nearby', 'New event near you'), ('group_nearby', 'New study group near you'), ('reminder_24h', 'Reminder, 24 hours before'), ('reminder_2h', 'Reminder, 2 hours before'), ('digest', 'Weekly digest'), ('event_cancelled', 'Event cancelled'), ('event_changed', 'Event changed'), ('waitlist_promoted', 'Waitlist place'), ('join_request', 'Join request'), ('join_approved', 'Join request approved'), ('join_declined', 'Join request declined'), ('invitation', 'Invitation to a group'), ('post', 'New post in a conversation'), ('report', 'New report to review'), ('moderation_warning', 'Warning from the moderators'), ('suspension', 'Account suspended'), ('group_ban', 'Banned from a group')], max_length=20, verbose_name='kind'),
        ),
    ]
