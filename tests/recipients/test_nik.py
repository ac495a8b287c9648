"""Checks on the NIK: 16 digits, the Bali region in digits 1-4, the date of birth in digits 7-12.

A wrong number is an error; what staff should look at (another province, an unknown Bali code,
a date of birth or sex that disagrees with the record) is a warning.
"""

import datetime as dt

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from recipients.nik import (
    BALI_REGION_CODES,
    KPJ_DIGITS,
    birth_date_from_nik,
    check_nik,
    is_sixteen_digits,
    region_name,
)

D = dt.date


def make_nik(region="5103", district="01", day=15, month=5, year=90, serial="0001"):
    """A NIK as the civil registry writes it; pass day + 40 for a woman."""
    return f"{region}{district}{day:02d}{month:02d}{year:02d}{serial}"


MAN = make_nik(day=15)  # born 15 May 1990 in Badung
WOMAN = make_nik(region="5171", day=15 + 40, month=8, year=85)  # born 15 August 1985, Denpasar
# MAN in digits of other scripts, which Python's `\d` and int() accept.
MAN_FULL_WIDTH = MAN.translate({ord("0") + i: 0xFF10 + i for i in range(10)})
MAN_ARABIC_INDIC = MAN.translate({ord("0") + i: 0x0660 + i for i in range(10)})


@pytest.fixture(autouse=True, scope="module")
def english():
    with translation.override("en"):
        yield


def test_it_builds_the_example_numbers():
    assert MAN == "5103011505900001"
    assert WOMAN == "5171015508850001"
    assert len(MAN_FULL_WIDTH) == len(MAN_ARABIC_INDIC) == 16
    assert MAN_FULL_WIDTH.isdigit() and MAN_ARABIC_INDIC.isdigit()


def test_it_accepts_the_nik_of_a_bali_man():
    result = check_nik(MAN, D(1990, 5, 15), "M")
    assert result.errors == []
    assert result.warnings == []
    assert result.ok is True


def test_it_accepts_the_nik_of_a_bali_woman_with_forty_added_to_the_day():
    result = check_nik(WOMAN, D(1985, 8, 15), "F")
    assert result.errors == []
    assert result.warnings == []
    assert result.ok is True


def test_it_accepts_a_nik_without_a_recorded_birth_date_or_sex():
    assert check_nik(MAN).ok is True
    assert check_nik(WOMAN).ok is True


@pytest.mark.parametrize("code", sorted(BALI_REGION_CODES))
def test_it_accepts_every_bali_regency(code):
    assert check_nik(make_nik(region=code)).ok is True


@pytest.mark.parametrize(
    "nik",
    [
        "",
        None,
        "510301150590001",  # 15 digits
        "51030115059000011",  # 17 digits
        "5103",
        "51030115059000A1",  # a letter
        "O103011505900001",  # the letter O for a zero
        "5103 0115 0590 0001",
        "5103-0115-0590-0001",
        " 5103011505900001",
        "5103011505900001 ",
        "5103011505900001\n",  # `$` alone would let this through
        MAN_FULL_WIDTH,  # full-width digits are not digits of a NIK
        MAN_ARABIC_INDIC,  # nor are Arabic-Indic ones
        "-103011505900001",
        "+103011505900001",
    ],
)
def test_it_refuses_what_is_not_sixteen_digits(nik):
    result = check_nik(nik, D(1990, 5, 15), "M")
    assert result.errors == ["A NIK has exactly 16 digits."]
    assert result.warnings == []  # nothing else is worth saying about it
    assert result.ok is False


@pytest.mark.parametrize(
    "value, expected",
    [
        ("5103011505900001", True),
        ("0000000000000000", True),
        ("5103011505900001\n", False),
        (MAN_FULL_WIDTH, False),
        (MAN_ARABIC_INDIC, False),
        ("510301150590000", False),
        ("", False),
        (None, False),
    ],
)
def test_it_knows_sixteen_digits(value, expected):
    assert is_sixteen_digits(value) is expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("12345678901", True),
        ("1234567890", False),
        ("123456789012", False),
        ("12345678901\n", False),
        ("1234567890a", False),
        ("１２３４５６７８９０１", False),
    ],
)
def test_it_knows_a_kpj_number(value, expected):
    assert bool(KPJ_DIGITS.match(value)) is expected


@pytest.mark.parametrize("region", ["3171", "3578", "5201", "5301", "1101", "9471"])
def test_it_only_notes_a_nik_issued_outside_bali(region):
    # People move to Bali for work: the number can be right.
    result = check_nik(make_nik(region=region), D(1990, 5, 15), "M")
    assert result.errors == []
    assert result.warnings == [f"This NIK was first issued outside Bali (region {region})."]
    assert result.ok is False


@pytest.mark.parametrize("region", ["5100", "5109", "5110", "5170", "5172", "5199"])
def test_it_warns_of_an_unknown_bali_region_code(region):
    result = check_nik(make_nik(region=region), D(1990, 5, 15), "M")
    assert result.errors == []
    assert result.warnings == [f"Region code {region} is not one of Bali's regencies."]


@pytest.mark.parametrize(
    "nik, date_of_birth",
    [
        (MAN, D(1990, 5, 16)),  # day
        (MAN, D(1990, 6, 15)),  # month
        (MAN, D(1991, 5, 15)),  # year
        (MAN, D(1980, 5, 15)),
        (WOMAN, D(1985, 8, 16)),
        (WOMAN, D(1985, 9, 15)),
        (WOMAN, D(1986, 8, 15)),
        (make_nik(day=1, month=1, year=0), D(2000, 1, 2)),
    ],
)
def test_it_warns_when_the_date_of_birth_does_not_match(nik, date_of_birth):
    result = check_nik(nik, date_of_birth)
    assert result.errors == []
    assert result.warnings == ["The date of birth in the NIK does not match the recorded one."]


@pytest.mark.parametrize(
    "nik, date_of_birth",
    [
        (MAN, D(1990, 5, 15)),
        (WOMAN, D(1985, 8, 15)),
        # Two-digit years: the century is not in the NIK.
        (make_nik(day=1, month=1, year=0), D(2000, 1, 1)),
        (make_nik(day=31, month=12, year=99), D(1999, 12, 31)),
        (make_nik(day=5, month=3, year=45), D(1945, 3, 5)),
        (make_nik(day=5, month=3, year=5), D(2005, 3, 5)),
    ],
)
def test_it_matches_the_recorded_date_of_birth(nik, date_of_birth):
    assert check_nik(nik, date_of_birth).ok is True


@pytest.mark.parametrize("nik, sex", [(MAN, "F"), (WOMAN, "M")])
def test_it_warns_when_the_sex_does_not_match(nik, sex):
    result = check_nik(nik, sex=sex)
    assert result.errors == []
    assert result.warnings == ["The sex encoded in the NIK does not match the recorded one."]


def test_it_gives_every_warning_at_once():
    result = check_nik(make_nik(region="3171"), D(1991, 5, 15), "F")
    assert result.errors == []
    assert result.warnings == [
        "This NIK was first issued outside Bali (region 3171).",
        "The date of birth in the NIK does not match the recorded one.",
        "The sex encoded in the NIK does not match the recorded one.",
    ]


@pytest.mark.parametrize(
    "day, month, year",
    [
        (0, 5, 90),  # no day 0
        (32, 5, 90),  # neither a man's day nor a woman's
        (35, 5, 90),
        (40, 5, 90),
        (72, 5, 90),  # a woman's 32nd
        (80, 5, 90),
        (99, 5, 90),
        (15, 0, 90),
        (15, 13, 90),
        (15, 99, 90),
        (31, 4, 90),  # April has 30 days
        (71, 4, 90),  # nor for women
        (30, 2, 90),
        (31, 2, 90),
        (29, 2, 90),  # 1990 and 2090 are not leap years
        (69, 2, 1),  # nor 1901 or 2001
        (31, 6, 75),
        (31, 9, 75),
        (31, 11, 75),
    ],
)
def test_it_refuses_digits_that_are_not_a_date_of_birth(day, month, year):
    result = check_nik(make_nik(day=day, month=month, year=year), D(1990, 5, 15), "M")
    assert result.errors == ["Digits 7 to 12 of a NIK must be a date of birth (DDMMYY)."]
    # Nothing can be compared with a date that is not one.
    assert result.warnings == []


def test_it_keeps_the_region_warning_with_a_date_error():
    result = check_nik(make_nik(region="3171", day=0))
    assert result.errors == ["Digits 7 to 12 of a NIK must be a date of birth (DDMMYY)."]
    assert result.warnings == ["This NIK was first issued outside Bali (region 3171)."]


@pytest.mark.parametrize(
    "day, month, year",
    [
        (1, 1, 0),
        (31, 1, 60),
        (41, 1, 60),  # a woman born on the 1st
        (71, 12, 99),  # a woman born on the 31st
        (29, 2, 88),  # 1988 was a leap year
        (69, 2, 88),
        (29, 2, 0),  # 2000 was a leap year (1900 was not, but the NIK may mean 2000)
        (28, 2, 90),
        (30, 4, 90),
        (31, 7, 90),
    ],
)
def test_it_accepts_every_real_date_of_birth(day, month, year):
    assert check_nik(make_nik(day=day, month=month, year=year)).ok is True


@pytest.mark.parametrize(
    "nik, expected",
    [
        (MAN, (15, 5, 90, "M")),
        (WOMAN, (15, 8, 85, "F")),
        (make_nik(day=1, month=1, year=0), (1, 1, 0, "M")),
        (make_nik(day=31, month=12, year=99), (31, 12, 99, "M")),
        (make_nik(day=41, month=1, year=0), (1, 1, 0, "F")),
        (make_nik(day=71, month=12, year=99), (31, 12, 99, "F")),
    ],
)
def test_it_reads_the_birth_date_and_sex(nik, expected):
    assert birth_date_from_nik(nik) == expected


@pytest.mark.parametrize(
    "nik, expected",
    [
        *[(make_nik(region=code), name) for code, name in BALI_REGION_CODES.items()],
        ("5101011505900001", "Jembrana"),
        ("5171011505900001", "Denpasar"),
        ("5109011505900001", ""),
        ("3171011505900001", ""),
        ("5103", "Badung"),
        ("51", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_it_names_the_region(nik, expected):
    assert region_name(nik) == expected


def test_it_knows_the_nine_regencies_of_bali():
    assert BALI_REGION_CODES == {
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


@given(
    st.dates(min_value=D(1925, 1, 1), max_value=D(2025, 12, 31)),
    st.sampled_from(["F", "M"]),
    st.sampled_from(sorted(BALI_REGION_CODES)),
    st.integers(1, 9999),
)
def test_it_accepts_any_true_nik(date_of_birth, sex, region, serial):
    day = date_of_birth.day + (40 if sex == "F" else 0)
    nik = make_nik(
        region, "01", day, date_of_birth.month, date_of_birth.year % 100, f"{serial:04d}"
    )
    assert check_nik(nik, date_of_birth, sex).ok is True
    assert birth_date_from_nik(nik) == (
        date_of_birth.day,
        date_of_birth.month,
        date_of_birth.year % 100,
        sex,
    )
    assert region_name(nik) == BALI_REGION_CODES[region]


@given(st.text(max_size=20))
def test_it_never_crashes_on_any_text(text):
    result = check_nik(text, D(1990, 5, 15), "M")
    assert result.ok == (not result.errors and not result.warnings)
    if not is_sixteen_digits(text):
        assert result.errors == ["A NIK has exactly 16 digits."]
