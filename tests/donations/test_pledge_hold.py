"""A pledge holds its worker for PLEDGE_HOLD_DAYS (14) until evidence arrives.

A name typed into the public form must not empty the waiting list: without evidence, the worker
is listed again after the hold (decided when the page is read), the nightly command records
the expiry and tells the donor in their language, and evidence that comes later still reaches
BCC staff, who decide.
"""

import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from donations.mail import send_queued
from donations.models import Message, Sponsorship, needing_sponsor
from premiums.models import PaymentEvidence
from tests.factories import RecipientFactory
from tests.helpers import at, client_of, pledge_form, send_evidence

PLEDGED = at(2026, 11, 2, 10, 0)


@pytest.fixture
def pledged(client, standard_rate):
    wayan = RecipientFactory(nickname="Wayan")
    with time_machine.travel(PLEDGED, tick=False):
        response = client.post(
            f"/en/recipients/{wayan.pk}/sponsor/",
            pledge_form(first_month="2026-12-01", language="id", email="ayu@example.org"),
        )
    assert response.status_code == 302
    return Sponsorship.objects.get(recipient=wayan)


def listed(client):
    return "Wayan" in client.get("/en/recipients/").content.decode()


def lapse_command():
    out = io.StringIO()
    call_command("lapse_sponsorships", stdout=out)
    return out.getvalue().strip()


def test_the_worker_is_listed_again_after_the_hold(client, pledged):
    with time_machine.travel(at(2026, 11, 16, 23, 0), tick=False):  # 14 full days after
        assert not listed(client)
    with time_machine.travel(at(2026, 11, 17, 0, 30), tick=False):
        assert listed(client)  # before any command ran: decided at read time
        assert pledged.recipient in needing_sponsor()


def test_the_command_records_the_expiry_once_and_tells_the_donor_in_their_language(pledged):
    with time_machine.travel(at(2026, 11, 17, 0, 15), tick=False):
        assert lapse_command() == "recorded 0 lapses, 1 expired pledges"
        assert lapse_command() == "recorded 0 lapses, 0 expired pledges"
        mail.outbox.clear()
        send_queued()
    pledged.refresh_from_db()
    assert pledged.state == Sponsorship.State.LAPSED
    assert pledged.end_reason == Sponsorship.EXPIRY_REASON
    assert Message.objects.filter(kind="pledge_expired").count() == 1
    # The pledge's own email, queued when it was made, goes out too; then the expiry's.
    subjects = [m.subject for m in mail.outbox if m.to == ["ayu@example.org"]]
    assert subjects.count("Janji Anda untuk Wayan telah berakhir") == 1
    [email] = [m for m in mail.outbox if m.subject == "Janji Anda untuk Wayan telah berakhir"]
    assert "dalam 14 hari" in email.body


def test_evidence_before_the_end_of_the_hold_keeps_the_worker(client, pledged):
    donor = client_of(pledged.donor)
    with time_machine.travel(at(2026, 11, 10, 9, 0), tick=False):
        send_evidence(donor, pledged.payments.get())
    with time_machine.travel(at(2026, 11, 20, 9, 0), tick=False):
        assert not listed(client)
        assert lapse_command() == "recorded 0 lapses, 0 expired pledges"


def test_evidence_after_the_expiry_still_reaches_staff(client, pledged, staff_client):
    with time_machine.travel(at(2026, 11, 18, 9, 0), tick=False):
        lapse_command()
        response = send_evidence(client_of(pledged.donor), pledged.payments.get(), follow=True)
        late = staff_client.get(
            "/admin/premiums/paymentevidence/?status__exact=pending&sponsorship_lapsed=yes"
        )
    assert response.status_code == 200
    assert PaymentEvidence.objects.count() == 1
    assert [e.pk for e in late.context["cl"].result_list] == [PaymentEvidence.objects.get().pk]


def test_a_new_donor_can_pledge_once_the_hold_is_over(client, pledged):
    with time_machine.travel(at(2026, 11, 20, 9, 0), tick=False):
        response = client.post(
            f"/en/recipients/{pledged.recipient_id}/sponsor/",
            pledge_form(full_name="Another Donor", email="other@example.org"),
        )
    assert response.status_code == 302
    pledged.refresh_from_db()
    assert pledged.state == Sponsorship.State.LAPSED  # recorded by the new pledge
    assert Sponsorship.objects.filter(state="pledged").get().donor.email == "other@example.org"


def test_staff_cancel_an_unpaid_pledge_in_one_action(client, pledged, staff_client):
    with time_machine.travel(at(2026, 11, 5, 9, 0), tick=False):
        response = staff_client.post(
            "/admin/donations/sponsorship/",
            {"action": "cancel_unpaid_pledges", "_selected_action": [pledged.pk]},
            follow=True,
        )
        assert listed(client)
    shown = [str(m) for m in response.context["messages"]]
    assert shown == ["1 unpaid pledge cancelled; the donor will be told."]
    pledged.refresh_from_db()
    assert pledged.state == Sponsorship.State.LAPSED
    assert pledged.end_reason == Sponsorship.CANCEL_REASON
    message = Message.objects.get(kind="pledge_expired")
    assert message.context == {"cancelled": True}


def test_a_donor_is_not_active_on_an_expired_pledge_alone(pledged):
    from donations.models import Donor

    with time_machine.travel(at(2026, 11, 10, 9, 0), tick=False):
        assert pledged.donor in Donor.objects.active_on()
    with time_machine.travel(at(2026, 11, 20, 9, 0), tick=False):  # before any command ran
        assert pledged.donor not in Donor.objects.active_on()
