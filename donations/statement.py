"""The giving statement: what a donor paid in one calendar year, as a PDF with BCC's letterhead.

A payment belongs to the year in which BCC verified it (in Bali time), like the printable
statement: that is when the donor's money was confirmed as paid to BPJS. Only verified payments
count; evidence awaiting review or rejected is not money given.
"""

import datetime as dt

from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.models import ContactDetails
from core.pdf import html_to_pdf
from donations.models import Donor, Message

VERIFIED = "verified"


def _local_year(moment: dt.datetime) -> int:
    return timezone.localtime(moment).year


def years_paid(sponsorships) -> list[int]:
    """The years, newest first, in which these sponsorships (their payments prefetched) had a
    payment verified: the choice of statements on the private page, without a query."""
    return sorted(
        {
            _local_year(p.verified_at)
            for s in sponsorships
            for p in s.payments.all()
            if p.status == VERIFIED and p.verified_at
        },
        reverse=True,
    )


def payments_in(donor, year: int) -> list:
    """The donor's payments verified in `year`, in the order they were verified.

    Read through the donor's sponsorships (a donor has a handful of payments): the payment
    model belongs to the app above this one, which this one does not import.
    """
    sponsorships = donor.sponsorships.select_related("recipient").prefetch_related("payments")
    payments = [
        payment
        for sponsorship in sponsorships
        for payment in sponsorship.payments.all()
        if payment.status == VERIFIED
        and payment.verified_at
        and _local_year(payment.verified_at) == year
    ]
    return sorted(payments, key=lambda p: (p.verified_at, p.pk))


def statement_context(donor, year: int) -> dict | None:
    """What the statement shows, or None when nothing was verified in that year."""
    payments = payments_in(donor, year)
    if not payments:
        return None
    for payment in payments:
        payment.verified_on = timezone.localtime(payment.verified_at).date()
    return {
        "donor": donor,
        "year": year,
        "payments": payments,
        "total": sum(p.amount for p in payments),
        "months": sum(p.months for p in payments),
        "contact": ContactDetails.current(),
        "issued_on": timezone.localdate(),
    }


def render_pdf(context: dict, language: str) -> bytes:
    """The statement as a PDF, in `language` (WeasyPrint: HTML and CSS drawn by Pango)."""
    with translation.override(language):
        html = render_to_string("donations/statement_pdf.html", context)
    return html_to_pdf(html)


def filename(year: int) -> str:
    return f"bcc-giving-statement-{year}.pdf"


def last_year() -> int:
    return timezone.localdate().year - 1


def queue_year_statements(year: int) -> int:
    """Queue the year-end email, with the statement attached, for every donor (not erased) who
    had a payment verified in `year`: once per donor and year, however often this runs.
    Returns how many were queued now."""
    zone = timezone.get_current_timezone()
    start = dt.datetime(year, 1, 1, tzinfo=zone)
    end = dt.datetime(year + 1, 1, 1, tzinfo=zone)
    donors = (
        Donor.objects.filter(
            erased_at__isnull=True,
            sponsorships__payments__status=VERIFIED,
            sponsorships__payments__verified_at__gte=start,
            sponsorships__payments__verified_at__lt=end,
        )
        .distinct()
        .order_by("pk")
    )
    queued = 0
    for donor in donors:
        key = f"year-statement:{donor.pk}:{year}"
        if Message.queue(donor, Message.Kind.YEAR_STATEMENT, key=key, year=year):
            queued += 1
    return queued


def attachments_for(message) -> list[tuple[str, bytes, str]]:
    """The PDF of a year-end email, in the donor's language; none if, since the email was
    queued, no payment of that year is verified any more."""
    year = int(message.context.get("year") or 0)
    context = statement_context(message.donor, year) if year else None
    if context is None:
        return []
    return [(filename(year), render_pdf(context, message.donor.language), "application/pdf")]
