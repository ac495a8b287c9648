"""Guards on payments found in review: refunds at the prices paid, evidence only where it is
needed, PayPal receipts count as evidence of funds, lapsed sponsorships go through reinstating,
and a gap in the rate table is a clear refusal, not a crash."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from donations.reminders import lapse
from premiums import services
from premiums.models import PaymentEvidence, PremiumRate
from tests.factories import (
    DonorFactory,
    PaymentEvidenceFactory,
    PremiumRateFactory,
    RecipientFactory,
    StaffFactory,
)
from tests.helpers import receipt

pytestmark = pytest.mark.django_db

BALI = ZoneInfo("Asia/Makassar")
D = dt.date


def at(*args):
    return time_machine.travel(dt.datetime(*args, tzinfo=BALI), tick=False)


JANUARY_2026 = D(2026, 1, 1)


def pledge(first_month=JANUARY_2026, months=12, route="direct"):
    with at(2025, 12, 10, 9):
        sponsorship, payment, _ = services.create_pledge(
            recipient_id=RecipientFactory().pk,
            donor=DonorFactory.build(),
            first_month=first_month,
            months=months,
            route=route,
        )
    return sponsorship, payment


def test_it_keeps_the_price_of_each_month_and_refunds_exactly_that(standard_rate):
    sponsorship, payment = pledge()
    assert payment.monthly_amounts == [16_800] * 12
    with at(2025, 12, 20, 9):
        services.verify_evidence(PaymentEvidenceFactory(payment=payment), by=StaffFactory())
    # The rate changes after the donor paid: the refund is still what was paid.
    PremiumRateFactory(first_month=D(2026, 4, 1), last_month=D(2026, 12, 1), jkk=5_000, jkm=3_400)
    [(refunded, months, amount)] = services.death_refunds(sponsorship.recipient, D(2026, 5, 10))
    assert refunded == payment
    assert (months, amount) == (7, 7 * 16_800)


def test_a_gap_in_the_rate_table_is_a_clear_refusal(standard_rate):
    PremiumRate.objects.update(last_month=D(2026, 12, 1))
    with pytest.raises(services.PaymentError, match="No premium rate covers"):
        pledge(months=24)


def test_a_donor_cannot_send_evidence_for_a_verified_payment(standard_rate):
    sponsorship, payment = pledge()
    with at(2025, 12, 20, 9):
        services.verify_evidence(PaymentEvidenceFactory(payment=payment), by=StaffFactory())
        with pytest.raises(services.PaymentError):
            services.submit_evidence(payment, receipt())
    sponsorship.refresh_from_db()
    assert sponsorship.lapses_on == D(2027, 4, 1)  # not held off by stray evidence
    assert PaymentEvidence.objects.filter(payment=payment).count() == 1


def test_a_donor_cannot_send_evidence_for_a_stopped_sponsorship(standard_rate):
    sponsorship, payment = pledge()
    with at(2025, 12, 20, 9):
        services.stop(sponsorship, by=StaffFactory(), reason="asked by the donor")
        with pytest.raises(services.PaymentError):
            services.submit_evidence(payment, receipt())
    assert PaymentEvidence.objects.count() == 0


def test_late_evidence_for_a_lapsed_sponsorship_is_accepted_for_staff_to_decide(standard_rate):
    sponsorship, payment = pledge()
    # Never paid, first month January 2026: lapsed from 1 April 2026.
    with at(2026, 4, 2, 9):
        assert lapse(sponsorship) is True
        evidence = services.submit_evidence(payment, receipt())
        with pytest.raises(services.PaymentError, match="reinstate"):
            services.verify_evidence(evidence, by=StaffFactory())
    assert evidence.status == "pending"


def test_verifying_needs_reinstating_even_before_the_lapse_is_recorded(standard_rate):
    sponsorship, payment = pledge()
    with at(2026, 4, 2, 9):
        evidence = services.submit_evidence(payment, receipt())  # late: on/after the lapse
        with pytest.raises(services.PaymentError, match="reinstate"):
            services.verify_evidence(evidence, by=StaffFactory())
        assert services.reinstate(evidence, by=StaffFactory()) is True
    sponsorship.refresh_from_db()
    assert sponsorship.state == "active"


def test_a_paypal_receipt_counts_as_the_donors_evidence_of_funds(standard_rate):
    sponsorship, payment = pledge(route="paypal")
    assert sponsorship.lapses_on == D(2026, 4, 1)
    # The donor paid BCC by PayPal in March (M+3); BCC's BPJS receipt comes in April.
    payment.paypal_received_on = D(2026, 3, 20)
    payment.save()
    services.refresh_coverage(sponsorship)
    sponsorship.refresh_from_db()
    assert sponsorship.lapses_on is None
    with at(2026, 4, 5, 9):
        assert sponsorship.standing_on() == "awaiting_verification"
