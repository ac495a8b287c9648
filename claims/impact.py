"""The benefits that reached families, for the public pages (home and "help provided").

Each figure is one aggregate query, whatever the number of claims.
"""

from django.db.models import Count, Sum
from django.db.models.functions import ExtractYear

from claims.models import Claim
from premiums.impact import empty_year
from premiums.models import PremiumPayment
from recipients.models import Regency


def figures() -> dict:
    """Benefits paid to families: how many and how much."""
    paid = Claim.objects.paid().aggregate(n=Count("pk"), total=Sum("amount_paid"))
    return {"benefits_count": paid["n"], "benefits_total": paid["total"] or 0}


def share_returned(benefits_total: int, premiums_total: int) -> int | None:
    """The share of the premiums paid that came back to families as benefits, in whole per
    cent (None before any premium was paid)."""
    if not premiums_total:
        return None
    return round(100 * benefits_total / premiums_total)


def benefits_paid():
    """Each paid claim for the public page: kind, regency, year, amount; the worker's name
    only with the family's consent (the template shows it only then)."""
    return (
        Claim.objects.paid()
        .select_related("recipient")
        .only(
            "kind",
            "paid_on",
            "amount_paid",
            "family_consent",
            "recipient__nickname",
            "recipient__regency",
        )
        .order_by("-paid_on", "-pk")
    )


def benefits_by_year() -> dict[int, int]:
    rows = (
        Claim.objects.paid()
        .annotate(year=ExtractYear("paid_on"))
        .values("year")
        .annotate(total=Sum("amount_paid"))
        .order_by()
    )
    return {row["year"]: row["total"] for row in rows}


def with_benefits(years: list[dict]) -> list[dict]:
    """`premiums.impact.by_year()` with each year's benefits paid to families (and the years
    that had benefits only)."""
    benefits = benefits_by_year()
    rows = {row["year"]: {**row, "benefits": benefits.get(row["year"], 0)} for row in years}
    for year, total in benefits.items():
        rows.setdefault(year, {**empty_year(year), "benefits": total})
    return sorted(rows.values(), key=lambda r: r["year"], reverse=True)


def protected_by_regency() -> list[tuple[str, str, int]]:
    """(regency code, name, people ever protected) for each of Bali's nine regencies."""
    counts = dict(
        PremiumPayment.objects.filter(status=PremiumPayment.Status.VERIFIED)
        .values("sponsorship__recipient__regency")
        .annotate(n=Count("sponsorship__recipient", distinct=True))
        .order_by()
        .values_list("sponsorship__recipient__regency", "n")
    )
    return [(code, label, counts.get(code, 0)) for code, label in Regency.choices]
