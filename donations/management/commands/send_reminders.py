import datetime as dt

from django.core.management.base import BaseCommand

from core.history import recorded_as_command
from donations.reminders import queue_reminders


class Command(BaseCommand):
    help = (
        "Queue the reminders due today: coverage ending within 30 days, one and two months "
        "overdue. Each goes once per sponsorship and period, however often this runs; "
        "send_messages delivers them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=dt.date.fromisoformat,
            default=None,
            help="the day to queue reminders for, YYYY-MM-DD (default: today in Bali)",
        )

    @recorded_as_command
    def handle(self, *args, date, **options):
        counts = queue_reminders(date)
        self.stdout.write("queued " + ", ".join(f"{kind} {n}" for kind, n in counts.items()))
