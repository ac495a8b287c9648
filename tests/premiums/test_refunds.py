"""Tracking a refund: claimed from BPJS, received, returned to the donor or reallocated."""

import datetime as dt

import pytest
from django.urls import reverse

from premiums import services
from premiums.models import Refund
from tests.factories import PremiumPaymentFactory, RefundFactory
from tests.helpers import at, frozen_at

D = dt.date
TODAY = D(2026, 7, 15)
pytestmark = frozen_at(at(2026, 7, 15, 10))


def refund_in(state, **dates):
    return RefundFactory(state=state, **dates)


def chosen(choice, state="received"):
    """A received refund whose donor chose `choice`; for "reallocate", linked to the payment
    of another worker the same donor sponsors."""
    refund = RefundFactory(state=state, donor_choice=choice)
    if choice == "reallocate":
        refund.reallocated_to = PremiumPaymentFactory(
            sponsorship__donor=refund.payment.sponsorship.donor
        )
        refund.save()
    return refund


# --- the steps -------------------------------------------------------------------------------


def test_it_marks_a_refund_claimed(staff):
    refund = refund_in("owed")

    assert services.advance_refund(refund, Refund.State.CLAIMED, by=staff) is True

    assert (refund.state, refund.claimed_on) == ("claimed", TODAY)
    assert refund.history.first().history_user == staff


def test_it_marks_a_refund_received_on_a_given_day(staff):
    refund = refund_in("claimed", claimed_on=D(2026, 6, 20))

    services.advance_refund(refund, "received", by=staff, on=D(2026, 7, 10))

    assert (refund.state, refund.claimed_on, refund.received_on) == (
        "received",
        D(2026, 6, 20),
        D(2026, 7, 10),
    )


@pytest.mark.parametrize(
    ("settled", "choice"), [("returned", "return"), ("reallocated", "reallocate")]
)
def test_it_settles_a_received_refund_as_the_donor_chose(staff, settled, choice):
    refund = chosen(choice)
    Refund.objects.filter(pk=refund.pk).update(notes="Claimed with the JKM benefit.")

    services.advance_refund(refund, settled, by=staff, notes="Donor agreed by WhatsApp.")

    assert (refund.state, refund.settled_on) == (settled, TODAY)
    assert refund.notes == "Claimed with the JKM benefit.\nDonor agreed by WhatsApp."


def test_it_takes_each_step_once(staff, frozen):
    refund = refund_in("owed")
    services.advance_refund(refund, "claimed", by=staff)

    frozen.shift(dt.timedelta(days=3))
    assert services.advance_refund(refund, "claimed", by=staff) is False

    refund.refresh_from_db()
    assert refund.claimed_on == TODAY
    assert refund.history.count() == 2  # created, claimed


@pytest.mark.parametrize(
    ("state", "to"),
    [("claimed", "owed"), ("received", "claimed"), ("returned", "received")],
)
def test_it_never_goes_back(staff, state, to):
    refund = refund_in(state)

    with pytest.raises(services.PaymentError):
        services.advance_refund(refund, to, by=staff)

    refund.refresh_from_db()
    assert refund.state == state


def test_it_says_why_it_cannot_go_back(staff):
    refund = refund_in("received")
    with pytest.raises(services.PaymentError, match="already “Received from BPJS”"):
        services.advance_refund(refund, "claimed", by=staff)


def test_it_settles_a_refund_only_once(staff):
    refund = refund_in("returned", settled_on=D(2026, 7, 1))

    with pytest.raises(services.PaymentError, match="already “Returned to the donor”"):
        services.advance_refund(refund, "reallocated", by=staff)

    refund.refresh_from_db()
    assert (refund.state, refund.settled_on) == ("returned", D(2026, 7, 1))


def test_it_takes_the_steps_in_order(staff):
    refund = refund_in("owed")

    with pytest.raises(services.PaymentError, match="Mark this refund “Claimed from BPJS” first"):
        services.advance_refund(refund, "received", by=staff)
    with pytest.raises(services.PaymentError, match="Received from BPJS"):
        services.advance_refund(refund, "returned", by=staff)

    refund.refresh_from_db()
    assert (refund.state, refund.received_on, refund.settled_on) == ("owed", None, None)


# --- the admin -------------------------------------------------------------------------------


def changelist():
    return reverse("admin:premiums_refund_changelist")


def act(client, action, *refunds):
    return client.post(
        changelist(),
        {"action": action, "_selected_action": [r.pk for r in refunds]},
        follow=True,
    )


def test_it_marks_refunds_claimed_from_the_list(admin_client, admin_user):
    owed = RefundFactory.create_batch(2)
    claimed = refund_in("claimed", claimed_on=D(2026, 7, 1))
    received = refund_in("received")

    content = act(admin_client, "mark_claimed", *owed, claimed, received).content.decode()

    assert "2 refunds marked “Claimed from BPJS”." in content
    assert "1 was already “Claimed from BPJS”." in content
    assert "cannot be marked “Claimed from BPJS”" in content
    for refund in owed:
        refund.refresh_from_db()
        assert (refund.state, refund.claimed_on) == ("claimed", TODAY)
        assert refund.history.first().history_user == admin_user
    received.refresh_from_db()
    assert received.state == "received"


@pytest.mark.parametrize(
    ("action", "before", "choice", "after", "label"),
    [
        ("mark_received", "claimed", "", "received", "Received from BPJS"),
        ("mark_returned", "received", "return", "returned", "Returned to the donor"),
        ("mark_reallocated", "received", "reallocate", "reallocated", "Used for another recipient"),
    ],
)
def test_it_takes_the_next_steps_from_the_list(admin_client, action, before, choice, after, label):
    refund = chosen(choice, state=before)

    content = act(admin_client, action, refund).content.decode()

    assert f"1 refund marked “{label}" in content
    refund.refresh_from_db()
    assert refund.state == after


def test_it_says_which_step_comes_first(admin_client):
    refund = refund_in("owed")
    content = act(admin_client, "mark_returned", refund).content.decode()
    assert "Mark this refund “Received from BPJS” first." in content
    refund.refresh_from_db()
    assert refund.state == "owed"


def test_the_state_changes_only_through_the_actions(admin_client):
    refund = refund_in("claimed")
    change = reverse("admin:premiums_refund_change", args=[refund.pk])

    content = admin_client.get(change).content.decode()
    assert 'name="state"' not in content
    assert 'name="claimed_on"' not in content
    assert 'name="notes"' in content

    response = admin_client.post(
        change, {"amount": refund.amount, "notes": "BPJS Semarapura", "state": "returned"}
    )
    assert response.status_code == 302
    refund.refresh_from_db()
    assert (refund.state, refund.notes) == ("claimed", "BPJS Semarapura")
