"""Who BPJS Ketenagakerjaan registers as a non-wage worker: the age limit, as plain functions.

A non-wage worker must be under 60 on the day BCC registers them with BPJS, which for a new
sponsorship is its first month (protection starts on that month's first day). Nothing here
touches the database or a request.
"""

from __future__ import annotations

import datetime as dt

#: A worker is registered only before this birthday.
AGE_LIMIT = 60


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier; 29 February becomes 28 February in a year without
    it (so that a person born on 29 February turns a year older on 28 February then)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February, in a year that has none
        return day.replace(year=day.year - years, day=28)


def latest_birth_date_over_limit(day: dt.date) -> dt.date:
    """Born on this day or before, a person is AGE_LIMIT or older on `day`."""
    return years_before(day, AGE_LIMIT)


def under_age_limit_on(date_of_birth: dt.date | None, day: dt.date) -> bool:
    """Whether someone born on `date_of_birth` is still under 60 on `day` (a 60th birthday on
    `day` is too late). An unknown date of birth is not refused here: staff check the E-KTP
    before registering, and the NIK check flags a date that does not match it."""
    if date_of_birth is None:
        return True
    return date_of_birth > latest_birth_date_over_limit(day)
