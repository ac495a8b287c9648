"""The shared cache fails: the site answers, a pledge lands on its thank-you page.

Real faults of a real Redis client (django-redis, with the options the settings give it): a
cache URL pointing at a port where nothing listens, and at a listener that accepts the
connection and never answers (a hung Redis). No mock of our own code.
"""

import re
import socket
import time

import pytest
import time_machine

from core.cacheconfig import REDIS_BACKEND, resilient
from donations.models import Message, Sponsorship
from tests.factories import DonorFactory, PremiumRateFactory, RecipientFactory, SponsorshipFactory
from tests.helpers import WITA, pledge_form

TIMEOUT = 0.3  # seconds each cache call may take before it gives up


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(params=["closed port", "hung listener"])
def broken_cache(request, settings):
    listener = None
    if request.param == "closed port":
        port = _closed_port()
    else:
        # The kernel completes the handshake for the backlog; nobody ever reads or answers.
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        port = listener.getsockname()[1]
    settings.CACHES = {
        "default": resilient(
            {"BACKEND": REDIS_BACKEND, "LOCATION": f"redis://127.0.0.1:{port}/0"}, TIMEOUT
        )
    }
    yield request.param
    if listener:
        listener.close()


@pytest.fixture
def program(db):
    PremiumRateFactory()
    waiting = RecipientFactory(nickname="Wayan")
    sponsored = SponsorshipFactory(donor=DonorFactory(full_name="Kadek Sari"))
    return waiting, sponsored


@pytest.mark.parametrize(
    "path", ["/en/", "/en/recipients/", "/en/donors/", "/en/help-provided/", "/id/recipients/"]
)
def test_public_pages_answer_without_the_cache(client, broken_cache, program, path):
    started = time.monotonic()
    response = client.get(path)
    assert response.status_code == 200
    assert time.monotonic() - started < 10
    if "recipients" in path:
        assert "Wayan" in response.content.decode()


def test_a_recipient_page_answers_without_the_cache(client, broken_cache, program):
    waiting, _ = program
    response = client.get(f"/en/recipients/{waiting.pk}/")
    assert response.status_code == 200 and "Wayan" in response.content.decode()


def test_a_private_link_opens_without_the_cache(client, broken_cache, program):
    _, sponsored = program
    token = sponsored.donor.issue_link(days=90)
    assert client.get(f"/en/donor/{token}/").status_code == 302
    page = client.get("/en/donor/")
    assert page.status_code == 200 and "Kadek Sari" in page.content.decode()


def test_a_committed_pledge_reaches_its_thank_you_page(client, broken_cache, program):
    waiting, _ = program
    with time_machine.travel(_november(), tick=False):
        response = client.post(
            f"/en/recipients/{waiting.pk}/sponsor/", pledge_form(email="new@example.org")
        )
        assert response.status_code == 302, response.content.decode()[:500]
        thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert Sponsorship.objects.filter(recipient=waiting).count() == 1
    assert (
        Message.objects.filter(kind="pledge_received", donor__email="new@example.org").count() == 1
    )
    assert re.search(r"Rp\s?201\.600", thanks.content.decode())


def test_healthz_names_the_cache_and_stays_up(client, broken_cache, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"database: ok\ncache: unavailable\n"
    strict = client.get("/healthz?strict=1")
    assert strict.status_code == 503 and b"cache: unavailable" in strict.content


def test_the_staff_dashboard_answers_without_the_cache(client, broken_cache, program, staff):
    client.force_login(staff)
    response = client.get("/staff/")
    assert response.status_code == 200
    assert 'id="figure-donors"' in response.content.decode()


def _november():
    import datetime as dt

    return dt.datetime(2026, 11, 20, 10, tzinfo=WITA)
