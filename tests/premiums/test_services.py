"""Verifying and rejecting evidence: coverage, the lapse day, and the messages to the donor."""

import datetime as dt

import pytest
from django.db import connection

from donations.models import Message
from donations.rules import RuleError
from premiums import services
from premiums.models import PremiumRate
from tests.factories import (
    PaymentEvidenceFactory,
    PremiumPaymentFactory,
    PremiumRateFactory,
    RecipientFactory,
    SponsorshipFactory,
)
from tests.helpers import WITA, at, frozen_at, pay

D = dt.date
# The donor pledged for January 2026 and sends the receipt before the year starts.
NOW = at(2025, 12, 20, 10, 0)
pytestmark = frozen_at(NOW)

sqlite_only = pytest.mark.skipif(
    connection.vendor == "postgresql", reason="PostgreSQL refuses overlapping payments itself"
)


@pytest.fixture
def pledge(db, standard_rate):
    """Pledged for a year from January 2026, the first payment awaiting its evidence."""
    return SponsorshipFactory(first_month=D(2026, 1, 1), months_pledged=12)


def first_payment(sponsorship, months=12, first_month=None):
    return PremiumPaymentFactory(
        sponsorship=sponsorship, first_month=first_month or sponsorship.first_month, months=months
    )


def evidence_for(payment, received=None):
    if received is None:
        return PaymentEvidenceFactory(payment=payment)
    return PaymentEvidenceFactory(
        payment=payment, received_at=dt.datetime.combine(received, dt.time(9), WITA)
    )


def refresh(sponsorship):
    services.refresh_coverage(sponsorship)
    sponsorship.refresh_from_db()
    return sponsorship


# --- verifying ---------------------------------------------------------------------------------


def test_it_activates_a_pledge_and_covers_its_months(pledge, staff):
    payment = first_payment(pledge)
    evidence = evidence_for(payment)

    assert services.verify_evidence(evidence, by=staff) is True

    pledge.refresh_from_db()
    payment.refresh_from_db()
    assert pledge.state == "active"
    assert pledge.activated_at == NOW
    assert pledge.covered_through == D(2026, 12, 1)
    # Paid through December 2026: due in January, overdue in February and March, lapsed in April.
    assert pledge.lapses_on == D(2027, 4, 1)
    assert (payment.status, payment.verified_by, payment.verified_at) == ("verified", staff, NOW)
    assert (evidence.status, evidence.reviewed_by, evidence.reviewed_at) == ("verified", staff, NOW)


def test_it_queues_the_verified_message(pledge, staff):
    payment = first_payment(pledge)
    evidence = evidence_for(payment)
    services.verify_evidence(evidence, by=staff)

    message = Message.objects.get()
    assert message.kind == "evidence_verified"
    assert message.key == f"evidence_verified:{evidence.pk}"
    assert (message.donor, message.sponsorship) == (pledge.donor, pledge)
    assert message.status == "queued"
    assert message.context["paid_through"] == "2026-12-01"


def test_it_verifies_only_once(pledge, staff, frozen):
    payment = first_payment(pledge)
    evidence = evidence_for(payment)
    assert services.verify_evidence(evidence, by=staff) is True

    frozen.shift(dt.timedelta(hours=1))
    assert services.verify_evidence(evidence, by=staff) is False

    pledge.refresh_from_db()
    payment.refresh_from_db()
    assert pledge.covered_through == D(2026, 12, 1)
    assert payment.verified_at == NOW
    assert Message.objects.count() == 1


def test_it_extends_coverage_with_the_next_payment(pledge, staff):
    pay(pledge, staff)
    activated = pledge.activated_at
    renewal = first_payment(pledge, months=6, first_month=D(2027, 1, 1))

    assert services.verify_evidence(evidence_for(renewal), by=staff) is True

    pledge.refresh_from_db()
    assert pledge.covered_through == D(2027, 6, 1)
    assert pledge.lapses_on == D(2027, 10, 1)
    assert pledge.activated_at == activated
    assert Message.objects.filter(kind="evidence_verified").count() == 2


def test_it_accepts_a_second_receipt_for_a_verified_payment(pledge, staff):
    payment = pay(pledge, staff)
    another = evidence_for(payment)

    assert services.verify_evidence(another, by=staff) is True

    pledge.refresh_from_db()
    assert pledge.covered_through == D(2026, 12, 1)


@pytest.mark.parametrize(
    "first_month, months",
    [
        (D(2027, 3, 1), 12),  # a gap: January and February 2027 unpaid
        # On PostgreSQL an overlapping payment cannot even be written (tests/test_constraints.py);
        # elsewhere these rules are the only guard.
        pytest.param(D(2026, 6, 1), 12, marks=sqlite_only, id="overlap"),
        pytest.param(D(2026, 12, 1), 1, marks=sqlite_only, id="last-month-again"),
    ],
)
def test_it_refuses_a_payment_that_does_not_follow_the_last(pledge, staff, first_month, months):
    pay(pledge, staff)
    payment = first_payment(pledge, months=months, first_month=first_month)
    evidence = evidence_for(payment)

    with pytest.raises(RuleError):
        services.verify_evidence(evidence, by=staff)

    evidence.refresh_from_db()
    payment.refresh_from_db()
    pledge.refresh_from_db()
    assert evidence.status == "pending" and evidence.reviewed_at is None
    assert payment.status == "pending"
    assert pledge.covered_through == D(2026, 12, 1)
    assert Message.objects.filter(kind="evidence_verified").count() == 1


def test_it_refuses_a_first_payment_that_does_not_start_with_the_pledge(pledge, staff):
    evidence = evidence_for(first_payment(pledge, first_month=D(2026, 2, 1)))
    with pytest.raises(RuleError):
        services.verify_evidence(evidence, by=staff)
    pledge.refresh_from_db()
    assert (pledge.state, pledge.covered_through) == ("pledged", None)


def test_it_refuses_a_first_payment_shorter_than_a_year(pledge, staff):
    evidence = evidence_for(first_payment(pledge, months=6))
    with pytest.raises(RuleError):
        services.verify_evidence(evidence, by=staff)
    pledge.refresh_from_db()
    assert pledge.state == "pledged"
    assert not Message.objects.exists()


@pytest.mark.parametrize("state", ["stopped", "lapsed", "awaiting_decision"])
def test_it_refuses_evidence_for_a_sponsorship_that_is_not_running(db, standard_rate, staff, state):
    sponsorship = SponsorshipFactory(first_month=D(2026, 1, 1), state=state)
    evidence = evidence_for(first_payment(sponsorship))
    with pytest.raises(services.PaymentError):
        services.verify_evidence(evidence, by=staff)
    evidence.refresh_from_db()
    assert evidence.status == "pending"


def test_it_refuses_evidence_of_a_cancelled_payment(pledge, staff):
    payment = first_payment(pledge)
    evidence = evidence_for(payment)
    payment.status = "cancelled"
    payment.save()

    with pytest.raises(services.PaymentError):
        services.verify_evidence(evidence, by=staff)

    payment.refresh_from_db()
    pledge.refresh_from_db()
    assert payment.status == "cancelled"
    assert (pledge.state, pledge.covered_through) == ("pledged", None)


# --- rejecting ---------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   \n", None])
def test_it_needs_a_reason_to_reject(pledge, staff, reason):
    evidence = evidence_for(first_payment(pledge))
    with pytest.raises(services.PaymentError):
        services.reject_evidence(evidence, by=staff, reason=reason)
    evidence.refresh_from_db()
    assert evidence.status == "pending"
    assert not Message.objects.exists()


def test_it_records_the_rejection_and_tells_the_donor(pledge, staff):
    payment = first_payment(pledge)
    evidence = evidence_for(payment)

    assert services.reject_evidence(evidence, by=staff, reason="  Too blurred to read.  ")

    assert evidence.status == "rejected"
    assert evidence.rejection_reason == "Too blurred to read."
    assert (evidence.reviewed_by, evidence.reviewed_at) == (staff, NOW)
    payment.refresh_from_db()
    assert payment.status == "pending"
    message = Message.objects.get()
    assert message.kind == "evidence_rejected"
    assert message.key == f"evidence_rejected:{evidence.pk}"
    assert (message.donor, message.sponsorship) == (pledge.donor, pledge)
    assert message.context["reason"] == "Too blurred to read."


def test_it_rejects_only_once(pledge, staff):
    evidence = evidence_for(first_payment(pledge))
    assert services.reject_evidence(evidence, by=staff, reason="Unreadable.") is True
    assert services.reject_evidence(evidence, by=staff, reason="Still unreadable.") is False
    evidence.refresh_from_db()
    assert evidence.rejection_reason == "Unreadable."
    assert Message.objects.count() == 1


def test_it_does_not_verify_rejected_evidence(pledge, staff):
    evidence = evidence_for(first_payment(pledge))
    services.reject_evidence(evidence, by=staff, reason="Not a BPJS receipt.")
    assert services.verify_evidence(evidence, by=staff) is False
    pledge.refresh_from_db()
    assert (pledge.state, pledge.covered_through) == ("pledged", None)


def test_it_queues_one_message_per_review(pledge, staff):
    payment = first_payment(pledge)
    rejected, accepted = evidence_for(payment), evidence_for(payment)
    services.reject_evidence(rejected, by=staff, reason="Cut off.")
    services.verify_evidence(accepted, by=staff)
    assert set(Message.objects.values_list("kind", "key")) == {
        ("evidence_rejected", f"evidence_rejected:{rejected.pk}"),
        ("evidence_verified", f"evidence_verified:{accepted.pk}"),
    }


# --- the lapse day -----------------------------------------------------------------------------


def test_a_pledge_without_evidence_lapses_three_months_into_it(pledge):
    first_payment(pledge)
    # Never paid: M is December 2025, so January, February and March pass without evidence.
    assert refresh(pledge).lapses_on == D(2026, 4, 1)


def test_pending_evidence_holds_off_the_lapse(pledge):
    evidence_for(first_payment(pledge))
    refresh(pledge)
    assert pledge.lapses_on is None
    assert pledge.standing_on(D(2026, 5, 1)) == "awaiting_verification"


def test_rejected_evidence_no_longer_holds_off_the_lapse(pledge, staff):
    evidence = evidence_for(first_payment(pledge))
    assert refresh(pledge).lapses_on is None

    services.reject_evidence(evidence, by=staff, reason="Wrong person's receipt.")

    pledge.refresh_from_db()
    assert pledge.lapses_on == D(2026, 4, 1)
    assert pledge.standing_on(D(2026, 4, 1)) == "lapsed"


def test_a_pending_renewal_holds_off_the_lapse_until_rejected(pledge, staff):
    pay(pledge, staff)
    renewal = first_payment(pledge, first_month=D(2027, 1, 1))
    evidence = evidence_for(renewal, received=D(2027, 2, 10))
    assert refresh(pledge).lapses_on is None

    services.reject_evidence(evidence, by=staff, reason="Amount does not match.")

    pledge.refresh_from_db()
    assert pledge.covered_through == D(2026, 12, 1)
    assert pledge.lapses_on == D(2027, 4, 1)


def test_evidence_after_the_lapse_day_does_not_undo_the_lapse(pledge, staff):
    pay(pledge, staff)
    renewal = first_payment(pledge, first_month=D(2027, 1, 1))
    evidence_for(renewal, received=D(2027, 4, 1))
    assert refresh(pledge).lapses_on == D(2027, 4, 1)


# --- prices ------------------------------------------------------------------------------------


@pytest.fixture
def pp_50_2025(db, standard_rate):
    """PP 50/2025: JKK + JKM halved for everyone from April to December 2026, and for
    transport workers from January 2026 to March 2027."""
    PremiumRateFactory(first_month=D(2026, 4, 1), last_month=D(2026, 12, 1), jkk=5_000, jkm=3_400)
    PremiumRateFactory(
        first_month=D(2026, 1, 1),
        last_month=D(2027, 3, 1),
        jkk=5_000,
        jkm=3_400,
        sector="transport",
    )


@pytest.mark.parametrize(
    "occupation, first_month, expected",
    [
        ("coconut_climber", D(2026, 1, 1), 3 * 16_800 + 9 * 8_400),
        ("transport_worker", D(2026, 1, 1), 12 * 8_400),
        ("transport_worker", D(2027, 1, 1), 3 * 8_400 + 9 * 16_800),
        ("fisher", D(2027, 1, 1), 12 * 16_800),
    ],
)
def test_it_prices_month_by_month_for_the_recipients_sector(
    pp_50_2025, occupation, first_month, expected
):
    sponsorship = SponsorshipFactory(recipient=RecipientFactory(occupation=occupation))
    assert services.price(sponsorship, first_month, 12) == expected


def test_it_cannot_price_a_month_without_a_rate(db):
    PremiumRate.objects.all().delete()
    with pytest.raises(RuleError):
        services.price(SponsorshipFactory(), D(2026, 1, 1), 12)
