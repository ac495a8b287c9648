"""Overseas donors: PayPal to BCC, BCC pays BPJS and sends its own receipt back as evidence."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from donations.mail import send_queued
from donations.models import Donor, Message, Sponsorship
from premiums import services
from premiums.models import PaymentEvidence, PremiumPayment
from tests.factories import DonorFactory, PremiumPaymentFactory, RecipientFactory
from tests.helpers import add_evidence, admin_url, at, frozen_at, sign_in_donor
from tests.images import pdf_bytes

pytestmark = [pytest.mark.django_db, frozen_at(at(2026, 11, 22, 10, 0))]


def paypal_payment(**kwargs):
    return PremiumPaymentFactory(
        sponsorship__route=Sponsorship.Route.PAYPAL,
        sponsorship__donor__country="NL",
        **kwargs,
    )


def receipt_form(payment, **paypal):
    """The payment's change form as staff send it after the PayPal receipt arrived."""
    return {
        "sponsorship": payment.sponsorship.pk,
        "first_month": payment.first_month.isoformat(),
        "months": payment.months,
        "amount": payment.amount,
        "channel": payment.channel,
        "paypal_amount": "12.50",
        "paypal_currency": "eur",
        "paypal_transaction_id": "9XK42817LM5530412",
        "rupiah_received": 209_000,
        "bpjs_paid_on": "2026-11-20",
        "evidence-TOTAL_FORMS": 0,
        "evidence-INITIAL_FORMS": 0,
        **paypal,
    }


def test_it_records_the_paypal_receipt_and_bpjs_payment(admin_client):
    payment = paypal_payment()
    response = admin_client.post(
        admin_url(PremiumPayment, "change", payment.pk), receipt_form(payment)
    )
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.paypal_amount == Decimal("12.50")
    assert payment.paypal_currency == "EUR"
    assert payment.paypal_transaction_id == "9XK42817LM5530412"
    assert payment.rupiah_received == 209_000
    assert payment.bpjs_paid_on == dt.date(2026, 11, 20)
    assert payment.status == PremiumPayment.Status.PENDING  # until BCC's receipt is verified


def test_a_paypal_transaction_is_recorded_once(admin_client):
    paypal_payment(paypal_transaction_id="9XK42817LM5530412")
    payment = paypal_payment()
    form = receipt_form(payment, paypal_transaction_id="  9XK42817LM5530412 ")
    response = admin_client.post(admin_url(PremiumPayment, "change", payment.pk), form)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["paypal_transaction_id"] == [
        "This PayPal transaction is already recorded for another payment."
    ]
    payment.refresh_from_db()
    assert payment.paypal_transaction_id is None


def test_payments_without_paypal_do_not_collide(admin_client):
    for _ in range(2):
        payment = paypal_payment()
        form = receipt_form(payment, paypal_transaction_id="", paypal_amount="")
        response = admin_client.post(admin_url(PremiumPayment, "change", payment.pk), form)
        assert response.status_code == 302
    assert PremiumPayment.objects.filter(paypal_transaction_id__isnull=True).count() == 2


@pytest.mark.parametrize(
    "changes, error",
    [
        ({"paypal_currency": ""}, "Give the currency of the PayPal amount."),
        ({"paypal_currency": "E1R"}, "Give the three-letter currency code, such as EUR."),
        ({"channel": "direct"}, "PayPal details belong to a payment made through PayPal"),
    ],
)
def test_it_checks_the_paypal_receipt(admin_client, changes, error):
    payment = paypal_payment()
    response = admin_client.post(
        admin_url(PremiumPayment, "change", payment.pk), receipt_form(payment, **changes)
    )
    assert response.status_code == 200
    assert error in response.content.decode()


def test_an_overseas_donor_from_pledge_to_verified_evidence(
    client, admin_client, admin_user, standard_rate, mailoutbox
):
    # The donor pledges from the Netherlands and pays BCC by PayPal.
    sponsorship, payment, token = services.create_pledge(
        recipient_id=RecipientFactory(nickname="Komang").pk,
        donor=Donor(full_name="Joost de Vries", email="joost@example.nl", country="NL"),
        first_month=dt.date(2026, 12, 1),
        months=12,
        route=Sponsorship.Route.PAYPAL,
    )
    assert payment.channel == Sponsorship.Route.PAYPAL
    assert payment.amount == 201_600

    # Staff record the PayPal receipt and the day BCC paid BPJS...
    response = admin_client.post(
        admin_url(PremiumPayment, "change", payment.pk), receipt_form(payment)
    )
    assert response.status_code == 302
    # ...upload BCC's own BPJS receipt, from the payment's page...
    page = admin_client.get(admin_url(PremiumPayment, "change", payment.pk)).content.decode()
    add_link = admin_url(PaymentEvidence, "add") + f"?payment={payment.pk}"
    assert add_link in page
    response = add_evidence(admin_client, payment, pdf_bytes(), "bpjs.pdf")
    assert response.status_code == 302
    evidence = PaymentEvidence.objects.get()
    assert evidence.uploaded_by == admin_user
    assert evidence.content_type == "application/pdf"
    # ...and verify it.
    response = admin_client.post(
        admin_url(PaymentEvidence, "change", evidence.pk),
        {"status": "verified", "rejection_reason": ""},
    )
    assert response.status_code == 302

    sponsorship.refresh_from_db()
    assert sponsorship.state == Sponsorship.State.ACTIVE
    assert sponsorship.covered_through == dt.date(2027, 11, 1)
    # The donor was told of the pledge and of the verification; BCC's own upload is not
    # "evidence received" news for them.
    messages = Message.objects.filter(donor=sponsorship.donor).order_by("id")
    assert [m.kind for m in messages] == [
        Message.Kind.PLEDGE_RECEIVED,
        Message.Kind.EVIDENCE_VERIFIED,
    ]
    verified = messages.last()
    assert verified.key == f"evidence_verified:{evidence.pk}"
    assert verified.context == {
        "payment_id": payment.pk,
        "paid_through": "2027-11-01",
        "channel": "paypal",
        "evidence_id": evidence.pk,
        "amount": 201_600,
        "paypal_amount": "12.50",
        "paypal_currency": "EUR",
    }
    assert send_queued()["sent"] == 2
    assert mailoutbox[-1].to == ["joost@example.nl"]

    # The private page shows BCC's receipt, which the donor can open.
    private = client.get(reverse("donations:private", args=[token]), follow=True)
    private = private.content.decode()
    file_url = reverse("premiums:donor_evidence_file", args=[evidence.pk])
    assert f'href="{file_url}"' in private
    assert "BCC's receipt from BPJS, 22 Nov 2026" in private
    response = client.get(file_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == evidence.file.read()
    sign_in_donor(client, DonorFactory().issue_link())
    assert client.get(file_url).status_code == 404  # another donor's session
