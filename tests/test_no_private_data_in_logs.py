"""NIK, KK and phone numbers never reach a URL or a log line.

URLs end up in browser histories, proxy and server access logs and Referer headers; logs are
kept and shipped about. So the main flows run here with every logger capturing at DEBUG
level, and the test asserts that the recipient's NIK, KK and phone number and the donor's
phone number (in each way it may be written) are in no log record, no redirect and no link,
image or form address of any page on the way. The admin lists show the NIK masked.

SQL logging (django.db.backends) is left out: Django writes it only with DEBUG on, a
development mode in which query parameters are logged by design. Production runs DEBUG off.
The staff's one-click WhatsApp links (https://wa.me/<number>, a SPEC feature) necessarily
hold a number; they leave the site for WhatsApp and are the one exception.
"""

import logging
import re
from urllib.parse import unquote_plus

import pytest
from django.test import Client

from donations.mail import send_queued
from donations.models import Donor
from recipients.admin import mask_nik
from tests.factories import RecipientFactory
from tests.helpers import at, frozen_at, pledge_form, send_evidence

pytestmark = [pytest.mark.django_db, frozen_at(at(2026, 11, 22, 10, 0))]

NIK = "5107015505800042"
KK = "5107010101000042"
RECIPIENT_PHONE = "+6281338000042"
DONOR_PHONE_TYPED = "0813 3700 0777"
#: Each number in each form it may take: as typed, E.164, without the country code.
SECRETS = [
    NIK,
    KK,
    RECIPIENT_PHONE,
    RECIPIENT_PHONE[1:],
    "81338000042",
    DONOR_PHONE_TYPED,
    "+6281337000777",
    "6281337000777",
    "081337000777",
    "81337000777",
]
DIGITS = {re.sub(r"\D", "", s) for s in SECRETS}
URL_ATTRIBUTE = re.compile(r'\b(?:href|src|action|formaction|srcset)\s*=\s*"([^"]*)"', re.I)
WHATSAPP = "https://wa.me/"


@pytest.fixture
def all_logs(caplog):
    """Every logger at DEBUG, each one's records captured (propagating or not)."""
    loggers = [logging.getLogger()] + [
        logging.getLogger(name)
        for name in list(logging.root.manager.loggerDict)
        + ["django.request", "django.security.csrf", "core", "program", "donations", "premiums"]
    ]
    saved = [(logger, logger.level, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        if not logger.propagate:
            logger.addHandler(caplog.handler)
    caplog.handler.setLevel(logging.DEBUG)
    yield caplog
    for logger, level, _ in saved:
        logger.setLevel(level)
        if caplog.handler in logger.handlers:
            logger.removeHandler(caplog.handler)


class Visits:
    """Every response of a flow, to look through its addresses afterwards."""

    def __init__(self):
        self.urls = []

    def record(self, response):
        for earlier, _status in getattr(response, "redirect_chain", []):
            self.urls.append(earlier)
        if response.has_header("Location"):
            self.urls.append(response["Location"])
        if not response.streaming and "html" in response.get("Content-Type", ""):
            self.urls += URL_ATTRIBUTE.findall(response.content.decode())
        return response

    def leaks(self):
        found = []
        for url in self.urls:
            if url.startswith(WHATSAPP):
                continue
            plain = unquote_plus(url)
            digits = re.sub(r"\D", "", plain)
            if any(s in plain for s in SECRETS) or any(d in digits for d in DIGITS):
                found.append(url)
        return found


@pytest.fixture
def recipient(standard_rate):
    return RecipientFactory(nickname="Komang", nik=NIK, kk=KK, phone=RECIPIENT_PHONE)


def test_the_main_flows_leave_no_nik_kk_or_phone_in_urls_or_logs(
    all_logs, recipient, mailoutbox, staff
):
    visits = Visits()
    donor = Client()

    # A visitor reads about the recipient and pledges, giving a phone number.
    for address in ("/en/", "/en/recipients/", f"/en/recipients/{recipient.pk}/"):
        assert visits.record(donor.get(address)).status_code == 200
    pledge = pledge_form(phone=DONOR_PHONE_TYPED, listed_publicly=None)
    visits.record(donor.get(f"/en/recipients/{recipient.pk}/sponsor/"))
    response = visits.record(
        donor.post(f"/en/recipients/{recipient.pk}/sponsor/", pledge, follow=True)
    )
    assert "Thank you for sponsoring Komang!" in response.content.decode()
    assert str(Donor.objects.get().phone) == "+6281337000777"

    # The email goes out; its link opens the private page.
    assert send_queued()["sent"] == 1
    link = re.search(r"/en/donor/[\w-]{20,}/", mailoutbox[0].body).group(0)
    visits.record(donor.get(link, follow=True))
    payment = Donor.objects.get().sponsorships.get().payments.get()
    visits.record(send_evidence(donor, payment, follow=True))
    visits.record(donor.get("/en/donor/statement/"))
    visits.record(donor.post("/en/donor/link/", {"email": "ayu@example.org"}))
    visits.record(donor.get("/en/donor/not-a-link/"))  # a 404, logged by django.request

    # A coordinator logs in and opens the recipient and the donor in the admin.
    coordinator = Client()
    visits.record(coordinator.get("/admin/login/"))
    response = coordinator.post(
        "/admin/login/", {"username": staff.username, "password": "password", "next": "/admin/"}
    )
    assert visits.record(response).status_code == 302
    recipients_list = visits.record(coordinator.get("/admin/recipients/recipient/"))
    body = recipients_list.content.decode()
    assert mask_nik(NIK) in body  # the NIK masked in the list…
    assert NIK not in body and KK not in body  # …never whole
    for address in (
        "/admin/",
        "/staff/",
        f"/admin/recipients/recipient/{recipient.pk}/change/",
        "/admin/donations/donor/",
        f"/admin/donations/donor/{Donor.objects.get().pk}/change/",
        "/admin/premiums/paymentevidence/",
    ):
        assert visits.record(coordinator.get(address)).status_code == 200

    assert len(visits.urls) > 100  # the pages were looked through
    assert visits.leaks() == []
    logged = all_logs.text + "\n".join(str(r.__dict__) for r in all_logs.records)
    assert all_logs.records  # something was logged at all
    assert [s for s in SECRETS if s in logged] == []


def test_a_server_error_logs_no_private_data(all_logs, recipient, monkeypatch):
    """Django logs a 500 with the request; the form data with the phone must not be in it."""
    from premiums import services

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "create_pledge", broken)
    client = Client(raise_request_exception=False)
    response = client.post(
        f"/en/recipients/{recipient.pk}/sponsor/",
        pledge_form(phone=DONOR_PHONE_TYPED, display_name=None, listed_publicly=None),
    )
    assert response.status_code == 500
    assert any(r.name == "django.request" for r in all_logs.records)
    logged = all_logs.text + "\n".join(str(r.__dict__) for r in all_logs.records)
    assert [s for s in SECRETS if s in logged] == []


def test_admin_lists_show_the_nik_masked_and_volunteers_not_at_all(
    recipient, staff_client, volunteer_client
):
    body = staff_client.get("/admin/recipients/recipient/").content.decode()
    assert mask_nik(NIK) == "5107••••••••0042"
    assert mask_nik(NIK) in body and NIK not in body

    response = volunteer_client.get("/admin/recipients/recipient/")
    assert response.status_code == 200
    assert "Komang" in response.content.decode()
    assert mask_nik(NIK) not in response.content.decode()
    assert NIK not in response.content.decode()
