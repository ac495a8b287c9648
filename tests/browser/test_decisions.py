"""A donor's decisions on their private page in a real browser, found by what the page says:
answering a situation update by moving to a person waiting, and returning a refund."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.months import month_start
from donations.models import DonorRequest, Sponsorship
from premiums import services
from premiums.models import Refund
from recipients.models import Occupation
from tests.factories import (
    PremiumRateFactory,
    RecipientFactory,
    RefundFactory,
    SituationUpdateFactory,
    SponsorshipFactory,
    StaffFactory,
)
from tests.helpers import pay

pytestmark = pytest.mark.browser


def test_a_donor_answers_a_situation_update_by_moving_to_a_waiting_person(page):
    PremiumRateFactory()
    staff = StaffFactory()
    today = timezone.localdate()
    sponsorship = SponsorshipFactory(recipient__nickname="Wayan", first_month=month_start(today))
    pay(sponsorship, by=staff)
    update = SituationUpdateFactory(
        recipient=sponsorship.recipient,
        kind="moved",
        happened_on=today,
        message="Wayan moved to Java.",
    )
    services.record_situation_update(update, by=staff)
    made = RecipientFactory(nickname="Made", occupation=Occupation.TRANSPORT_WORKER)

    page.goto(f"/en/donor/{sponsorship.donor.issue_link(days=90)}/")
    decision = page.locator(
        "section", has=page.get_by_role("heading", name="Your decision about Wayan")
    )
    expect(decision).to_contain_text("Wayan moved to Java.")
    decision.get_by_label("Move my sponsorship to another person").check()
    decision.get_by_label("Person waiting for a sponsor").select_option(label=str(made))
    decision.get_by_role("button", name="Send my decision").click()

    expect(page.get_by_text("Thank you: BCC received your decision.")).to_be_visible()
    expect(
        page.get_by_text("to move your sponsorship to Made. BCC is arranging it.")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Send my decision")).to_have_count(0)
    answer = DonorRequest.objects.get()
    assert (answer.kind, answer.new_recipient, answer.situation_update) == (
        DonorRequest.Kind.CHANGE_RECIPIENT,
        made,
        update,
    )
    sponsorship.refresh_from_db()
    assert sponsorship.state == Sponsorship.State.AWAITING_DECISION  # until staff carry it out


def test_a_donor_chooses_to_have_a_refund_returned(page):
    refund = RefundFactory(
        payment__sponsorship__recipient__nickname="Nyoman", unused_months=3, amount=50_400
    )

    page.goto(f"/en/donor/{refund.payment.sponsorship.donor.issue_link(days=90)}/")
    section = page.locator("section", has=page.get_by_role("heading", name="Refund for Nyoman"))
    expect(section).to_contain_text("BPJS refunds the premium of 3 unused months: Rp 50.400.")
    section.get_by_label("Return it to me").check()
    section.get_by_role("button", name="Send my choice").click()

    expect(page.get_by_text("Thank you: BCC received your choice for the refund.")).to_be_visible()
    expect(page.get_by_text("Return it to me.")).to_be_visible()
    expect(page.get_by_role("button", name="Send my choice")).to_have_count(0)
    refund.refresh_from_db()
    assert (refund.donor_choice, refund.state) == (Refund.Choice.RETURN, Refund.State.OWED)
