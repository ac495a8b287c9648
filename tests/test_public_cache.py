import datetime as dt

import pytest
import time_machine

from premiums.services import verify_evidence
from tests.factories import (
    DonorFactory,
    PaymentEvidenceFactory,
    PremiumPaymentFactory,
    SponsorshipFactory,
    StaffFactory,
)
from tests.helpers import at, frozen_at, pay, verify

pytestmark = [pytest.mark.django_db, frozen_at(at(2026, 11, 22, 10))]


def test_it_serves_the_second_visit_from_the_cache(client, django_assert_max_num_queries):
    client.get("/en/donors/")
    # The version number and the cached page, in one read: nothing is computed again.
    with django_assert_max_num_queries(1):
        response = client.get("/en/donors/")
    assert response.status_code == 200
    assert "Our active donors" in response.content.decode()


def test_a_verified_payment_appears_on_the_next_request(
    client, standard_rate, django_capture_on_commit_callbacks
):
    donor = DonorFactory(display_name="Newly Verified")
    payment = PremiumPaymentFactory(sponsorship=SponsorshipFactory(donor=donor))
    evidence = PaymentEvidenceFactory(payment=payment)
    assert "Newly Verified" not in client.get("/en/donors/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        verify_evidence(evidence, by=StaffFactory())
    assert "Newly Verified" in client.get("/en/donors/").content.decode()


def test_withdrawn_consent_disappears_on_the_next_request(
    client, standard_rate, django_capture_on_commit_callbacks
):
    donor = DonorFactory(display_name="Changing Mind")
    payment = PremiumPaymentFactory(sponsorship=SponsorshipFactory(donor=donor))
    with django_capture_on_commit_callbacks(execute=True):
        verify(payment)
    assert "Changing Mind" in client.get("/en/donors/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        donor.listed_publicly = False
        donor.save()
    assert "Changing Mind" not in client.get("/en/donors/").content.decode()


def test_a_lapse_needs_no_invalidation_because_the_date_is_in_the_key(client, standard_rate):
    donor = DonorFactory(display_name="Will Lapse")
    pay(SponsorshipFactory(donor=donor, first_month=dt.date(2026, 1, 1)))
    # Paid through December 2026: lapsed from 1 April 2027.
    with time_machine.travel(at(2027, 3, 31, 12), tick=False):
        assert "Will Lapse" in client.get("/en/donors/").content.decode()
    with time_machine.travel(at(2027, 4, 1, 0, 5), tick=False):
        assert "Will Lapse" not in client.get("/en/donors/").content.decode()


def test_staff_are_never_served_a_cached_page(admin_client, client):
    client.get("/en/donors/")
    response = admin_client.get("/en/donors/")
    assert response.status_code == 200
    assert response.context is not None  # rendered, not from the cache


def test_a_visitors_flash_message_is_never_served_to_another(client, rf):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import Client

    # A real message-framework cookie, as a donor action leaves for the next page.
    encoded = CookieStorage(rf.get("/"))._encode([Message(constants.INFO, "note-for-this-visitor")])
    client.cookies["messages"] = encoded
    own = client.get("/en/donors/").content.decode()
    assert "note-for-this-visitor" in own
    stranger = Client().get("/en/donors/").content.decode()
    assert "note-for-this-visitor" not in stranger


def test_a_visitor_with_a_session_is_not_served_from_the_cache(client):
    client.get("/en/donors/")  # cached for visitors
    client.cookies["sessionid"] = "whatever"
    response = client.get("/en/donors/")
    assert response.context is not None


def test_a_long_address_is_cached_under_a_key_of_fixed_length(
    client, django_assert_max_num_queries
):
    address = "/en/recipients/?" + "&".join(f"q{n}=" + "x" * 40 for n in range(20))
    assert client.get(address).status_code == 200
    with django_assert_max_num_queries(1):  # the version and the page, in one read
        assert client.get(address).status_code == 200


def test_a_page_built_from_an_older_version_is_built_again(
    client, django_capture_on_commit_callbacks
):
    from core.versions import PUBLIC_PAGES

    client.get("/en/donors/")
    with django_capture_on_commit_callbacks(execute=True):
        PUBLIC_PAGES.bump()
    response = client.get("/en/donors/")
    assert response.context is not None  # rendered, not served from the cache
