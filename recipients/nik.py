"""Checks on the Indonesian national ID number (NIK) and family card number (KK).

A NIK has 16 digits: digits 1-2 are the province (51 = Bali), 1-4 the regency or city where it
was first issued, 7-12 the date of birth as DDMMYY with 40 added to the day for women, and
13-16 a serial number. A wrong length or a non-digit is an error; a date of birth or sex that
does not match the recorded one is flagged for staff; another province is only noted (people
move to Bali for work).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

BALI_PROVINCE = "51"
BALI_REGION_CODES = {
    "5101": "Jembrana",
    "5102": "Tabanan",
    "5103": "Badung",
    "5104": "Gianyar",
    "5105": "Klungkung",
    "5106": "Bangli",
    "5107": "Karangasem",
    "5108": "Buleleng",
    "5171": "Denpasar",
}
# ASCII digits only, whole string: `\d` would take other scripts' digits (full-width "５") and
# `$` would let a trailing newline through.
SIXTEEN_DIGITS = re.compile(r"\A[0-9]{16}\Z")
KPJ_DIGITS = re.compile(r"\A[0-9]{11}\Z")


@dataclass
class NikCheck:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.warnings


def is_sixteen_digits(value: str) -> bool:
    return bool(SIXTEEN_DIGITS.fullmatch(value or ""))


def is_calendar_date(day: int, month: int, two_digit_year: int) -> bool:
    """Whether DD/MM/YY is a real day of 19YY or 20YY."""
    try:
        # 20YY is a leap year exactly when 19YY or 20YY is one (1900 was not, 2000 was).
        dt.date(2000 + two_digit_year, month, day)
    except ValueError:
        return False
    return True


def birth_date_from_nik(nik: str) -> tuple[int, int, int, str]:
    """(day, month, two-digit year, sex "F"/"M") encoded in digits 7-12 of a NIK."""
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex = "F" if day > 40 else "M"
    return (day - 40 if day > 40 else day), month, year, sex


def check_nik(nik: str, date_of_birth: dt.date | None = None, sex: str = "") -> NikCheck:
    """Errors (the number cannot be right) and warnings (staff should look) for a NIK."""
    result = NikCheck()
    if not is_sixteen_digits(nik):
        result.errors.append(_("A NIK has exactly 16 digits."))
        return result
    if nik[:2] != BALI_PROVINCE:
        result.warnings.append(
            _("This NIK was first issued outside Bali (region %(code)s).") % {"code": nik[:4]}
        )
    elif nik[:4] not in BALI_REGION_CODES:
        result.warnings.append(
            _("Region code %(code)s is not one of Bali's regencies.") % {"code": nik[:4]}
        )
    day, month, year, nik_sex = birth_date_from_nik(nik)
    if not is_calendar_date(day, month, year):
        result.errors.append(_("Digits 7 to 12 of a NIK must be a date of birth (DDMMYY)."))
        return result
    if date_of_birth and (day, month, year) != (
        date_of_birth.day,
        date_of_birth.month,
        date_of_birth.year % 100,
    ):
        result.warnings.append(_("The date of birth in the NIK does not match the recorded one."))
    if sex and sex != nik_sex:
        result.warnings.append(_("The sex encoded in the NIK does not match the recorded one."))
    return result


def region_name(nik: str) -> str:
    """The Bali regency or city where the NIK was issued, or "" if elsewhere."""
    return BALI_REGION_CODES.get((nik or "")[:4], "")
