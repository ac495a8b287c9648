"""The pledge form shows the exact amount, and starts in the page's language."""

import datetime as dt
import json
import re

import pytest
from django.test import Client

from donations.models import Donor, Sponsorship
from tests.factories import DonorFactory, PremiumRateFactory, RecipientFactory
from tests.helpers import at, client_of, frozen_at, pledge_form

NOW = at(2026, 11, 22, 10, 0)
pytestmark = [pytest.mark.django_db, frozen_at(NOW)]


def halved_rate():
    """PP 50/2025: half the rate from April to December 2026."""
    return PremiumRateFactory(
        first_month=dt.date(2026, 4, 1), last_month=dt.date(2026, 12, 1), jkk=5_000, jkm=3_400
    )


def amount_box(body: str) -> str:
    match = re.search(r'<section class="pledge-amount.*?</section>', body, re.S)
    assert match, body
    return re.sub(r"<[^>]+>", "", match.group(0))


def test_it_shows_the_amount_of_the_first_choice(client, standard_rate):
    recipient = RecipientFactory()
    body = client.get(f"/en/recipients/{recipient.pk}/sponsor/").content.decode()
    assert "Rp 201.600 for 12 months from December 2026." in " ".join(amount_box(body).split())


def test_it_shows_the_amount_for_the_chosen_terms_without_javascript(client, standard_rate):
    # The halved rate of PP 50/2025 until December 2026: a start month changes the amount.
    halved_rate()
    recipient = RecipientFactory()
    form = pledge_form(first_month="2026-12-01", years="2", full_name="", email="", show_amount="1")
    response = client.post(f"/en/recipients/{recipient.pk}/sponsor/", form)

    assert response.status_code == 200
    body = response.content.decode()
    # 1 month at 8,400 + 23 at 16,800; nothing saved, no errors for the fields left empty.
    assert "Rp 394.800 for 24 months from December 2026." in " ".join(amount_box(body).split())
    assert "This field is required" not in body
    assert Donor.objects.count() == 0 and Sponsorship.objects.count() == 0
    # What the donor chose stays chosen.
    assert re.search(r'<option value="2" selected>', body)


def test_it_gives_the_script_every_amount_from_the_rate_table(client, standard_rate):
    halved_rate()
    recipient = RecipientFactory()
    body = client.get(f"/en/recipients/{recipient.pk}/sponsor/").content.decode()
    data = re.search(r'<script id="pledge-amounts" type="application/json">(.*?)</script>', body)
    amounts = json.loads(data.group(1))
    assert amounts["2026-12-01"]["1"] == "Rp 193.200"
    assert amounts["2027-01-01"]["1"] == "Rp 201.600"
    assert amounts["2027-01-01"]["5"] == "Rp 1.008.000"
    assert '<script src="/static/js/pledge_amount.js" defer></script>' in body


def test_it_says_when_no_rate_covers_the_months_yet(client):
    PremiumRateFactory(last_month=dt.date(2027, 6, 1))
    recipient = RecipientFactory()
    body = client.get(f"/en/recipients/{recipient.pk}/sponsor/").content.decode()
    assert "BCC has not yet entered the premium rates for these months" in amount_box(body)


def test_it_shows_the_amount_to_a_returning_donor_too(standard_rate):
    donor = DonorFactory()
    recipient = RecipientFactory()
    client = client_of(donor)
    form = {"first_month": "2027-01-01", "years": "3", "route": "direct", "show_amount": "1"}
    body = client.post(f"/en/donor/sponsor/{recipient.pk}/", form).content.decode()
    assert "Rp 604.800 for 36 months from January 2027." in " ".join(amount_box(body).split())
    assert Sponsorship.objects.count() == 0


@pytest.mark.parametrize("language", ["en", "id"])
def test_it_preselects_the_language_of_the_page(client, standard_rate, language):
    recipient = RecipientFactory()
    body = client.get(f"/{language}/recipients/{recipient.pk}/sponsor/").content.decode()
    select = re.search(r'<select name="language".*?</select>', body, re.S).group(0)
    assert re.findall(r'<option value="(\w+)" selected>', select) == [language]


def test_a_donor_who_leaves_the_language_alone_gets_indonesian_emails(client, standard_rate):
    recipient = RecipientFactory()
    form = pledge_form(language=None)
    form["language"] = re.search(
        r'<option value="(\w+)" selected>',
        re.search(
            r'<select name="language".*?</select>',
            client.get(f"/id/recipients/{recipient.pk}/sponsor/").content.decode(),
            re.S,
        ).group(0),
    ).group(1)
    client.post(f"/id/recipients/{recipient.pk}/sponsor/", form)
    assert Donor.objects.get().language == "id"


@pytest.mark.parametrize(
    "language, names",
    [("id", ["Belanda", "Jerman", "Amerika Serikat"]), ("en", ["Netherlands", "Germany"])],
)
def test_country_names_are_in_the_pages_language(client, standard_rate, language, names):
    recipient = RecipientFactory()
    body = client.get(f"/{language}/recipients/{recipient.pk}/sponsor/").content.decode()
    select = re.search(r'<select name="country".*?</select>', body, re.S).group(0)
    for name in names:
        assert f">{name}</option>" in select


def test_an_overseas_donor_choosing_direct_payment_is_told_why_not(client, standard_rate):
    recipient = RecipientFactory()
    form = pledge_form(country="AU", route="direct")
    response = client.post(f"/en/recipients/{recipient.pk}/sponsor/", form)
    assert response.status_code == 200
    assert "From abroad, choose PayPal: BCC pays BPJS for you." in response.content.decode()
    assert Sponsorship.objects.count() == 0
    form["route"] = "paypal"
    assert client.post(f"/en/recipients/{recipient.pk}/sponsor/", form).status_code == 302
    assert Sponsorship.objects.get().route == "paypal"


def test_a_returning_overseas_donor_is_told_too(standard_rate):
    client = client_of(DonorFactory(country="NL"))
    recipient = RecipientFactory()
    form = {"first_month": "2026-12-01", "years": "1", "route": "direct"}
    body = client.post(f"/en/donor/sponsor/{recipient.pk}/", form).content.decode()
    assert "From abroad, choose PayPal" in body
    assert Sponsorship.objects.count() == 0


def test_asking_the_amount_for_someone_already_sponsored_says_so(client, standard_rate):
    recipient = RecipientFactory()
    client.post(f"/en/recipients/{recipient.pk}/sponsor/", pledge_form())
    form = pledge_form(email="other@example.org", show_amount="1")
    response = Client().post(f"/en/recipients/{recipient.pk}/sponsor/", form)
    assert response.status_code == 409
    assert "pledge-amount" not in response.content.decode()
