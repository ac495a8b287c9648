"""What a donor decides or tells BCC from their private page, about payments and refunds, and
the PayPal acknowledgement staff send.

Each runs in one transaction with its rows locked (sponsorship → payment → refund, the order of
premiums.services), returns False when it was already done (a double click, a page sent again)
and records when. Staff carry the decision out in the admin.
"""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from donations.models import Message, Sponsorship
from premiums.models import PremiumPayment, Refund
from premiums.services import PaymentError


def report_paypal_payment(
    payment: PremiumPayment, *, transaction_id: str, amount: Decimal, currency: str
) -> bool:
    """The donor says "I've paid" by PayPal, with the transaction id, amount and currency.

    Once per payment: False if it was reported already (the first report stands; staff correct
    it in the admin). A transaction id already given for another payment is refused, so one
    PayPal payment never counts twice.
    """
    with transaction.atomic():
        Sponsorship.objects.select_for_update().filter(pk=payment.sponsorship_id).first()
        row = PremiumPayment.objects.select_for_update().get(pk=payment.pk)
        if row.paypal_reported_at is not None:
            return False
        if row.channel != Sponsorship.Route.PAYPAL or row.status != PremiumPayment.Status.PENDING:
            raise PaymentError(_("This payment is not waiting for a PayPal payment."))
        if row.paypal_received_on is not None:
            raise PaymentError(_("BCC has already recorded your PayPal payment for this."))
        taken = PremiumPayment.objects.filter(paypal_transaction_id=transaction_id).exclude(
            pk=row.pk
        )
        if taken.exists():
            raise PaymentError(
                _("This PayPal transaction id was already given for another payment.")
            )
        row.paypal_transaction_id = transaction_id
        row.paypal_amount, row.paypal_currency = amount, currency
        row.paypal_reported_at = timezone.now()
        try:
            with transaction.atomic():
                row.save(
                    update_fields=[
                        "paypal_transaction_id",
                        "paypal_amount",
                        "paypal_currency",
                        "paypal_reported_at",
                    ]
                )
        except IntegrityError as exc:
            # Another payment took the same id at this very moment.
            raise PaymentError(
                _("This PayPal transaction id was already given for another payment.")
            ) from exc
    payment.refresh_from_db()
    return True


def acknowledge_paypal(payment: PremiumPayment) -> bool:
    """Tell the donor that their PayPal money arrived (amount and currency as received), once
    per payment; called when staff record the receipt. False when there is nothing to say yet
    (no receipt date or amount) or it was said already."""
    if payment.channel != Sponsorship.Route.PAYPAL or payment.paypal_received_on is None:
        return False
    if not payment.paypal_amount or not payment.paypal_currency:
        return False
    sponsorship = payment.sponsorship
    queued = Message.queue(
        sponsorship.donor,
        Message.Kind.PAYPAL_RECEIVED,
        sponsorship=sponsorship,
        key=f"paypal_received:{payment.pk}",
        payment_id=payment.pk,
        paypal_amount=str(payment.paypal_amount),
        paypal_currency=payment.paypal_currency,
        received_on=payment.paypal_received_on.isoformat(),
        amount=payment.amount,
    )
    return queued is not None


def choose_refund(refund: Refund, choice: str, *, by=None) -> bool:
    """The donor chooses what becomes of a refund: returned to them, or used for another worker
    waiting for a sponsor (their consent). Once: False if they had chosen already. Staff then
    return or reallocate it (premiums.services.advance_refund) and see the choice in their list.

    `by` is the coordinator who records a choice the donor gave by phone or WhatsApp, so that
    a refund never waits for a donor who will not open their page; kept with the choice.
    """
    choice = Refund.Choice(choice)
    with transaction.atomic():
        Sponsorship.objects.select_for_update().filter(pk=refund.payment.sponsorship_id).first()
        row = Refund.objects.select_for_update().get(pk=refund.pk)
        if row.donor_choice:
            return False
        if row.state not in Refund.OUTSTANDING_STATES:
            raise PaymentError(_("This refund was already settled."))
        row.donor_choice = choice
        row.donor_chose_at = timezone.now()
        row.choice_recorded_by = by
        if by is not None:
            row._history_user = by
        row.save(update_fields=["donor_choice", "donor_chose_at", "choice_recorded_by"])
    refund.refresh_from_db()
    return True
