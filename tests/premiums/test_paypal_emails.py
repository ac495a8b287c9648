"""A PayPal donor's emails: the PayPal amount and currency acknowledged when BCC records the
money, then BCC's BPJS payment with BCC's receipt attached (never thanks for evidence they did
not send). Both languages."""

import datetime as dt
from decimal import Decimal

import pytest

from donations.mail import send_queued
from donations.models import Message, Sponsorship
from premiums import donor_actions, services
from premiums.models import PremiumPayment
from tests.factories import PaymentEvidenceFactory, PremiumPaymentFactory, StaffFactory
from tests.helpers import admin_url, at, frozen_at
from tests.premiums.test_paypal import receipt_form as paypal_receipt_form

pytestmark = [pytest.mark.django_db, frozen_at(at(2026, 11, 22, 10, 0))]


def paypal_payment(language="en"):
    return PremiumPaymentFactory(
        sponsorship__route=Sponsorship.Route.PAYPAL,
        sponsorship__donor__country="NL",
        sponsorship__donor__language=language,
        sponsorship__recipient__nickname="Komang",
        sponsorship__first_month=dt.date(2026, 12, 1),
    )


def receipt_form(payment, **changes):
    """The payment's change form once the PayPal money arrived (test_paypal's, with the day)."""
    return paypal_receipt_form(
        payment, **{"paypal_received_on": "2026-11-21", "bpjs_paid_on": "", **changes}
    )


def one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    "language, subject, body",
    [
        (
            "en",
            "Your PayPal payment of EUR 12.50 for Komang has arrived",
            [
                "BCC received your PayPal payment of EUR 12.50 on 21 November 2026, for "
                "Komang's BPJS Ketenagakerjaan premium.",
                "BCC now pays the premium of Rp 201.600 to BPJS Ketenagakerjaan for you",
            ],
        ),
        (
            "id",
            "Pembayaran PayPal Anda sebesar EUR 12,50 untuk Komang telah diterima",
            [
                "BCC telah menerima pembayaran PayPal Anda sebesar EUR 12,50 pada 21 November "
                "2026, untuk iuran BPJS Ketenagakerjaan Komang.",
                "BCC sekarang membayar iuran sebesar Rp 201.600 ke BPJS Ketenagakerjaan",
            ],
        ),
    ],
)
def test_it_acknowledges_the_paypal_amount_when_staff_record_it(
    admin_client, mailoutbox, language, subject, body
):
    payment = paypal_payment(language)
    url = admin_url(PremiumPayment, "change", payment.pk)
    assert admin_client.post(url, receipt_form(payment)).status_code == 302
    # Saved again (a correction of the Rupiah received): still one acknowledgement.
    assert admin_client.post(url, receipt_form(payment, rupiah_received=210_000)).status_code == 302
    assert Message.objects.filter(kind=Message.Kind.PAYPAL_RECEIVED).count() == 1
    send_queued()
    [email] = mailoutbox
    assert email.subject == subject
    for sentence in body:
        assert sentence in one_line(email.body)


def test_it_says_nothing_before_the_money_is_recorded(admin_client):
    payment = paypal_payment()
    form = receipt_form(payment, paypal_received_on="")
    admin_client.post(admin_url(PremiumPayment, "change", payment.pk), form)
    assert not Message.objects.filter(kind=Message.Kind.PAYPAL_RECEIVED).exists()


def test_it_acknowledges_a_direct_payment_never():
    payment = PremiumPaymentFactory(
        paypal_received_on=dt.date(2026, 11, 21), paypal_amount=Decimal("1"), paypal_currency="EUR"
    )
    assert donor_actions.acknowledge_paypal(payment) is False


def verified_email(language, mailoutbox):
    payment = paypal_payment(language)
    PremiumPayment.objects.filter(pk=payment.pk).update(
        paypal_amount=Decimal("12.50"),
        paypal_currency="EUR",
        paypal_received_on=dt.date(2026, 11, 21),
        bpjs_paid_on=dt.date(2026, 11, 22),
    )
    receipt = PaymentEvidenceFactory(payment=payment, uploaded_by=StaffFactory())
    services.verify_evidence(receipt, by=StaffFactory())
    send_queued()
    [email] = mailoutbox
    return email, receipt


@pytest.mark.parametrize(
    "language, subject, sentence, not_said",
    [
        (
            "en",
            "BCC has paid BPJS for Komang: here is the receipt",
            "BCC has paid BPJS Ketenagakerjaan the premium of Rp 201.600 for Komang with your "
            "PayPal payment of EUR 12.50. BCC's receipt from BPJS is attached",
            "your evidence",
        ),
        (
            "id",
            "BCC telah membayar BPJS untuk Komang: ini tanda terimanya",
            "BCC telah membayar iuran BPJS Ketenagakerjaan sebesar Rp 201.600 untuk Komang "
            "dengan pembayaran PayPal Anda sebesar EUR 12,50. Tanda terima BCC dari BPJS terlampir",
            "bukti pembayaran Anda",
        ),
    ],
)
def test_the_verified_email_of_a_paypal_donor_carries_bccs_receipt(
    mailoutbox, language, subject, sentence, not_said
):
    email, receipt = verified_email(language, mailoutbox)
    assert email.subject == subject
    assert sentence in one_line(email.body)
    assert not_said not in email.body
    [(name, content, mimetype)] = email.attachments
    assert name == f"bpjs-receipt-{receipt.pk}.png"
    assert mimetype == "image/png"
    receipt.file.open("rb")
    assert content == receipt.file.read()


def test_a_direct_donor_is_still_thanked_for_their_evidence(mailoutbox):
    payment = PremiumPaymentFactory(sponsorship__recipient__nickname="Ketut")
    services.verify_evidence(PaymentEvidenceFactory(payment=payment), by=StaffFactory())
    send_queued()
    [email] = mailoutbox
    assert "BCC has checked and accepted your evidence of payment for Ketut." in one_line(
        email.body
    )
    assert email.attachments == []


def test_the_refund_email_sends_the_donor_to_their_page_not_to_reply(mailoutbox):
    payment = paypal_payment()
    Message.queue(
        payment.sponsorship.donor,
        Message.Kind.REFUND,
        sponsorship=payment.sponsorship,
        amount=50_400,
        months=3,
    )
    send_queued()
    body = one_line(mailoutbox[0].body)
    assert "Please choose which you prefer on your private page" in body
    assert "reply" not in body
