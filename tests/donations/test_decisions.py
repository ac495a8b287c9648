"""A donor's decisions on their private page, not by replying to an email: the answer to a
situation update (stop, or move to a person waiting) and what becomes of a refund. Each is made
once, survives a double submit, is refused for another donor, and reaches staff's queue."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages

from donations.models import DonorRequest, Sponsorship
from premiums import services
from premiums.models import PremiumPayment, Refund
from recipients.models import Occupation
from tests.factories import (
    DonorFactory,
    RecipientFactory,
    RefundFactory,
    SituationUpdateFactory,
    SponsorshipFactory,
)
from tests.helpers import admin_action, admin_url, at, client_of, frozen_at, pay
from tests.test_dashboard import queues as dashboard_queues

D = dt.date
NOW = at(2026, 6, 20, 10, 0)
pytestmark = frozen_at(NOW)


@pytest.fixture
def asked(standard_rate, staff):
    """Wayan's sponsorship, paid through December 2026; Wayan has moved away, and the donor is
    asked to decide."""
    sponsorship = SponsorshipFactory(
        recipient__nickname="Wayan",
        first_month=D(2026, 1, 1),
        months_pledged=12,
    )
    pay(sponsorship, by=staff)
    update = SituationUpdateFactory(
        recipient=sponsorship.recipient,
        kind="moved",
        happened_on=NOW.date(),
        message="Wayan moved to Java.",
    )
    services.record_situation_update(update, by=staff)
    sponsorship.refresh_from_db()
    assert sponsorship.state == Sponsorship.State.AWAITING_DECISION
    sponsorship.update = update
    return sponsorship


@pytest.fixture
def waiting(db):
    return RecipientFactory(nickname="Made", occupation=Occupation.TRANSPORT_WORKER)


def url(sponsorship):
    return f"/en/donor/sponsorships/{sponsorship.pk}/decision/"


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def move_to(person):
    return {"kind": "change_recipient", "new_recipient": person.pk, "message": ""}


# --- a situation update ----------------------------------------------------------------------


def test_it_shows_the_update_and_the_choice_on_the_private_page(asked, waiting):
    page = client_of(asked.donor).get("/en/donor/").content.decode()
    assert "Your decision about Wayan" in page
    assert "Moved or unreachable: Wayan moved to Java." in page
    assert "Move my sponsorship to another person" in page
    assert f'<option value="{waiting.pk}">' in page
    assert "Send my decision" in page


def test_it_records_a_move_to_a_waiting_person_once(asked, waiting):
    client = client_of(asked.donor)
    first = client.post(url(asked), move_to(waiting))
    assert first.status_code == 302
    assert first["Location"] == f"/en/donor/#sponsorship-{asked.pk}"
    assert said(first) == ["Thank you: BCC received your decision."]
    # Sent twice, and then changed in another tab: the first answer stands.
    again = client.post(url(asked), move_to(waiting))
    assert said(again)[-1] == "BCC already has your decision; it is being handled."
    client.post(url(asked), {"kind": "stop"})

    answer = DonorRequest.objects.get()
    assert (answer.sponsorship, answer.kind, answer.new_recipient) == (
        asked,
        DonorRequest.Kind.CHANGE_RECIPIENT,
        waiting,
    )
    assert (answer.situation_update, answer.status, answer.created_at) == (
        asked.update,
        DonorRequest.Status.OPEN,
        NOW,
    )
    asked.refresh_from_db()
    assert asked.state == Sponsorship.State.AWAITING_DECISION  # staff carry it out
    page = client.get("/en/donor/").content.decode()
    assert "You decided on 20 Jun 2026 to move your sponsorship to Made." in page
    assert "Send my decision" not in page


def test_staff_see_the_decision_and_carry_it_out_with_the_change_rules(
    asked, waiting, staff_client, staff
):
    client_of(asked.donor).post(url(asked), move_to(waiting))
    queues = dashboard_queues(staff_client.get("/staff/"))
    assert queues["decisions"].count == 1
    listed = staff_client.get(queues["decisions"].url).context["cl"].result_list
    answer = DonorRequest.objects.get()
    assert [r.pk for r in listed] == [answer.pk]

    admin_action(staff_client, DonorRequest, "carry_out_selected", [answer])

    asked.refresh_from_db()
    assert asked.state == Sponsorship.State.STOPPED
    new = asked.replaced_by
    assert (new.recipient, new.donor, new.state) == (waiting, asked.donor, "pledged")
    # After Wayan's paid months? No: Made has none, so from next month, priced from the table.
    assert new.first_month == D(2026, 7, 1)
    assert PremiumPayment.objects.get(sponsorship=new).amount == 201_600
    assert staff_client.get("/staff/").context["queue_groups"]  # still renders
    answer.refresh_from_db()
    assert answer.status == DonorRequest.Status.DONE


def test_it_records_a_stop(asked):
    client_of(asked.donor).post(url(asked), {"kind": "stop"})
    answer = DonorRequest.objects.get()
    assert (answer.kind, answer.new_recipient, answer.situation_update) == (
        "stop",
        None,
        asked.update,
    )


@pytest.mark.parametrize(
    "language, error",
    [
        ("en", "Choose the person you would like to sponsor."),
        ("id", "Pilih orang yang ingin Anda sponsori."),
    ],
)
def test_a_move_needs_a_person(asked, language, error):
    client = client_of(asked.donor)
    response = client.post(
        f"/{language}/donor/sponsorships/{asked.pk}/decision/", {"kind": "change_recipient"}
    )
    assert error in said(response)
    assert not DonorRequest.objects.exists()


def test_it_refuses_a_person_who_is_not_waiting(asked):
    sponsored = SponsorshipFactory().recipient
    response = client_of(asked.donor).post(url(asked), move_to(sponsored))
    assert any("Select a valid choice" in m or "Pilih" in m for m in said(response))
    assert not DonorRequest.objects.exists()


def test_it_is_refused_for_another_donors_sponsorship(asked, waiting):
    response = client_of(DonorFactory()).post(url(asked), move_to(waiting))
    assert response.status_code == 404
    assert not DonorRequest.objects.exists()


def test_it_is_refused_when_bcc_is_not_waiting_for_a_decision(standard_rate, waiting):
    sponsorship = SponsorshipFactory(state=Sponsorship.State.ACTIVE)
    response = client_of(sponsorship.donor).post(url(sponsorship), move_to(waiting))
    assert response.status_code == 404
    assert not DonorRequest.objects.exists()


def test_it_is_rate_limited_per_donor(asked, waiting, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "donor_form": "1/h"}
    client = client_of(asked.donor)
    client.post(url(asked), {"kind": "nonsense"})
    assert client.post(url(asked), move_to(waiting)).status_code == 429
    assert not DonorRequest.objects.exists()


# --- a refund --------------------------------------------------------------------------------


@pytest.fixture
def refund(db):
    return RefundFactory(
        payment__sponsorship__recipient__nickname="Nyoman", unused_months=3, amount=50_400
    )


def choose(client, refund, choice, language="en"):
    return client.post(f"/{language}/donor/refunds/{refund.pk}/choice/", {"choice": choice})


def test_the_private_page_offers_the_choice(refund):
    page = client_of(refund.payment.sponsorship.donor).get("/en/donor/").content.decode()
    assert "Refund for Nyoman" in page
    assert "BPJS refunds the premium of 3 unused months: Rp 50.400." in page
    assert "Return it to me" in page
    assert "Use it for another worker waiting for a sponsor" in page


def test_the_donor_chooses_once(refund):
    client = client_of(refund.payment.sponsorship.donor)
    first = choose(client, refund, "return")
    assert first["Location"] == f"/en/donor/#refund-{refund.pk}"
    assert said(first) == ["Thank you: BCC received your choice for the refund."]
    again = choose(client, refund, "reallocate")
    assert said(again)[-1] == "You have already chosen what becomes of this refund."
    refund.refresh_from_db()
    assert (refund.donor_choice, refund.donor_chose_at) == ("return", NOW)
    assert refund.state == Refund.State.OWED  # staff return it when BPJS has paid
    page = client.get("/en/donor/").content.decode()
    assert "Your choice of 20 Jun 2026: Return it to me." in page
    assert "Send my choice" not in page


def test_a_settled_refund_is_not_chosen_again(refund):
    Refund.objects.filter(pk=refund.pk).update(state=Refund.State.RETURNED)
    response = choose(client_of(refund.payment.sponsorship.donor), refund, "reallocate")
    assert said(response) == ["This refund was already settled."]
    refund.refresh_from_db()
    assert refund.donor_choice == ""


@pytest.mark.parametrize(
    "language, error",
    [
        ("en", "Select a valid choice. keep is not one of the available choices."),
        ("id", "Masukkan pilihan yang valid. keep bukan salah satu dari pilihan yang tersedia."),
    ],
)
def test_an_unknown_choice_is_refused(refund, language, error):
    response = choose(client_of(refund.payment.sponsorship.donor), refund, "keep", language)
    assert said(response) == [error]
    refund.refresh_from_db()
    assert refund.donor_choice == ""


def test_it_is_refused_for_another_donors_refund(refund):
    response = choose(client_of(DonorFactory()), refund, "return")
    assert response.status_code == 404
    refund.refresh_from_db()
    assert refund.donor_choice == ""


def test_staff_see_the_choice_in_the_refunds_queue(refund, staff_client):
    choose(client_of(refund.payment.sponsorship.donor), refund, "reallocate")
    queues = dashboard_queues(staff_client.get("/staff/"))
    assert (queues["refunds"].count, queues["refunds"].detail) == (
        1,
        "1 with the donor's decision waiting",
    )
    decided = staff_client.get(admin_url(Refund, "changelist") + "?decision_waiting=yes")
    assert [r.pk for r in decided.context["cl"].result_list] == [refund.pk]
    assert "Use it for another worker waiting for a sponsor" in decided.content.decode()


def test_the_refund_keeps_what_bpjs_refunded_and_the_payment_it_paid_for(refund, staff_client):
    other = PremiumPayment.objects.create(
        # Another worker the same donor sponsors: their consent covers their own money only.
        sponsorship=SponsorshipFactory(donor=refund.payment.sponsorship.donor),
        first_month=D(2026, 7, 1),
        months=3,
        amount=50_400,
        channel="direct",
    )
    response = staff_client.post(
        admin_url(Refund, "change", refund.pk),
        {"amount": 50_400, "bpjs_refunded": 48_000, "reallocated_to": other.pk, "notes": ""},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    refund.refresh_from_db()
    assert (refund.bpjs_refunded, refund.reallocated_to) == (48_000, other)
    page = staff_client.get(admin_url(Refund, "change", refund.pk)).content.decode()
    assert "Amount BPJS refunded (Rupiah)" in page
    assert admin_url(PremiumPayment, "change", other.pk) in page
