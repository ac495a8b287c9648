"""Every form that changes something is CSRF-protected.

The test client skips CSRF checks unless told otherwise: these clients enforce them, as a
browser's request from another site would meet them. Without the token: 403. With the token
taken from the page's cookie: the form does its work.
"""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from donations.models import DonorRequest, Message, Sponsorship
from premiums.models import PaymentEvidence, PremiumPayment
from premiums.services import verify_evidence
from tests.factories import (
    DonorFactory,
    PaymentEvidenceFactory,
    PremiumPaymentFactory,
    RecipientFactory,
    SponsorshipFactory,
    StaffFactory,
)
from tests.images import png_bytes

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


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
    verify_evidence(
        PaymentEvidenceFactory(payment=PremiumPaymentFactory(sponsorship=active)),
        by=StaffFactory(),
    )
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
    assert client.get(f"/en/donor/{world['token']}/").status_code == 302
    assert client.get("/en/donor/").status_code == 200  # sets the CSRF cookie
    return client


def with_token(client, data):
    return {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value}


def pledge_data():
    return {
        "full_name": "Ayu Lestari",
        "display_name": "A.L.",
        "email": "ayu@example.org",
        "phone": "0813 3800 1234",
        "country": "ID",
        "language": "en",
        "first_month": "2026-12-01",
        "years": "1",
        "route": "direct",
    }


def test_the_pledge_form(world):
    client = strict_client()
    address = f"/en/recipients/{world['waiting'].pk}/sponsor/"
    assert client.post(address, pledge_data()).status_code == 403
    client.get(address)
    assert client.post(address, with_token(client, pledge_data())).status_code == 302
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
        return {"file": SimpleUploadedFile("receipt.png", png_bytes())}

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
