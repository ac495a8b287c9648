"""Rules of a pledge, as plain functions. Months are in `core.months`; where a sponsorship
stands in time (the three-month rule) is in `donations.standing`."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from core.errors import RuleError
from core.months import add_months, month_start

__all__ = ["MINIMUM_MONTHS", "RuleError", "check_pledge_months", "earliest_first_month"]

#: A pledge, and the first payment of a new sponsorship, cover at least this many months.
MINIMUM_MONTHS = 12


def check_pledge_months(months: int) -> None:
    """A pledge, and the first payment of a new sponsorship, is for at least twelve months."""
    if months < MINIMUM_MONTHS:
        raise RuleError(
            _("The minimum is %(months)d months (one year).") % {"months": MINIMUM_MONTHS}
        )


def earliest_first_month(day: dt.date) -> dt.date:
    """Protection starts on the first day of the month after registration: a sponsorship
    pledged on `day` can start next month at the earliest."""
    return add_months(month_start(day), 1)
