"""`manage.py seed_demo`: fill the database with the demo program (see `program.demo`)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from core.history import recorded_as_command
from donations.models import Sponsorship
from premiums.models import PaymentEvidence, PremiumPayment, Refund
from program.demo import DEMO_PASSWORD, DEMO_USERNAME, DEMO_VOLUNTEER, seed
from recipients.models import BpjsCard, CardHandover


class Command(BaseCommand):
    help = (
        "Fill an empty database with demo data for Bali: recipients, donors, sponsorships in "
        "every situation, payments, evidence, cards, and staff logins (coordinator, volunteer). "
        "Safe to run twice."
    )

    @recorded_as_command
    def handle(self, *args, **options):
        program = seed()
        if program is None:
            self.stdout.write("Demo data already present: nothing changed.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data for {program.today:%d %B %Y}: "
                    f"{len(program.recipients)} recipients, {len(program.donors)} donors, "
                    f"{Sponsorship.objects.count()} sponsorships, "
                    f"{PremiumPayment.objects.count()} payments, "
                    f"{PaymentEvidence.objects.count()} evidence files, "
                    f"{BpjsCard.objects.count()} BPJS cards, "
                    f"{CardHandover.objects.count()} card handovers, "
                    f"{Refund.objects.count()} refund."
                )
            )
            for donor, raw in program.links:
                self.stdout.write(
                    f"Private page of {donor} ({donor.country.name}): {donor.private_url(raw)}"
                )
        self.stdout.write(f"Demo staff login: {DEMO_USERNAME} / {DEMO_PASSWORD}")
        self.stdout.write(f"Demo volunteer login: {DEMO_VOLUNTEER} / {DEMO_PASSWORD}")
        self.stdout.write(f"Admin: {settings.SITE_URL}/admin/")
