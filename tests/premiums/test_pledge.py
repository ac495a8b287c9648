import datetime as dt
import re

import pytest
from django.test import Client

from core.models import ContactDetails
from donations.models import Donor, Message, Sponsorship
from premiums.models import PremiumPayment
from tests.factories import DonorFactory, RecipientFactory, SponsorshipFactory
from tests.helpers import at, frozen_at, pledge_form

NOW = at(2026, 11, 22, 10, 0)
pytestmark = [pytest.mark.django_db, frozen_at(NOW)]


def pledge_data(**overrides):
    """In Indonesian, for two years, unless `overrides` say otherwise."""
    return pledge_form(**{"language": "id", "years": "2", **overrides})


def test_it_records_a_pledge_in_one_go(client, standard_rate):
    recipient = RecipientFactory()
    response = client.post(f"/en/recipients/{recipient.pk}/sponsor/", pledge_data())
    assert response.status_code == 302
    donor = Donor.objects.get()
    assert donor.phone.as_e164 == "+6281338001234"
    assert donor.language == "id"
    sponsorship = Sponsorship.objects.get()
    assert (sponsorship.donor, sponsorship.recipient) == (donor, recipient)
    assert sponsorship.state == "pledged"
    assert sponsorship.months_pledged == 24
    assert sponsorship.first_month == dt.date(2026, 12, 1)
    # Never paid: M = November 2026, lapse from 1 March 2027.
    assert sponsorship.lapses_on == dt.date(2027, 3, 1)
    payment = PremiumPayment.objects.get()
    assert (payment.months, payment.amount, payment.status) == (24, 403_200, "pending")
    message = Message.objects.get()
    assert message.kind == "pledge_received"
    assert message.context["amount"] == 403_200


def test_its_thank_you_page_gives_amount_instructions_and_a_working_link(client, standard_rate):
    recipient = RecipientFactory(nickname="Komang")
    response = client.post(f"/en/recipients/{recipient.pk}/sponsor/", pledge_data(), follow=True)
    body = response.content.decode()
    assert "Rp 403.200" in body
    assert "BPJS Ketenagakerjaan" in body
    link = re.search(r'id="private-link">([^<]+)<', body).group(1)
    assert Donor.objects.get().access_tokens.get().expires_at is not None
    private = client.get(link.replace("http://127.0.0.1:8000", ""), follow=True)
    assert private.redirect_chain == [("/en/donor/", 302)]  # the token is exchanged, then gone
    assert private.status_code == 200
    assert "Komang" in private.content.decode()


def test_it_offers_paypal_to_overseas_donors_and_shows_the_account(
    client, standard_rate, contact_details
):
    ContactDetails.objects.update(paypal_account="pay@bcc.example")
    recipient = RecipientFactory()
    response = client.post(
        f"/en/recipients/{recipient.pk}/sponsor/",
        pledge_data(country="AU", route="paypal", phone="+61 412 345 678", years="1"),
        follow=True,
    )
    body = response.content.decode()
    assert "pay@bcc.example" in body
    assert "Rp 201.600" in body
    assert Sponsorship.objects.get().route == "paypal"


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"full_name": ""}, "full_name"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "12"}, "phone"),
        ({"first_month": "2026-11-01"}, "first_month"),
        ({"first_month": "garbage"}, "first_month"),
        ({"years": "0"}, "years"),
        ({"years": "abc"}, "years"),
        ({"route": "cash"}, "route"),
        ({"country": "XX"}, "country"),
        ({"display_name": ""}, "display_name"),
    ],
)
def test_it_refuses_bad_input_with_a_form_error_and_writes_nothing(
    client, standard_rate, overrides, field
):
    recipient = RecipientFactory()
    response = client.post(f"/en/recipients/{recipient.pk}/sponsor/", pledge_data(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Donor.objects.count() == 0
    assert Sponsorship.objects.count() == 0
    assert PremiumPayment.objects.count() == 0
    assert Message.objects.count() == 0


def test_it_tells_the_second_donor_plainly_and_shows_others(client, standard_rate):
    recipient = RecipientFactory(nickname="Gede")
    other = RecipientFactory(nickname="Putu")
    SponsorshipFactory(recipient=recipient, first_month=dt.date(2026, 12, 1))
    response = client.post(f"/en/recipients/{recipient.pk}/sponsor/", pledge_data())
    body = response.content.decode()
    assert "Gede has just been sponsored by someone else." in body
    assert "Putu" in body and f"/en/recipients/{other.pk}/" in body
    assert Donor.objects.count() == 1  # only the first sponsor's


def test_it_refuses_a_recipient_no_longer_needing_a_sponsor(client, standard_rate):
    recipient = RecipientFactory(status="inactive")
    assert client.get(f"/en/recipients/{recipient.pk}/sponsor/").status_code == 404
    assert client.post(f"/en/recipients/{recipient.pk}/sponsor/", pledge_data()).status_code == 404
    assert Sponsorship.objects.count() == 0


def test_it_never_gives_access_to_an_existing_donor_with_the_same_email(client, standard_rate):
    existing = DonorFactory(email="ayu@example.org", full_name="Original Ayu")
    SponsorshipFactory(donor=existing)
    recipient = RecipientFactory()
    response = client.post(f"/en/recipients/{recipient.pk}/sponsor/", pledge_data(), follow=True)
    body = response.content.decode()
    link = re.search(r'id="private-link">([^<]+)<', body).group(1)
    private = client.get(link.replace("http://127.0.0.1:8000", ""), follow=True)
    assert private.status_code == 200
    assert "Original Ayu" not in private.content.decode()
    new_donor = Donor.objects.exclude(pk=existing.pk).get()
    assert new_donor.sponsorships.count() == 1
    assert existing.sponsorships.count() == 1


def test_it_records_a_lapse_the_calendar_decided_before_a_new_pledge(client, standard_rate):
    recipient = RecipientFactory()
    old = SponsorshipFactory(
        recipient=recipient, first_month=dt.date(2026, 6, 1), lapses_on=dt.date(2026, 9, 1)
    )
    response = client.post(f"/en/recipients/{recipient.pk}/sponsor/", pledge_data())
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.state == "lapsed"
    assert recipient.sponsorships.filter(state="pledged").count() == 1


def test_the_thank_you_page_is_only_for_the_pledger(client, standard_rate):
    recipient = RecipientFactory()
    client.post(f"/en/recipients/{recipient.pk}/sponsor/", pledge_data())
    from django.test import Client

    assert Client().get(f"/en/recipients/{recipient.pk}/sponsor/thanks/").status_code == 404


def test_it_pledges_again_from_the_private_page(client, standard_rate):
    donor = DonorFactory()
    client.get(f"/en/donor/{donor.issue_link()}/")  # the donor session
    recipient = RecipientFactory()
    response = client.post(
        f"/en/donor/sponsor/{recipient.pk}/",
        {"first_month": "2027-01-01", "years": "1", "route": "direct"},
    )
    assert response.status_code == 302
    sponsorship = donor.sponsorships.get()
    assert sponsorship.recipient == recipient
    assert sponsorship.payments.get().amount == 201_600
    assert Donor.objects.count() == 1


def test_a_pledge_sent_twice_lands_on_its_thank_you_page(client, standard_rate):
    recipient = RecipientFactory()
    url = f"/en/recipients/{recipient.pk}/sponsor/"
    first = client.post(url, pledge_data())
    assert first.status_code == 302
    # The same form again, from a browser that never got the first answer (no session).
    again = Client().post(url, pledge_data(), follow=True)
    assert again.status_code == 200
    assert again.redirect_chain[-1][0] == f"/en/recipients/{recipient.pk}/sponsor/thanks/"
    assert re.search(r"Rp\s403\.200", again.content.decode())  # two years
    assert Sponsorship.objects.count() == Donor.objects.count() == 1
    assert Message.objects.filter(kind="pledge_received").count() == 1


def test_someone_else_with_another_name_is_told_the_person_is_taken(client, standard_rate):
    recipient = RecipientFactory()
    url = f"/en/recipients/{recipient.pk}/sponsor/"
    assert client.post(url, pledge_data()).status_code == 302
    other = Client().post(url, pledge_data(full_name="Someone Else"))
    assert other.status_code == 409
    assert Sponsorship.objects.count() == 1
