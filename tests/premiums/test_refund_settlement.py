"""A refund is settled only as its donor chose: returned when they chose "return it",
reallocated when they chose "use it for another worker" and the payment it paid for (another
worker's payment of the same donor) is linked. A donor who answered by phone or WhatsApp has
their choice recorded by a coordinator in the admin, in their name, so nothing stalls."""

import datetime as dt

import pytest
from django.utils import translation

from core.months import add_months
from premiums import donor_actions, services
from premiums.models import Refund
from tests.factories import PremiumPaymentFactory, RefundFactory, SponsorshipFactory
from tests.helpers import admin_action, admin_url, at, client_of, frozen_at

NOW = at(2026, 7, 15, 10)
TODAY = dt.date(2026, 7, 15)
pytestmark = frozen_at(NOW)


@pytest.fixture
def received(db):
    """A refund BPJS has paid back; the donor has not chosen yet."""
    return RefundFactory(state=Refund.State.RECEIVED, received_on=dt.date(2026, 7, 1))


def donor_of(refund):
    return refund.payment.sponsorship.donor


def other_worker_payment(refund):
    """A payment for another worker the same donor sponsors."""
    return PremiumPaymentFactory(sponsorship__donor=donor_of(refund))


def choose(refund, choice):
    Refund.objects.filter(pk=refund.pk).update(donor_choice=choice, donor_chose_at=NOW)
    refund.refresh_from_db()


def assert_unsettled(refund):
    refund.refresh_from_db()
    assert (refund.state, refund.settled_on) == (Refund.State.RECEIVED, None)


# --- the service -----------------------------------------------------------------------------


@pytest.mark.parametrize("choice", ["", "reallocate"])
def test_it_refuses_to_return_a_refund_the_donor_did_not_ask_back(staff, received, choice):
    choose(received, choice)
    with pytest.raises(services.PaymentError) as refused:
        services.advance_refund(received, "returned", by=staff)
    assert str(refused.value) == (
        "The donor has not chosen “Return it to me”: record their choice before marking the "
        "refund returned."
    )
    assert_unsettled(received)


@pytest.mark.parametrize("choice", ["", "return"])
def test_it_refuses_to_reallocate_without_the_donors_consent(staff, received, choice):
    choose(received, choice)
    with pytest.raises(services.PaymentError, match="has not chosen “Use it for another worker"):
        services.advance_refund(
            received, "reallocated", by=staff, reallocated_to=other_worker_payment(received)
        )
    received.refresh_from_db()
    assert (received.state, received.reallocated_to) == (Refund.State.RECEIVED, None)


def test_it_refuses_to_reallocate_without_the_payment_it_paid_for(staff, received):
    choose(received, "reallocate")
    with pytest.raises(services.PaymentError, match="Link the other worker's payment"):
        services.advance_refund(received, "reallocated", by=staff)
    assert_unsettled(received)


def test_it_refuses_a_payment_of_another_donor(staff, received):
    choose(received, "reallocate")
    stranger = PremiumPaymentFactory()
    with pytest.raises(services.PaymentError, match="Choose a payment of the same donor"):
        services.advance_refund(received, "reallocated", by=staff, reallocated_to=stranger)
    received.refresh_from_db()
    assert (received.state, received.reallocated_to) == (Refund.State.RECEIVED, None)


def test_it_refuses_the_refunded_payment_itself(staff, received):
    choose(received, "reallocate")
    with pytest.raises(services.PaymentError, match="cannot pay for the payment it refunds"):
        services.advance_refund(received, "reallocated", by=staff, reallocated_to=received.payment)
    assert_unsettled(received)


def test_it_reallocates_with_the_consent_and_the_link(staff, received):
    choose(received, "reallocate")
    other = other_worker_payment(received)

    assert services.advance_refund(received, "reallocated", by=staff, reallocated_to=other)

    assert (received.state, received.settled_on, received.reallocated_to) == (
        Refund.State.REALLOCATED,
        TODAY,
        other,
    )


def test_the_refusal_is_translated(staff, received):
    with translation.override("id"), pytest.raises(services.PaymentError) as refused:
        services.advance_refund(received, "returned", by=staff)
    assert "Donatur belum memilih" in str(refused.value)


# --- a choice given by phone or WhatsApp -------------------------------------------------------


def test_a_coordinator_records_the_donors_choice_in_their_name(coordinator_client, coordinator):
    refund = RefundFactory(state=Refund.State.RECEIVED)

    response = admin_action(coordinator_client, Refund, "record_return", [refund], follow=True)

    assert "1 donor&#x27;s choice “Return it to me” recorded." in response.content.decode()
    refund.refresh_from_db()
    assert (refund.donor_choice, refund.donor_chose_at, refund.choice_recorded_by) == (
        Refund.Choice.RETURN,
        NOW,
        coordinator,
    )
    assert refund.history.first().history_user == coordinator
    # Then the refund goes back to the donor as they asked.
    response = admin_action(coordinator_client, Refund, "mark_returned", [refund], follow=True)
    assert "1 refund marked “Returned to the donor”." in response.content.decode()
    refund.refresh_from_db()
    assert (refund.state, refund.settled_on) == (Refund.State.RETURNED, TODAY)
    # The refund's page says who recorded it.
    page = coordinator_client.get(admin_url(Refund, "change", refund.pk)).content.decode()
    assert "Choice recorded by" in page
    assert str(coordinator) in page


def test_a_recorded_choice_never_replaces_the_donors_own(coordinator_client):
    refund = RefundFactory(state=Refund.State.RECEIVED)
    assert donor_actions.choose_refund(refund, "reallocate")

    response = admin_action(coordinator_client, Refund, "record_return", [refund], follow=True)

    assert "1 donor had already chosen; their choice stands." in response.content.decode()
    refund.refresh_from_db()
    assert (refund.donor_choice, refund.choice_recorded_by) == (Refund.Choice.REALLOCATE, None)


def test_the_donor_sees_the_choice_recorded_for_them(coordinator_client):
    refund = RefundFactory(payment__sponsorship__recipient__nickname="Nyoman")
    admin_action(coordinator_client, Refund, "record_reallocate", [refund])
    page = client_of(donor_of(refund)).get("/en/donor/").content.decode()
    assert "Your choice of 15 Jul 2026: Use it for another worker waiting for a sponsor." in page
    assert "Send my choice" not in page


def test_a_volunteer_cannot_record_a_choice(volunteer_client):
    refund = RefundFactory(state=Refund.State.RECEIVED)
    response = admin_action(volunteer_client, Refund, "record_return", [refund])
    assert response.status_code == 403
    refund.refresh_from_db()
    assert refund.donor_choice == ""


# --- the admin -------------------------------------------------------------------------------


def test_the_list_refuses_to_return_without_the_choice(coordinator_client, received):
    response = admin_action(coordinator_client, Refund, "mark_returned", [received], follow=True)
    assert "record their choice before marking the refund returned" in response.content.decode()
    assert_unsettled(received)


def test_the_list_refuses_to_reallocate_without_the_link(coordinator_client, received):
    choose(received, "reallocate")
    response = admin_action(coordinator_client, Refund, "mark_reallocated", [received], follow=True)
    assert "Link the other worker&#x27;s payment" in response.content.decode()
    assert_unsettled(received)


def test_staff_link_the_payment_then_reallocate(coordinator_client, received):
    admin_action(coordinator_client, Refund, "record_reallocate", [received])
    other = other_worker_payment(received)
    change = admin_url(Refund, "change", received.pk)
    form = {"amount": received.amount, "reallocated_to": other.pk, "notes": ""}
    assert coordinator_client.post(change, form).status_code == 302

    response = admin_action(coordinator_client, Refund, "mark_reallocated", [received], follow=True)

    assert "1 refund marked “Used for another recipient" in response.content.decode()
    received.refresh_from_db()
    assert (received.state, received.reallocated_to) == (Refund.State.REALLOCATED, other)


@pytest.mark.parametrize(
    ("language", "error"),
    [
        ("en", "Choose a payment of the same donor: their consent covers only their money."),
        ("id", "Pilih pembayaran dari donatur yang sama"),
    ],
)
def test_the_form_refuses_a_payment_of_another_donor(coordinator_client, received, language, error):
    stranger = PremiumPaymentFactory(sponsorship=SponsorshipFactory())
    response = coordinator_client.post(
        admin_url(Refund, "change", received.pk),
        {"amount": received.amount, "reallocated_to": stranger.pk, "notes": ""},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["reallocated_to"]
    assert errors[0].startswith(error)
    received.refresh_from_db()
    assert received.reallocated_to is None


def test_the_form_refuses_the_same_recipients_payment(coordinator_client, received):
    # The worker's next year, on the same sponsorship.
    same = PremiumPaymentFactory(
        sponsorship=received.payment.sponsorship,
        first_month=add_months(received.payment.first_month, received.payment.months),
    )
    response = coordinator_client.post(
        admin_url(Refund, "change", received.pk),
        {"amount": received.amount, "reallocated_to": same.pk, "notes": ""},
    )
    assert response.context["adminform"].form.errors["reallocated_to"] == [
        "Choose a payment for another worker, not for the same recipient."
    ]


def test_the_form_keeps_the_link_of_a_reallocated_refund(coordinator_client, staff, received):
    choose(received, "reallocate")
    services.advance_refund(
        received, "reallocated", by=staff, reallocated_to=other_worker_payment(received)
    )
    response = coordinator_client.post(
        admin_url(Refund, "change", received.pk),
        {"amount": received.amount, "reallocated_to": "", "notes": ""},
    )
    assert response.context["adminform"].form.errors["reallocated_to"] == [
        "A reallocated refund keeps the payment it paid for."
    ]
    received.refresh_from_db()
    assert received.reallocated_to is not None
