from django.core.management.base import BaseCommand

from core.history import recorded_as_command
from donations.mail import send_queued


class Command(BaseCommand):
    help = "Send the queued emails to donors; failures are retried later with back-off."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", type=int, default=100, help="at most this many messages per run"
        )

    @recorded_as_command
    def handle(self, *args, batch, **options):
        counts = send_queued(batch=batch)
        self.stdout.write("sent {sent}, retry later {retried}, failed {failed}".format(**counts))
