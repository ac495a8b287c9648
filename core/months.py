"""Calendar months, the program's unit of time.

Every month is represented by the date of its first day, in Asia/Makassar calendar terms.
Durations are whole months, never days: these helpers are the only place months are counted.
Nothing here touches the database or a request.
"""

from __future__ import annotations

import datetime as dt

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.errors import RuleError


def month_name(month: dt.date) -> str:
    """ "December 2026" / "Desember 2026" in the active language."""
    return date_format(month, "YEAR_MONTH_FORMAT")


def month_start(day: dt.date) -> dt.date:
    """The first day of the month that holds `day`."""
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    """The first day of the month `n` calendar months after (or before) the month of `month`."""
    index = month.year * 12 + (month.month - 1) + n
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(a: dt.date, b: dt.date) -> int:
    """How many calendar months from the month of `a` to the month of `b` (negative if earlier)."""
    return (b.year - a.year) * 12 + (b.month - a.month)


def month_range(first: dt.date, months: int) -> list[dt.date]:
    """The `months` consecutive months that start at the month of `first`."""
    return [add_months(first, i) for i in range(months)]


def last_month_of(first: dt.date, months: int) -> dt.date:
    """The last month of a period of `months` months starting at `first`."""
    if months < 1:
        raise RuleError(_("A period covers at least one month."))
    return add_months(first, months - 1)
