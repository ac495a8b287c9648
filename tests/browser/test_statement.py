"""A donor chooses a year on the private page and gets that year's statement as a PDF."""

import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from premiums.models import PremiumPayment
from tests.factories import DonorFactory, PremiumPaymentFactory, SponsorshipFactory

pytestmark = pytest.mark.browser


def test_a_donor_downloads_the_statement_of_the_year_they_choose(page, live_server):
    donor = DonorFactory(full_name="Maria Schmidt")
    sponsorship = SponsorshipFactory(donor=donor, recipient__nickname="Wayan")
    PremiumPaymentFactory(
        sponsorship=sponsorship, status=PremiumPayment.Status.VERIFIED, verified_at=timezone.now()
    )
    year = str(timezone.localdate().year)

    page.goto(donor.private_url(donor.issue_link(days=90)))
    expect(page.get_by_role("heading", name="Giving statement (PDF)")).to_be_visible()
    whatsapp = page.get_by_role("link", name="Ask BCC on WhatsApp")
    assert whatsapp.get_attribute("href").startswith("https://wa.me/6281338304000?text=Hello%20BCC")
    page.get_by_label("Year").select_option(year)
    with page.expect_response(lambda r: "/donor/statement/pdf/" in r.url) as answer:
        page.get_by_role("button", name="Download the PDF").click()
    response = answer.value
    assert response.url.endswith(f"/en/donor/statement/pdf/?year={year}")
    assert response.headers["content-type"] == "application/pdf"
    # Chromium's own PDF viewer takes the page's body: the same address, fetched with the
    # same cookies, gives the file.
    pdf = page.context.request.get(response.url).body()

    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert f"Giving statement {year}" in text
    assert "Maria Schmidt" in text
    assert "Wayan" in text
    assert "Rp 201.600" in text
