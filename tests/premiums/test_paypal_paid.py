"""A PayPal donor's "I've paid" on their private page, with the transaction id, the amount and
the currency they sent; staff see it in the PayPal queue of the dashboard."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages

from donations.models import Sponsorship
from premiums import donor_actions
from premiums.models import PremiumPayment
from tests.factories import PremiumPaymentFactory, SponsorshipFactory
from tests.helpers import admin_url, at, client_of, frozen_at
from tests.test_dashboard import queues as dashboard_queues

pytestmark = [pytest.mark.django_db, frozen_at(at(2026, 11, 22, 10, 0))]

TRANSACTION = "8AB12345CD678901E"


@pytest.fixture
def payment():
    return PremiumPaymentFactory(
        sponsorship__route=Sponsorship.Route.PAYPAL,
        sponsorship__donor__country="NL",
        sponsorship__recipient__nickname="Komang",
        sponsorship__first_month=at(2026, 12, 1).date(),
    )


def url(payment):
    return f"/en/donor/payments/{payment.pk}/paypal-paid/"


def form(**changes):
    return {"transaction_id": TRANSACTION.lower(), "amount": "12.50", "currency": "eur", **changes}


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_it_records_what_the_donor_sent(payment):
    client = client_of(payment.sponsorship.donor)
    response = client.post(url(payment), form())
    assert response.status_code == 302
    assert response["Location"] == f"/en/donor/#payment-{payment.pk}"
    assert said(response) == [
        "Thank you: BCC will check your PayPal payment and then pay BPJS with it."
    ]
    payment.refresh_from_db()
    assert payment.paypal_transaction_id == TRANSACTION
    assert (payment.paypal_amount, payment.paypal_currency) == (Decimal("12.50"), "EUR")
    assert payment.paypal_reported_at == at(2026, 11, 22, 10, 0)
    assert payment.paypal_received_on is None  # staff check the money arrived
    # The page says so, and no longer offers the form.
    page = client.get("/en/donor/").content.decode()
    assert "You told BCC on 22 Nov 2026 that you paid EUR 12.50 by PayPal" in page
    assert TRANSACTION in page
    assert "I've paid by PayPal" not in page


def test_it_is_offered_for_a_pending_paypal_payment_only(payment):
    direct = PremiumPaymentFactory(sponsorship__donor=payment.sponsorship.donor)
    page = client_of(payment.sponsorship.donor).get("/en/donor/").content.decode()
    assert page.count("I've paid by PayPal") == 1
    assert f"/donor/payments/{payment.pk}/paypal-paid/" in page
    assert f"/donor/payments/{direct.pk}/paypal-paid/" not in page


def test_it_cannot_be_sent_twice_for_the_same_payment(payment):
    client = client_of(payment.sponsorship.donor)
    client.post(url(payment), form())
    again = client.post(url(payment), form(transaction_id="ZZ999999999", amount="99"))
    assert said(again)[-1] == "You have already told BCC about this PayPal payment."
    payment.refresh_from_db()
    assert (payment.paypal_transaction_id, payment.paypal_amount) == (TRANSACTION, Decimal("12.50"))


def test_a_transaction_id_counts_for_one_payment_only(payment):
    other = PremiumPaymentFactory(
        sponsorship=SponsorshipFactory(
            donor=payment.sponsorship.donor, route=Sponsorship.Route.PAYPAL
        )
    )
    client = client_of(payment.sponsorship.donor)
    client.post(url(payment), form())
    response = client.post(url(other), form())
    assert said(response)[-1] == "This PayPal transaction id was already given for another payment."
    other.refresh_from_db()
    assert other.paypal_reported_at is None and other.paypal_transaction_id is None


@pytest.mark.parametrize(
    "changes, language, error",
    [
        (
            {"transaction_id": "12 34"},
            "en",
            "A PayPal transaction id is 8 to 30 letters and digits, without spaces, as on "
            "PayPal's receipt.",
        ),
        (
            {"transaction_id": "12 34"},
            "id",
            "ID transaksi PayPal terdiri dari 8 sampai 30 huruf dan angka, tanpa spasi, seperti "
            "pada tanda terima PayPal.",
        ),
        ({"currency": "E1"}, "en", "Give the currency as three letters, e.g. EUR or USD."),
        ({"currency": "E1"}, "id", "Tuliskan mata uang dengan tiga huruf, mis. EUR atau USD."),
        ({"amount": "0"}, "en", "Ensure this value is greater than or equal to 0.01."),
        ({"amount": "lots"}, "en", "Enter a number."),
    ],
)
def test_it_refuses_bad_input_with_a_clear_error(payment, changes, language, error):
    client = client_of(payment.sponsorship.donor)
    response = client.post(f"/{language}/donor/payments/{payment.pk}/paypal-paid/", form(**changes))
    assert response.status_code == 302
    assert error in said(response)
    payment.refresh_from_db()
    assert payment.paypal_reported_at is None and payment.paypal_transaction_id is None


def test_it_is_refused_for_a_direct_payment(payment):
    direct = PremiumPaymentFactory(sponsorship__donor=payment.sponsorship.donor)
    response = client_of(direct.sponsorship.donor).post(url(direct), form())
    assert said(response) == ["This payment is not waiting for a PayPal payment."]
    direct.refresh_from_db()
    assert direct.paypal_reported_at is None


def test_it_is_refused_for_another_donors_payment(payment):
    stranger = PremiumPaymentFactory(sponsorship__route=Sponsorship.Route.PAYPAL)
    response = client_of(stranger.sponsorship.donor).post(url(payment), form())
    assert response.status_code == 404
    payment.refresh_from_db()
    assert payment.paypal_reported_at is None


def test_it_sends_a_visitor_without_a_session_to_the_link_page(client, payment):
    response = client.post(url(payment), form())
    assert response.status_code == 302 and response["Location"].endswith("/donor/link/")
    payment.refresh_from_db()
    assert payment.paypal_reported_at is None


def test_it_is_rate_limited_per_donor(payment, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "donor_form": "2/h"}
    client = client_of(payment.sponsorship.donor)
    for _ in range(2):
        assert client.post(url(payment), form(amount="x")).status_code == 302
    assert client.post(url(payment), form()).status_code == 429
    payment.refresh_from_db()
    assert payment.paypal_reported_at is None


def test_staff_see_it_in_the_paypal_queue(payment, staff_client):
    donor_actions.report_paypal_payment(
        payment, transaction_id=TRANSACTION, amount=Decimal("12.50"), currency="EUR"
    )
    queues = dashboard_queues(staff_client.get("/staff/"))
    assert queues["paypal_reported"].count == 1
    listed = staff_client.get(queues["paypal_reported"].url).context["cl"].result_list
    assert [p.pk for p in listed] == [payment.pk]
    # Once staff record the money arriving, it moves on to "BPJS not paid yet".
    PremiumPayment.objects.filter(pk=payment.pk).update(paypal_received_on=at(2026, 11, 22).date())
    page = staff_client.get(admin_url(PremiumPayment, "changelist") + "?paypal_step=reported")
    assert page.context["cl"].result_count == 0
    page = staff_client.get(admin_url(PremiumPayment, "changelist") + "?paypal_step=bpjs_unpaid")
    assert [p.pk for p in page.context["cl"].result_list] == [payment.pk]
