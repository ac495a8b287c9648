import datetime as dt
import io
import re
import threading
from smtplib import SMTPException

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from core.errors import RuleError
from donations.mail import render_message, send_queued
from donations.models import Donor, DonorAccessToken, Message
from tests.factories import (
    BpjsCardFactory,
    CardHandoverFactory,
    DonorFactory,
    HandoverPhotoFactory,
    MessageFactory,
    SponsorshipFactory,
)
from tests.helpers import at

NOW = at(2026, 2, 10, 9, 0)
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class FailingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise SMTPException("451 mail server down, try again later")


def pledge(language="en", route="direct", **donor):
    sponsorship = SponsorshipFactory(
        donor=DonorFactory(language=language, **donor),
        recipient__nickname="Wayan",
        first_month=dt.date(2026, 3, 1),
        route=route,
    )
    return Message.queue(
        sponsorship.donor,
        Message.Kind.PLEDGE_RECEIVED,
        sponsorship=sponsorship,
        key=f"pledge_received:{sponsorship.pk}",
        payment_id=1,
        amount=201_600,
        first_month="2026-03-01",
        months=12,
        route=route,
    )


def token_in(body: str) -> str:
    # The private page is /donor/<token>/; /donor/link/ is the form for a new link.
    return re.search(r"/donor/(?!link/)([\w-]+)/", body).group(1)


@pytest.fixture
def frozen(time_machine):
    # Only the tests that ask for it run at NOW (the lock test's threads keep the real clock).
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.mark.parametrize(
    "language, route, instruction",
    [
        ("en", "direct", "BPJS Ketenagakerjaan office"),
        ("en", "paypal", "donate@balicaringcommunity.org"),
        ("id", "direct", "BPJS Ketenagakerjaan"),
        ("id", "paypal", "donate@balicaringcommunity.org"),
    ],
)
def test_it_sends_the_pledge_instructions(db, frozen, mailoutbox, language, route, instruction):
    message = pledge(language, route, email="made@example.org")

    assert send_queued() == {"sent": 1, "retried": 0, "failed": 0}

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    html = email.alternatives[0][0]
    assert email.to == ["made@example.org"]
    assert "Rp 201.600" in email.subject
    assert "Rp 201.600" in email.body
    assert "Rp 201.600" in html
    assert instruction in email.body
    assert instruction in html
    token = token_in(email.body)
    assert Donor.objects.by_token(token) == message.donor
    assert f"/donor/{token}/" in html
    if language == "id":
        assert f"/id/donor/{token}/" in email.body  # the page opens in the donor's language

    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.attempts == 1
    assert message.sent_at == timezone.now()
    assert message.subject == email.subject


def test_the_emailed_link_expires_after_the_set_days_and_opens_a_session(
    db, frozen, mailoutbox, settings, client
):
    settings.DONOR_LINK_DAYS = 30
    message = pledge()
    send_queued()
    token = token_in(mailoutbox[0].body)
    link = DonorAccessToken.objects.get(donor=message.donor)
    assert link.expires_at == NOW + dt.timedelta(days=30)
    assert "30 days" in mailoutbox[0].body

    response = client.get(f"/en/donor/{token}/")
    assert response["Location"] == "/en/donor/"  # the session page, without the token
    assert client.get("/en/donor/").status_code == 200

    frozen.shift(dt.timedelta(days=30, seconds=1))
    assert client.get(f"/en/donor/{token}/").status_code == 404
    assert client.get("/en/donor/")["Location"] == "/en/donor/link/"


def test_it_tells_a_direct_donor_to_upload_the_receipt(db, frozen, mailoutbox):
    pledge("en", "direct")

    send_queued()

    body = mailoutbox[0].body
    assert "upload a photo or a PDF of the receipt on your private page" in body
    assert "donate@" not in body
    assert "from March 2026 to February 2027" in body


def test_it_tells_a_paypal_donor_that_bcc_pays_bpjs(db, frozen, mailoutbox):
    pledge("en", "paypal")

    send_queued()

    body = mailoutbox[0].body
    assert "by PayPal to BCC's account donate@balicaringcommunity.org" in body
    assert "BCC then pays BPJS Ketenagakerjaan" in body


def test_it_sends_nothing_the_second_time(db, frozen, mailoutbox):
    pledge()
    send_queued()

    assert send_queued() == {"sent": 0, "retried": 0, "failed": 0}
    assert len(mailoutbox) == 1


def test_it_loses_nothing_when_the_mail_server_is_down(db, frozen, mailoutbox, settings):
    message = pledge()
    settings.EMAIL_BACKEND = "tests.donations.test_send_messages.FailingBackend"

    assert send_queued() == {"sent": 0, "retried": 1, "failed": 0}

    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED
    assert message.attempts == 1
    assert "mail server down" in message.last_error
    assert message.next_attempt_at == NOW + dt.timedelta(minutes=2)
    # The link issued for the failed email was rolled back with it.
    assert not DonorAccessToken.objects.exists()
    assert mailoutbox == []

    # Not due yet: the next run leaves it alone.
    assert send_queued() == {"sent": 0, "retried": 0, "failed": 0}

    settings.EMAIL_BACKEND = LOCMEM
    frozen.shift(dt.timedelta(minutes=2))
    assert send_queued() == {"sent": 1, "retried": 0, "failed": 0}
    assert send_queued() == {"sent": 0, "retried": 0, "failed": 0}

    assert len(mailoutbox) == 1
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.attempts == 2
    assert message.last_error == ""
    assert DonorAccessToken.objects.count() == 1
    assert Donor.objects.by_token(token_in(mailoutbox[0].body)) == message.donor


def test_it_waits_longer_after_each_failure_up_to_six_hours(db, frozen, settings):
    settings.EMAIL_BACKEND = "tests.donations.test_send_messages.FailingBackend"
    third = MessageFactory(kind=Message.Kind.LINK, attempts=2)
    ninth = MessageFactory(kind=Message.Kind.LINK, attempts=8)

    send_queued()

    third.refresh_from_db()
    ninth.refresh_from_db()
    assert third.next_attempt_at == NOW + dt.timedelta(minutes=8)
    assert ninth.next_attempt_at == NOW + dt.timedelta(hours=6)  # not 2 ** 9 minutes


def test_it_never_gives_up_and_tries_every_six_hours(db, frozen, settings):
    settings.EMAIL_BACKEND = "tests.donations.test_send_messages.FailingBackend"
    message = MessageFactory(kind=Message.Kind.LINK, attempts=40)  # ten days of outage

    assert send_queued() == {"sent": 0, "retried": 1, "failed": 0}

    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED
    assert message.attempts == 41
    assert message.next_attempt_at == NOW + dt.timedelta(hours=6)
    assert "mail server down" in message.last_error


def test_every_attempt_carries_the_same_message_id(db, frozen, settings, mailoutbox):
    message = MessageFactory(kind=Message.Kind.LINK)
    send_queued()
    sent_id = mailoutbox[0].extra_headers["Message-ID"]
    assert sent_id == message.message_id()
    assert re.fullmatch(r"<bcc-message-\d+\.\d{14}@[a-z0-9.-]+>", sent_id)
    # Built from the row, not from the moment: a retry tomorrow gives the same id.
    frozen.shift(dt.timedelta(days=1))
    assert Message.objects.get(pk=message.pk).message_id() == sent_id


def test_it_does_not_write_to_an_erased_donor(db, frozen, mailoutbox):
    message = pledge(erased_at=NOW)

    assert send_queued() == {"sent": 0, "retried": 0, "failed": 1}

    assert mailoutbox == []
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.last_error == "donor erased"
    assert not DonorAccessToken.objects.exists()


def test_it_sends_the_oldest_first(db, frozen, mailoutbox):
    older = MessageFactory(kind=Message.Kind.LINK)
    frozen.shift(dt.timedelta(seconds=1))
    newer = MessageFactory(kind=Message.Kind.LINK)

    assert send_queued(batch=1)["sent"] == 1

    assert mailoutbox[0].to == [older.donor.email]
    newer.refresh_from_db()
    assert newer.status == Message.Status.QUEUED


def test_it_leaves_messages_that_are_not_due(db, frozen, mailoutbox):
    MessageFactory(kind=Message.Kind.LINK, next_attempt_at=NOW + dt.timedelta(minutes=1))

    assert send_queued()["sent"] == 0
    assert mailoutbox == []


def test_it_attaches_the_handover_photos(db, frozen, mailoutbox):
    sponsorship = SponsorshipFactory()
    card = BpjsCardFactory(recipient=sponsorship.recipient)
    handover = CardHandoverFactory(card=card, place="Banjar Tabola")
    HandoverPhotoFactory(handover=handover)
    Message.queue(
        sponsorship.donor,
        Message.Kind.CARD_HANDED_OVER,
        sponsorship=sponsorship,
        handover_id=handover.pk,
    )

    send_queued()

    email = mailoutbox[0]
    assert "Banjar Tabola" in email.body
    assert "attached to this email" in email.body
    [(name, content, mimetype)] = email.attachments
    assert mimetype == "image/png"
    assert content.startswith(b"\x89PNG")


def test_it_keeps_the_donors_words_unescaped_in_the_text(db, frozen, mailoutbox):
    sponsorship = SponsorshipFactory(recipient__nickname="Ni Luh")
    Message.queue(
        sponsorship.donor,
        Message.Kind.EVIDENCE_REJECTED,
        sponsorship=sponsorship,
        payment_id=1,
        reason="The receipt isn't readable & is cut <off>.",
    )

    send_queued()

    email = mailoutbox[0]
    assert "The receipt isn't readable & is cut <off>." in email.body
    assert "The receipt isn&#x27;t readable &amp; is cut &lt;off&gt;." in email.alternatives[0][0]


def test_it_reports_from_the_command(db, frozen, mailoutbox):
    pledge()
    out = io.StringIO()

    call_command("send_messages", stdout=out)

    assert out.getvalue().strip() == "sent 1, retry later 0, failed 0"
    assert len(mailoutbox) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite cannot lock a row")
@pytest.mark.django_db(transaction=True)
def test_it_skips_a_message_another_run_is_sending(mailoutbox):
    message = pledge()
    result = {}

    def other_run():
        try:
            result.update(send_queued())
        finally:
            connections.close_all()

    with transaction.atomic():
        # This transaction plays a run that is sending the message right now.
        Message.objects.select_for_update().get(pk=message.pk)
        thread = threading.Thread(target=other_run)
        thread.start()
        thread.join(timeout=30)

    assert result == {"sent": 0, "retried": 0, "failed": 0}
    assert mailoutbox == []
    assert send_queued()["sent"] == 1


# --- every kind, in both languages ------------------------------------------------------------

CONTEXTS = {
    Message.Kind.PLEDGE_RECEIVED: {
        "payment_id": 1,
        "amount": 201_600,
        "first_month": "2026-03-01",
        "months": 12,
        "route": "direct",
    },
    Message.Kind.EVIDENCE_RECEIVED: {"payment_id": 1},
    Message.Kind.EVIDENCE_VERIFIED: {"payment_id": 1, "paid_through": "2027-02-01"},
    Message.Kind.EVIDENCE_REJECTED: {"payment_id": 1, "reason": "The receipt is unreadable."},
    Message.Kind.CARD_HANDED_OVER: {"handover_id": None},
    Message.Kind.SITUATION_UPDATE: {
        "update_id": 1,
        "kind": "deceased",
        "message": "Wayan passed away on 1 June.",
    },
    Message.Kind.COVERAGE_ENDING: {"month": "2027-02-01"},
    Message.Kind.OVERDUE_1: {"month": "2027-03-01"},
    Message.Kind.OVERDUE_2: {"month": "2027-03-01"},
    Message.Kind.LAPSED: {"month": "2027-06-01"},
    Message.Kind.PLEDGE_EXPIRED: {"pledged_on": "2026-11-02"},
    Message.Kind.QUOTE_CHANGED: {"payment_id": 1, "amount": 151_200, "old_amount": 201_600},
    Message.Kind.REFUND: {"amount": 50_400, "months": 3},
    Message.Kind.PAYPAL_RECEIVED: {
        "payment_id": 1,
        "paypal_amount": "12.50",
        "paypal_currency": "EUR",
        "received_on": "2026-11-21",
        "amount": 201_600,
    },
    Message.Kind.LINK: {},
    Message.Kind.REQUEST_HANDLED: {"request_kind": "stop", "outcome": "done"},
    Message.Kind.CLAIM_PAID: {"claim_id": 1, "claim_kind": "death", "amount": 42_000_000},
    Message.Kind.YEAR_STATEMENT: {"year": 2026},
}
#: Messages about the donor as a whole, not one sponsorship.
DONOR_KINDS = {Message.Kind.LINK, Message.Kind.YEAR_STATEMENT}


def test_it_has_a_context_for_every_kind():
    assert set(CONTEXTS) == set(Message.Kind)


@pytest.mark.parametrize("language", ["en", "id"])
@pytest.mark.parametrize("kind", Message.Kind.values)
def test_it_renders_every_kind(db, kind, language):
    sponsorship = SponsorshipFactory(donor__language=language, recipient__nickname="Wayan")
    context = dict(CONTEXTS[kind])
    if kind == Message.Kind.CARD_HANDED_OVER:
        card = BpjsCardFactory(recipient=sponsorship.recipient)
        context["handover_id"] = CardHandoverFactory(card=card).pk
    message = MessageFactory(
        donor=sponsorship.donor,
        sponsorship=None if kind in DONOR_KINDS else sponsorship,
        kind=kind,
        context=context,
    )
    link = "https://sponsor.example.org/donor/s3cr3t-token/"

    subject, text, html = render_message(message, link)

    assert subject and "\n" not in subject
    assert link in text
    assert f'href="{link}"' in html
    for rendered in (subject, text, html):
        assert "{{" not in rendered
        assert "{%" not in rendered
    assert f'<html lang="{language}">' in html
    if kind not in DONOR_KINDS:
        assert "Wayan" in subject + text


def test_it_warns_an_overdue_donor_of_the_day_the_sponsorship_ends(db):
    sponsorship = SponsorshipFactory(
        covered_through=dt.date(2026, 8, 1), lapses_on=dt.date(2026, 12, 1)
    )
    message = MessageFactory(
        donor=sponsorship.donor,
        sponsorship=sponsorship,
        kind=Message.Kind.OVERDUE_2,
        context={"month": "2026-09-01"},
    )

    subject, text, html = render_message(message, "https://sponsor.example.org/donor/x/")

    assert "two months overdue" in subject
    assert "for September 2026 and after" in text
    assert "if no evidence arrives before 1 December 2026" in text
    assert "three consecutive months" in text


def test_it_writes_in_the_donors_language(db):
    sponsorship = SponsorshipFactory(donor__language="id")
    message = MessageFactory(
        donor=sponsorship.donor,
        sponsorship=sponsorship,
        kind=Message.Kind.COVERAGE_ENDING,
        context={"month": "2026-02-01"},
    )

    subject, text, html = render_message(message, "https://sponsor.example.org/id/donor/x/")

    assert '<html lang="id">' in html
    # Month names come from Django's own Indonesian catalogue.
    assert "Februari 2026" in text


def test_a_taken_key_queues_nothing_and_keeps_the_callers_transaction(db):
    from django.db import transaction

    donor = DonorFactory()
    with transaction.atomic():
        first = Message.queue(donor, Message.Kind.LINK, key="link:once")
        assert Message.queue(donor, Message.Kind.LINK, key="link:once") is None
        # The transaction goes on: a failed insert of a duplicate did not break it.
        Message.queue(donor, Message.Kind.LINK, key="link:twice")
    assert first is not None
    assert sorted(Message.objects.values_list("key", flat=True)) == ["link:once", "link:twice"]


def test_staff_send_a_stuck_email_again_from_the_admin(db, admin_client, frozen, mailoutbox):
    stuck = MessageFactory(
        kind=Message.Kind.LINK, attempts=7, next_attempt_at=NOW + dt.timedelta(hours=5)
    )
    given_up = MessageFactory(kind=Message.Kind.LINK, status="failed", attempts=12)
    delivered = MessageFactory(kind=Message.Kind.LINK, status="sent")
    listed = admin_client.get("/admin/donations/message/?stuck=yes").context["cl"].result_list
    assert {m.pk for m in listed} == {stuck.pk, given_up.pk}

    response = admin_client.post(
        "/admin/donations/message/",
        {"action": "send_again", "_selected_action": [stuck.pk, given_up.pk, delivered.pk]},
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert "2 emails will be sent at the next run." in shown
    assert "1 email had already been delivered; left as it was." in shown
    assert send_queued() == {"sent": 2, "retried": 0, "failed": 0}
    assert len(mailoutbox) == 2


def test_an_erased_donors_email_is_never_sent_again(db, frozen):
    message = MessageFactory(
        kind=Message.Kind.LINK, status="failed", last_error=Message.ERASED_DONOR
    )
    message.donor.erased_at = NOW
    message.donor.save()
    with pytest.raises(RuleError):
        message.send_again()
    assert Message.objects.get(pk=message.pk).status == "failed"
