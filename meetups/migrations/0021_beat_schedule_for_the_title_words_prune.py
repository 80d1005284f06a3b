"""The nightly prune of the title words of ended events (meetups.tasks.
title_words_prune), kept by django-celery-beat in the database like the
notifications' schedules (studygroups 0017): created here once; a schedule
changed in the admin is left as it is."""

from django.conf import settings
from django.db import migrations

NAME = "Cerca: title words prune"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # Every day at 04:00 in the site's time zone.
    nightly, _created = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="4",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": "meetups.tasks.title_words_prune", "crontab": nightly}
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("meetups", "0020_title_words_kept_by_triggers"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
