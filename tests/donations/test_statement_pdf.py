"""The giving statement of a calendar year, as a PDF with BCC's letterhead."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from PIL import ImageFile
from pypdf import PdfReader

from core.models import ContactDetails
from premiums.models import PremiumPayment
from tests.factories import (
    DonorFactory,
    PremiumPaymentFactory,
    RecipientFactory,
    SponsorshipFactory,
)
from tests.helpers import at, client_of, frozen_at
from tests.images import upload

NOW = at(2026, 11, 22, 10, 0)
pytestmark = [pytest.mark.django_db, frozen_at(NOW), pytest.mark.usefixtures("contact_details")]
VERIFIED = PremiumPayment.Status.VERIFIED


def pdf_text(response) -> str:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    # Lines broken by the table's cells: one space between words is enough to compare.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def verified(sponsorship, first_month, months, verified_at):
    """A payment at the standard rate, verified at `verified_at`."""
    return PremiumPaymentFactory(
        sponsorship=sponsorship,
        first_month=first_month,
        months=months,
        amount=16_800 * months,
        status=VERIFIED,
        verified_at=verified_at,
    )


@pytest.fixture
def donor(db):
    donor = DonorFactory(full_name="Maria Schmidt", language="en")
    wayan = SponsorshipFactory(
        donor=donor, recipient=RecipientFactory(nickname="Wayan"), first_month=dt.date(2025, 1, 1)
    )
    made = SponsorshipFactory(
        donor=donor, recipient=RecipientFactory(nickname="Made"), first_month=dt.date(2025, 7, 1)
    )
    # 2025: a year for Wayan, then half a year more; verified in Bali's 2025.
    verified(wayan, dt.date(2025, 1, 1), 12, at(2025, 1, 15, 9, 0))
    verified(wayan, dt.date(2026, 1, 1), 6, at(2025, 12, 20, 9, 0))
    # 1 January 2026 at 04:00 in Bali (still 31 December in UTC): Bali's 2026.
    verified(made, dt.date(2025, 7, 1), 12, at(2026, 1, 1, 4, 0))
    # Evidence not verified yet: not money given.
    PremiumPaymentFactory(
        sponsorship=made, first_month=dt.date(2026, 7, 1), months=12, amount=201_600
    )
    return donor


def test_it_gives_the_years_payments_with_months_and_rupiah_on_the_letterhead(donor):
    ContactDetails.objects.update(address="Jalan Contoh 1, Ubud, Bali")

    text = pdf_text(client_of(donor).get("/en/donor/statement/pdf/?year=2025"))

    assert "Bali Caring Community" in text
    assert "Jalan Contoh 1, Ubud, Bali" in text
    assert "kadek@balicaringcommunity.org" in text
    assert "0813-3830-4000" in text
    assert "Giving statement 2025" in text
    assert "Maria Schmidt" in text
    assert "January 2025 – December 2025 (12 months)" in text
    assert "January 2026 – June 2026 (6 months)" in text
    assert "Rp 201.600" in text
    assert "Rp 100.800" in text
    assert "Rp 302.400" in text  # the total
    assert "18 months of insurance" in text
    assert "Made" not in text  # verified in Bali's 2026


def test_it_counts_a_payment_in_the_year_of_bali(donor):
    text = pdf_text(client_of(donor).get("/en/donor/statement/pdf/?year=2026"))

    assert "Made" in text
    assert "July 2025 – June 2026 (12 months)" in text
    assert "Rp 201.600" in text
    assert "Wayan" not in text
    assert "Rp 403.200" not in text  # the payment awaiting review is left out


def test_it_writes_the_pdf_in_the_page_language(donor):
    text = pdf_text(client_of(donor).get("/id/donor/statement/pdf/?year=2025"))

    assert "Laporan donasi 2025" in text
    assert "Januari 2025 – Desember 2025 (12 bulan)" in text
    assert "Rp 302.400" in text


def test_it_shows_only_the_signed_in_donors_payments(donor):
    stranger = DonorFactory(full_name="Someone Else")

    response = client_of(stranger).get("/en/donor/statement/pdf/?year=2025")

    assert response.status_code == 404
    body = response.content.decode()
    assert "BCC verified no payment of yours in 2025" in body
    assert "Maria Schmidt" not in body
    assert "noindex" in body


@pytest.mark.parametrize("query", ["?year=2019", "?year=", "?year=abc", "", "?year=99999"])
def test_it_answers_a_year_without_payments_with_a_clear_page(donor, query):
    response = client_of(donor).get("/en/donor/statement/pdf/" + query)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "Statements exist for the years in which BCC verified" in body
    assert "Back to my sponsorships" in body


def test_it_sends_a_visitor_without_a_session_to_the_link_form(client, donor):
    response = client.get("/en/donor/statement/pdf/?year=2025")

    assert response.status_code == 302
    assert response["Location"] == "/en/donor/link/"


def test_it_offers_the_years_with_payments_on_the_private_page(donor):
    body = client_of(donor).get("/en/donor/").content.decode()

    assert 'action="/en/donor/statement/pdf/"' in body
    assert '<option value="2026">2026</option>' in body
    assert '<option value="2025">2025</option>' in body
    assert body.index('value="2026"') < body.index('value="2025"')  # newest first
    assert '<option value="2024"' not in body


def test_it_offers_no_statement_before_a_payment_is_verified(db):
    donor = DonorFactory()
    PremiumPaymentFactory(sponsorship=SponsorshipFactory(donor=donor))

    body = client_of(donor).get("/en/donor/").content.decode()

    assert "statement/pdf" not in body


def test_making_a_pdf_leaves_the_upload_checks_as_strict_as_before(donor):
    """WeasyPrint, imported, lets Pillow load truncated images: core.pdf puts that back."""
    from core.uploads import clean_photo
    from tests.test_uploads import TRUNCATED_JPEG

    pdf_text(client_of(donor).get("/en/donor/statement/pdf/?year=2025"))

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    with pytest.raises(ValidationError) as refused:
        clean_photo(upload(TRUNCATED_JPEG, name="photo.jpg"))
    assert refused.value.code == "damaged"
