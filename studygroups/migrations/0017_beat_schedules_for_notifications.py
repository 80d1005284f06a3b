"""The periodic tasks of the notifications, kept by django-celery-beat in the
database, where moderators change them in the admin (Periodic tasks). Created
here once; a schedule changed in the admin is left as it is."""

from django.conf import settings
from django.db import migrations

EVERY_FIVE_MINUTES = ("reminders", "meetups.tasks.reminders_send", 5)
EVERY_TEN_MINUTES = ("deliveries sweep", "studygroups.tasks.deliveries_sweep", 10)


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minutes in (EVERY_FIVE_MINUTES, EVERY_TEN_MINUTES):
        interval, _created = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.get_or_create(
            name=f"Cerca: {name}", defaults={"task": task, "interval": interval}
        )
    # Mondays at 07:00 in the site's time zone.
    monday, _created = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="7",
        day_of_week="1",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.get_or_create(
        name="Cerca: weekly digest",
        defaults={"task": "meetups.tasks.digests_weekly", "crontab": monday},
    )


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__startswith="Cerca: ").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("studygroups", "0016_member_notifications_and_email_deliveries"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
