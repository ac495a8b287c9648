"""The year-end email: the giving statement of the year as a PDF, in the donor's language, once
per donor and year (send_year_statements, then send_messages)."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from pypdf import PdfReader

from donations.mail import send_queued
from donations.models import Message
from premiums.models import PremiumPayment
from tests.factories import DonorFactory, PremiumPaymentFactory, SponsorshipFactory
from tests.helpers import at, frozen_at

NOW = at(2027, 1, 1, 9, 0)
pytestmark = [pytest.mark.django_db, frozen_at(NOW)]


def verified_payment(donor, verified_at, nickname="Wayan", amount=201_600):
    return PremiumPaymentFactory(
        sponsorship=SponsorshipFactory(
            donor=donor, recipient__nickname=nickname, first_month=dt.date(2026, 1, 1)
        ),
        amount=amount,
        status=PremiumPayment.Status.VERIFIED,
        verified_at=verified_at,
    )


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def run(*args) -> str:
    out = io.StringIO()
    call_command("send_year_statements", *args, stdout=out)
    return out.getvalue()


def test_it_emails_last_years_statement_as_a_pdf_in_the_donors_language():
    english = DonorFactory(full_name="Maria Schmidt", language="en", email="maria@example.org")
    indonesian = DonorFactory(full_name="Putu Ayu", language="id", email="putu@example.org")
    verified_payment(english, at(2026, 3, 5, 10, 0))
    verified_payment(indonesian, at(2026, 8, 5, 10, 0), nickname="Made", amount=100_800)

    assert run() == "statements of 2026 queued: 2\n"
    send_queued()

    sent = {m.to[0]: m for m in mail.outbox}
    assert sent.keys() == {"maria@example.org", "putu@example.org"}
    maria, putu = sent["maria@example.org"], sent["putu@example.org"]
    assert maria.subject == "Your giving statement for 2026"
    assert putu.subject == "Laporan donasi Anda untuk 2026"
    assert "Attached is your giving statement for 2026" in maria.body
    [(name, content, mimetype)] = maria.attachments
    assert (name, mimetype) == ("bcc-giving-statement-2026.pdf", "application/pdf")
    text = pdf_text(content)
    assert "Giving statement 2026" in text
    assert "Maria Schmidt" in text
    assert "Rp 201.600" in text
    [(_name, content, _mimetype)] = putu.attachments
    text = pdf_text(content)
    assert "Laporan donasi 2026" in text
    assert "Rp 100.800" in text
    assert "Maria" not in text


def test_it_sends_each_donor_one_statement_a_year_however_often_it_runs():
    donor = DonorFactory()
    verified_payment(donor, at(2026, 3, 5, 10, 0))

    run()
    send_queued()
    assert run() == "statements of 2026 queued: 0\n"
    send_queued()

    assert len(mail.outbox) == 1
    assert Message.objects.filter(kind="year_statement").count() == 1


def test_it_leaves_out_donors_without_a_verified_payment_that_year_and_erased_donors():
    verified_payment(DonorFactory(), at(2025, 12, 31, 23, 0))  # Bali's 2025
    PremiumPaymentFactory(sponsorship=SponsorshipFactory())  # awaiting review
    erased = DonorFactory()
    verified_payment(erased, at(2026, 3, 5, 10, 0))
    erased.erased_at = at(2026, 12, 1, 10, 0)
    erased.save()

    assert run() == "statements of 2026 queued: 0\n"


def test_it_takes_the_year_it_is_given():
    donor = DonorFactory()
    verified_payment(donor, at(2025, 6, 1, 10, 0))

    assert run("--year", "2025") == "statements of 2025 queued: 1\n"
    message = Message.objects.get(kind="year_statement")
    assert (message.donor, message.context) == (donor, {"year": 2025})
