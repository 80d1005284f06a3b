"""Events record who cancelled them, when and why; their time zone is one people
live in (old links such as America/Buenos_Aires renamed to today's name, and
system names such as Etc/GMT+5 or Factory become UTC: the same instants)."""

import django.db.models.deletion
import places.timezones
from django.conf import settings
from django.db import migrations, models


def canonical_time_zones(apps, schema_editor):
    Event = apps.get_model("meetups", "Event")
    for zone in set(Event.objects.values_list("time_zone", flat=True).distinct()):
        canonical = places.timezones.canonical_time_zone(zone) or "UTC"
        if canonical != zone:
            Event.objects.filter(time_zone=zone).update(time_zone=canonical)


class Migration(migrations.Migration):

    dependencies = [
        ('meetups', '0007_event_series'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='event',
            name='cancellation_reason',
            field=models.TextField(blank=True, db_default='', help_text="Sent to the people going or waitlisted, and shown on the event's page.", max_length=500, verbose_name='reason for cancelling'),
        ),
        migrations.AddField(
            model_name='event',
            name='cancelled_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='cancelled at'),
        ),
        migrations.AddField(
            model_name='event',
            name='cancelled_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='cancelled by'),
        ),
        migrations.AlterField(
            model_name='event',
            name='time_zone',
            field=places.timezones.TimeZoneField(default='UTC', help_text='IANA time zone of the event, such as America/Bogota.', max_length=63, verbose_name='time zone'),
        ),
        migrations.AddConstraint(
            model_name='event',
            constraint=models.CheckConstraint(condition=models.Q(('status', 'cancelled'), models.Q(('cancellation_reason', ''), ('cancelled_at__isnull', True), ('cancelled_by__isnull', True)), _connector='OR'), name='event_cancellation_only_when_cancelled'),
        ),
        migrations.RunPython(canonical_time_zones, migrations.RunPython.noop, elidable=True),
    ]
