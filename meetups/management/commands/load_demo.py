import datetime

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from meetups.models import RSVP, Event, Venue
from studygroups.models import Membership, StudyGroup
from studygroups.permissions import organizers_group

# fixtures/demo.json is a snapshot taken the day before this Monday; loading
# moves it by whole weeks so that "upcoming" stays upcoming, on the same weekdays.
DEMO_ANCHOR = datetime.date(2026, 12, 7)


class Command(BaseCommand):
    help = "Load the demo study groups, venues and events once, into an empty database."

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep-dates",
            action="store_true",
            help="Keep the fixture's dates instead of moving them next to today.",
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
            move_demo_dates(datetime.timedelta(weeks=weeks))
        # As studygroups.services.grant_organizer_access does for every new
        # organizer: the "Organizers" group holds their admin permissions.
        organizers_group().user_set.add(
            *get_user_model().objects.filter(
                memberships__role=Membership.Role.ORGANIZER, is_staff=True
            ).distinct()
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {StudyGroup.objects.count()} study groups, "
                f"{Event.objects.count()} events loaded."
            )
        )


def move_demo_dates(delta):
    """Move every date of the freshly loaded demo by ``delta``: events, and
    when each row was made, so that answers still come before the events they
    answer and nothing is dated after today."""
    user_table = get_user_model()._meta.db_table
    moved = [
        (Event, ["created_at", "updated_at"]),
        (RSVP, ["created_at", "updated_at"]),
        (Venue, ["created_at", "updated_at"]),
        (StudyGroup, ["created_at", "updated_at"]),
        (Membership, ["joined_at"]),
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Event._meta.db_table} SET during = tstzrange("
            "lower(during) + %s, upper(during) + %s, '[)')",
            [delta, delta],
        )
        for model, columns in moved:
            assignments = ", ".join(f"{column} = {column} + %s" for column in columns)
            cursor.execute(
                f"UPDATE {model._meta.db_table} SET {assignments}", [delta] * len(columns)
            )
        # Only the demo's people: the database had no study groups before.
        cursor.execute(
            f"UPDATE {user_table} SET date_joined = date_joined + %s "
            f"WHERE id IN (SELECT user_id FROM {Membership._meta.db_table})",
            [delta],
        )
