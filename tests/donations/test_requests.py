"""Donor requests (stop, change of recipient) carried out or declined, and staff stopping."""

import datetime as dt

import pytest
from django.urls import reverse

from donations.mail import render_message
from donations.models import (
    DonorRequest,
    Message,
    Sponsorship,
    needing_sponsor,
    paid_through_of,
    protected_on,
)
from donations.rules import RuleError
from premiums import services
from premiums.models import PremiumPayment
from recipients.models import Occupation, Recipient
from tests.factories import (
    DonorRequestFactory,
    PremiumRateFactory,
    RecipientFactory,
    SituationUpdateFactory,
    SponsorshipFactory,
)
from tests.helpers import admin_action, at, frozen_at

D = dt.date
NOW = at(2026, 6, 20, 10, 0)
TODAY = NOW.date()
pytestmark = frozen_at(NOW)


@pytest.fixture
def active(standard_rate):
    """Wayan's sponsorship, paid through December 2026."""
    return SponsorshipFactory(
        recipient__nickname="Wayan",
        state=Sponsorship.State.ACTIVE,
        covered_through=D(2026, 12, 1),
        lapses_on=D(2027, 4, 1),
        months_pledged=24,
        route=Sponsorship.Route.PAYPAL,
    )


@pytest.fixture
def waiting(db):
    """Made, a transport worker waiting for a sponsor."""
    return RecipientFactory(nickname="Made", occupation=Occupation.TRANSPORT_WORKER)


def handled_messages():
    return Message.objects.filter(kind=Message.Kind.REQUEST_HANDLED)


def text_of(message):
    return " ".join(render_message(message, "https://bcc.example/donor/x/")[1].split())


# --- stop ------------------------------------------------------------------------------------


def test_it_stops_a_sponsorship_as_the_donor_asked(active, staff):
    request = DonorRequestFactory(sponsorship=active, kind="stop")

    assert services.carry_out_request(request, by=staff) is True

    active.refresh_from_db()
    assert (active.state, active.ended_at) == ("stopped", NOW)
    assert active.end_reason == "stopped at the donor's request"
    assert active.history.first().history_user == staff
    assert (request.status, request.handled_by, request.handled_at) == ("done", staff, NOW)


def test_it_tells_the_donor_the_sponsorship_stopped(active, staff):
    request = DonorRequestFactory(sponsorship=active, kind="stop")
    services.carry_out_request(request, by=staff)

    message = handled_messages().get()
    assert (message.donor, message.sponsorship) == (active.donor, active)
    assert message.key == f"request_handled:{request.pk}"
    assert message.context == {"request_kind": "stop", "outcome": "done"}
    assert "As you asked, your sponsorship of Wayan has stopped." in text_of(message)


def test_a_stop_puts_the_recipient_back_on_the_list_when_the_paid_months_run_out(active, staff):
    # Paid through December 2026, stopped on 20 June: the months paid still protect Wayan.
    services.carry_out_request(DonorRequestFactory(sponsorship=active), by=staff)

    recipient = Recipient.objects.get(pk=active.recipient_id)
    assert recipient.waiting_since == TODAY
    assert recipient in protected_on(TODAY)
    waiting = set(needing_sponsor(D(2026, 10, 31)).values_list("pk", flat=True))
    assert recipient.pk not in waiting  # coverage ends 31 December: more than 60 days away
    listed = needing_sponsor(D(2026, 11, 1)).get(pk=recipient.pk)  # within 60 days
    assert listed.paid_through == D(2026, 12, 1)
    # A new donor's sponsorship starts after the months already paid, never before.
    assert paid_through_of(recipient.pk) == D(2026, 12, 1)


def test_it_carries_out_a_request_once(active, staff, frozen):
    request = DonorRequestFactory(sponsorship=active)
    services.carry_out_request(request, by=staff)

    frozen.shift(dt.timedelta(hours=2))
    assert services.carry_out_request(request, by=staff) is False

    active.refresh_from_db()
    request.refresh_from_db()
    assert (active.ended_at, request.handled_at) == (NOW, NOW)
    assert handled_messages().count() == 1


def test_it_stops_a_sponsorship_waiting_for_the_donors_decision(active, staff):
    update = SituationUpdateFactory(recipient=active.recipient, kind="finances_improved")
    services.record_situation_update(update, by=staff)
    request = DonorRequestFactory(sponsorship=active)

    services.carry_out_request(request, by=staff)

    active.refresh_from_db()
    assert active.state == "stopped"
    # No longer suitable: Wayan stays off the list.
    assert not needing_sponsor(TODAY).filter(pk=active.recipient_id).exists()


def test_a_request_for_a_lapsed_sponsorship_is_done_without_a_change(active, staff):
    Sponsorship.objects.filter(pk=active.pk).update(state=Sponsorship.State.LAPSED)
    request = DonorRequestFactory(sponsorship=active)

    services.carry_out_request(request, by=staff)

    active.refresh_from_db()
    assert active.state == "lapsed"
    assert request.status == "done"
    assert handled_messages().count() == 1


# --- change of recipient ---------------------------------------------------------------------


def change_request(sponsorship, recipient):
    return DonorRequestFactory(
        sponsorship=sponsorship, kind=DonorRequest.Kind.CHANGE_RECIPIENT, new_recipient=recipient
    )


def test_it_moves_the_sponsorship_to_the_new_recipient(active, waiting, staff):
    request = change_request(active, waiting)

    new = services.carry_out_request(request, by=staff)

    active.refresh_from_db()
    assert (active.state, active.ended_at, active.replaced_by) == ("stopped", NOW, new)
    assert active.end_reason == "changed to another recipient at the donor's request"
    assert (new.donor, new.recipient, new.route) == (active.donor, waiting, "paypal")
    assert (new.state, new.first_month, new.months_pledged) == ("pledged", D(2026, 7, 1), 24)
    assert request.status == "done"
    assert not needing_sponsor(TODAY).filter(pk=waiting.pk).exists()


def test_the_new_sponsorship_is_priced_from_the_rate_table(active, waiting, staff):
    # PP 50/2025: transport workers pay half from January 2026 to March 2027.
    PremiumRateFactory(
        first_month=D(2026, 1, 1),
        last_month=D(2027, 3, 1),
        jkk=5_000,
        jkm=3_400,
        sector="transport",
    )
    new = services.carry_out_request(change_request(active, waiting), by=staff)

    payment = new.payments.get()
    assert (payment.first_month, payment.months, payment.status) == (D(2026, 7, 1), 24, "pending")
    # July 2026 – March 2027 at the reduced rate, April 2027 – June 2028 at the standard one.
    assert payment.amount == 9 * 8_400 + 15 * 16_800
    assert payment.channel == "paypal"
    assert payment.amount == services.price(new, D(2026, 7, 1), 24)


def test_the_new_pledge_is_for_at_least_a_year(standard_rate, waiting, staff):
    old = SponsorshipFactory(months_pledged=12, state=Sponsorship.State.ACTIVE)
    new = services.carry_out_request(change_request(old, waiting), by=staff)
    assert new.months_pledged == 12
    assert new.payments.get().months == 12


def test_it_tells_the_donor_about_the_change(active, waiting, staff):
    request = change_request(active, waiting)
    new = services.carry_out_request(request, by=staff)

    message = handled_messages().get()
    payment = new.payments.get()
    assert (message.sponsorship, message.key) == (active, f"request_handled:{request.pk}")
    assert message.context == {
        "request_kind": "change_recipient",
        "outcome": "done",
        "new_sponsorship_id": new.pk,
        "payment_id": payment.pk,
        "amount": payment.amount,
        "first_month": "2026-07-01",
        "months": 24,
    }
    assert "BCC has moved your sponsorship to another person" in text_of(message)


def assert_nothing_changed(sponsorship, request):
    sponsorship.refresh_from_db()
    request.refresh_from_db()
    assert (sponsorship.state, sponsorship.replaced_by) == ("active", None)
    assert (request.status, request.handled_at) == ("open", None)
    assert not handled_messages().exists()


def test_it_changes_nothing_when_the_new_recipient_was_sponsored_meanwhile(active, waiting, staff):
    other = SponsorshipFactory(recipient=waiting)
    request = change_request(active, waiting)

    with pytest.raises(services.RecipientUnavailable, match="Made no longer needs a sponsor"):
        services.carry_out_request(request, by=staff)

    assert set(Sponsorship.objects.all()) == {active, other}
    assert not PremiumPayment.objects.exists()
    assert_nothing_changed(active, request)


def test_it_changes_nothing_when_the_new_recipient_is_no_longer_suitable(active, waiting, staff):
    Recipient.objects.filter(pk=waiting.pk).update(status=Recipient.Status.INACTIVE)
    request = change_request(active, waiting)

    with pytest.raises(services.RecipientUnavailable):
        services.carry_out_request(request, by=staff)

    assert list(Sponsorship.objects.all()) == [active]
    assert_nothing_changed(active, request)


def test_it_changes_nothing_when_no_rate_prices_the_new_pledge(waiting, staff):
    old = SponsorshipFactory(state=Sponsorship.State.ACTIVE)
    request = change_request(old, waiting)

    with pytest.raises(RuleError, match="No premium rate covers July 2026"):
        services.carry_out_request(request, by=staff)

    assert list(Sponsorship.objects.all()) == [old]
    assert_nothing_changed(old, request)


def test_it_takes_a_recipient_whose_sponsorship_lapsed_by_the_calendar(active, waiting, staff):
    lapsed = SponsorshipFactory(
        recipient=waiting, state=Sponsorship.State.ACTIVE, lapses_on=D(2026, 6, 1)
    )
    new = services.carry_out_request(change_request(active, waiting), by=staff)

    lapsed.refresh_from_db()
    assert lapsed.state == "lapsed"
    assert new.recipient == waiting


# --- declining -------------------------------------------------------------------------------


def test_it_declines_a_request_with_a_reason(active, staff):
    request = DonorRequestFactory(sponsorship=active, kind="stop")

    assert services.decline_request(request, by=staff, reason="  Please call us first.  ")

    assert (request.status, request.decline_reason) == ("declined", "Please call us first.")
    assert (request.handled_by, request.handled_at) == (staff, NOW)
    active.refresh_from_db()
    assert active.state == "active"


def test_it_tells_the_donor_why_the_request_was_declined(active, staff):
    request = DonorRequestFactory(sponsorship=active, kind="stop")
    services.decline_request(request, by=staff, reason="Please call us first.")

    message = handled_messages().get()
    assert (message.donor, message.sponsorship) == (active.donor, active)
    assert message.key == f"request_handled:{request.pk}"
    assert message.context == {
        "request_kind": "stop",
        "outcome": "declined",
        "reason": "Please call us first.",
    }
    text = text_of(message)
    assert "BCC could not carry out your request (Stop the sponsorship)" in text
    assert "The reason: Please call us first." in text
    assert "Please call us first." in render_message(message, "https://x/")[2]


def test_it_needs_a_reason_to_decline(active, staff):
    request = DonorRequestFactory(sponsorship=active)
    with pytest.raises(services.PaymentError, match="reason"):
        services.decline_request(request, by=staff, reason="  ")
    request.refresh_from_db()
    assert request.status == "open"


def test_it_declines_once(active, staff):
    request = DonorRequestFactory(sponsorship=active)
    services.decline_request(request, by=staff, reason="First")

    assert services.decline_request(request, by=staff, reason="Second") is False
    assert services.carry_out_request(request, by=staff) is False

    request.refresh_from_db()
    assert (request.status, request.decline_reason) == ("declined", "First")
    assert handled_messages().count() == 1


# --- staff stop a sponsorship ----------------------------------------------------------------


def test_staff_stop_a_sponsorship(active, staff):
    assert services.stop(active, by=staff, reason="The donor phoned on 18 June.") is True

    assert (active.state, active.ended_at) == ("stopped", NOW)
    assert active.end_reason == "The donor phoned on 18 June."
    assert active.history.first().history_user == staff
    message = handled_messages().get()
    assert (message.sponsorship, message.key) == (active, f"stopped:{active.pk}")
    assert message.context == {
        "request_kind": "stop",
        "outcome": "done",
        "reason": "The donor phoned on 18 June.",
    }
    assert "your sponsorship of Wayan has stopped" in text_of(message)


def test_staff_stop_a_sponsorship_once(active, staff):
    services.stop(active, by=staff, reason="Phoned")
    assert services.stop(active, by=staff, reason="Again") is False
    active.refresh_from_db()
    assert active.end_reason == "Phoned"
    assert handled_messages().count() == 1


def test_staff_cannot_stop_an_ended_sponsorship(active, staff):
    Sponsorship.objects.filter(pk=active.pk).update(state=Sponsorship.State.LAPSED)
    assert services.stop(active, by=staff, reason="Phoned") is False
    active.refresh_from_db()
    assert active.state == "lapsed"
    assert not handled_messages().exists()


def test_staff_give_a_reason_to_stop(active, staff):
    with pytest.raises(services.PaymentError):
        services.stop(active, by=staff, reason="")
    active.refresh_from_db()
    assert active.state == "active"


# --- the requests admin ----------------------------------------------------------------------


def requests_url(**params):
    url = reverse("admin:donations_donorrequest_changelist")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_it_lists_open_requests_first(admin_client, active, staff):
    open_request = DonorRequestFactory(sponsorship=active)
    done = DonorRequestFactory(status="done")

    listed = admin_client.get(requests_url()).context["cl"].result_list
    assert list(listed) == [open_request]
    listed = admin_client.get(requests_url(status__exact="all")).context["cl"].result_list
    assert set(listed) == {open_request, done}
    listed = admin_client.get(requests_url(status__exact="done")).context["cl"].result_list
    assert list(listed) == [done]


def test_it_carries_out_requests_from_the_list(admin_client, admin_user, active, waiting):
    stop = DonorRequestFactory(sponsorship=active)
    taken = RecipientFactory(nickname="Ketut")
    SponsorshipFactory(recipient=taken)
    refused = change_request(SponsorshipFactory(state="active"), taken)

    response = admin_action(
        admin_client, DonorRequest, "carry_out_selected", [stop, refused], follow=True
    )

    content = response.content.decode()
    assert "1 request carried out; the donor will be told." in content
    assert "Ketut no longer needs a sponsor" in content
    stop.refresh_from_db()
    refused.refresh_from_db()
    assert (stop.status, stop.handled_by) == ("done", admin_user)
    assert refused.status == "open"


def test_it_leaves_handled_requests_alone(admin_client, active, staff):
    request = DonorRequestFactory(sponsorship=active)
    services.decline_request(request, by=staff, reason="No")

    response = admin_action(
        admin_client,
        DonorRequest,
        "carry_out_selected",
        [request],
        query="?status__exact=all",
        follow=True,
    )

    assert "1 had already been handled" in response.content.decode()
    active.refresh_from_db()
    assert active.state == "active"


def test_it_asks_for_a_reason_before_declining(admin_client, active):
    request = DonorRequestFactory(sponsorship=active)
    response = admin_action(admin_client, DonorRequest, "decline_selected", [request])
    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    assert "Reason (shown to the donor)" in response.content.decode()

    response = admin_action(
        admin_client, DonorRequest, "decline_selected", [request], post="yes", reason=" "
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    request.refresh_from_db()
    assert request.status == "open"


def test_it_declines_requests_from_the_list(admin_client, admin_user, active):
    request = DonorRequestFactory(sponsorship=active)

    response = admin_action(
        admin_client,
        DonorRequest,
        "decline_selected",
        [request],
        post="yes",
        reason="Your payment for this year is already with BPJS.",
        follow=True,
    )

    assert "1 request declined; the donor will be told why." in response.content.decode()
    request.refresh_from_db()
    assert (request.status, request.handled_by) == ("declined", admin_user)
    assert request.decline_reason == "Your payment for this year is already with BPJS."
    assert handled_messages().get().context["outcome"] == "declined"


def test_the_request_status_is_never_typed_in(admin_client, active):
    request = DonorRequestFactory(sponsorship=active)
    change = reverse("admin:donations_donorrequest_change", args=[request.pk])
    assert 'name="status"' not in admin_client.get(change).content.decode()

    # Once handled, the request is a record of what was done.
    services.decline_request(request, by=None, reason="Please phone us first.")
    content = admin_client.get(change).content.decode()
    assert 'name="kind"' not in content
    assert 'name="message"' not in content
    assert "Please phone us first." in content


# --- the sponsorships admin ------------------------------------------------------------------


def test_the_sponsorship_state_is_read_only(admin_client, active):
    content = admin_client.get(
        reverse("admin:donations_sponsorship_change", args=[active.pk])
    ).content.decode()
    assert 'name="state"' not in content
    assert 'name="ended_at"' not in content
    assert "Active" in content


def test_it_asks_for_a_reason_before_stopping(admin_client, active):
    response = admin_action(admin_client, Sponsorship, "stop_selected", [active])
    assert response.status_code == 200
    assert "Reason for stopping" in response.content.decode()
    active.refresh_from_db()
    assert active.state == "active"


def test_it_stops_sponsorships_from_the_list(admin_client, admin_user, active):
    ended = SponsorshipFactory(state=Sponsorship.State.STOPPED)

    response = admin_action(
        admin_client,
        Sponsorship,
        "stop_selected",
        [active, ended],
        post="yes",
        reason="The donor asked by WhatsApp.",
        follow=True,
    )

    content = response.content.decode()
    assert "1 sponsorship stopped; the donor will be told." in content
    assert "1 had already ended" in content
    active.refresh_from_db()
    assert (active.state, active.end_reason) == ("stopped", "The donor asked by WhatsApp.")
    assert active.history.first().history_user == admin_user
    assert handled_messages().get().sponsorship == active


def test_it_stops_nothing_when_nothing_runs(admin_client):
    ended = SponsorshipFactory(state=Sponsorship.State.LAPSED)
    response = admin_action(admin_client, Sponsorship, "stop_selected", [ended], follow=True)
    assert "None of the selected sponsorships is running." in response.content.decode()
