from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bcc_sponsor.public_cache import cached_for_visitors
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


def handover_photo(request, token, photo_id, thumbnail=False):
    """A handover photo (web size, or its thumbnail) for a donor who sponsored the recipient."""
    donor = get_donor_or_404(token)
    photos = HandoverPhoto.objects.filter(
        handover__card__recipient__sponsorships__donor=donor
    ).distinct()  # a donor may have sponsored the same person twice
    photo = get_object_or_404(photos, pk=photo_id)
    image = photo.small_image if thumbnail else photo.image
    return serve_private_file(image, filename=f"handover-{photo.pk}")


DONORS_PAGE_SIZE = 50


@require_GET
@cached_for_visitors
def donor_list(request):
    """The active donors who agreed to be named, alphabetical; the others are counted."""
    today = timezone.localdate()
    query = request.GET.get("q", "").strip()[:80]
    listed = (
        Donor.objects.for_public_display(today)
        .with_public_figures(today)
        .only("display_name", "full_name")
        .order_by(Lower("display_name"), "id")
    )
    if query:
        listed = listed.filter(display_name__icontains=query)
    page = Paginator(listed, DONORS_PAGE_SIZE).get_page(request.GET.get("page"))
    counts = Donor.objects.seen_by_staff_active_on(today).aggregate(
        named=Count("pk", filter=Q(listed_publicly=True)),
        anonymous=Count("pk", filter=Q(listed_publicly=False)),
    )
    return render(
        request,
        "donations/donor_list.html",
        {"page": page, "q": query, "query": urlencode({"q": query}) if query else "", **counts},
    )
