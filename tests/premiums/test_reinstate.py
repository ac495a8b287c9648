"""Evidence that arrives after a lapse: it waits for staff, who reinstate or decline."""

import datetime as dt

import pytest

from donations.models import Donor, Message, Sponsorship, needing_sponsor
from donations.reminders import lapse
from donations.rules import RuleError
from premiums import services
from premiums.models import PaymentEvidence, PremiumPayment
from recipients.models import Recipient
from tests.factories import PremiumPaymentFactory, SponsorshipFactory
from tests.helpers import admin_action, admin_url, at, frozen_at, receipt

D = dt.date
# Paid through December 2026: due in January, overdue in February and March, lapsed from 1 April.
NOW = at(2027, 4, 10, 10, 0)
TODAY = NOW.date()
pytestmark = frozen_at(NOW)


@pytest.fixture
def lapsed(standard_rate):
    """Paid for 2026; the donor started the 2027 payment but sent nothing until April."""
    sponsorship = SponsorshipFactory(
        recipient__nickname="Wayan", state=Sponsorship.State.ACTIVE, activated_at=NOW
    )
    PremiumPaymentFactory(sponsorship=sponsorship, status=PremiumPayment.Status.VERIFIED)
    services.refresh_coverage(sponsorship)
    PremiumPaymentFactory(sponsorship=sponsorship, first_month=D(2027, 1, 1))
    lapse(sponsorship, on=TODAY)
    return sponsorship


def late_evidence(sponsorship):
    payment = sponsorship.payments.get(status=PremiumPayment.Status.PENDING)
    return services.submit_evidence(payment, receipt())


def is_active(donor):
    return Donor.objects.active_on(TODAY).filter(pk=donor.pk).exists()


# --- the evidence waits ----------------------------------------------------------------------


def test_late_evidence_waits_for_staff(lapsed, admin_client):
    evidence = late_evidence(lapsed)

    lapsed.refresh_from_db()
    assert (evidence.status, lapsed.state) == ("pending", "lapsed")
    # Evidence sent on or after the lapse day does not undo the lapse by itself.
    assert lapsed.lapses_on == D(2027, 4, 1)
    assert not is_active(lapsed.donor)
    queue = admin_url(PaymentEvidence, "changelist") + "?status__exact=pending"
    assert evidence in admin_client.get(queue).context["cl"].result_list


def test_late_evidence_of_an_unrecorded_lapse_waits_too(standard_rate):
    sponsorship = SponsorshipFactory(state=Sponsorship.State.ACTIVE)
    PremiumPaymentFactory(sponsorship=sponsorship, status=PremiumPayment.Status.VERIFIED)
    services.refresh_coverage(sponsorship)
    payment = PremiumPaymentFactory(sponsorship=sponsorship, first_month=D(2027, 1, 1))

    services.submit_evidence(payment, receipt())

    sponsorship.refresh_from_db()
    assert sponsorship.lapses_on == D(2027, 4, 1)
    assert sponsorship.is_lapsed_on(TODAY)


# --- reinstating -----------------------------------------------------------------------------


def test_it_reinstates_the_sponsorship_and_verifies_the_evidence(lapsed, staff):
    evidence = late_evidence(lapsed)

    assert services.reinstate(evidence, by=staff) is True

    lapsed.refresh_from_db()
    payment = evidence.payment
    payment.refresh_from_db()
    assert (lapsed.state, lapsed.ended_at, lapsed.end_reason) == ("active", None, "")
    assert (evidence.status, evidence.reviewed_by, evidence.reviewed_at) == ("verified", staff, NOW)
    assert (payment.status, payment.verified_by) == ("verified", staff)
    assert lapsed.covered_through == D(2027, 12, 1)
    assert lapsed.lapses_on == D(2028, 4, 1)
    assert lapsed.history.filter(state="active", history_user=staff).exists()


def test_the_donor_is_active_again_at_once(lapsed, staff):
    services.reinstate(late_evidence(lapsed), by=staff)
    assert is_active(lapsed.donor)
    assert not needing_sponsor(TODAY).filter(pk=lapsed.recipient_id).exists()


def test_the_donor_is_told_the_evidence_was_verified(lapsed, staff):
    evidence = late_evidence(lapsed)
    services.reinstate(evidence, by=staff)

    message = Message.objects.get(kind=Message.Kind.EVIDENCE_VERIFIED)
    assert (message.sponsorship, message.key) == (lapsed, f"evidence_verified:{evidence.pk}")
    assert message.context["paid_through"] == "2027-12-01"


def test_it_reinstates_once(lapsed, staff, frozen):
    evidence = late_evidence(lapsed)
    services.reinstate(evidence, by=staff)

    frozen.shift(dt.timedelta(hours=1))
    assert services.reinstate(evidence, by=staff) is False

    evidence.refresh_from_db()
    assert evidence.reviewed_at == NOW
    assert Message.objects.filter(kind=Message.Kind.EVIDENCE_VERIFIED).count() == 1


def test_it_reinstates_a_pledge_never_paid(standard_rate, staff):
    # Pledged for January 2027 and nothing sent by the end of March: lapsed from 1 April.
    pledge = SponsorshipFactory(first_month=D(2027, 1, 1))
    payment = PremiumPaymentFactory(sponsorship=pledge)
    services.refresh_coverage(pledge)
    lapse(pledge, on=TODAY)
    evidence = services.submit_evidence(payment, receipt())

    services.reinstate(evidence, by=staff)

    pledge.refresh_from_db()
    assert (pledge.state, pledge.activated_at) == ("active", NOW)
    assert pledge.covered_through == D(2027, 12, 1)


def test_it_reinstates_a_lapse_the_command_has_not_recorded(standard_rate, staff):
    sponsorship = SponsorshipFactory(state=Sponsorship.State.ACTIVE)
    PremiumPaymentFactory(sponsorship=sponsorship, status=PremiumPayment.Status.VERIFIED)
    services.refresh_coverage(sponsorship)
    payment = PremiumPaymentFactory(sponsorship=sponsorship, first_month=D(2027, 1, 1))
    evidence = services.submit_evidence(payment, receipt())

    services.reinstate(evidence, by=staff)

    sponsorship.refresh_from_db()
    assert (sponsorship.state, sponsorship.lapses_on) == ("active", D(2028, 4, 1))
    # It never lapsed for the record, so the donor was never told it had.
    assert not Message.objects.filter(kind=Message.Kind.LAPSED).exists()


def assert_still_lapsed(sponsorship, evidence):
    sponsorship.refresh_from_db()
    evidence.refresh_from_db()
    assert (sponsorship.state, sponsorship.covered_through) == ("lapsed", D(2026, 12, 1))
    assert sponsorship.end_reason == "three months without evidence"
    assert evidence.status == "pending"
    assert not Message.objects.filter(kind=Message.Kind.EVIDENCE_VERIFIED).exists()


def test_the_payment_must_follow_the_last_covered_month(lapsed, staff):
    PremiumPayment.objects.filter(first_month=D(2027, 1, 1)).update(status="cancelled")
    gap = PremiumPaymentFactory(sponsorship=lapsed, first_month=D(2027, 3, 1), months=12)
    evidence = services.submit_evidence(gap, receipt())

    with pytest.raises(RuleError, match="must start in January 2027"):
        services.reinstate(evidence, by=staff)

    assert_still_lapsed(lapsed, evidence)


def test_a_payment_too_short_to_bring_it_back_is_refused(lapsed, staff, frozen):
    PremiumPayment.objects.filter(first_month=D(2027, 1, 1)).update(status="cancelled")
    short = PremiumPaymentFactory(sponsorship=lapsed, first_month=D(2027, 1, 1), months=1)
    evidence = services.submit_evidence(short, receipt())
    # Paid through January 2027 would have lapsed on 1 May; it is now mid-May.
    frozen.move_to(at(2027, 5, 15, 10))

    with pytest.raises(services.PaymentError, match="stays lapsed"):
        services.reinstate(evidence, by=staff)

    assert_still_lapsed(lapsed, evidence)


def test_it_cannot_reinstate_when_someone_else_sponsors_the_recipient(lapsed, staff):
    evidence = late_evidence(lapsed)
    SponsorshipFactory(recipient=lapsed.recipient, first_month=D(2027, 5, 1))

    with pytest.raises(services.RecipientUnavailable, match="Wayan no longer waits"):
        services.reinstate(evidence, by=staff)

    assert_still_lapsed(lapsed, evidence)


def test_it_cannot_reinstate_for_a_recipient_no_longer_suitable(lapsed, staff):
    evidence = late_evidence(lapsed)
    Recipient.objects.filter(pk=lapsed.recipient_id).update(status=Recipient.Status.INACTIVE)

    with pytest.raises(services.RecipientUnavailable):
        services.reinstate(evidence, by=staff)

    assert_still_lapsed(lapsed, evidence)


def test_it_only_reinstates_a_lapsed_sponsorship(standard_rate, staff):
    evidence = services.submit_evidence(
        PremiumPaymentFactory(sponsorship__first_month=D(2027, 5, 1)), receipt()
    )
    with pytest.raises(services.PaymentError, match="has not lapsed"):
        services.reinstate(evidence, by=staff)


def test_it_never_reinstates_a_stopped_sponsorship(lapsed, staff):
    evidence = late_evidence(lapsed)
    Sponsorship.objects.filter(pk=lapsed.pk).update(state=Sponsorship.State.STOPPED)
    with pytest.raises(services.PaymentError, match="has not lapsed"):
        services.reinstate(evidence, by=staff)


# --- declining -------------------------------------------------------------------------------


def test_staff_decline_late_evidence_with_a_reason(lapsed, staff):
    evidence = late_evidence(lapsed)

    services.reject_evidence(
        evidence, by=staff, reason="Sent after the lapse; please pledge again."
    )

    lapsed.refresh_from_db()
    assert (evidence.status, lapsed.state) == ("rejected", "lapsed")
    message = Message.objects.get(kind=Message.Kind.EVIDENCE_REJECTED)
    assert message.context["reason"] == "Sent after the lapse; please pledge again."


# --- the admin -------------------------------------------------------------------------------


def test_it_reinstates_from_the_evidence_list(admin_client, admin_user, lapsed):
    evidence = late_evidence(lapsed)
    not_lapsed = PremiumPaymentFactory(sponsorship__first_month=D(2027, 5, 1))
    refused = services.submit_evidence(not_lapsed, receipt())

    response = admin_action(
        admin_client, PaymentEvidence, "reinstate_selected", [evidence, refused], follow=True
    )

    content = response.content.decode()
    assert "1 sponsorship reinstated and its evidence verified." in content
    assert "has not lapsed; verify the evidence instead." in content
    lapsed.refresh_from_db()
    evidence.refresh_from_db()
    assert (lapsed.state, evidence.reviewed_by) == ("active", admin_user)
    assert is_active(lapsed.donor)


def test_the_evidence_page_points_to_reinstating(admin_client, lapsed):
    evidence = late_evidence(lapsed)
    response = admin_client.post(
        admin_url(PaymentEvidence, "change", evidence.pk),
        {"status": "verified", "rejection_reason": ""},
    )
    assert response.status_code == 200
    assert "reinstate it before verifying evidence" in response.content.decode()
    lapsed.refresh_from_db()
    assert lapsed.state == "lapsed"
