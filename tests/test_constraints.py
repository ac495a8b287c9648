"""The database itself refuses rows the program's rules forbid, whatever code writes them.

Each forbidden write runs in its own atomic block, so that the failed statement does not
break the test's transaction on PostgreSQL.
"""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from donations.models import Sponsorship
from premiums.models import PremiumPayment
from tests.factories import (
    BpjsCardFactory,
    DonorAccessTokenFactory,
    DonorRequestFactory,
    MessageFactory,
    PaymentEvidenceFactory,
    PremiumPaymentFactory,
    PremiumRateFactory,
    RecipientFactory,
    RefundFactory,
    SponsorshipFactory,
)

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="exclusion constraints are PostgreSQL only"
)


def refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


@pytest.mark.parametrize("months", [0, 1, 11])
def test_it_refuses_a_pledge_shorter_than_a_year(db, months):
    refused(lambda: SponsorshipFactory(months_pledged=months))


def test_it_accepts_a_pledge_of_a_year(db):
    assert SponsorshipFactory(months_pledged=12).pk


def test_it_refuses_a_payment_of_no_months(db):
    payment = PremiumPaymentFactory()
    # save() cannot even compute the last month of an empty period; an UPDATE bypasses it.
    refused(lambda: PremiumPayment.objects.filter(pk=payment.pk).update(months=0))


def test_it_refuses_a_payment_of_no_money(db):
    refused(lambda: PremiumPaymentFactory(amount=0))


def test_it_refuses_a_payment_ending_before_it_starts(db):
    payment = PremiumPaymentFactory()
    refused(
        lambda: PremiumPayment.objects.filter(pk=payment.pk).update(last_month=dt.date(2025, 1, 1))
    )


def test_it_refuses_a_paypal_amount_of_zero(db):
    refused(lambda: PremiumPaymentFactory(paypal_amount=0, paypal_currency="EUR"))


def test_it_refuses_a_refund_of_no_money(db):
    refused(lambda: RefundFactory(amount=0))


def test_it_refuses_a_refund_of_no_months(db):
    refused(lambda: RefundFactory(unused_months=0))


def test_it_refuses_a_participant_number_twice(db):
    BpjsCardFactory(participant_number="24071403791")
    refused(lambda: BpjsCardFactory(participant_number="24071403791"))


def test_it_refuses_a_second_card_for_one_recipient(db):
    card = BpjsCardFactory()
    refused(lambda: BpjsCardFactory(recipient=card.recipient))


def test_it_refuses_a_paypal_transaction_twice(db):
    PremiumPaymentFactory(paypal_transaction_id="9XK42817LM5530412")
    refused(lambda: PremiumPaymentFactory(paypal_transaction_id="9XK42817LM5530412"))


def test_it_stores_missing_paypal_transactions_as_null(db):
    first = PremiumPaymentFactory(paypal_transaction_id="")
    second = PremiumPaymentFactory(paypal_transaction_id="")
    ids = PremiumPayment.objects.filter(pk__in=[first.pk, second.pk]).values_list(
        "paypal_transaction_id", flat=True
    )
    assert list(ids) == [None, None]


LIVE = ["pledged", "active", "awaiting_decision"]


@pytest.mark.parametrize("existing", LIVE)
@pytest.mark.parametrize("new", LIVE)
def test_it_refuses_two_live_sponsorships_for_one_recipient(db, existing, new):
    first = SponsorshipFactory(state=existing)
    refused(lambda: SponsorshipFactory(recipient=first.recipient, state=new))


@pytest.mark.parametrize("ended", ["stopped", "lapsed"])
def test_it_accepts_a_new_sponsorship_after_one_ended(db, ended):
    old = SponsorshipFactory(state=ended)
    SponsorshipFactory(recipient=old.recipient, state="stopped")
    new = SponsorshipFactory(recipient=old.recipient, state="pledged")
    assert Sponsorship.objects.filter(recipient=new.recipient).count() == 3


def test_it_refuses_to_revive_a_second_sponsorship(db):
    live = SponsorshipFactory(state="active")
    stopped = SponsorshipFactory(recipient=live.recipient, state="stopped")
    refused(lambda: Sponsorship.objects.filter(pk=stopped.pk).update(state="pledged"))


def test_it_refuses_a_rate_of_nothing(db):
    refused(lambda: PremiumRateFactory(jkk=0, jkm=0))


def test_it_accepts_a_rate_with_one_part_only(db):
    assert PremiumRateFactory(jkk=0, jkm=6_800).monthly == 6_800


def test_it_refuses_a_rate_ending_before_it_starts(db):
    refused(
        lambda: PremiumRateFactory(first_month=dt.date(2026, 4, 1), last_month=dt.date(2026, 3, 1))
    )


def test_it_accepts_a_rate_of_a_single_month(db):
    assert PremiumRateFactory(first_month=dt.date(2026, 4, 1), last_month=dt.date(2026, 4, 1))


def test_it_refuses_a_deceased_recipient_without_a_date(db):
    refused(lambda: RecipientFactory(status="deceased", deceased_on=None))


def test_it_accepts_a_deceased_recipient_with_a_date(db):
    assert RecipientFactory(status="deceased", deceased_on=dt.date(2026, 10, 9)).pk


def test_it_refuses_rejected_evidence_without_a_reason(db):
    refused(lambda: PaymentEvidenceFactory(status="rejected", rejection_reason=""))


def test_it_accepts_rejected_evidence_with_a_reason(db):
    assert PaymentEvidenceFactory(status="rejected", rejection_reason="Unreadable photo.").pk


def test_it_refuses_a_change_of_recipient_carried_out_without_one(db):
    refused(lambda: DonorRequestFactory(kind="change_recipient", status="done", new_recipient=None))


def test_it_refuses_a_message_key_twice(db):
    MessageFactory(key="evidence_verified:1")
    refused(lambda: MessageFactory(key="evidence_verified:1"))


def test_it_refuses_a_link_hash_twice(db):
    token = DonorAccessTokenFactory()
    refused(lambda: DonorAccessTokenFactory(token_hash=token.token_hash))


@postgresql_only
def test_it_refuses_overlapping_payments_of_one_sponsorship(db):
    first = PremiumPaymentFactory(first_month=dt.date(2026, 1, 1), months=12)
    refused(
        lambda: PremiumPaymentFactory(
            sponsorship=first.sponsorship, first_month=dt.date(2026, 12, 1), months=12
        )
    )


@postgresql_only
@pytest.mark.parametrize("status", ["pending", "verified"])
def test_it_refuses_an_overlap_whatever_the_status(db, status):
    first = PremiumPaymentFactory(status="cancelled")
    second = PremiumPaymentFactory(sponsorship=first.sponsorship, status=status)
    refused(lambda: PremiumPayment.objects.filter(pk=first.pk).update(status="pending"))
    assert second.pk


@postgresql_only
def test_it_accepts_a_cancelled_overlapping_payment(db):
    first = PremiumPaymentFactory(first_month=dt.date(2026, 1, 1), months=12)
    cancelled = PremiumPaymentFactory(
        sponsorship=first.sponsorship,
        first_month=dt.date(2026, 6, 1),
        months=12,
        status="cancelled",
    )
    assert cancelled.pk


@postgresql_only
def test_it_accepts_payments_that_follow_each_other(db):
    first = PremiumPaymentFactory(first_month=dt.date(2026, 1, 1), months=12)
    next_one = PremiumPaymentFactory(
        sponsorship=first.sponsorship, first_month=dt.date(2027, 1, 1), months=12
    )
    assert next_one.last_month == dt.date(2027, 12, 1)


@postgresql_only
def test_it_accepts_the_same_months_for_another_sponsorship(db):
    PremiumPaymentFactory(first_month=dt.date(2026, 1, 1), months=12)
    assert PremiumPaymentFactory(first_month=dt.date(2026, 1, 1), months=12).pk
