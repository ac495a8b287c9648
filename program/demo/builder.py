"""`DemoProgram`: writes the demo rows through the real services, then moves past dates back.

The scenarios (`program.demo.scenarios`) tell the stories in its terms: a pledge, a payment, the
receipt as evidence, its review, the BPJS card and its handover.
"""

import datetime as dt
from dataclasses import asdict
from decimal import ROUND_UP, Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from claims import services as claim_services
from claims.models import Claim
from core.months import add_months, month_start
from core.templatetags.rupiah import format_rupiah
from core.uploads import clean_evidence
from donations.models import Donor, Message, Sponsorship
from premiums import services
from premiums.models import PaymentEvidence, PremiumPayment
from program.demo.people import Person, Sponsor
from program.demo.pictures import handover_picture, portrait, receipt_pdf, receipt_png
from recipients.models import BpjsCard, CardHandover, HandoverPhoto, Recipient

# Rupiah per unit of the donor's currency, roughly, for believable PayPal amounts.
EXCHANGE = {"AUD": 10_600, "EUR": 18_100, "USD": 16_400}


class DemoProgram:
    """Writes the demo rows. Use it inside a transaction."""

    def __init__(self, staff, today: dt.date):
        self.staff = staff
        self.today = today
        self.now = timezone.now()
        self.this_month = month_start(today)
        self.recipients: dict[str, Recipient] = {}
        self.donors: dict[str, Donor] = {}
        self.links: list[tuple[Donor, str]] = []
        self._serial = 0

    # --- dates --------------------------------------------------------------------------------

    def month(self, n: int, day: int = 1) -> dt.date:
        """A day of the month n months from this one."""
        return add_months(self.this_month, n).replace(day=day)

    def at(self, day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
        """An aware moment in Bali time, never later than now."""
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
        return min(moment, self.now)

    def days_ago(self, days: int, hour: int = 10, minute: int = 0) -> dt.datetime:
        return self.at(self.today - dt.timedelta(days=days), hour, minute)

    # --- people -------------------------------------------------------------------------------

    def add_people(self, people: dict[str, Person], sponsors: dict[str, Sponsor]):
        for index, (key, person) in enumerate(people.items()):
            self.recipients[key] = self._recipient(index, person)
        for key, sponsor in sponsors.items():
            self.donors[key] = self._donor(sponsor)

    def issue_links(self, *donor_keys: str):
        """Fresh private links for these donors, kept to be printed."""
        for key in donor_keys:
            donor = self.donors[key]
            self.links.append((donor, donor.issue_link(days=settings.DONOR_LINK_DAYS)))

    def _recipient(self, index: int, person: Person) -> Recipient:
        recipient = Recipient(
            **person.recipient_fields(),
            nik=person.nik(index * 7 + 1),
            kk=person.kk(index * 5 + 3),
            waiting_since=self.month(-4 - index % 5, 3 + index),
        )
        recipient.photo.save("portrait.jpg", ContentFile(portrait(person, index)), save=False)
        recipient.save()
        return recipient

    def _donor(self, sponsor: Sponsor) -> Donor:
        donor = Donor.objects.create(**asdict(sponsor))
        donor.issue_link(days=settings.DONOR_LINK_DAYS)
        return donor

    # --- sponsorships and payments ------------------------------------------------------------

    def pledge(self, donor_key, recipient_key, first_month, months, pledged_on):
        """A pledge written as the public form would have, back when it was made."""
        donor, recipient = self.donors[donor_key], self.recipients[recipient_key]
        route = Sponsorship.Route.PAYPAL if donor.is_overseas else Sponsorship.Route.DIRECT
        sponsorship = Sponsorship.objects.create(
            donor=donor,
            recipient=recipient,
            first_month=first_month,
            months_pledged=months,
            route=route,
        )
        Sponsorship.objects.filter(pk=sponsorship.pk).update(created_at=self.at(pledged_on, 9))
        if not recipient.sponsorships.exclude(pk=sponsorship.pk).exists():
            # Found by BCC some weeks before a donor chose them.
            recipient.waiting_since = pledged_on - dt.timedelta(days=25 + 9 * (recipient.pk % 6))
            recipient.save(update_fields=["waiting_since"])
        self._refresh(sponsorship)
        return sponsorship

    def _refresh(self, sponsorship):
        with transaction.atomic():
            locked = Sponsorship.objects.select_for_update().get(pk=sponsorship.pk)
            services.refresh_coverage(locked)
        sponsorship.refresh_from_db()

    def payment(self, sponsorship, months, *, paypal=None):
        """A payment priced from the rate table; the first one starts with the sponsorship.

        `paypal` = (currency, transaction id, day BCC paid BPJS) for an overseas donor, or
        (currency, transaction id, None, day BCC received it) before BCC paid BPJS.
        """
        if sponsorship.payments.exists():
            payment = services.start_next_payment(sponsorship, months)
            if paypal:
                for field, value in self._paypal(payment.amount, *paypal).items():
                    setattr(payment, field, value)
                payment.save()
            return payment
        amount = services.price(sponsorship, sponsorship.first_month, months)
        return PremiumPayment.objects.create(
            sponsorship=sponsorship,
            first_month=sponsorship.first_month,
            months=months,
            amount=amount,
            channel=sponsorship.route,
            **(self._paypal(amount, *paypal) if paypal else {}),
        )

    def _paypal(self, amount: int, currency: str, transaction_id: str, paid_on, received_on=None):
        """What an overseas donor sent through PayPal for `amount`, and what BCC received; the
        money reached BCC's PayPal account the day before BCC paid BPJS with it."""
        rate = EXCHANGE[currency]
        # Donors are asked to add 5% for PayPal's fees and the exchange rate.
        sent = (Decimal(amount) * Decimal("1.05") / rate).quantize(Decimal("0.01"), ROUND_UP)
        return {
            "paypal_amount": sent,
            "paypal_currency": currency,
            "paypal_transaction_id": transaction_id,
            "rupiah_received": int(sent * rate * Decimal("0.955")),
            "paypal_received_on": received_on or paid_on - dt.timedelta(days=1),
            "bpjs_paid_on": paid_on,
        }

    def paypal_received(self, sponsorship, months, currency, transaction_id, received_on):
        """A PayPal payment BCC received on `received_on` and has not paid BPJS with yet: it is
        the donor's evidence of funds (no lapse while it waits), not yet coverage."""
        payment = self.payment(
            sponsorship, months, paypal=(currency, transaction_id, None, received_on)
        )
        self._refresh(sponsorship)
        return payment

    def paid(self, sponsorship, months, received, *, paypal=None, pdf=False):
        """A payment whose evidence arrived on `received` and was verified two days later."""
        payment = self.payment(sponsorship, months, paypal=paypal)
        self.verify(self.evidence(payment, received, pdf=pdf))
        return payment

    # --- evidence -----------------------------------------------------------------------------

    def evidence(self, payment, received: dt.datetime, *, pdf=False, blurred=False):
        """The receipt for a payment, through the same checks and service as an upload."""
        sponsorship = payment.sponsorship
        paypal = sponsorship.route == Sponsorship.Route.PAYPAL
        self._serial += 1
        lines = self._receipt_lines(payment, received, paid_by_bcc=paypal)
        if pdf:
            upload = SimpleUploadedFile("receipt.pdf", receipt_pdf(lines), "application/pdf")
        else:
            upload = SimpleUploadedFile("receipt.png", receipt_png(lines, blurred=blurred))
        evidence = services.submit_evidence(
            payment, clean_evidence(upload), by=self.staff if paypal else None
        )
        PaymentEvidence.objects.filter(pk=evidence.pk).update(received_at=received)
        self.backdate_message(f"evidence_received:{evidence.pk}", received)
        evidence.refresh_from_db()
        self._refresh(sponsorship)
        return evidence

    def _receipt_lines(self, payment, received: dt.datetime, *, paid_by_bcc: bool) -> list[str]:
        sponsorship = payment.sponsorship
        recipient = sponsorship.recipient
        paid_at = timezone.localtime(received)
        payer = "Bali Caring Community" if paid_by_bcc else sponsorship.donor.full_name
        return [
            "BUKTI PEMBAYARAN IURAN",
            "Program: JKK + JKM (Bukan Penerima Upah)",
            f"Nama peserta: {recipient.full_name}",
            f"NIK: {recipient.nik}",
            f"Periode: {payment.first_month:%m/%Y} - {payment.last_month:%m/%Y} "
            f"({payment.months} bulan)",
            f"Jumlah: {format_rupiah(payment.amount)}",
            f"Tanggal bayar: {paid_at:%d/%m/%Y %H:%M} WITA",
            f"Dibayar oleh: {payer}",
            f"No. referensi: BPU{paid_at:%y%m%d}{self._serial:05d}",
        ]

    def verify(self, evidence, *, after_days=2):
        """Staff verify the evidence; the service computes coverage, then the dates move back."""
        services.verify_evidence(evidence, by=self.staff)
        reviewed = self._reviewed(evidence, "evidence_verified", after_days)
        payment = evidence.payment
        PremiumPayment.objects.filter(pk=payment.pk).update(verified_at=reviewed)
        Sponsorship.objects.filter(pk=payment.sponsorship_id, activated_at__gt=reviewed).update(
            activated_at=reviewed
        )
        payment.sponsorship.refresh_from_db()

    def reject(self, evidence, reason, *, after_days=2):
        services.reject_evidence(evidence, by=self.staff, reason=reason)
        self._reviewed(evidence, "evidence_rejected", after_days)
        evidence.payment.sponsorship.refresh_from_db()

    def _reviewed(self, evidence, message_kind: str, after_days: int) -> dt.datetime:
        """Move the review, and the message it queued, back to `after_days` after receipt."""
        reviewed = min(evidence.received_at + dt.timedelta(days=after_days), self.now)
        PaymentEvidence.objects.filter(pk=evidence.pk).update(reviewed_at=reviewed)
        self.backdate_message(f"{message_kind}:{evidence.pk}", reviewed)
        return reviewed

    def backdate_message(self, key: str, when: dt.datetime):
        """The services queue their messages now; in the demo they were sent back then."""
        Message.objects.filter(key=key).update(created_at=when)

    # --- cards --------------------------------------------------------------------------------

    def card(self, recipient_key, number, issued_on) -> BpjsCard:
        """The BPJS card BPJS issued for the recipient, as staff record it."""
        return BpjsCard.objects.create(
            recipient=self.recipients[recipient_key],
            participant_number=number,
            issued_on=issued_on,
            recorded_by=self.staff,
        )

    def hand_over(self, card, day, place, *, photos, documented=True) -> CardHandover:
        """Staff hand the card over on `day`, with photos; `documented`: sent to the donor."""
        recipient = card.recipient
        handover = CardHandover.objects.create(
            card=card,
            handed_over_on=day,
            place=place,
            handed_over_by=self.staff,
            notes=f"Explained JKK and JKM to {recipient.nickname} and the family.",
            documentation_sent_at=self.at(day + dt.timedelta(days=3), 16) if documented else None,
        )
        for number_in_set in range(photos):
            caption = f"{recipient.nickname} receives the BPJS card, {place}"
            if number_in_set:
                caption = f"{recipient.nickname} with family and BCC volunteer"
            photo = HandoverPhoto(handover=handover, caption=caption, public_consent=photos > 1)
            picture = handover_picture(caption, recipient.pk * 10 + number_in_set)
            photo.image.save("handover.jpg", ContentFile(picture), save=False)
            photo.save()
        return handover

    # --- claims -------------------------------------------------------------------------------

    def claim(self, recipient_key, kind, *, ticked=None, steps=(), **fields):
        """A claim opened through the service, its first `ticked` documents ticked (all by
        default), then taken through `steps`: (state, day, options) in order."""
        claim = claim_services.open_claim(
            Claim(recipient=self.recipients[recipient_key], kind=kind, **fields), by=self.staff
        )
        documents = list(claim.documents.order_by("pk"))
        for document in documents[: len(documents) if ticked is None else ticked]:
            claim_services.tick(document, by=self.staff)
        for state, day, options in steps:
            claim_services.advance(claim, state, by=self.staff, on=day, **options)
        return claim
