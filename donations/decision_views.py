"""The donor answers a situation update from their private page (not by replying to an email)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import ratelimit
from donations import services
from donations.forms import DecisionForm
from donations.models import Sponsorship
from donations.rules import RuleError
from donations.views import donor_session_required, get_donor_from_session


def form_errors_to_messages(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@require_POST
@donor_session_required
def answer_update(request, sponsorship_id):
    """Stop, or move to a person waiting; staff see the answer in the donor-requests queue."""
    donor = get_donor_from_session(request)
    sponsorship = get_object_or_404(
        donor.sponsorships.filter(state=Sponsorship.State.AWAITING_DECISION), pk=sponsorship_id
    )
    refused = ratelimit.refuse_if_over(request, "donor_form", ident=f"donor:{donor.pk}")
    if refused:
        return refused
    form = DecisionForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
    else:
        try:
            _request, created = services.answer_update(
                sponsorship,
                form.cleaned_data["kind"],
                new_recipient=form.cleaned_data.get("new_recipient"),
                message=form.cleaned_data["message"],
            )
        except RuleError as exc:
            messages.error(request, str(exc))
        else:
            if created:
                messages.success(request, _("Thank you: BCC received your decision."))
            else:
                messages.info(request, _("BCC already has your decision; it is being handled."))
    return redirect(reverse("donations:page") + f"#sponsorship-{sponsorship.pk}")
