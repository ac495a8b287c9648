"""What the program has achieved, for the public pages (home and "help provided").

Each figure is one aggregate query whose cost does not depend on how much data there is
beyond what the database has to scan.
"""

from django.db.models import Count, Sum
from django.db.models.functions import ExtractYear

from donations.models import Donor, Sponsorship, needing_sponsor
from premiums.models import PremiumPayment
from recipients.models import CardHandover


def figures(day) -> dict:
    """Headline figures on `day`: people protected now and in total, cards, premiums, donors."""
    protected_now = Sponsorship.objects.protecting_on(day).aggregate(
        n=Count("recipient", distinct=True)
    )["n"]
    paid = PremiumPayment.objects.filter(status=PremiumPayment.Status.VERIFIED).aggregate(
        total=Sum("amount"), people=Count("sponsorship__recipient", distinct=True)
    )
    return {
        "protected_now": protected_now,
        "protected_total": paid["people"],
        "premiums_total": paid["total"] or 0,
        "cards_handed_over": CardHandover.objects.aggregate(n=Count("card", distinct=True))["n"],
        "active_donors": Donor.objects.seen_by_staff_active_on(day).count(),
        "waiting": needing_sponsor(day).count(),
    }


def by_year() -> list[dict]:
    """Premiums paid to BPJS, people protected and cards handed over, per calendar year."""
    payments = (
        PremiumPayment.objects.filter(status=PremiumPayment.Status.VERIFIED)
        .annotate(year=ExtractYear("verified_at"))
        .values("year")
        .annotate(
            amount=Sum("amount"),
            people=Count("sponsorship__recipient", distinct=True),
            months=Sum("months"),
        )
        .order_by()
    )
    cards = (
        CardHandover.objects.annotate(year=ExtractYear("handed_over_on"))
        .values("year")
        .annotate(cards=Count("card", distinct=True))
        .order_by()
    )
    years: dict[int, dict] = {}
    for row in [*payments, *cards]:
        years.setdefault(row["year"], empty_year(row["year"])).update(row)
    return sorted(years.values(), key=lambda r: r["year"], reverse=True)


def empty_year(year: int) -> dict:
    """A year of `by_year()` in which nothing happened."""
    return {"year": year, "amount": 0, "people": 0, "months": 0, "cards": 0}


def public_handovers():
    """Handovers for the public page: public fields of the recipient and consented photos."""
    return (
        CardHandover.objects.select_related("card__recipient")
        .only(
            "handed_over_on",
            "card__recipient__nickname",
            "card__recipient__occupation",
            "card__recipient__regency",
        )
        .order_by("-handed_over_on", "-id")
    )
