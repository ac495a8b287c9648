import datetime as dt

from django.core.management.base import BaseCommand

from donations.reminders import record_lapses


class Command(BaseCommand):
    help = (
        "Record the lapses the three-month rule already decided and tell the donors. "
        "Safe to run twice: a second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=dt.date.fromisoformat,
            default=None,
            help="the day to apply the rule on, YYYY-MM-DD (default: today in Bali)",
        )

    def handle(self, *args, date, **options):
        count = record_lapses(date)
        self.stdout.write(f"recorded {count} lapses")
