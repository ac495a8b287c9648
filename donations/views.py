from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from donations.forms import DonorRequestForm, LinkRequestForm
from donations.models import Donor, Message, Sponsorship
from recipients.models import HandoverPhoto, Recipient
from recipients.views import serve_private_file


def get_donor_or_404(token):
    """The donor whose private link this is; 404 for unknown, revoked or expired links."""
    donor = Donor.objects.by_token(token)
    if donor is None or donor.erased_at:
        raise Http404
    return donor


def _sponsorships_for_page(donor):
    return (
        donor.sponsorships.select_related("recipient", "recipient__card")
        .prefetch_related(
            "payments__evidence",
            "recipient__situation_updates",
            "recipient__card__handovers__photos",
            Prefetch("requests"),
        )
        .order_by("-created_at")
    )


def private_page(request, token):
    donor = get_donor_or_404(token)
    sponsorships = list(_sponsorships_for_page(donor))
    today = timezone.localdate()
    for sponsorship in sponsorships:
        sponsorship.strip = sponsorship.month_strip(today)
    return render(
        request,
        "donations/private.html",
        {
            "donor": donor,
            "token": token,
            "sponsorships": sponsorships,
            "donor_messages": donor.messages.select_related("sponsorship__recipient")[:30],
            "waiting": Recipient.objects.needing_sponsor().only(*Recipient.PUBLIC_FIELDS)[:6],
            "request_form": _request_form(),
        },
    )


def _request_form():
    form = DonorRequestForm()
    # Evaluate the choice of people once: the form is shown under every sponsorship.
    field = form.fields["new_recipient"]
    field.widget.choices = list(field.choices)
    return form


@require_http_methods(["GET", "POST"])
def link_request(request):
    """ "Send me my link": the same answer whether the email is known or not."""
    form = LinkRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        hour = timezone.now().strftime("%Y%m%d%H")
        for donor in Donor.objects.filter(email__iexact=email, erased_at__isnull=True):
            # At most one link email per donor and hour, however often the form is sent.
            Message.queue(donor, Message.Kind.LINK, key=f"link:{donor.pk}:{hour}")
        return render(request, "donations/link_sent.html", {"email": email})
    return render(request, "donations/link_request.html", {"form": form})


@require_POST
def donor_request(request, token, sponsorship_id):
    """The donor asks to stop, or to change to another recipient; staff see it in their queue."""
    donor = get_donor_or_404(token)
    sponsorship = get_object_or_404(
        donor.sponsorships.filter(state__in=Sponsorship.HOLDING_STATES), pk=sponsorship_id
    )
    form = DonorRequestForm(request.POST)
    if form.is_valid():
        sponsorship.requests.create(
            kind=form.cleaned_data["kind"],
            new_recipient=form.cleaned_data.get("new_recipient"),
            message=form.cleaned_data["message"],
        )
        messages.success(request, _("Your request was sent to BCC. We will reply soon."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("donations:private", token=token)


def statement(request, token):
    """A printable statement of what the donor paid, year by year, per recipient."""
    donor = get_donor_or_404(token)
    rows = donor.paid_by_year()
    return render(
        request,
        "donations/statement.html",
        {"donor": donor, "rows": rows, "total": sum(r["amount"] for r in rows), "token": token},
    )


def handover_photo(request, token, photo_id):
    donor = get_donor_or_404(token)
    photo = get_object_or_404(
        HandoverPhoto, pk=photo_id, handover__card__recipient__sponsorships__donor=donor
    )
    return serve_private_file(photo.image, filename=f"handover-{photo.pk}")
