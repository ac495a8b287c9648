"""A donor's "I've paid" by PayPal, and their choice for a refund, from the private page."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import ratelimit
from donations.decision_views import form_errors_to_messages
from donations.views import donor_session_required, get_donor_from_session
from premiums import donor_actions
from premiums.forms import PaypalPaidForm, RefundChoiceForm
from premiums.models import PremiumPayment, Refund
from premiums.services import PaymentError


def _back_to(anchor: str):
    return redirect(reverse("donations:page") + f"#{anchor}")


@require_POST
@donor_session_required
def paypal_paid(request, payment_id):
    donor = get_donor_from_session(request)
    payment = get_object_or_404(PremiumPayment, pk=payment_id, sponsorship__donor=donor)
    refused = ratelimit.refuse_if_over(request, "donor_form", ident=f"donor:{donor.pk}")
    if refused:
        return refused
    form = PaypalPaidForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _back_to(f"payment-{payment.pk}")
    try:
        reported = donor_actions.report_paypal_payment(
            payment,
            transaction_id=form.cleaned_data["transaction_id"],
            amount=form.cleaned_data["amount"],
            currency=form.cleaned_data["currency"],
        )
    except PaymentError as exc:
        messages.error(request, str(exc))
    else:
        if reported:
            messages.success(
                request,
                _("Thank you: BCC will check your PayPal payment and then pay BPJS with it."),
            )
        else:
            messages.info(request, _("You have already told BCC about this PayPal payment."))
    return _back_to(f"payment-{payment.pk}")


@require_POST
@donor_session_required
def choose_refund(request, refund_id):
    donor = get_donor_from_session(request)
    refund = get_object_or_404(
        Refund.objects.select_related("payment"), pk=refund_id, payment__sponsorship__donor=donor
    )
    refused = ratelimit.refuse_if_over(request, "donor_form", ident=f"donor:{donor.pk}")
    if refused:
        return refused
    form = RefundChoiceForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _back_to(f"refund-{refund.pk}")
    try:
        chosen = donor_actions.choose_refund(refund, form.cleaned_data["choice"])
    except PaymentError as exc:
        messages.error(request, str(exc))
    else:
        if chosen:
            messages.success(request, _("Thank you: BCC received your choice for the refund."))
        else:
            messages.info(request, _("You have already chosen what becomes of this refund."))
    return _back_to(f"refund-{refund.pk}")
