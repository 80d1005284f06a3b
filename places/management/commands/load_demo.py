import datetime

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from meetups.models import Event
from studygroups.models import StudyGroup

# fixtures/demo.json places its events around this Monday; loading moves them
# by whole weeks so that "upcoming" stays upcoming, on the same weekdays.
DEMO_ANCHOR = datetime.date(2026, 12, 7)


class Command(BaseCommand):
    help = "Load the demo study groups, venues and events once, into an empty database."

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep-dates",
            action="store_true",
            help="Keep the fixture's event dates instead of moving them next to today.",
        )

    @transaction.atomic
    def handle(self, *args, keep_dates=False, **options):
        if StudyGroup.objects.exists():
            self.stdout.write(
                "Demo data: the database already has study groups; nothing loaded."
            )
            return
        call_command("loaddata", "demo", verbosity=0)
        weeks = (timezone.localdate() - DEMO_ANCHOR).days // 7
        if weeks and not keep_dates:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {Event._meta.db_table} SET during = tstzrange("
                    "lower(during) + %s, upper(during) + %s, '[)')",
                    [datetime.timedelta(weeks=weeks)] * 2,
                )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {StudyGroup.objects.count()} study groups, "
                f"{Event.objects.count()} events loaded."
            )
        )
