"""Workflows that span payments, evidence, sponsorships and messages.

Each state change runs inside one transaction, locks its rows (always in the order recipient →
sponsorship → payment → evidence or request, as the lapse command does too, so that no two
workflows can deadlock), returns early if the change was already made, and records who did it
and when (in a field, or as the user of the history entry). Messages to the donor are queued in
the same transaction.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from core.history import history_by
from core.months import month_name, month_start
from core.storage import random_name
from donations import rules as pledge_rules
from donations import standing
from donations.models import DonorRequest, Message, Sponsorship, paid_through_of
from donations.reminders import expire_pledges, lapse
from premiums import rules
from premiums.models import PaymentEvidence, PremiumPayment, PremiumRate, Refund
from recipients.models import Recipient, SituationUpdate

logger = logging.getLogger(__name__)


class PaymentError(rules.RuleError):
    """A payment or evidence change that the rules refuse; the message is shown to people."""


def monthly_prices(sponsorship: Sponsorship, first_month, months: int) -> list[int]:
    """The premium of each month from `first_month` for this sponsorship's recipient."""
    if months < 1:
        raise PaymentError(_("A payment covers at least one month."))
    return rules.monthly_prices(
        PremiumRate.objects.as_rules(), first_month, months, sponsorship.recipient.sector
    )


def price(sponsorship: Sponsorship, first_month, months: int) -> int:
    """The premium for `months` months from `first_month`: the sum, month by month, of the
    rate in force. Raises NoRateError if the table does not cover every month yet."""
    return sum(monthly_prices(sponsorship, first_month, months))


def new_payment(sponsorship: Sponsorship, first_month, months: int, **fields) -> PremiumPayment:
    """A pending payment priced from the rate table, keeping the price of each month so that a
    refund later returns exactly what was paid for the unused months."""
    try:
        prices = monthly_prices(sponsorship, first_month, months)
    except rules.NoRateError as exc:
        raise PaymentError(str(exc)) from exc
    fields.setdefault("channel", sponsorship.route)
    return PremiumPayment.objects.create(
        sponsorship=sponsorship,
        first_month=first_month,
        months=months,
        amount=sum(prices),
        monthly_amounts=prices,
        **fields,
    )


def stale_quotes():
    """Pending payments the donor still has to pay (no evidence sent, no PayPal payment
    received or reported by the donor) whose amount is no longer what the rate table asks for
    their months: staff changed a rate after the quote. A table with a gap for their months
    counts as stale too."""
    rates = PremiumRate.objects.as_rules()
    unpaid = (
        PremiumPayment.objects.filter(
            status=PremiumPayment.Status.PENDING,
            paypal_received_on__isnull=True,
            paypal_reported_at__isnull=True,
        )
        .exclude(pk__in=PaymentEvidence.objects.values("payment_id"))
        .select_related("sponsorship__recipient", "sponsorship__donor")
        .order_by("pk")
    )
    stale = []
    for payment in unpaid:
        try:
            quote = rules.price(
                rates, payment.first_month, payment.months, payment.sponsorship.recipient.sector
            )
        except rules.NoRateError:
            quote = None
        if quote != payment.amount:
            stale.append(payment)
    return stale


def requote(payment: PremiumPayment, *, by) -> bool:
    """Price a payment the donor has not paid yet afresh from the rate table and tell the donor
    the new amount; False when it was paid meanwhile or its amount is already the table's."""
    with transaction.atomic():
        sponsorship = Sponsorship.objects.select_for_update().get(pk=payment.sponsorship_id)
        locked = PremiumPayment.objects.select_for_update().get(pk=payment.pk)
        unpaid = (
            locked.status == PremiumPayment.Status.PENDING
            and locked.paypal_received_on is None
            and locked.paypal_reported_at is None
            and not locked.evidence.exists()
        )
        if not unpaid:
            return False
        try:
            prices = monthly_prices(sponsorship, locked.first_month, locked.months)
        except rules.NoRateError as exc:
            raise PaymentError(str(exc)) from exc
        if sum(prices) == locked.amount:
            return False
        old = locked.amount
        locked.amount, locked.monthly_amounts = sum(prices), prices
        locked._history_user = by
        locked.save(update_fields=["amount", "monthly_amounts"])
        Message.queue(
            sponsorship.donor,
            Message.Kind.QUOTE_CHANGED,
            sponsorship=sponsorship,
            key=f"quote_changed:{locked.pk}:{locked.amount}",
            payment_id=locked.pk,
            amount=locked.amount,
            old_amount=old,
        )
    payment.refresh_from_db()
    return True


def refresh_coverage(sponsorship: Sponsorship) -> None:
    """Recompute paid-through and the lapse day from the payments and evidence.

    Call with the sponsorship row locked, inside the transaction that changed them.
    """
    _apply_coverage(sponsorship, _coverage_facts([sponsorship.pk])[sponsorship.pk])
    sponsorship.save(update_fields=["covered_through", "lapses_on"])


@dataclass
class _Coverage:
    """What a sponsorship's coverage is computed from."""

    verified: list = field(default_factory=list)  # the periods of its verified payments
    first_verified_at: object = None  # when the first of them was verified
    pending_days: list = field(default_factory=list)  # evidence of funds still waiting


def _coverage_facts(sponsorship_ids) -> dict:
    """The coverage facts of each of these sponsorships, in three queries however many."""
    facts = {pk: _Coverage() for pk in sponsorship_ids}
    verified = PremiumPayment.objects.filter(
        sponsorship__in=facts, status=PremiumPayment.Status.VERIFIED
    ).values_list("sponsorship_id", "first_month", "months", "verified_at")
    for pk, first_month, months, verified_at in verified:
        fact = facts[pk]
        fact.verified.append(rules.Period(first_month, months))
        if verified_at and (fact.first_verified_at is None or verified_at < fact.first_verified_at):
            fact.first_verified_at = verified_at
    # Evidence counts while its payment still waits: once the payment is verified it has moved
    # paid-through instead, and evidence on a cancelled payment proves nothing.
    evidence = PaymentEvidence.objects.filter(
        payment__sponsorship__in=facts,
        payment__status=PremiumPayment.Status.PENDING,
        status=PaymentEvidence.Status.PENDING,
    ).values_list("payment__sponsorship_id", "received_at")
    for pk, received in evidence:
        facts[pk].pending_days.append(timezone.localdate(received))
    # An overseas donor's PayPal payment to BCC is their evidence of funds, on the day BCC
    # received it, even if BCC's own BPJS receipt is uploaded later.
    paypal = PremiumPayment.objects.filter(
        sponsorship__in=facts,
        status=PremiumPayment.Status.PENDING,
        paypal_received_on__isnull=False,
    ).values_list("sponsorship_id", "paypal_received_on")
    for pk, received_on in paypal:
        facts[pk].pending_days.append(received_on)
    return facts


def _apply_coverage(sponsorship: Sponsorship, facts: _Coverage) -> None:
    sponsorship.covered_through = rules.paid_through(facts.verified)
    sponsorship.lapses_on = standing.lapse_date(
        sponsorship.first_month, sponsorship.covered_through, facts.pending_days
    )


#: Rows written at once by an import's settling.
SETTLE_BATCH = 500


def settle_imported(sponsorship_ids) -> None:
    """Bring sponsorships up to date after they or their payments came from a CSV import.

    Coverage and the lapse day are recomputed from the payments, as after any payment change,
    and a pledged sponsorship with a verified payment is running, as verifying its first
    evidence would have made it. Nothing is sent to the donors: imported rows are the past.
    Runs inside the import's transaction, so a gap in the imported coverage undoes the import.

    A few queries for the whole import, however many sponsorships: their facts are read
    together and the sponsorships written in batches, with one history entry each.
    """
    with transaction.atomic():
        sponsorships = list(
            Sponsorship.objects.select_for_update().filter(pk__in=sponsorship_ids).order_by("pk")
        )
        facts = _coverage_facts([s.pk for s in sponsorships])
        for sponsorship in sponsorships:
            fact = facts[sponsorship.pk]
            if sponsorship.state == Sponsorship.State.PLEDGED and fact.verified:
                sponsorship.state = Sponsorship.State.ACTIVE
                sponsorship.activated_at = fact.first_verified_at or timezone.now()
            _apply_coverage(sponsorship, fact)
        bulk_update_with_history(
            sponsorships,
            Sponsorship,
            ["state", "activated_at", "covered_through", "lapses_on"],
            batch_size=SETTLE_BATCH,
        )


def _lock(evidence: PaymentEvidence):
    sponsorship = Sponsorship.objects.select_for_update().get(pk=evidence.payment.sponsorship_id)
    payment = PremiumPayment.objects.select_for_update().get(pk=evidence.payment_id)
    locked = PaymentEvidence.objects.select_for_update().get(pk=evidence.pk)
    return sponsorship, payment, locked


def verify_evidence(evidence: PaymentEvidence, *, by, reinstating=False) -> bool:
    """Staff accept the evidence: its payment is verified and extends the coverage.

    Returns False when the evidence had already been reviewed (a second click, or a colleague
    acting at the same moment), so coverage is extended exactly once. Evidence for a sponsorship
    that has lapsed (recorded or only by the calendar) goes through `reinstate`, which checks
    that the person still waits for this donor.
    """
    with transaction.atomic():
        sponsorship, payment, evidence_row = _lock(evidence)
        if evidence_row.status != PaymentEvidence.Status.PENDING:
            return False
        history_by(by, sponsorship, payment, evidence_row)
        if sponsorship.state not in Sponsorship.LIVE_STATES or (
            not reinstating and sponsorship.is_lapsed_on()
        ):
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
            # A PayPal donor sent money, not evidence: their email says what BCC paid BPJS
            # with it and carries BCC's receipt (donations.mail).
            channel=payment.channel,
            evidence_id=evidence_row.pk,
            amount=payment.amount,
            paypal_amount=str(payment.paypal_amount) if payment.paypal_amount else "",
            paypal_currency=payment.paypal_currency,
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
        history_by(by, sponsorship, evidence_row)
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


def _free_recipient(recipient, day, *, besides=None) -> bool:
    """True if `recipient` can be pledged on `day`; records lapses the calendar already decided.

    A sponsorship that lapsed by the three-month rule still holds its recipient in the database
    until the lapse is recorded, so it is recorded here before the new pledge is written.
    `besides` is a sponsorship to leave out of both (the one being reinstated).
    """
    if recipient.status != Recipient.Status.ELIGIBLE:
        return False
    others = Sponsorship.objects.filter(recipient=recipient)
    if besides is not None:
        others = others.exclude(pk=besides.pk)
    for old in others.lapsed_unrecorded_on(day):
        lapse(old, on=day)
    # A pledge whose hold ended without evidence no longer holds the person: record it first
    # (the one-live-sponsorship constraint would refuse the new pledge otherwise).
    expire_pledges(day, others)
    return not others.holding_recipient_on(day).exists()


def _open_sponsorship(*, donor, recipient, first_month, months, route):
    """A pledged sponsorship and its first payment, priced month by month from the rate table.

    Call inside the transaction that locked `recipient` and found it free.
    """
    sponsorship = Sponsorship.objects.create(
        donor=donor,
        recipient=recipient,
        first_month=first_month,
        months_pledged=months,
        route=route,
    )
    payment = new_payment(sponsorship, first_month, months)
    refresh_coverage(sponsorship)
    return sponsorship, payment


def _check_new_sponsorship(recipient: Recipient, first_month, today) -> None:
    """A new sponsorship of `recipient` from `first_month`: never on months the worker already
    has paid, and only while BPJS would still register them (under 60 on that first month).
    Call with the recipient locked."""
    if not recipient.under_age_limit_on(first_month):
        raise PaymentError(
            _(
                "%(name)s will be 60 by %(month)s: BPJS registers non-wage workers only "
                "before their 60th birthday."
            )
            % {"name": recipient.nickname, "month": month_name(first_month)}
        )
    paid_through = paid_through_of(recipient.pk)
    if first_month < standing.first_free_month(today, paid_through):
        raise PaymentError(
            _(
                "%(name)s is already protected through %(paid)s; a new sponsorship "
                "starts in %(first)s at the earliest."
            )
            % {
                "name": recipient.nickname,
                "paid": month_name(paid_through),
                "first": month_name(standing.first_free_month(today, paid_through)),
            }
        )


def create_pledge(*, recipient_id, donor, first_month, months, route):
    """A donor pledges to sponsor a recipient: donor, sponsorship, first payment and message.

    `donor` is an unsaved Donor (a new donor from the public form) or a saved one (a returning
    donor pledging from their private page). Everything is written in one transaction; the
    recipient row is locked so that two donors pledging at once cannot both win. Returns
    (sponsorship, payment, raw private-link token or None for a returning donor).
    """
    pledge_rules.check_pledge_months(months)
    today = timezone.localdate()
    if first_month < pledge_rules.earliest_first_month(today):
        raise PaymentError(_("Protection starts at the earliest next month."))
    try:
        with transaction.atomic():
            recipient = Recipient.objects.select_for_update().get(pk=recipient_id)
            if not _free_recipient(recipient, today):
                raise RecipientUnavailable(
                    _("This person has just been sponsored by someone else.")
                )
            _check_new_sponsorship(recipient, first_month, today)
            new_donor = donor.pk is None
            donor.save()
            sponsorship, payment = _open_sponsorship(
                donor=donor,
                recipient=recipient,
                first_month=first_month,
                months=months,
                route=route,
            )
            amount = payment.amount
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


#: A pledge sent again within this time, with the same name and email, is the same pledge.
REPEAT_WINDOW = dt.timedelta(minutes=30)


def repeated_pledge(recipient_id, email: str, full_name: str):
    """The first payment of the pledge for this recipient that the same person (same email and
    name) made in the last REPEAT_WINDOW, or None: a form sent twice makes one pledge."""
    since = timezone.now() - REPEAT_WINDOW
    return (
        PremiumPayment.objects.filter(
            sponsorship__recipient_id=recipient_id,
            sponsorship__state=Sponsorship.State.PLEDGED,
            sponsorship__created_at__gte=since,
            sponsorship__donor__email__iexact=email,
            sponsorship__donor__full_name__iexact=full_name,
        )
        .order_by("pk")
        .first()
    )


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
        return new_payment(sponsorship, first, months)


def next_payment(sponsorship: Sponsorship) -> tuple:
    """(first month, months, Rupiah or None, the payment if already recorded) of what is due next.

    A payment recorded but not yet verified (the pledge creates the first one) is what is due.
    Otherwise the next one starts right after the last recorded payment; the first payment of a
    sponsorship covers at least a year and renewals are offered for a year too, the common
    case, though staff may record any number of months. The Rupiah are None while no premium
    rate covers those months.
    """
    recorded = sponsorship.payments.exclude(status=PremiumPayment.Status.CANCELLED).order_by(
        "first_month"
    )
    periods = []
    for payment in recorded:
        if payment.status == PremiumPayment.Status.PENDING:
            return payment.first_month, payment.months, payment.amount, payment
        periods.append(payment.period)
    first = rules.next_period_start(sponsorship.first_month, periods)
    months = pledge_rules.MINIMUM_MONTHS
    try:
        amount = price(sponsorship, first, months)
    except rules.NoRateError:
        amount = None
    return first, months, amount, None


def submit_evidence(payment: PremiumPayment, clean_file, *, by=None) -> PaymentEvidence:
    """Store the donor's (or BCC's) receipt for a payment and tell the donor it arrived.

    The file is written first and removed again if the transaction fails, so there is never a
    row without a file nor a file without a row; a storage that fails (a full disk, an object
    store that is down) leaves no partial file and says so. The same file already given for
    another payment is accepted but flagged for staff; the same file sent again for this
    payment (a double click, a retry) returns the evidence already received.
    """
    existing = _same_evidence(payment, clean_file)
    if existing is not None:
        return existing
    storage = PaymentEvidence._meta.get_field("file").storage
    name = random_name("evidence", f"x{clean_file.extension}")
    try:
        name = storage.save(name, ContentFile(clean_file.content))
    except Exception as exc:
        logger.error("Evidence not stored: %s", exc, exc_info=True)
        _delete_quietly(storage, name)  # what a write cut short may have left
        raise PaymentError(
            _(
                "The file could not be stored just now, and nothing was recorded. "
                "Please try again later."
            )
        ) from exc
    try:
        with transaction.atomic():
            sponsorship = Sponsorship.objects.select_for_update().get(pk=payment.sponsorship_id)
            payment = PremiumPayment.objects.select_for_update().get(pk=payment.pk)
            if payment.status == PremiumPayment.Status.CANCELLED:
                raise PaymentError(_("This payment was cancelled."))
            if by is None and (
                payment.status != PremiumPayment.Status.PENDING
                or sponsorship.state not in (*Sponsorship.LIVE_STATES, Sponsorship.State.LAPSED)
            ):
                # A donor sends evidence for a payment still waiting for it; late evidence
                # for a lapsed sponsorship is welcome and goes to the staff queue.
                raise PaymentError(_("This payment does not need evidence any more."))
            existing = _same_evidence(payment, clean_file)
            if existing is not None:
                # The same upload won a race with this one: keep the first, drop this file.
                transaction.on_commit(lambda: _delete_quietly(storage, name))
                return existing
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


def _same_evidence(payment, clean_file):
    """This very file, already received for this payment and not rejected."""
    return (
        PaymentEvidence.objects.filter(payment_id=payment.pk, sha256=clean_file.sha256)
        .exclude(status=PaymentEvidence.Status.REJECTED)
        .order_by("pk")
        .first()
    )


def _delete_quietly(storage, name) -> None:
    try:
        storage.delete(name)
    except Exception:
        logger.warning("Could not delete %s", name, exc_info=True)


# --- situation updates -----------------------------------------------------------------------

#: What a situation update does to the recipient's status; "other" leaves it to staff.
SITUATION_STATUS = {
    SituationUpdate.Kind.DECEASED: Recipient.Status.DECEASED,
    SituationUpdate.Kind.FINANCES_IMPROVED: Recipient.Status.INACTIVE,
    SituationUpdate.Kind.MOVED: Recipient.Status.INACTIVE,
    SituationUpdate.Kind.DECLINED: Recipient.Status.INACTIVE,
}


@dataclass
class SituationOutcome:
    """What recording a situation update did: the sponsorships whose donor was asked to decide,
    and the refunds now owed. Both empty when the update had already been recorded."""

    asked: list = field(default_factory=list)
    refunds: list = field(default_factory=list)

    @property
    def refund_total(self) -> int:
        return sum(r.amount for r in self.refunds)


def keep_prices(payment: PremiumPayment, sponsorship: Sponsorship) -> None:
    """Set `payment.monthly_amounts` before it is saved (admin, import): the prices it was
    quoted at stay while its months and amount do (see rules.prices_kept)."""
    stored = (
        PremiumPayment.objects.filter(pk=payment.pk)
        .values_list("first_month", "months", "amount", "monthly_amounts")
        .first()
        if payment.pk
        else None
    )
    try:
        table = monthly_prices(sponsorship, payment.first_month, payment.months)
    except rules.RuleError:
        table = None
    payment.monthly_amounts = rules.prices_kept(
        stored, payment.first_month, payment.months, payment.amount, table
    )


def death_refunds(recipient: Recipient, death_day) -> list[tuple[PremiumPayment, int, int]]:
    """(payment, unused months, Rupiah) for each verified payment of the recipient's
    sponsorships that covers months after the month of death, not already refunded.

    Each unused month is refunded at the price paid for it (kept on the payment when it was
    priced); for a payment recorded without that breakdown, at the rate paid: its amount over
    its months.
    """
    payments = (
        PremiumPayment.objects.filter(
            sponsorship__recipient=recipient,
            status=PremiumPayment.Status.VERIFIED,
            last_month__gt=month_start(death_day),
            refunds__isnull=True,
        )
        .select_related("sponsorship")
        .order_by("sponsorship_id", "first_month")
    )
    owed = []
    for payment in payments:
        prices = payment.monthly_amounts or []
        if len(prices) != payment.months:
            # Recorded without its breakdown: each month at the rate paid, never today's table.
            prices = rules.split_evenly(payment.amount, payment.months)
        months, amount = rules.refund_at_prices_paid(death_day, payment.period, prices)
        if months:
            owed.append((payment, months, amount))
    return owed


def record_situation_update(update: SituationUpdate, *, by) -> SituationOutcome:
    """Staff recorded news about a recipient: the donors are told and asked to decide.

    The recipient leaves the public list (deceased, or no longer suitable; "other" leaves the
    status to staff). Each sponsorship holding the recipient waits for its donor's decision,
    and the donor gets the news with their options. After a death, BPJS owes the premium paid
    for the months after the month of death: one refund per verified payment, and a message
    saying how much. Recording the same update again changes nothing more.
    """
    outcome = SituationOutcome()
    with transaction.atomic():
        recipient = Recipient.objects.select_for_update().get(pk=update.recipient_id)
        sponsorships = list(
            Sponsorship.objects.select_for_update(of=("self",))
            .filter(recipient=recipient)
            .select_related("donor")
            .order_by("pk")
        )
        row = SituationUpdate.objects.select_for_update().get(pk=update.pk)
        now = timezone.now()
        if not row.recorded_by_id and by is not None:
            row.recorded_by = by
            row.save(update_fields=["recorded_by"])

        new_status = SITUATION_STATUS.get(row.kind)
        if row.kind == SituationUpdate.Kind.DECEASED:
            if (recipient.status, recipient.deceased_on) != (new_status, row.happened_on):
                recipient.status, recipient.deceased_on = new_status, row.happened_on
                history_by(by, recipient)
                recipient.save(update_fields=["status", "deceased_on", "updated_at"])
        elif new_status and recipient.status == Recipient.Status.ELIGIBLE:
            # A death recorded earlier stays recorded whatever news comes later.
            recipient.status = new_status
            history_by(by, recipient)
            recipient.save(update_fields=["status", "updated_at"])

        today = timezone.localdate()
        for sponsorship in sponsorships:
            if sponsorship.is_lapsed_on(today) and sponsorship.state != Sponsorship.State.LAPSED:
                # The donor had stopped by the three-month rule: record it, ask them nothing.
                lapse(sponsorship, on=today)
                continue
            if sponsorship.state not in Sponsorship.HOLDING_STATES:
                continue
            key = f"situation_update:{row.pk}:{sponsorship.pk}"
            if Message.objects.filter(key=key).exists():
                continue  # this update was recorded already
            if sponsorship.state != Sponsorship.State.AWAITING_DECISION:
                sponsorship.state = Sponsorship.State.AWAITING_DECISION
                sponsorship.decision_requested_at = now
                history_by(by, sponsorship)
                sponsorship.save(update_fields=["state", "decision_requested_at"])
            Message.queue(
                sponsorship.donor,
                Message.Kind.SITUATION_UPDATE,
                sponsorship=sponsorship,
                key=key,
                update_id=row.pk,
                kind=row.kind,
                message=row.message,
            )
            outcome.asked.append(sponsorship)

        if row.kind == SituationUpdate.Kind.DECEASED:
            outcome.refunds = _owe_refunds(recipient, row.happened_on, by=by)
    update.refresh_from_db()
    return outcome


def _owe_refunds(recipient, death_day, *, by) -> list[Refund]:
    """One owed refund per verified payment with unused months, and one message per donor.

    The caller holds the recipient's row, so two recordings cannot both create a refund.
    """
    created, per_sponsorship = [], {}
    for payment, months, amount in death_refunds(recipient, death_day):
        refund = Refund(payment=payment, unused_months=months, amount=amount)
        history_by(by, refund)
        refund.save()
        created.append(refund)
        total = per_sponsorship.setdefault(payment.sponsorship_id, [payment.sponsorship, 0, 0])
        total[1] += months
        total[2] += amount
    for sponsorship, months, amount in per_sponsorship.values():
        Message.queue(
            sponsorship.donor,
            Message.Kind.REFUND,
            sponsorship=sponsorship,
            key=f"refund:{sponsorship.pk}",
            amount=amount,
            months=months,
        )
    return created


# --- refunds ---------------------------------------------------------------------------------

#: The state a refund must be in to take each step, and the date the step records.
REFUND_STEPS = {
    Refund.State.CLAIMED: (Refund.State.OWED, "claimed_on"),
    Refund.State.RECEIVED: (Refund.State.CLAIMED, "received_on"),
    Refund.State.RETURNED: (Refund.State.RECEIVED, "settled_on"),
    Refund.State.REALLOCATED: (Refund.State.RECEIVED, "settled_on"),
}
_REFUND_ORDER = {
    Refund.State.OWED: 0,
    Refund.State.CLAIMED: 1,
    Refund.State.RECEIVED: 2,
    Refund.State.RETURNED: 3,
    Refund.State.REALLOCATED: 3,
}


def advance_refund(
    refund: Refund, to: str, *, by, on=None, notes: str = "", reallocated_to=None
) -> bool:
    """Move a refund one step on: owed → claimed from BPJS → received → returned to the donor,
    or (with the donor's consent) reallocated to another recipient.

    Returns False if the refund is already in that state. Steps are taken in order and never
    undone: a backward move, a skipped step or a second settlement raises PaymentError. A
    refund is settled only as the donor chose (Refund.settlement_errors); `reallocated_to`
    links the payment a reallocated refund paid for, if not linked already.
    """
    to = Refund.State(to)
    if to not in REFUND_STEPS:
        raise PaymentError(_("A refund cannot be moved back to “owed”."))
    before, date_field = REFUND_STEPS[to]
    on = on or timezone.localdate()
    with transaction.atomic():
        row = Refund.objects.select_for_update().get(pk=refund.pk)
        if row.state == to:
            return False
        if _REFUND_ORDER[row.state] >= _REFUND_ORDER[to]:
            raise PaymentError(
                _("This refund is already “%(state)s”; it cannot be marked “%(to)s”.")
                % {"state": row.get_state_display(), "to": to.label}
            )
        if row.state != before:
            raise PaymentError(
                _("Mark this refund “%(step)s” first.") % {"step": Refund.State(before).label}
            )
        fields = ["state", date_field]
        if reallocated_to is not None:
            row.reallocated_to = reallocated_to
            fields.append("reallocated_to")
        refused = row.settlement_errors(to)
        if refused:
            raise PaymentError(" ".join(str(reason) for reason in refused))
        row.state = to
        setattr(row, date_field, on)
        notes = (notes or "").strip()
        if notes:
            row.notes = f"{row.notes}\n{notes}".strip()
            fields.append("notes")
        history_by(by, row)
        row.save(update_fields=fields)
    refund.refresh_from_db()
    return True


# --- stopping, donor requests ----------------------------------------------------------------


def _lock_for_ending(sponsorship_id, *also_recipients):
    """Lock the recipients involved (in id order), then the sponsorship."""
    recipient_id = Sponsorship.objects.values_list("recipient_id", flat=True).get(pk=sponsorship_id)
    ids = sorted({recipient_id, *(r for r in also_recipients if r)})
    recipients = {
        r.pk: r for r in Recipient.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }
    sponsorship = (
        Sponsorship.objects.select_for_update(of=("self",))
        .select_related("donor")
        .get(pk=sponsorship_id)
    )
    return sponsorship, recipients


def _end(sponsorship: Sponsorship, recipient: Recipient, *, by, reason, replaced_by=None):
    """Stop a sponsorship that holds its recipient (rows locked by the caller).

    If the recipient is still eligible, they are waiting for a sponsor again from today.
    """
    sponsorship.state = Sponsorship.State.STOPPED
    sponsorship.ended_at = timezone.now()
    sponsorship.end_reason = reason
    fields = ["state", "ended_at", "end_reason"]
    if replaced_by is not None:
        sponsorship.replaced_by = replaced_by
        fields.append("replaced_by")
    history_by(by, sponsorship)
    sponsorship.save(update_fields=fields)
    if recipient.status == Recipient.Status.ELIGIBLE:
        recipient.waiting_since = timezone.localdate()
        history_by(by, recipient)
        recipient.save(update_fields=["waiting_since", "updated_at"])


def stop(sponsorship: Sponsorship, *, by, reason: str) -> bool:
    """Staff stop a sponsorship (the donor told BCC by phone or email): the donor is told.

    Returns False when the sponsorship had already ended (stopped or lapsed).
    """
    reason = (reason or "").strip()
    if not reason:
        raise PaymentError(_("Give a reason for stopping the sponsorship."))
    with transaction.atomic():
        locked, recipients = _lock_for_ending(sponsorship.pk)
        if locked.state not in Sponsorship.HOLDING_STATES:
            return False
        _end(locked, recipients[locked.recipient_id], by=by, reason=reason)
        Message.queue(
            locked.donor,
            Message.Kind.REQUEST_HANDLED,
            sponsorship=locked,
            key=f"stopped:{locked.pk}",
            request_kind=DonorRequest.Kind.STOP,
            outcome="done",
            reason=reason,
        )
    sponsorship.refresh_from_db()
    return True


def carry_out_request(request: DonorRequest, *, by):
    """Staff carry out what the donor asked: stop the sponsorship, or move it to another person.

    A change stops the old sponsorship and opens a new one for the same donor and route, from
    next month, for as long as the old pledge (at least a year), its first payment priced from
    the rate table as for any pledge. If the new person no longer needs a sponsor, nothing
    changes and RecipientUnavailable is raised. Returns the new sponsorship for a change, True
    for a stop, False if the request had already been handled.
    """
    today = timezone.localdate()
    try:
        with transaction.atomic():
            planned = DonorRequest.objects.get(pk=request.pk)
            sponsorship, recipients = _lock_for_ending(
                planned.sponsorship_id, planned.new_recipient_id
            )
            row = DonorRequest.objects.select_for_update().get(pk=request.pk)
            if row.status != DonorRequest.Status.OPEN:
                return False
            if row.new_recipient_id != planned.new_recipient_id:
                raise PaymentError(_("The request changed meanwhile; try again."))
            holding = sponsorship.state in Sponsorship.HOLDING_STATES
            old_recipient = recipients[sponsorship.recipient_id]
            result, details = True, {}
            if row.kind == DonorRequest.Kind.CHANGE_RECIPIENT:
                if row.new_recipient_id is None:
                    raise PaymentError(_("The request does not say who the new recipient is."))
                new_recipient = recipients[row.new_recipient_id]
                if not _free_recipient(new_recipient, today):
                    raise RecipientUnavailable(
                        _("%(name)s no longer needs a sponsor; ask the donor to choose again.")
                        % {"name": new_recipient.nickname}
                    )
                # After the months the new worker already has paid, never on them.
                first_month = standing.first_free_month(today, paid_through_of(new_recipient.pk))
                _check_new_sponsorship(new_recipient, first_month, today)
                months = max(sponsorship.months_pledged, pledge_rules.MINIMUM_MONTHS)
                result, payment = _open_sponsorship(
                    donor=sponsorship.donor,
                    recipient=new_recipient,
                    first_month=first_month,
                    months=months,
                    route=sponsorship.route,
                )
                details = {
                    "new_sponsorship_id": result.pk,
                    "payment_id": payment.pk,
                    "amount": payment.amount,
                    "first_month": first_month.isoformat(),
                    "months": months,
                }
                if holding:
                    _end(
                        sponsorship,
                        old_recipient,
                        by=by,
                        reason="changed to another recipient at the donor's request",
                        replaced_by=result,
                    )
                else:
                    # Lapsed meanwhile: it stays lapsed, and still shows how it continued.
                    sponsorship.replaced_by = result
                    history_by(by, sponsorship)
                    sponsorship.save(update_fields=["replaced_by"])
            elif holding:
                _end(sponsorship, old_recipient, by=by, reason="stopped at the donor's request")
            row.status = DonorRequest.Status.DONE
            row.handled_by, row.handled_at = by, timezone.now()
            history_by(by, row)
            row.save(update_fields=["status", "handled_by", "handled_at"])
            Message.queue(
                sponsorship.donor,
                Message.Kind.REQUEST_HANDLED,
                sponsorship=sponsorship,
                key=f"request_handled:{row.pk}",
                request_kind=row.kind,
                outcome="done",
                **details,
            )
    except IntegrityError as exc:
        # SQLite cannot lock a row: there the unique "one live sponsorship" constraint is what
        # stops a change racing a pledge for the same person.
        raise RecipientUnavailable(
            _("This person has just been sponsored by someone else.")
        ) from exc
    request.refresh_from_db()
    return result


def decline_request(request: DonorRequest, *, by, reason: str) -> bool:
    """Staff cannot carry out what the donor asked; the donor is told why."""
    reason = (reason or "").strip()
    if not reason:
        raise PaymentError(_("Give the donor a reason for declining the request."))
    with transaction.atomic():
        sponsorship = (
            Sponsorship.objects.select_for_update(of=("self",))
            .select_related("donor")
            .get(pk=request.sponsorship_id)
        )
        row = DonorRequest.objects.select_for_update().get(pk=request.pk)
        if row.status != DonorRequest.Status.OPEN:
            return False
        row.status = DonorRequest.Status.DECLINED
        row.decline_reason = reason
        row.handled_by, row.handled_at = by, timezone.now()
        history_by(by, row)
        row.save(update_fields=["status", "decline_reason", "handled_by", "handled_at"])
        Message.queue(
            sponsorship.donor,
            Message.Kind.REQUEST_HANDLED,
            sponsorship=sponsorship,
            key=f"request_handled:{row.pk}",
            request_kind=row.kind,
            outcome="declined",
            reason=reason,
        )
    request.refresh_from_db()
    return True


# --- late evidence ---------------------------------------------------------------------------


def reinstate(evidence: PaymentEvidence, *, by) -> bool:
    """Evidence arrived after the sponsorship lapsed, and staff accept it: the sponsorship runs
    again and the evidence is verified, so the donor is active again at once.

    The payment must follow on from the last covered month, and the person must still be
    waiting for this donor (eligible, nobody else sponsoring them meanwhile). Returns False if
    the evidence was already reviewed.
    """
    today = timezone.localdate()
    with transaction.atomic():
        recipient_id = Sponsorship.objects.values_list("recipient_id", flat=True).get(
            pk=evidence.payment.sponsorship_id
        )
        recipient = Recipient.objects.select_for_update().get(pk=recipient_id)
        sponsorship, payment, evidence_row = _lock(evidence)
        if evidence_row.status != PaymentEvidence.Status.PENDING:
            return False
        if not sponsorship.is_lapsed_on(today):
            raise PaymentError(_("This sponsorship has not lapsed; verify the evidence instead."))
        if not _free_recipient(recipient, today, besides=sponsorship):
            raise RecipientUnavailable(
                _("%(name)s no longer waits for this donor; the sponsorship cannot run again.")
                % {"name": recipient.nickname}
            )
        if sponsorship.state == Sponsorship.State.LAPSED:
            paid = sponsorship.payments.filter(status=PremiumPayment.Status.VERIFIED).exists()
            sponsorship.state = Sponsorship.State.ACTIVE if paid else Sponsorship.State.PLEDGED
            sponsorship.ended_at, sponsorship.end_reason = None, ""
            history_by(by, sponsorship)
            sponsorship.save(update_fields=["state", "ended_at", "end_reason"])
        verify_evidence(evidence_row, by=by, reinstating=True)
        sponsorship.refresh_from_db()
        if sponsorship.is_lapsed_on(today):
            raise PaymentError(
                _(
                    "Even with this payment the sponsorship is paid only through %(month)s "
                    "and stays lapsed; ask the donor to pay the months since."
                )
                % {"month": f"{sponsorship.covered_through:%m/%Y}"}
            )
    evidence.refresh_from_db()
    return True
