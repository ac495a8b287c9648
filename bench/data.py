"""Rows as the app would have stored them, for bulk loads without running the app's code (no
file is written, no signal sent). The benchmarks (bench/web.py, bench/csv_io.py) and the
query-budget tests (tests/test_query_budgets.py) build their data with these.

It imports the models: import it after django.setup() (inside a function of a script).
"""

from core.months import last_month_of
from donations.models import Sponsorship
from premiums.models import PaymentEvidence, PremiumPayment
from recipients.models import CardHandover, HandoverPhoto


def sponsorship_row(donor, recipient, first_month, **fields) -> Sponsorship:
    """A sponsorship from `first_month`, pledged for a year and paid directly unless `fields`
    say otherwise (state, coverage and the lapse day are the caller's to give)."""
    fields = {"months_pledged": 12, "route": Sponsorship.Route.DIRECT, **fields}
    return Sponsorship(donor=donor, recipient=recipient, first_month=first_month, **fields)


def payment_row(
    sponsorship, first_month, months, monthly, verified_at=None, verified_by=None
) -> PremiumPayment:
    """A payment of `months` at `monthly` Rupiah from `first_month`, through the sponsorship's
    route: verified at `verified_at` by `verified_by`, or pending without them."""
    verified = verified_at is not None
    return PremiumPayment(
        sponsorship=sponsorship,
        first_month=first_month,
        months=months,
        last_month=last_month_of(first_month, months),
        amount=monthly * months,
        monthly_amounts=[monthly] * months,
        channel=sponsorship.route,
        status=PremiumPayment.Status.VERIFIED if verified else PremiumPayment.Status.PENDING,
        verified_at=verified_at,
        verified_by=verified_by if verified else None,
    )


def evidence_row(payment, folder: str, received_at) -> PaymentEvidence:
    """The evidence of a saved payment, reviewed when and by whom the payment was verified (or
    awaiting review): a name under evidence/<folder>/, no file."""
    return PaymentEvidence(
        payment=payment,
        file=f"evidence/{folder}/{payment.pk}.png",
        sha256=f"{payment.pk:064x}",
        content_type="image/png",
        size=48_000,
        status=payment.status,  # verified or pending, as its payment
        received_at=received_at,
        reviewed_at=payment.verified_at,
        reviewed_by=payment.verified_by,
    )


def handover_row(card, handed_over_on, by, place, documentation_sent_at=None) -> CardHandover:
    return CardHandover(
        card=card,
        handed_over_on=handed_over_on,
        place=place,
        handed_over_by=by,
        documentation_sent_at=documentation_sent_at,
    )


def photo_row(handover, folder: str, caption: str, public_consent: bool) -> HandoverPhoto:
    """The photo of a saved handover: names under handovers/<folder>/, no files."""
    return HandoverPhoto(
        handover=handover,
        image=f"handovers/{folder}/{handover.pk}.jpg",
        thumbnail=f"handovers/{folder}/{handover.pk}-t.jpg",
        caption=caption,
        public_consent=public_consent,
    )
