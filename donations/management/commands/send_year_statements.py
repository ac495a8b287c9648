from django.core.management.base import BaseCommand

from donations.statement import last_year, queue_year_statements


class Command(BaseCommand):
    help = (
        "Queue the year-end email with the giving statement (PDF) attached, for every donor "
        "with a payment verified in the year; once per donor and year, however often this "
        "runs; send_messages delivers them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--year",
            type=int,
            default=None,
            help="the calendar year of the statements (default: last year, in Bali)",
        )

    def handle(self, *args, year, **options):
        year = year or last_year()
        queued = queue_year_statements(year)
        self.stdout.write(f"statements of {year} queued: {queued}")
