"""Situation updates: the recipient leaves the list, the donors decide, a death owes refunds."""

import datetime as dt

import pytest
from django.urls import reverse

from donations.mail import render_message
from donations.models import Donor, Message, Sponsorship, needing_sponsor
from premiums import services
from premiums.models import PaymentEvidence, PremiumRate, Refund
from recipients.models import Recipient, SituationUpdate
from tests.factories import (
    PaymentEvidenceFactory,
    PremiumPaymentFactory,
    PremiumRateFactory,
    RecipientFactory,
    SituationUpdateFactory,
    SponsorshipFactory,
)
from tests.helpers import at, frozen_at, pay

D = dt.date
NOW = at(2026, 6, 20, 10, 0)
DIED = D(2026, 6, 10)
pytestmark = frozen_at(NOW)


@pytest.fixture
def sponsored(standard_rate, staff):
    """Wayan, sponsored from January 2026 and paid for two years in advance."""
    sponsorship = SponsorshipFactory(recipient__nickname="Wayan", months_pledged=24)
    pay(sponsorship, staff, months=24)
    return sponsorship


def news(sponsorship, kind=SituationUpdate.Kind.DECEASED, happened_on=DIED, **kwargs):
    return SituationUpdateFactory(
        recipient=sponsorship.recipient,
        kind=kind,
        happened_on=happened_on,
        message="We are sorry to tell you that Wayan passed away.",
        **kwargs,
    )


def situation_messages():
    return Message.objects.filter(kind=Message.Kind.SITUATION_UPDATE)


def refund_messages():
    return Message.objects.filter(kind=Message.Kind.REFUND)


# --- the recipient ---------------------------------------------------------------------------


def test_it_records_the_death_of_the_recipient(sponsored, staff):
    services.record_situation_update(news(sponsored), by=staff)

    recipient = Recipient.objects.get(pk=sponsored.recipient_id)
    assert (recipient.status, recipient.deceased_on) == ("deceased", DIED)
    assert recipient.history.first().history_user == staff
    assert not needing_sponsor().filter(pk=recipient.pk).exists()


@pytest.mark.parametrize("kind", ["finances_improved", "moved", "declined"])
def test_it_takes_a_recipient_no_longer_suitable_off_the_list(sponsored, staff, kind):
    services.record_situation_update(news(sponsored, kind=kind), by=staff)

    recipient = Recipient.objects.get(pk=sponsored.recipient_id)
    assert (recipient.status, recipient.deceased_on) == ("inactive", None)
    assert not Recipient.objects.public().filter(pk=recipient.pk).exists()


def test_it_leaves_the_status_to_staff_for_other_news(sponsored, staff):
    services.record_situation_update(news(sponsored, kind="other"), by=staff)

    assert Recipient.objects.get(pk=sponsored.recipient_id).status == "eligible"
    # The donor is still asked: the news may change their mind.
    assert situation_messages().count() == 1


def test_it_keeps_a_death_recorded_whatever_comes_later(sponsored, staff):
    services.record_situation_update(news(sponsored), by=staff)
    services.record_situation_update(
        news(sponsored, kind="moved", happened_on=NOW.date()), by=staff
    )

    recipient = Recipient.objects.get(pk=sponsored.recipient_id)
    assert (recipient.status, recipient.deceased_on) == ("deceased", DIED)


def test_it_records_who_recorded_the_update(sponsored, staff):
    update = news(sponsored)
    services.record_situation_update(update, by=staff)
    assert update.recorded_by == staff


# --- the donors ------------------------------------------------------------------------------


def test_it_asks_the_donor_to_decide(sponsored, staff):
    outcome = services.record_situation_update(news(sponsored), by=staff)

    sponsored.refresh_from_db()
    assert sponsored.state == "awaiting_decision"
    assert sponsored.decision_requested_at == NOW
    assert sponsored.history.first().history_user == staff
    assert outcome.asked == [sponsored]


def test_it_tells_the_donor_with_the_options(sponsored, staff):
    update = news(sponsored, kind="finances_improved")
    services.record_situation_update(update, by=staff)

    message = situation_messages().get()
    assert (message.donor, message.sponsorship) == (sponsored.donor, sponsored)
    assert message.key == f"situation_update:{update.pk}:{sponsored.pk}"
    assert message.context == {
        "update_id": update.pk,
        "kind": "finances_improved",
        "message": "We are sorry to tell you that Wayan passed away.",
    }
    assert message.status == "queued"
    subject, text, html = render_message(message, "https://bcc.example/donor/x/")
    assert "Wayan" in text
    assert "Finances improved" in text
    assert "change it to another person who is waiting for a sponsor" in text


def test_it_asks_only_donors_whose_sponsorship_holds_the_recipient(sponsored, staff):
    ended = SponsorshipFactory(
        recipient=sponsored.recipient, state=Sponsorship.State.STOPPED, months_pledged=12
    )
    services.record_situation_update(news(sponsored, kind="moved"), by=staff)

    ended.refresh_from_db()
    assert ended.state == "stopped"
    assert list(situation_messages().values_list("sponsorship", flat=True)) == [sponsored.pk]


def test_it_records_a_lapse_instead_of_asking(standard_rate, staff):
    gone = SponsorshipFactory(
        state=Sponsorship.State.ACTIVE, covered_through=D(2026, 1, 1), lapses_on=D(2026, 5, 1)
    )
    services.record_situation_update(news(gone, kind="moved"), by=staff)

    gone.refresh_from_db()
    assert gone.state == "lapsed"
    assert not situation_messages().exists()
    assert Message.objects.get().kind == "lapsed"


def test_it_asks_the_donor_of_a_pledge_not_yet_paid(standard_rate, staff):
    pledge = SponsorshipFactory(first_month=D(2026, 7, 1))
    PremiumPaymentFactory(sponsorship=pledge)
    services.record_situation_update(news(pledge, kind="declined"), by=staff)

    pledge.refresh_from_db()
    assert pledge.state == "awaiting_decision"
    assert situation_messages().count() == 1
    assert not Refund.objects.exists()


def test_it_only_changes_the_status_when_nobody_sponsors(standard_rate, staff):
    recipient = RecipientFactory()
    update = SituationUpdateFactory(recipient=recipient, kind="moved")
    outcome = services.record_situation_update(update, by=staff)

    recipient.refresh_from_db()
    assert recipient.status == "inactive"
    assert (outcome.asked, outcome.refunds) == ([], [])
    assert not Message.objects.exists()


def test_the_donor_leaves_the_active_list_while_deciding(sponsored, staff):
    assert Donor.objects.active_on(NOW.date()).filter(pk=sponsored.donor_id).exists()
    services.record_situation_update(news(sponsored), by=staff)
    assert not Donor.objects.active_on(NOW.date()).filter(pk=sponsored.donor_id).exists()


# --- refunds after a death -------------------------------------------------------------------


def test_it_owes_the_months_after_the_month_of_death(sponsored, staff):
    outcome = services.record_situation_update(news(sponsored), by=staff)

    refund = Refund.objects.get()
    # Paid January 2026 – December 2027; died in June 2026: July 2026 – December 2027 unused.
    assert refund.payment == sponsored.payments.get()
    assert (refund.unused_months, refund.amount, refund.state) == (18, 18 * 16_800, "owed")
    assert refund.history.first().history_user == staff
    assert outcome.refunds == [refund]
    assert outcome.refund_total == 302_400


def test_it_tells_the_donor_about_the_refund(sponsored, staff):
    services.record_situation_update(news(sponsored), by=staff)

    message = refund_messages().get()
    assert (message.donor, message.sponsorship) == (sponsored.donor, sponsored)
    assert message.key == f"refund:{sponsored.pk}"
    assert message.context == {"amount": 302_400, "months": 18}
    subject, text, html = render_message(message, "https://bcc.example/donor/x/")
    assert "18 months you paid for were not used: the refund is Rp 302.400." in " ".join(
        text.split()
    )


def test_it_refunds_each_month_at_the_rate_paid_not_todays(sponsored, staff):
    # PP 50/2025 entered after the donor paid the full premium: half the premium from April to
    # December 2026. The donor paid Rp 16.800 for each of those months: that is what returns.
    PremiumRateFactory(first_month=D(2026, 4, 1), last_month=D(2026, 12, 1), jkk=5_000, jkm=3_400)
    services.record_situation_update(news(sponsored), by=staff)

    refund = Refund.objects.get()
    assert (refund.unused_months, refund.amount) == (18, 18 * 16_800)


def test_it_refunds_at_the_month_prices_the_payment_was_quoted(sponsored, staff):
    payment = sponsored.payments.get()
    # Quoted month by month when the reduced rate was in force for its first nine months.
    payment.monthly_amounts = [8_400] * 9 + [16_800] * (payment.months - 9)
    payment.amount = sum(payment.monthly_amounts)
    payment.save()
    services.record_situation_update(news(sponsored), by=staff)

    refund = Refund.objects.get()
    unused = payment.monthly_amounts[-18:]
    assert (refund.unused_months, refund.amount) == (18, sum(unused))


def test_it_owes_one_refund_per_payment(standard_rate, staff):
    sponsorship = SponsorshipFactory()
    first = pay(sponsorship, staff)
    second = pay(sponsorship, staff, first_month=D(2027, 1, 1))
    services.record_situation_update(news(sponsorship), by=staff)

    refunds = {r.payment: (r.unused_months, r.amount) for r in Refund.objects.all()}
    assert refunds == {first: (6, 6 * 16_800), second: (12, 12 * 16_800)}
    # One message for the donor, with the total.
    assert refund_messages().get().context == {"amount": 18 * 16_800, "months": 18}


def test_it_refunds_only_verified_payments(standard_rate, staff):
    sponsorship = SponsorshipFactory()
    pay(sponsorship, staff)
    pending = PremiumPaymentFactory(sponsorship=sponsorship, first_month=D(2027, 1, 1))
    PaymentEvidenceFactory(payment=pending)
    services.record_situation_update(news(sponsorship), by=staff)

    assert list(Refund.objects.values_list("payment", "unused_months")) == [
        (sponsorship.payments.get(status="verified").pk, 6)
    ]
    assert PaymentEvidence.objects.filter(payment=pending, status="pending").exists()


def test_it_owes_nothing_for_months_before_the_death(standard_rate, staff):
    sponsorship = SponsorshipFactory()
    pay(sponsorship, staff)
    services.record_situation_update(news(sponsorship, happened_on=D(2026, 12, 28)), by=staff)

    assert not Refund.objects.exists()
    assert not refund_messages().exists()
    assert situation_messages().count() == 1


def test_it_refunds_a_donor_who_had_already_stopped(standard_rate, staff):
    stopped = SponsorshipFactory()
    pay(stopped, staff)
    Sponsorship.objects.filter(pk=stopped.pk).update(state=Sponsorship.State.STOPPED)
    services.record_situation_update(news(stopped), by=staff)

    assert Refund.objects.get().unused_months == 6
    # Their money comes back, but there is nothing left for them to decide.
    assert refund_messages().get().sponsorship == stopped
    assert not situation_messages().exists()


def test_it_records_an_update_only_once(sponsored, staff, frozen):
    update = news(sponsored)
    services.record_situation_update(update, by=staff)

    frozen.shift(dt.timedelta(days=1))
    outcome = services.record_situation_update(update, by=staff)

    sponsored.refresh_from_db()
    assert sponsored.decision_requested_at == NOW
    assert Refund.objects.count() == 1
    assert situation_messages().count() == 1
    assert refund_messages().count() == 1
    assert (outcome.asked, outcome.refunds) == ([], [])


def test_a_second_death_record_owes_nothing_more(sponsored, staff):
    services.record_situation_update(news(sponsored), by=staff)
    services.record_situation_update(news(sponsored), by=staff)

    assert Refund.objects.count() == 1
    assert refund_messages().count() == 1
    # Both pieces of news reached the donor.
    assert situation_messages().count() == 2


# --- the admin form --------------------------------------------------------------------------


def add_url():
    return reverse("admin:recipients_situationupdate_add")


def form(sponsorship, **data):
    return {
        "recipient": sponsorship.recipient_id,
        "kind": "deceased",
        "happened_on": "2026-06-10",
        "message": "Wayan passed away.",
        "notes": "",
        **data,
    }


def test_it_tells_the_donors_when_staff_save_a_new_update(admin_client, admin_user, sponsored):
    response = admin_client.post(add_url(), form(sponsored), follow=True)

    content = response.content.decode()
    assert "1 donor was told and asked to decide." in content
    assert "1 refund of Rp 302.400 is owed by BPJS." in content
    update = SituationUpdate.objects.get()
    assert update.recorded_by == admin_user
    sponsored.refresh_from_db()
    assert sponsored.state == "awaiting_decision"
    assert Recipient.objects.get(pk=sponsored.recipient_id).status == "deceased"
    assert Refund.objects.count() == 1
    assert situation_messages().get().context["update_id"] == update.pk


def test_it_refuses_a_date_of_death_in_the_future(admin_client, sponsored):
    response = admin_client.post(add_url(), form(sponsored, happened_on="2026-07-01"))

    assert response.status_code == 200
    assert "The date of death cannot be in the future." in response.content.decode()
    assert not SituationUpdate.objects.exists()


def test_a_death_is_priced_at_the_rate_paid_even_where_the_table_has_a_gap(admin_client, sponsored):
    # Paid through 2027, the table stops in 2026: the refund needs only what was paid.
    PremiumRate.objects.update(last_month=D(2026, 12, 1))
    response = admin_client.post(add_url(), form(sponsored))

    assert response.status_code == 302
    assert SituationUpdate.objects.count() == 1
    assert Refund.objects.get().amount == Refund.objects.get().unused_months * 16_800


def test_editing_an_update_tells_nobody_again(admin_client, sponsored, staff):
    update = news(sponsored, kind="moved", happened_on=D(2026, 6, 1))
    services.record_situation_update(update, by=staff)
    change = reverse("admin:recipients_situationupdate_change", args=[update.pk])

    content = admin_client.get(change).content.decode()
    assert 'name="kind"' not in content
    assert 'name="notes"' in content
    response = admin_client.post(change, {"notes": "Phoned the family."})

    assert response.status_code == 302
    update.refresh_from_db()
    assert (update.kind, update.notes) == ("moved", "Phoned the family.")
    assert situation_messages().count() == 1
