import datetime as dt

from premiums import services
from tests.factories import PaymentEvidenceFactory, PremiumPaymentFactory, StaffFactory


def test_it_verifies_evidence_and_extends_coverage(db, standard_rate):
    payment = PremiumPaymentFactory()
    evidence = PaymentEvidenceFactory(payment=payment)
    assert services.verify_evidence(evidence, by=StaffFactory()) is True
    sponsorship = payment.sponsorship
    sponsorship.refresh_from_db()
    assert sponsorship.state == "active"
    assert sponsorship.covered_through == dt.date(2026, 12, 1)
    assert sponsorship.lapses_on == dt.date(2027, 4, 1)
    assert services.verify_evidence(evidence, by=StaffFactory()) is False
