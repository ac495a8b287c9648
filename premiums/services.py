"""Workflows that span payments, evidence, sponsorships and messages.

Each state change runs inside one transaction, locks the sponsorship row first (always in the
order sponsorship → payment → evidence, so two staff members cannot deadlock), returns early
if the change was already made, and records who did it and when.
"""

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bcc_sponsor.storage import random_name
from donations import rules as calendar
from donations.models import Message, Sponsorship
from premiums import rules
from premiums.models import PaymentEvidence, PremiumPayment, PremiumRate
from recipients.models import Recipient


class PaymentError(rules.RuleError):
    """A payment or evidence change that the rules refuse; the message is shown to people."""


def price(sponsorship: Sponsorship, first_month, months: int) -> int:
    """The premium for `months` months from `first_month` for this sponsorship's recipient."""
    return rules.price(
        PremiumRate.objects.as_rules(), first_month, months, sponsorship.recipient.sector
    )


def refresh_coverage(sponsorship: Sponsorship) -> None:
    """Recompute paid-through and the lapse day from the payments and evidence.

    Call with the sponsorship row locked, inside the transaction that changed them.
    """
    verified = [
        p.period
        for p in sponsorship.payments.filter(status=PremiumPayment.Status.VERIFIED).only(
            "first_month", "months"
        )
    ]
    covered_through = rules.paid_through(verified)
    pending_days = [
        timezone.localdate(received)
        for received in PaymentEvidence.objects.filter(
            payment__sponsorship=sponsorship, status=PaymentEvidence.Status.PENDING
        )
        .exclude(payment__status=PremiumPayment.Status.CANCELLED)
        .values_list("received_at", flat=True)
    ]
    sponsorship.covered_through = covered_through
    sponsorship.lapses_on = calendar.lapse_date(
        sponsorship.first_month, covered_through, pending_days
    )
    sponsorship.save(update_fields=["covered_through", "lapses_on"])


def _lock(evidence: PaymentEvidence):
    sponsorship = Sponsorship.objects.select_for_update().get(pk=evidence.payment.sponsorship_id)
    payment = PremiumPayment.objects.select_for_update().get(pk=evidence.payment_id)
    locked = PaymentEvidence.objects.select_for_update().get(pk=evidence.pk)
    return sponsorship, payment, locked


def verify_evidence(evidence: PaymentEvidence, *, by) -> bool:
    """Staff accept the evidence: its payment is verified and extends the coverage.

    Returns False when the evidence had already been reviewed (a second click, or a colleague
    acting at the same moment), so coverage is extended exactly once.
    """
    with transaction.atomic():
        sponsorship, payment, evidence_row = _lock(evidence)
        if evidence_row.status != PaymentEvidence.Status.PENDING:
            return False
        if sponsorship.state not in Sponsorship.LIVE_STATES:
            raise PaymentError(
                _("This sponsorship is not running; reinstate it before verifying evidence.")
            )
        if payment.status == PremiumPayment.Status.CANCELLED:
            # Verifying would bring the cancelled payment back and count its months again.
            raise PaymentError(_("This payment was cancelled."))
        now = timezone.now()
        evidence_row.status = PaymentEvidence.Status.VERIFIED
        evidence_row.reviewed_at, evidence_row.reviewed_by = now, by
        evidence_row.save(update_fields=["status", "reviewed_at", "reviewed_by"])
        if payment.status != PremiumPayment.Status.VERIFIED:
            verified = [
                p.period for p in sponsorship.payments.filter(status=PremiumPayment.Status.VERIFIED)
            ]
            rules.check_next_period(sponsorship.first_month, verified, payment.period)
            payment.status = PremiumPayment.Status.VERIFIED
            payment.verified_at, payment.verified_by = now, by
            payment.save(update_fields=["status", "verified_at", "verified_by"])
        if sponsorship.state == Sponsorship.State.PLEDGED:
            sponsorship.state = Sponsorship.State.ACTIVE
            sponsorship.activated_at = now
            sponsorship.save(update_fields=["state", "activated_at"])
        refresh_coverage(sponsorship)
        Message.queue(
            sponsorship.donor,
            Message.Kind.EVIDENCE_VERIFIED,
            sponsorship=sponsorship,
            key=f"evidence_verified:{evidence_row.pk}",
            payment_id=payment.pk,
            paid_through=f"{sponsorship.covered_through:%Y-%m-%d}",
        )
    evidence.refresh_from_db()
    return True


def reject_evidence(evidence: PaymentEvidence, *, by, reason: str) -> bool:
    """Staff refuse the evidence with a reason the donor sees; it no longer holds off a lapse."""
    reason = (reason or "").strip()
    if not reason:
        raise PaymentError(_("Give the donor a reason for the rejection."))
    with transaction.atomic():
        sponsorship, payment, evidence_row = _lock(evidence)
        if evidence_row.status != PaymentEvidence.Status.PENDING:
            return False
        evidence_row.status = PaymentEvidence.Status.REJECTED
        evidence_row.rejection_reason = reason
        evidence_row.reviewed_at, evidence_row.reviewed_by = timezone.now(), by
        evidence_row.save(
            update_fields=["status", "rejection_reason", "reviewed_at", "reviewed_by"]
        )
        refresh_coverage(sponsorship)
        Message.queue(
            sponsorship.donor,
            Message.Kind.EVIDENCE_REJECTED,
            sponsorship=sponsorship,
            key=f"evidence_rejected:{evidence_row.pk}",
            payment_id=payment.pk,
            reason=reason,
        )
    evidence.refresh_from_db()
    return True


class RecipientUnavailable(PaymentError):
    """The recipient no longer needs a sponsor (someone else pledged first, or staff closed it)."""


def _free_recipient(recipient, day) -> bool:
    """True if `recipient` can be pledged on `day`; records lapses the calendar already decided.

    A sponsorship that lapsed by the three-month rule still holds its recipient in the database
    until the lapse is recorded, so it is recorded here before the new pledge is written.
    """
    if recipient.status != Recipient.Status.ELIGIBLE:
        return False
    for old in Sponsorship.objects.lapsed_unrecorded_on(day).filter(recipient=recipient):
        old.lapse(on=day)
    return not Sponsorship.objects.holding_recipient_on(day).filter(recipient=recipient).exists()


def create_pledge(*, recipient_id, donor, first_month, months, route):
    """A donor pledges to sponsor a recipient: donor, sponsorship, first payment and message.

    `donor` is an unsaved Donor (a new donor from the public form) or a saved one (a returning
    donor pledging from their private page). Everything is written in one transaction; the
    recipient row is locked so that two donors pledging at once cannot both win. Returns
    (sponsorship, payment, raw private-link token or None for a returning donor).
    """
    calendar.check_pledge_months(months)
    today = timezone.localdate()
    if first_month < calendar.add_months(calendar.month_start(today), 1):
        raise PaymentError(_("Protection starts at the earliest next month."))
    try:
        with transaction.atomic():
            recipient = Recipient.objects.select_for_update().get(pk=recipient_id)
            if not _free_recipient(recipient, today):
                raise RecipientUnavailable(
                    _("This person has just been sponsored by someone else.")
                )
            new_donor = donor.pk is None
            donor.save()
            sponsorship = Sponsorship.objects.create(
                donor=donor,
                recipient=recipient,
                first_month=first_month,
                months_pledged=months,
                route=route,
            )
            amount = price(sponsorship, first_month, months)
            payment = PremiumPayment.objects.create(
                sponsorship=sponsorship,
                first_month=first_month,
                months=months,
                amount=amount,
                channel=route,
            )
            refresh_coverage(sponsorship)
            raw = donor.issue_link(days=settings.DONOR_LINK_DAYS) if new_donor else None
            Message.queue(
                donor,
                Message.Kind.PLEDGE_RECEIVED,
                sponsorship=sponsorship,
                key=f"pledge_received:{sponsorship.pk}",
                payment_id=payment.pk,
                amount=amount,
                first_month=first_month.isoformat(),
                months=months,
                route=route,
            )
    except IntegrityError as exc:
        # SQLite cannot lock a row: there the unique "one live sponsorship" constraint is
        # what stops the second of two simultaneous pledges.
        raise RecipientUnavailable(
            _("This person has just been sponsored by someone else.")
        ) from exc
    return sponsorship, payment, raw


def start_next_payment(sponsorship: Sponsorship, months: int) -> PremiumPayment:
    """The donor renews: a pending payment right after the last one, priced from the table."""
    if months < 1:
        raise PaymentError(_("A payment covers at least one month."))
    with transaction.atomic():
        sponsorship = Sponsorship.objects.select_for_update().get(pk=sponsorship.pk)
        if sponsorship.state not in Sponsorship.LIVE_STATES:
            raise PaymentError(_("This sponsorship has ended."))
        periods = [
            p.period for p in sponsorship.payments.exclude(status=PremiumPayment.Status.CANCELLED)
        ]
        if any(p.status == PremiumPayment.Status.PENDING for p in sponsorship.payments.all()):
            raise PaymentError(_("Send the evidence for the payment already started first."))
        first = rules.next_period_start(sponsorship.first_month, periods)
        rules.check_next_period(sponsorship.first_month, periods, rules.Period(first, months))
        return PremiumPayment.objects.create(
            sponsorship=sponsorship,
            first_month=first,
            months=months,
            amount=price(sponsorship, first, months),
            channel=sponsorship.route,
        )


def submit_evidence(payment: PremiumPayment, clean_file, *, by=None) -> PaymentEvidence:
    """Store the donor's (or BCC's) receipt for a payment and tell the donor it arrived.

    The file is written first and removed again if the transaction fails, so there is never a
    row without a file nor a file without a row. The same file already given for another
    payment is accepted but flagged for staff.
    """
    storage = PaymentEvidence._meta.get_field("file").storage
    name = storage.save(
        random_name("evidence", f"x{clean_file.extension}"), ContentFile(clean_file.content)
    )
    try:
        with transaction.atomic():
            sponsorship = Sponsorship.objects.select_for_update().get(pk=payment.sponsorship_id)
            payment = PremiumPayment.objects.select_for_update().get(pk=payment.pk)
            if payment.status == PremiumPayment.Status.CANCELLED:
                raise PaymentError(_("This payment was cancelled."))
            duplicate = (
                PaymentEvidence.objects.filter(sha256=clean_file.sha256)
                .exclude(payment=payment)
                .order_by("received_at")
                .first()
            )
            evidence = PaymentEvidence.objects.create(
                payment=payment,
                file=name,
                sha256=clean_file.sha256,
                content_type=clean_file.content_type,
                size=clean_file.size,
                uploaded_by=by,
                duplicate_of=duplicate,
            )
            refresh_coverage(sponsorship)
            if by is None:
                Message.queue(
                    sponsorship.donor,
                    Message.Kind.EVIDENCE_RECEIVED,
                    sponsorship=sponsorship,
                    key=f"evidence_received:{evidence.pk}",
                    payment_id=payment.pk,
                )
    except BaseException:
        storage.delete(name)
        raise
    return evidence
