"""What the private page tells a donor to do next: how and where to pay, with what number,
and nothing more once the evidence is in."""

import datetime as dt
import html
import re

import pytest

from core.models import ContactDetails
from donations.models import Message, Sponsorship
from tests.factories import (
    BpjsCardFactory,
    DonorFactory,
    PaymentEvidenceFactory,
    PremiumPaymentFactory,
    RecipientFactory,
    SponsorshipFactory,
)
from tests.helpers import at, client_of, frozen_at, pay

NOW = at(2026, 11, 22, 10, 0)
pytestmark = [pytest.mark.django_db, frozen_at(NOW)]


def page_text(client, language="en") -> str:
    body = client.get(f"/{language}/donor/").content.decode()
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def pledged(route="direct", country="ID", language="en", recipient=None):
    donor = DonorFactory(country=country, language=language)
    sponsorship = SponsorshipFactory(
        donor=donor,
        route=route,
        recipient=recipient or RecipientFactory(nickname="Wayan"),
        first_month=dt.date(2026, 12, 1),
    )
    payment = PremiumPaymentFactory(sponsorship=sponsorship)
    return client_of(donor), sponsorship, payment


@pytest.mark.parametrize(
    "language, words",
    [
        ("en", "by PayPal to donate@balicaringcommunity.org"),
        ("id", "melalui PayPal ke donate@balicaringcommunity.org"),
    ],
)
def test_it_tells_an_overseas_donor_the_paypal_account(standard_rate, language, words):
    client, _, _ = pledged(route="paypal", country="AU", language=language)
    text = page_text(client, language)
    assert words in text
    assert "PayPal to ." not in text


def test_the_paypal_account_comes_from_the_contact_details(standard_rate, contact_details):
    ContactDetails.objects.update(paypal_account="treasurer@example.org")
    client, _, _ = pledged(route="paypal", country="AU")
    assert "by PayPal to treasurer@example.org" in page_text(client)


def test_it_gives_the_participant_number_when_the_card_is_recorded(standard_rate):
    recipient = RecipientFactory(nickname="Wayan")
    BpjsCardFactory(recipient=recipient, participant_number="26012345678")
    client, _, _ = pledged(recipient=recipient)
    assert "Give Wayan's participant number (KPJ) when you pay: 26012345678" in page_text(client)


def test_it_says_what_to_do_when_the_worker_has_no_card_yet(standard_rate):
    client, _, _ = pledged()
    text = page_text(client)
    assert "Wayan has no BPJS participant number (KPJ) yet." in text
    assert "ask BCC for Wayan's registration details" in text


def test_a_paypal_donor_is_not_asked_for_a_participant_number(standard_rate):
    client, _, _ = pledged(route="paypal", country="AU")
    assert "KPJ" not in page_text(client)


def test_after_an_upload_it_stops_asking_to_pay_and_upload(standard_rate):
    client, sponsorship, payment = pledged()
    before = page_text(client)
    assert "Pay Rp 201.600 to BPJS Ketenagakerjaan" in before
    PaymentEvidenceFactory(payment=payment)

    after = page_text(client)
    assert "Pay Rp 201.600 to BPJS Ketenagakerjaan" not in after
    assert "BCC has your evidence and will check it soon" in after
    # A second page of the receipt may still be sent, behind its own summary.
    assert "Send another file for this payment" in after


def test_it_offers_the_next_payment_only_once_nothing_is_pending(standard_rate):
    client, sponsorship, payment = pledged()
    assert "Start the next payment" not in page_text(client)
    payment.delete()
    pay(sponsorship)
    assert Sponsorship.objects.get().state == "active"
    assert "Start the next payment" in page_text(client)


def test_the_month_strip_has_a_key_and_says_what_it_leaves_out(standard_rate):
    client, sponsorship, payment = pledged()
    payment.delete()
    Sponsorship.objects.filter(pk=sponsorship.pk).update(first_month=dt.date(2024, 1, 1))
    pay(Sponsorship.objects.get(), first_month=dt.date(2024, 1, 1), months=36)
    text = page_text(client)
    for words in ("paid and verified", "evidence awaiting verification", "payment due", "overdue"):
        assert words in text
    # January 2024 to December 2026: 36 months, the last 18 on the strip.
    assert "The last 18 months are shown; 18 earlier months are not." in text


def test_a_short_strip_says_nothing_about_earlier_months(standard_rate):
    client, _, _ = pledged()
    assert "earlier month" not in page_text(client)


@pytest.mark.parametrize("language", ["en", "id"])
def test_donors_see_plain_words_for_their_messages(standard_rate, language):
    client, sponsorship, _ = pledged(language=language)
    Message.objects.create(donor=sponsorship.donor, kind="pledge_received")
    text = page_text(client, language)
    assert "Queued" not in text and "Dalam antrean" not in text
    assert ("being sent" if language == "en" else "sedang dikirim") in text
