from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import ratelimit
from core.otp import verified_staff_member_required
from core.storage import serve_private_file
from donations import standing
from donations.models import needing_sponsor, paid_through_of
from donations.views import donor_session_required, get_donor_from_session
from premiums import quotes, services
from premiums.forms import EvidenceForm, NextPaymentForm, PledgeForm, SponsorshipTermsForm
from premiums.models import PaymentEvidence, PremiumPayment
from recipients.models import Recipient

PLEDGE_SESSION_KEY = "pledge"
#: The name of the pledge form's "Show the amount" button.
SHOW_AMOUNT = "show_amount"


def _recipient_needing_sponsor(pk):
    return needing_sponsor().filter(pk=pk).first()


def _first_free_month(recipient_pk):
    """A new sponsorship starts after the months the worker already has paid (a donor who
    stopped may have paid well ahead): nobody pays BPJS twice for the same month."""
    return standing.first_free_month(timezone.localdate(), paid_through_of(recipient_pk))


def _others_waiting(exclude_pk):
    return needing_sponsor().exclude(pk=exclude_pk).only(*Recipient.PUBLIC_FIELDS)[:3]


def _showing_amount(request) -> bool:
    """The form was sent with "Show the amount": nothing is saved, the page shows the amount
    for the terms chosen (the way to see it without JavaScript)."""
    return request.method == "POST" and SHOW_AMOUNT in request.POST


def _render_pledge_form(request, recipient, form, **context):
    return render(
        request,
        "premiums/pledge.html",
        {
            "recipient": recipient,
            "form": form,
            "quote": quotes.pledge_quote(form, recipient.sector),
            "show_amount": SHOW_AMOUNT,
            **context,
        },
    )


@require_http_methods(["GET", "POST"])
def pledge(request, pk):
    showing_amount = _showing_amount(request)
    if request.method == "POST" and not showing_amount:
        email = request.POST.get("email", "").strip().lower()
        refused = ratelimit.refuse_if_over(
            request, "pledge", ident=ratelimit.per_address_and(request, email)
        ) or ratelimit.refuse_if_over(request, "pledge_address")
        if refused:
            return refused
    recipient = get_object_or_404(Recipient.objects.public().only(*Recipient.PUBLIC_FIELDS), pk=pk)
    if showing_amount:
        if _recipient_needing_sponsor(pk) is None:
            return _unavailable(request, recipient)
        # What the donor typed stays in the fields, without errors for what they have not yet.
        form = PledgeForm(initial=request.POST.dict(), first_month=_first_free_month(pk))
        return _render_pledge_form(request, recipient, form)
    form = PledgeForm(request.POST or None, first_month=_first_free_month(pk))
    if _recipient_needing_sponsor(pk) is None:
        return _repeated_or_unavailable(request, recipient, form)
    if request.method == "POST" and form.is_valid():
        try:
            sponsorship, payment, token = services.create_pledge(
                recipient_id=recipient.pk,
                donor=form.save(commit=False),
                first_month=form.cleaned_data["first_month"],
                months=form.months,
                route=form.cleaned_data["route"],
            )
        except services.RecipientUnavailable:
            return _repeated_or_unavailable(request, recipient, form)
        except services.PaymentError as exc:
            form.add_error(None, str(exc))
        else:
            request.session[PLEDGE_SESSION_KEY] = {"payment": payment.pk, "token": token}
            return redirect("premiums:pledge_thanks", pk=recipient.pk)
    return _render_pledge_form(request, recipient, form)


def _repeated_or_unavailable(request, recipient, form):
    """The person is taken. By this very pledge, sent twice (a double click, a retry after a
    slow answer)? Then the donor sees their thank-you page, not "someone else was faster"."""
    if request.method == "POST" and form.is_valid() and "email" in form.cleaned_data:
        payment = services.repeated_pledge(
            recipient.pk, form.cleaned_data["email"], form.cleaned_data["full_name"]
        )
        if payment is not None:
            # No link on the page this time: it can be shown only once; the email has it.
            request.session[PLEDGE_SESSION_KEY] = {"payment": payment.pk}
            return redirect("premiums:pledge_thanks", pk=recipient.pk)
    return _unavailable(request, recipient)


def _unavailable(request, recipient):
    return render(
        request,
        "premiums/unavailable.html",
        {"recipient": recipient, "others": _others_waiting(recipient.pk)},
        status=409 if request.method == "POST" else 200,
    )


@require_GET
@never_cache
def pledge_thanks(request, pk):
    """After a pledge: the exact amount, how to pay it, and the private link (shown once)."""
    pledged = request.session.get(PLEDGE_SESSION_KEY) or {}
    payment = (
        PremiumPayment.objects.select_related("sponsorship__recipient", "sponsorship__donor")
        .filter(pk=pledged.get("payment"), sponsorship__recipient_id=pk)
        .first()
    )
    if payment is None:
        raise Http404
    donor = payment.sponsorship.donor
    link = donor.private_url(pledged["token"]) if pledged.get("token") else None
    # The raw token leaves the session once shown: the email carries its own link.
    request.session[PLEDGE_SESSION_KEY] = {"payment": payment.pk}
    return render(
        request,
        "premiums/pledge_thanks.html",
        {
            "payment": payment,
            "sponsorship": payment.sponsorship,
            "donor": donor,
            "link": link,
        },
    )


def _payment_for_donor(donor, payment_id):
    return get_object_or_404(
        PremiumPayment.objects.select_related("sponsorship__recipient"),
        pk=payment_id,
        sponsorship__donor=donor,
    )


def _to_payment(payment):
    return redirect(reverse("donations:page") + f"#payment-{payment.pk}")


@require_POST
@donor_session_required
def upload_evidence(request, payment_id):
    donor = get_donor_from_session(request)
    payment = _payment_for_donor(donor, payment_id)
    refused = ratelimit.refuse_if_over(request, "evidence", ident=f"donor:{donor.pk}")
    if refused:
        return refused
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.submit_evidence(payment, form.cleaned_data["file"])
        except services.PaymentError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("Thank you: your evidence was received and awaits verification.")
            )
            return redirect("donations:page")
    else:
        for error in form.errors.get("file", []):
            messages.error(request, error)
    return _to_payment(payment)


@require_POST
@donor_session_required
def start_next_payment(request, sponsorship_id):
    donor = get_donor_from_session(request)
    sponsorship = get_object_or_404(donor.sponsorships, pk=sponsorship_id)
    form = NextPaymentForm(request.POST)
    if form.is_valid():
        try:
            payment = services.start_next_payment(sponsorship, form.cleaned_data["months"])
        except services.PaymentError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("Next payment started: please pay it and upload the evidence below."),
            )
            return _to_payment(payment)
    else:
        for error in form.errors.get("months", []):
            messages.error(request, error)
    return redirect("donations:page")


@require_http_methods(["GET", "POST"])
@donor_session_required
def pledge_again(request, pk):
    """A returning donor sponsors another person from their private page."""
    donor = get_donor_from_session(request)
    showing_amount = _showing_amount(request)
    if request.method == "POST" and not showing_amount:
        refused = ratelimit.refuse_if_over(
            request, "pledge", ident=ratelimit.per_address_and(request, f"donor:{donor.pk}")
        ) or ratelimit.refuse_if_over(request, "pledge_address")
        if refused:
            return refused
    recipient = get_object_or_404(Recipient.objects.public().only(*Recipient.PUBLIC_FIELDS), pk=pk)
    if _recipient_needing_sponsor(pk) is None:
        return _unavailable(request, recipient)
    terms = {"overseas": donor.is_overseas, "first_month": _first_free_month(pk)}
    if showing_amount:
        form = SponsorshipTermsForm(initial=request.POST.dict(), **terms)
        return _render_pledge_form(request, recipient, form, donor=donor)
    form = SponsorshipTermsForm(request.POST or None, **terms)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_pledge(
                recipient_id=recipient.pk,
                donor=donor,
                first_month=form.cleaned_data["first_month"],
                months=form.months,
                route=form.cleaned_data["route"],
            )
        except services.RecipientUnavailable:
            return _repeated_or_unavailable(request, recipient, form)
        except services.PaymentError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Thank you! The payment instructions are below and on their way by email."),
            )
            return redirect("donations:page")
    return _render_pledge_form(request, recipient, form, donor=donor)


@require_GET
@donor_session_required
def donor_evidence_file(request, evidence_id):
    donor = get_donor_from_session(request)
    evidence = get_object_or_404(PaymentEvidence, pk=evidence_id, payment__sponsorship__donor=donor)
    return serve_private_file(
        evidence.file, filename=f"evidence-{evidence.pk}", content_type=evidence.content_type
    )


@require_GET
@verified_staff_member_required
def staff_evidence_file(request, evidence_id):
    # Being staff is not enough: a volunteer sees evidence only with the permission to.
    if not request.user.has_perm("premiums.view_paymentevidence"):
        raise PermissionDenied
    evidence = get_object_or_404(PaymentEvidence, pk=evidence_id)
    return serve_private_file(
        evidence.file, filename=f"evidence-{evidence.pk}", content_type=evidence.content_type
    )
