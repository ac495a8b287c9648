"""Whether a claim's day is covered is worked out from the payments as they stand when the claim
is shown (admin list, claim page, dashboard), never stored: a payment verified after the claim
was opened clears the "not covered" flag everywhere at once, and the lists stay in a constant
number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Claim
from donations.models import Sponsorship
from tests.claims.test_claims_dashboard import open_accident as open_accident_on
from tests.factories import PremiumPaymentFactory, RecipientFactory, SponsorshipFactory
from tests.helpers import admin_url, at, frozen_at, verify

NOW = at(2026, 10, 6, 10)
pytestmark = frozen_at(NOW)

NOT_COVERED = "No: no paid month covers that day."
COVERED = "Yes: the worker&#x27;s paid months include that day."


ACCIDENT = at(2026, 10, 5, 9)


def open_accident(recipient, when=ACCIDENT):
    return open_accident_on(recipient, when)


@pytest.fixture
def unpaid(standard_rate):
    """Wayan's sponsorship from September 2026: the payment is made but not verified yet."""
    sponsorship = SponsorshipFactory(
        recipient=RecipientFactory(nickname="Wayan"), first_month=dt.date(2026, 9, 1)
    )
    return PremiumPaymentFactory(sponsorship=sponsorship)


def listed(client, query=""):
    return list(client.get(admin_url(Claim, "changelist") + query).context["cl"].result_list)


def dashboard_claims(client) -> str:
    return client.get("/staff/").content.decode().split('id="open-claims"')[1].split("</ul>")[0]


def test_a_payment_verified_after_the_claim_clears_the_flag_everywhere(
    unpaid, coordinator_client, django_capture_on_commit_callbacks
):
    claim = open_accident(unpaid.sponsorship.recipient)
    assert claim.covered is False
    page = coordinator_client.get(admin_url(Claim, "change", claim.pk)).content.decode()
    assert NOT_COVERED in page
    assert [c.covered for c in listed(coordinator_client)] == [False]
    assert listed(coordinator_client, "?covered=no") == [claim]
    assert "Wayan" in dashboard_claims(coordinator_client)
    assert "not covered that day" in dashboard_claims(coordinator_client)

    # The dashboard's rows are cached until the program's data changes, on commit.
    with django_capture_on_commit_callbacks(execute=True):
        verify(unpaid)

    assert Claim.objects.get(pk=claim.pk).covered is True
    page = coordinator_client.get(admin_url(Claim, "change", claim.pk)).content.decode()
    assert COVERED in page
    assert NOT_COVERED not in page
    assert [c.covered for c in listed(coordinator_client)] == [True]
    assert listed(coordinator_client, "?covered=yes") == [claim]
    assert listed(coordinator_client, "?covered=no") == []
    section = dashboard_claims(coordinator_client)
    assert "Wayan" in section
    assert "not covered that day" not in section
    # The list sorts by it too (its fifth column), worked out in the same query.
    open_accident(RecipientFactory(nickname="Ketut"))
    assert [c.covered for c in listed(coordinator_client, "?o=-5")] == [True, False]
    assert [c.covered for c in listed(coordinator_client, "?o=5")] == [False, True]


def test_months_no_longer_paid_bring_the_flag_back(unpaid, coordinator_client):
    verify(unpaid)
    claim = open_accident(unpaid.sponsorship.recipient)
    assert claim.covered is True
    # The coverage worked out again without that payment (a payment reversed by staff).
    Sponsorship.objects.filter(pk=unpaid.sponsorship_id).update(covered_through=None)
    assert Claim.objects.with_coverage().get(pk=claim.pk).covered is False
    page = coordinator_client.get(admin_url(Claim, "change", claim.pk)).content.decode()
    assert NOT_COVERED in page


def test_a_claim_whose_day_changes_is_judged_again(unpaid):
    verify(unpaid)
    claim = open_accident(unpaid.sponsorship.recipient)
    assert claim.covered is True
    claim.accident_at = at(2026, 8, 20, 9)  # before the first paid month
    claim.save()
    assert claim.covered is False


def test_the_admin_list_takes_the_same_queries_for_one_claim_or_many(coordinator_client):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert coordinator_client.get(admin_url(Claim, "changelist")).status_code == 200
        return len(captured)

    verified = SponsorshipFactory(first_month=dt.date(2026, 9, 1))
    verify(PremiumPaymentFactory(sponsorship=verified))
    open_accident(verified.recipient)
    small = queries()
    for _i in range(6):
        sponsorship = SponsorshipFactory(first_month=dt.date(2026, 9, 1))
        verify(PremiumPaymentFactory(sponsorship=sponsorship))
        open_accident(sponsorship.recipient)
        open_accident(RecipientFactory())  # never paid
    assert [c.covered for c in listed(coordinator_client)].count(False) == 6
    assert queries() == small
