"""Faults: a mail server that is down, a database error half-way, a disk that refuses a write.

Nothing may be lost and nothing may be half-written. The database tests run with real
transactions (`transaction=True`): inside the test case's own transaction a rollback to a
savepoint would look the same whether or not the code under test opened a transaction at all.
"""

import datetime as dt
import errno
import io
import socket

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import DatabaseError

from donations.models import Donor, DonorAccessToken, Message, Sponsorship
from premiums import services
from premiums.models import PaymentEvidence, PremiumPayment
from recipients.models import Recipient
from tests.factories import (
    DonorFactory,
    PaymentEvidenceFactory,
    PremiumPaymentFactory,
    PremiumRateFactory,
    RecipientFactory,
    SponsorshipFactory,
    StaffFactory,
)
from tests.files import isolate_storages, private_storage, stored_files
from tests.helpers import at, client_of, frozen_at, pledge_form, receipt
from tests.images import upload

pytestmark = [pytest.mark.django_db(transaction=True), frozen_at(at(2026, 6, 10, 9, 0))]


@pytest.fixture
def rate():
    return PremiumRateFactory()


@pytest.fixture
def folders(monkeypatch, tmp_path):
    return isolate_storages(monkeypatch, tmp_path)


def fail_with(exc):
    def fail(*args, **kwargs):
        raise exc

    return fail


INJECTED = "server closed the connection unexpectedly"


def database_error():
    return fail_with(DatabaseError(INJECTED))


def fail_at(monkeypatch, where):
    """The database fails in `where`: "refresh_coverage", or "message" (queueing one)."""
    if where == "refresh_coverage":
        monkeypatch.setattr(services, "refresh_coverage", database_error())
    else:
        monkeypatch.setattr(Message, "queue", database_error())


#: Every table a pledge, an upload or a verification writes to, history tables included.
TABLES = [
    Donor,
    Donor.history.model,
    DonorAccessToken,
    Sponsorship,
    Sponsorship.history.model,
    PremiumPayment,
    PremiumPayment.history.model,
    PaymentEvidence,
    PaymentEvidence.history.model,
    Message,
    Recipient.history.model,
]


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


# --- the mail server is down ------------------------------------------------------------------


def closed_port() -> int:
    """A local port nobody listens on: connecting to it is refused, as to a stopped server."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def send_messages() -> str:
    out = io.StringIO()
    call_command("send_messages", stdout=out)
    return out.getvalue().strip()


def test_messages_wait_while_the_smtp_server_is_down(settings, frozen, mailoutbox):
    # tests/donations/test_send_messages.py covers the back-off with a backend that raises;
    # here the real SMTP backend meets a refused connection, through the scheduled command.
    message = Message.queue(DonorFactory(), Message.Kind.LINK)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    settings.EMAIL_TIMEOUT = 5

    assert send_messages() == "sent 0, retry later 1, failed 0"
    frozen.shift(dt.timedelta(minutes=2))
    assert send_messages() == "sent 0, retry later 1, failed 0"

    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED
    assert message.attempts == 2
    assert "Connection refused" in message.last_error or "ConnectionRefused" in message.last_error
    assert not DonorAccessToken.objects.exists()  # the links of the failed emails rolled back

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    frozen.shift(dt.timedelta(minutes=4))
    assert send_messages() == "sent 1, retry later 0, failed 0"
    assert len(mailoutbox) == 1
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


# --- a database error in the middle of a pledge -----------------------------------------------


def new_donor():
    return Donor(full_name="Ayu Lestari", email="ayu@example.org", display_name="A.L.")


@pytest.mark.parametrize(
    "where",
    [
        "payment",  # after the donor and the sponsorship were written
        "message",  # after everything else, the private link included, was written
    ],
)
def test_a_pledge_that_fails_half_way_leaves_nothing(rate, monkeypatch, where):
    recipient = RecipientFactory()
    before = row_counts()
    if where == "payment":
        monkeypatch.setattr(PremiumPayment.objects, "create", database_error())
    else:
        monkeypatch.setattr(Message, "queue", database_error())

    with pytest.raises(DatabaseError, match=INJECTED):
        services.create_pledge(
            recipient_id=recipient.pk,
            donor=new_donor(),
            first_month=dt.date(2026, 7, 1),
            months=12,
            route="direct",
        )

    assert row_counts() == before
    monkeypatch.undo()
    # The person is still free: the next pledge goes through.
    sponsorship, payment, token = services.create_pledge(
        recipient_id=recipient.pk,
        donor=new_donor(),
        first_month=dt.date(2026, 7, 1),
        months=12,
        route="direct",
    )
    assert sponsorship.recipient == recipient
    assert Donor.objects.by_token(token) == sponsorship.donor


def test_a_pledge_form_that_fails_half_way_leaves_nothing(client, rate, monkeypatch, settings):
    settings.RATELIMIT_ENABLED = False
    recipient = RecipientFactory()
    before = row_counts()
    monkeypatch.setattr(Message, "queue", database_error())
    client.raise_request_exception = False

    response = client.post(
        f"/en/recipients/{recipient.pk}/sponsor/", pledge_form(first_month="2026-07-01")
    )

    assert response.status_code == 500
    assert row_counts() == before


# --- a database error in the middle of a verification -----------------------------------------


@pytest.fixture
def awaiting_review(rate):
    """A pledge for July 2026 whose first payment's evidence awaits staff."""
    sponsorship = SponsorshipFactory(first_month=dt.date(2026, 7, 1))
    payment = PremiumPaymentFactory(sponsorship=sponsorship)
    evidence = PaymentEvidenceFactory(payment=payment)
    services.refresh_coverage(sponsorship)
    sponsorship.refresh_from_db()
    return evidence


@pytest.mark.parametrize(
    "where",
    [
        "refresh_coverage",  # after the evidence, the payment and the sponsorship were saved
        "message",  # after the coverage was extended
    ],
)
def test_a_verification_that_fails_half_way_changes_nothing(awaiting_review, monkeypatch, where):
    evidence = awaiting_review
    sponsorship = evidence.payment.sponsorship
    coverage = (sponsorship.state, sponsorship.covered_through, sponsorship.lapses_on)
    staff = StaffFactory()
    before = row_counts()
    fail_at(monkeypatch, where)

    with pytest.raises(DatabaseError, match=INJECTED):
        services.verify_evidence(evidence, by=staff)

    assert row_counts() == before
    evidence.refresh_from_db()
    assert evidence.status == PaymentEvidence.Status.PENDING
    assert evidence.reviewed_at is None
    payment = PremiumPayment.objects.get(pk=evidence.payment_id)
    assert payment.status == PremiumPayment.Status.PENDING
    assert payment.verified_at is None
    sponsorship.refresh_from_db()
    assert (sponsorship.state, sponsorship.covered_through, sponsorship.lapses_on) == coverage
    assert sponsorship.covered_through is None

    monkeypatch.undo()
    assert services.verify_evidence(evidence, by=staff) is True  # nothing stuck half-done
    sponsorship.refresh_from_db()
    assert sponsorship.covered_through == dt.date(2027, 6, 1)


# --- a database error in the middle of an evidence upload -------------------------------------


@pytest.fixture
def pledged(rate):
    sponsorship = SponsorshipFactory(first_month=dt.date(2026, 7, 1))
    payment = PremiumPaymentFactory(sponsorship=sponsorship)
    services.refresh_coverage(sponsorship)
    return payment


@pytest.mark.parametrize(
    "where",
    [
        "refresh_coverage",  # after the evidence row was written
        "message",  # after the lapse day was recomputed
    ],
)
def test_an_upload_that_fails_half_way_leaves_no_row_and_no_file(
    pledged, folders, monkeypatch, where
):
    lapses_on = Sponsorship.objects.get().lapses_on
    before = row_counts()
    fail_at(monkeypatch, where)

    with pytest.raises(DatabaseError, match=INJECTED):
        services.submit_evidence(pledged, receipt())

    assert row_counts() == before
    assert stored_files(folders["private"]) == []
    assert Sponsorship.objects.get().lapses_on == lapses_on


def test_a_refused_file_write_leaves_no_row(pledged, folders, monkeypatch):
    before = row_counts()
    monkeypatch.setattr(
        private_storage(), "_save", fail_with(OSError(errno.ENOSPC, "No space left on device"))
    )

    with pytest.raises(services.PaymentError, match="could not be stored just now"):
        services.submit_evidence(pledged, receipt())

    assert row_counts() == before
    assert stored_files(folders["private"]) == []


class HalfWrittenFile(ContentFile):
    """A file whose writing stops half-way: the disk fills up after the first chunk."""

    def chunks(self, chunk_size=None):
        yield self.read(100)
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_file_write_that_stops_half_way_leaves_no_row_and_no_partial_file(
    pledged, folders, monkeypatch
):
    before = row_counts()
    monkeypatch.setattr(services, "ContentFile", HalfWrittenFile)

    with pytest.raises(services.PaymentError, match="could not be stored just now"):
        services.submit_evidence(pledged, receipt())

    assert row_counts() == before
    # The storage wrote the first bytes before the disk filled; they are removed again.
    assert stored_files(folders["private"]) == []
    call_command("check_files", stdout=io.StringIO())  # no orphan to report


def test_a_full_disk_tells_the_donor_in_their_language(pledged, folders, monkeypatch):
    monkeypatch.setattr(services, "ContentFile", HalfWrittenFile)
    client = client_of(pledged.sponsorship.donor)
    response = client.post(
        f"/id/donor/payments/{pledged.pk}/evidence/", {"file": upload()}, follow=True
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert shown == [
        "Berkas tidak dapat disimpan saat ini, dan tidak ada yang dicatat. Silakan coba lagi nanti."
    ]
    assert stored_files(folders["private"]) == []


def test_the_same_file_sent_twice_for_a_payment_is_received_once(pledged, folders, mailoutbox):
    content = receipt()
    first = services.submit_evidence(pledged, content)
    again = services.submit_evidence(pledged, content)
    assert again.pk == first.pk
    assert pledged.evidence.count() == 1
    assert len(stored_files(folders["private"])) == 1
    assert Message.objects.filter(kind="evidence_received").count() == 1
