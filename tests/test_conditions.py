"""Check constraints decided in Python agree with the database, row for row."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import CheckConstraint, F, Q
from django.test.utils import CaptureQueriesContext

from core import conditions
from premiums.models import PremiumPayment
from tests.factories import SponsorshipFactory

pytestmark = pytest.mark.django_db

JANUARY, DECEMBER = dt.date(2026, 1, 1), dt.date(2026, 12, 1)


def database_accepts(constraint, payment) -> bool:
    try:
        constraint.validate(PremiumPayment, payment)
    except ValidationError:
        return False
    return True


def payments():
    """Payments with every field the checks read at a good, a bad and an empty value."""
    sponsorship = SponsorshipFactory()
    values = itertools.product(
        [12, 0, None],  # months
        [201_600, 0, None],  # amount
        [DECEMBER, dt.date(2025, 12, 1), None],  # last month
        [Decimal("12.50"), Decimal("0"), None],  # PayPal amount
        [
            ("verified", None),
            ("verified", dt.datetime(2026, 1, 20, tzinfo=dt.UTC)),
            ("pending", None),
        ],
    )
    for months, amount, last_month, paypal_amount, (status, verified_at) in values:
        yield PremiumPayment(
            sponsorship=sponsorship,
            first_month=JANUARY,
            months=months,
            last_month=last_month,
            amount=amount,
            paypal_amount=paypal_amount,
            status=status,
            verified_at=verified_at,
        )


def test_python_and_the_database_agree_on_every_check_of_a_payment():
    checks = [c for c in PremiumPayment._meta.constraints if isinstance(c, CheckConstraint)]
    assert len(checks) == 5
    compared = refused = 0
    for payment in payments():
        for check in checks:
            in_python = conditions.holds(check.condition, payment)
            assert in_python == database_accepts(check, payment), (check.name, vars(payment))
            compared += 1
            refused += not in_python
    assert compared == 243 * 5 and refused > 100  # both answers were met, many times


def a_year(**fields) -> PremiumPayment:
    """A year's payment, not saved, of a sponsorship read from the database."""
    fields = {"first_month": JANUARY, "months": 12, "last_month": DECEMBER, **fields}
    return PremiumPayment(sponsorship=SponsorshipFactory(), amount=201_600, **fields)


def test_a_payment_is_checked_without_a_query_when_it_passes():
    payment = a_year(channel="direct")
    with CaptureQueriesContext(connection) as queries:
        payment.full_clean()
    assert len(queries) == 0  # its sponsorship loaded already, its checks decided in Python


def test_a_payment_is_still_told_which_check_fails():
    payment = a_year(status="verified")
    with pytest.raises(ValidationError) as refused:
        payment.validate_constraints()
    assert refused.value.messages == ["Constraint “payment_verified_has_date” is violated."]


def test_a_sponsorship_named_only_by_id_is_still_looked_up():
    payment = PremiumPayment(
        sponsorship_id=987_654, first_month=JANUARY, months=12, last_month=DECEMBER, amount=1
    )
    with pytest.raises(ValidationError) as refused:
        payment.full_clean()
    assert "sponsorship" in refused.value.message_dict


@pytest.mark.parametrize(
    ("condition", "holds"),
    [
        (~Q(verified_at=None), False),  # Django writes "= None" as "IS NULL"
        (Q(verified_at=None), True),
        (Q(pk__gt=0), True),  # a NULL id: unknown, which holds
        (Q(pk__isnull=True), True),
    ],
)
def test_it_reads_conditions_as_django_writes_them(condition, holds):
    payment = PremiumPayment(first_month=JANUARY, months=12, amount=5)
    assert conditions.holds(condition, payment) is holds
    assert database_accepts(CheckConstraint(condition=condition, name="c"), payment) is holds


@pytest.mark.parametrize(
    "condition",
    [
        Q(amount__in=[1, 2]),  # a lookup it does not decide
        Q(sponsorship__months_pledged__gte=12),  # a related row's field
        Q(amount__gt=F("months") + 1),  # an expression
        Q(months__isnull="yes"),
    ],
)
def test_what_it_cannot_decide_is_left_to_the_database(condition):
    payment = PremiumPayment(first_month=JANUARY, months=12, amount=5)
    with pytest.raises(conditions.Undecided):
        conditions.holds(condition, payment)


def test_text_not_yet_cleaned_is_left_to_the_database():
    payment = PremiumPayment(first_month=JANUARY, months="12", amount=5)
    with pytest.raises(conditions.Undecided):
        conditions.holds(Q(months__gte=1), payment)
