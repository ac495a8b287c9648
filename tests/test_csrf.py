"""Every form that changes something is CSRF-protected.

The test client skips CSRF checks unless told otherwise: these clients enforce them, as a
browser's request from another site would meet them. Without the token: 403. With the token
taken from the page's cookie: the form does its work.
"""

import datetime as dt

import pytest
from django.test import Client

from donations.models import DonorRequest, Message, Sponsorship
from premiums.models import PaymentEvidence, PremiumPayment
from tests.factories import (
    DonorFactory,
    PremiumPaymentFactory,
    RecipientFactory,
    SponsorshipFactory,
)
from tests.helpers import at, frozen_at, pay, pledge_form, sign_in_donor
from tests.images import upload

pytestmark = [pytest.mark.django_db, frozen_at(at(2026, 11, 22, 10, 0))]


@pytest.fixture
def world(standard_rate):
    """A donor with a pending payment, a verified one, and a person still waiting."""
    donor = DonorFactory()
    pending = PremiumPaymentFactory(
        sponsorship=SponsorshipFactory(donor=donor, first_month=dt.date(2026, 12, 1))
    )
    active = SponsorshipFactory(
        donor=donor, first_month=dt.date(2026, 12, 1), state=Sponsorship.State.ACTIVE
    )
    pay(active)
    return {
        "donor": donor,
        "token": donor.issue_link(),
        "pending": pending,
        "active": active,
        "waiting": RecipientFactory(),
    }


def strict_client():
    return Client(enforce_csrf_checks=True)


def donor_client(world):
    client = strict_client()
    sign_in_donor(client, world["token"])
    assert client.get("/en/donor/").status_code == 200  # sets the CSRF cookie
    return client


def with_token(client, data):
    return {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value}


def test_the_pledge_form(world):
    client = strict_client()
    address = f"/en/recipients/{world['waiting'].pk}/sponsor/"
    pledge = pledge_form(listed_publicly=None)
    assert client.post(address, pledge).status_code == 403
    client.get(address)
    assert client.post(address, with_token(client, pledge)).status_code == 302
    assert world["waiting"].sponsorships.count() == 1


def test_send_me_my_link(world):
    client = strict_client()
    email = {"email": world["donor"].email}
    assert client.post("/en/donor/link/", email).status_code == 403
    assert Message.objects.filter(kind="link").count() == 0
    client.get("/en/donor/link/")
    assert client.post("/en/donor/link/", with_token(client, email)).status_code == 200
    assert Message.objects.filter(kind="link").count() == 1


def test_the_evidence_upload(world):
    client = donor_client(world)
    address = f"/en/donor/payments/{world['pending'].pk}/evidence/"

    def data():
        return {"file": upload()}

    assert client.post(address, data()).status_code == 403
    assert PaymentEvidence.objects.filter(payment=world["pending"]).count() == 0
    assert client.post(address, with_token(client, data())).status_code == 302
    assert PaymentEvidence.objects.filter(payment=world["pending"]).count() == 1


def test_the_next_payment(world):
    client = donor_client(world)
    address = f"/en/donor/sponsorships/{world['active'].pk}/next-payment/"
    before = PremiumPayment.objects.count()
    assert client.post(address, {"months": "3"}).status_code == 403
    assert PremiumPayment.objects.count() == before
    assert client.post(address, with_token(client, {"months": "3"})).status_code == 302
    assert PremiumPayment.objects.count() == before + 1


def test_a_stop_or_change_request(world):
    client = donor_client(world)
    address = f"/en/donor/sponsorships/{world['active'].pk}/request/"
    assert client.post(address, {"kind": "stop"}).status_code == 403
    assert DonorRequest.objects.count() == 0
    assert client.post(address, with_token(client, {"kind": "stop"})).status_code == 302
    assert DonorRequest.objects.count() == 1


def test_pledging_again(world):
    client = donor_client(world)
    address = f"/en/donor/sponsor/{world['waiting'].pk}/"
    data = {"first_month": "2026-12-01", "years": "1", "route": "direct"}
    assert client.post(address, data).status_code == 403
    assert client.post(address, with_token(client, data)).status_code == 302
    assert world["waiting"].sponsorships.get().donor == world["donor"]


def test_signing_out(world):
    client = donor_client(world)
    assert client.post("/en/donor/leave/").status_code == 403
    assert client.get("/en/donor/").status_code == 200  # still signed in
    assert client.post("/en/donor/leave/", with_token(client, {})).status_code == 302
    assert client.get("/en/donor/").status_code == 302


def test_the_admin_login(staff):
    client = strict_client()
    data = {"username": "coordinator", "password": "password", "next": "/admin/"}
    assert client.post("/admin/login/", data).status_code == 403
    assert "_auth_user_id" not in client.session
    client.get("/admin/login/")
    assert client.post("/admin/login/", with_token(client, data)).status_code == 302
    assert "_auth_user_id" in client.session


def test_an_admin_change_form(staff):
    client = strict_client()
    client.force_login(staff)
    recipient = RecipientFactory(nickname="Before")
    address = f"/admin/recipients/recipient/{recipient.pk}/delete/"
    assert client.post(address, {"post": "yes"}).status_code == 403
    assert type(recipient).objects.filter(pk=recipient.pk).exists()
