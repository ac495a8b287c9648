"""Workflows that span payments, evidence, sponsorships and messages.

Each state change runs inside one transaction, locks the sponsorship row first (always in the
order sponsorship → payment → evidence, so two staff members cannot deadlock), returns early
if the change was already made, and records who did it and when.
"""

from django.db import transaction
from django.utils import timezone

from donations import rules as calendar
from donations.models import Message, Sponsorship
from premiums import rules
from premiums.models import PaymentEvidence, PremiumPayment, PremiumRate


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
        ).values_list("received_at", flat=True)
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
                "This sponsorship is not running; reinstate it before verifying evidence."
            )
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
            payment=payment.pk,
            paid_through=f"{sponsorship.covered_through:%Y-%m-%d}",
        )
    evidence.refresh_from_db()
    return True


def reject_evidence(evidence: PaymentEvidence, *, by, reason: str) -> bool:
    """Staff refuse the evidence with a reason the donor sees; it no longer holds off a lapse."""
    reason = (reason or "").strip()
    if not reason:
        raise PaymentError("Give the donor a reason for the rejection.")
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
            payment=payment.pk,
            reason=reason,
        )
    evidence.refresh_from_db()
    return True
