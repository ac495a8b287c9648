import datetime as dt

from django.core.management.base import BaseCommand

from core.history import recorded_as_command
from donations.reminders import expire_pledges, record_lapses


class Command(BaseCommand):
    help = (
        "Record the lapses the three-month rule already decided, and the pledges whose hold "
        "ended without evidence (PLEDGE_HOLD_DAYS), and tell the donors. Safe to run twice: a "
        "second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=dt.date.fromisoformat,
            default=None,
            help="the day to apply the rule on, YYYY-MM-DD (default: today in Bali)",
        )

    @recorded_as_command
    def handle(self, *args, date, **options):
        lapsed = record_lapses(date)
        expired = expire_pledges(date)
        self.stdout.write(f"recorded {lapsed} lapses, {expired} expired pledges")
