"""What a pledge will cost, shown on the pledge form before the donor commits.

The same rules as the payment the pledge creates (premiums.rules.price over the rate table),
for every start month and duration the form offers, from one read of the rate table.
"""

import datetime as dt

from core.templatetags.rupiah import format_rupiah
from premiums import rules
from premiums.models import PremiumRate


def pledge_amounts(sector: str, first_months: list[dt.date], durations: list[int]) -> dict:
    """{first month: {months: Rupiah or None}}; None while the rate table does not cover
    every month of that period yet (staff have not entered the rates)."""
    rates = PremiumRate.objects.as_rules()
    amounts = {}
    for first in first_months:
        amounts[first] = {}
        for months in durations:
            try:
                amounts[first][months] = rules.price(rates, first, months, sector)
            except rules.NoRateError:
                amounts[first][months] = None
    return amounts


def pledge_quote(form, sector: str) -> dict:
    """The amount for the terms chosen on a pledge form, and the amounts of every other choice
    (as text, for the page's script, which updates the amount as the donor changes them)."""
    first_months, durations = form.offered_terms()
    amounts = pledge_amounts(sector, first_months, durations)
    first, months = form.chosen_terms()
    return {
        "first_month": first,
        "months": months,
        "amount": amounts[first][months],
        "all": {
            month.isoformat(): {str(m // 12): format_rupiah(a) for m, a in by_months.items()}
            for month, by_months in amounts.items()
        },
    }
