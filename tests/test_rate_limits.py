"""Abuse limits: the pledge form, evidence uploads, "send me my link" and private-link look-ups.

Each test goes past the configured limit and expects the translated 429 page. The counters
are in the default cache, which all workers share: a second client from the same address is
limited too, and the count can be read back from the cache.
"""

import datetime as dt
import logging

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import translation

from core import ratelimit
from donations.models import Message
from premiums.models import PaymentEvidence, PremiumPayment
from tests.factories import DonorFactory, PremiumPaymentFactory, RecipientFactory
from tests.helpers import at, frozen_at, send_evidence, sign_in_donor

# Frozen, so that no test straddles the edge of a counting window.
pytestmark = [pytest.mark.django_db, frozen_at(at(2026, 5, 4, 9, 0))]


def allowed(scope):
    return ratelimit.parse_rate(django_settings.RATELIMITS[scope])[0]


def too_many(response, language="en"):
    """The 429 page, in `language`."""
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    body = response.content.decode()
    assert f'<html lang="{language}">' in body
    with translation.override(language):
        assert translation.gettext("Too many requests") in body
    return body


# --- the pledge form -------------------------------------------------------------------------


def test_it_limits_pledge_posts_per_address(client, standard_rate):
    recipient = RecipientFactory()
    address = f"/en/recipients/{recipient.pk}/sponsor/"
    for _ in range(allowed("pledge")):
        assert client.post(address, {"full_name": ""}).status_code == 200  # form errors
    body = too_many(client.post(address, {"full_name": ""}))
    assert "Too many requests" in body
    assert "You can try again in" in body
    # Reading the form is not limited; another address is counted apart.
    assert client.get(address).status_code == 200
    assert Client(REMOTE_ADDR="10.0.0.2").post(address, {}).status_code == 200


def test_the_pledge_limit_answers_in_indonesian(client, standard_rate):
    recipient = RecipientFactory()
    for _ in range(allowed("pledge")):
        client.post(f"/id/recipients/{recipient.pk}/sponsor/", {})
    too_many(client.post(f"/id/recipients/{recipient.pk}/sponsor/", {}), language="id")


def test_the_count_is_in_the_shared_cache(client, standard_rate):
    recipient = RecipientFactory()
    for _ in range(allowed("pledge")):
        client.post(f"/en/recipients/{recipient.pk}/sponsor/", {})

    assert cache.get(ratelimit.cache_key("pledge", "127.0.0.1")) == allowed("pledge")
    # Another browser (or another worker process) at the same address is over the limit too.
    too_many(Client().post(f"/en/recipients/{recipient.pk}/sponsor/", {}))


def test_a_returning_donor_is_counted_as_themselves(client, standard_rate):
    client.get(f"/en/donor/{DonorFactory().issue_link()}/")
    recipient = RecipientFactory()
    for _ in range(allowed("pledge")):
        assert client.post(f"/en/donor/sponsor/{recipient.pk}/", {}).status_code == 200
    too_many(client.post(f"/en/donor/sponsor/{recipient.pk}/", {}))
    # Another donor at the same address (a carrier's shared address) is not held back.
    other = Client()
    other.get(f"/en/donor/{DonorFactory().issue_link()}/")
    assert other.post(f"/en/donor/sponsor/{recipient.pk}/", {}).status_code == 200


def test_donors_behind_one_shared_address_are_counted_by_their_email(client, standard_rate):
    recipient = RecipientFactory()
    address = f"/en/recipients/{recipient.pk}/sponsor/"
    for _ in range(allowed("pledge")):
        client.post(address, {"email": "ayu@example.org"})
    too_many(client.post(address, {"email": "AYU@example.org "}))
    assert Client().post(address, {"email": "made@example.org"}).status_code == 200


def test_one_address_has_a_looser_limit_whatever_the_emails(client, standard_rate, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "pledge_address": "3/h"}
    recipient = RecipientFactory()
    address = f"/en/recipients/{recipient.pk}/sponsor/"
    for n in range(3):
        assert client.post(address, {"email": f"person{n}@example.org"}).status_code == 200
    too_many(client.post(address, {"email": "person9@example.org"}))


def test_the_page_says_how_long_to_wait_and_the_window(client, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "token": "1/10m"}
    client.get("/en/donor/guess-one/")
    body = too_many(client.get("/en/donor/guess-two/"))
    # Frozen at 9:00: the ten-minute window has just begun.
    assert "You can try again in 10 minutes. (At most 1 time every 10 minutes.)" in " ".join(
        body.split()
    )
    assert "wait a minute" not in body


def test_the_limit_lifts_when_its_window_has_passed(client, standard_rate, frozen):
    recipient = RecipientFactory()
    for _ in range(allowed("pledge") + 1):
        client.post(f"/en/recipients/{recipient.pk}/sponsor/", {})
    frozen.shift(dt.timedelta(hours=1))
    assert client.post(f"/en/recipients/{recipient.pk}/sponsor/", {}).status_code == 200


# --- evidence uploads ------------------------------------------------------------------------


def upload(client, payment):
    # Refused as not an image: cheap, and it still counts.
    return send_evidence(client, payment, b"not an image")


def test_it_limits_evidence_uploads_per_donor(client, standard_rate):
    payment = PremiumPaymentFactory()
    token = payment.sponsorship.donor.issue_link()
    sign_in_donor(client, token)
    for _ in range(allowed("evidence")):
        assert upload(client, payment).status_code == 302
    too_many(upload(client, payment))
    assert PaymentEvidence.objects.count() == 0

    # Per donor, wherever they are: the same donor from another address is still limited...
    elsewhere = Client(REMOTE_ADDR="10.0.0.3")
    sign_in_donor(elsewhere, token)
    too_many(upload(elsewhere, payment))
    # ...and another donor at the same address is not.
    other_payment = PremiumPaymentFactory()
    neighbour = Client()
    sign_in_donor(neighbour, other_payment.sponsorship.donor.issue_link())
    assert upload(neighbour, other_payment).status_code == 302


def test_the_upload_limit_answers_in_indonesian(client, standard_rate):
    payment = PremiumPaymentFactory()
    sign_in_donor(client, payment.sponsorship.donor.issue_link(), language="id")
    for _ in range(allowed("evidence")):
        client.post(f"/id/donor/payments/{payment.pk}/evidence/", {})
    too_many(client.post(f"/id/donor/payments/{payment.pk}/evidence/", {}), language="id")
    assert PremiumPayment.objects.count() == 1


# --- "send me my link" -----------------------------------------------------------------------


def test_it_limits_link_requests_per_address_and_email(client):
    for _ in range(allowed("link")):
        # Posts that are no email at all count too: the form cannot be hammered for free.
        assert client.post("/en/donor/link/", {"email": "not an email"}).status_code == 200
    too_many(client.post("/en/donor/link/", {"email": "NOT an email "}))
    other = Client(REMOTE_ADDR="10.0.0.4")
    assert other.post("/en/donor/link/", {"email": "not an email"}).status_code == 200


def test_donors_behind_one_shared_address_ask_for_their_links_apart(client):
    """A phone carrier's shared address: one donor's tries do not use up another's."""
    for _ in range(allowed("link")):
        client.post("/en/donor/link/", {"email": "ayu@example.org"})
    too_many(client.post("/en/donor/link/", {"email": "Ayu@Example.org"}))
    made = DonorFactory(email="made@example.org", language="id")
    response = Client().post("/id/donor/link/", {"email": "made@example.org"})
    assert response.status_code == 200
    assert Message.objects.filter(donor=made, kind="link").count() == 1


def test_one_address_has_a_looser_link_limit_whatever_the_emails(client, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "link_address": "3/h"}
    for n in range(3):
        response = client.post("/en/donor/link/", {"email": f"person{n}@example.org"})
        assert response.status_code == 200
    too_many(client.post("/en/donor/link/", {"email": "person9@example.org"}))
    assert Client(REMOTE_ADDR="10.0.0.5").post("/en/donor/link/", {}).status_code == 200


def test_the_looser_link_limit_lets_many_donors_of_one_carrier_through(db):
    """By default far more people than the per-email limit may ask from one address."""
    many = allowed("link") * 4
    assert many <= allowed("link_address")
    statuses = {
        Client(REMOTE_ADDR="10.0.9.9")
        .post("/en/donor/link/", {"email": f"donor{n}@example.org"})
        .status_code
        for n in range(many)
    }
    assert statuses == {200}


def test_it_limits_link_requests_per_email_from_any_address(db):
    donor = DonorFactory(email="made@example.org")
    for n in range(allowed("link_email")):
        response = Client(REMOTE_ADDR=f"10.0.1.{n}").post(
            "/en/donor/link/", {"email": "made@example.org"}
        )
        assert response.status_code == 200
    # The same address in capitals is the same inbox.
    response = Client(REMOTE_ADDR="10.0.2.1").post("/id/donor/link/", {"email": "MADE@example.org"})
    too_many(response, language="id")
    # One email an hour at most, however often the form was sent.
    assert Message.objects.filter(donor=donor, kind="link").count() == 1


def test_the_email_limit_does_not_tell_known_from_unknown_addresses(db):
    DonorFactory(email="known@example.org")
    for email in ("known@example.org", "unknown@example.org"):
        statuses = [
            Client(REMOTE_ADDR=f"10.0.3.{n}").post("/en/donor/link/", {"email": email}).status_code
            for n in range(allowed("link_email") + 1)
        ]
        assert statuses == [200] * allowed("link_email") + [429]


# --- private-link look-ups -------------------------------------------------------------------


def test_it_limits_token_lookups_per_address(client):
    for n in range(allowed("token")):
        assert client.get(f"/en/donor/guess-number-{n}/").status_code == 404
    # Past the limit even a right token waits: a guesser cannot tell a hit from a miss.
    token = DonorFactory().issue_link()
    too_many(client.get(f"/en/donor/{token}/"))
    too_many(client.get(f"/id/donor/{token}/"), language="id")
    assert Client(REMOTE_ADDR="10.0.0.5").get(f"/en/donor/{token}/").status_code == 302


def test_a_refused_link_is_not_written_to_the_log(client, caplog, settings):
    # django.request would log "Not Found: /en/donor/<token>/"; a link refused for the rate
    # limit may be a good one.
    settings.RATELIMITS = {**settings.RATELIMITS, "token": "1/h"}
    token = DonorFactory().issue_link()
    caplog.set_level(logging.DEBUG)
    assert client.get("/en/donor/unknown-link-abc/").status_code == 404
    assert client.get(f"/en/donor/{token}/").status_code == 429
    assert "unknown-link-abc" not in caplog.text
    assert token not in caplog.text
    assert "Private link refused (404)" in caplog.text
    assert "Private link refused (429)" in caplog.text


def test_donors_opening_their_own_links_from_one_address_are_not_limited(client):
    for _ in range(allowed("token") + 5):
        assert Client().get(f"/en/donor/{DonorFactory().issue_link()}/").status_code == 302
    # Guesses from the same address are still counted, and then every look-up waits.
    for n in range(allowed("token")):
        assert client.get(f"/en/donor/guess-{n}/").status_code == 404
    too_many(client.get(f"/en/donor/{DonorFactory().issue_link()}/"))


def test_the_token_window_is_ten_minutes(client, frozen):
    for n in range(allowed("token") + 1):
        client.get(f"/en/donor/guess-number-{n}/")
    frozen.shift(dt.timedelta(minutes=10))
    assert client.get("/en/donor/guess-again/").status_code == 404


# --- the client address, the switch and the settings ------------------------------------------


def test_it_counts_the_address_our_proxy_appended_only_when_told_to(settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "token": "2/h"}
    spoofed = {"HTTP_X_FORWARDED_FOR": "1.2.3.4, 10.9.9.9"}
    for n in range(2):
        Client(HTTP_X_FORWARDED_FOR=f"1.1.1.{n}, 10.9.9.9").get("/en/donor/guess/")
    # Without TRUSTED_PROXY_COUNT the header is the client's own invention: ignored.
    assert Client(**spoofed).get("/en/donor/guess/").status_code == 429

    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(2):
        assert Client(**spoofed).get("/en/donor/guess/").status_code == 404
    assert Client(**spoofed).get("/en/donor/guess/").status_code == 429
    # The visitor's own entries further left do not make a new client.
    other = {"HTTP_X_FORWARDED_FOR": "5.6.7.8, 10.9.9.9"}
    assert Client(**other).get("/en/donor/guess/").status_code == 429
    # Another client behind the same proxy is counted apart.
    apart = {"HTTP_X_FORWARDED_FOR": "1.2.3.4, 10.9.9.10"}
    assert Client(**apart).get("/en/donor/guess/").status_code == 404


def test_an_ipv6_subscriber_is_one_client():
    class Request:
        META = {"REMOTE_ADDR": "2001:db8:1:2:aaaa::1"}

    first = ratelimit.client_address(Request)
    Request.META = {"REMOTE_ADDR": "2001:db8:1:2:bbbb::9"}
    assert ratelimit.client_address(Request) == first == "2001:db8:1:2::/64"
    Request.META = {"REMOTE_ADDR": "::ffff:192.0.2.7"}
    assert ratelimit.client_address(Request) == "192.0.2.7"


def test_the_limits_can_be_switched_off(client, settings):
    settings.RATELIMIT_ENABLED = False
    for n in range(allowed("token") + 5):
        assert client.get(f"/en/donor/guess-{n}/").status_code == 404


def test_a_cache_that_is_down_lets_people_through(client, settings, monkeypatch):
    class Down:
        def add(self, *args, **kwargs):
            raise ConnectionError("Redis is down")

        incr = add

    monkeypatch.setattr(ratelimit, "cache", Down())
    settings.RATELIMITS = {**settings.RATELIMITS, "token": "1/h"}
    for n in range(3):
        assert client.get(f"/en/donor/guess-{n}/").status_code == 404


def test_the_counters_are_never_in_a_per_process_memory_cache():
    backend = django_settings.CACHES["default"]["BACKEND"]
    assert backend.rsplit(".", 1)[0] in {
        "django.core.cache.backends.db",
        "django.core.cache.backends.redis",
        "django_redis.cache",
    }


def test_the_cache_keys_hold_no_address_or_email():
    key = ratelimit.cache_key("link_email", "made@example.org")
    assert "made" not in key and "example" not in key
    assert ratelimit.cache_key("token", "127.0.0.1").count("127") == 0


@pytest.mark.parametrize(
    "rate, parsed",
    [("10/h", (10, 3600)), ("20/10m", (20, 600)), ("5/30s", (5, 30)), ("1/d", (1, 86400))],
)
def test_it_reads_a_limit(rate, parsed):
    assert ratelimit.parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["", "10", "ten/h", "10/w", "0/h", "10/0m", "-1/h"])
def test_it_refuses_a_limit_it_cannot_read(rate):
    with pytest.raises(ImproperlyConfigured):
        ratelimit.parse_rate(rate)


def test_the_configured_limits_are_all_readable():
    for scope in django_settings.RATELIMITS:
        assert ratelimit.rate_for(scope)
