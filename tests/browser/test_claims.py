"""In a phone's browser: a volunteer opens a work-accident claim in Indonesian, and the public
help-provided page fits 390 px without sideways scrolling."""

import datetime as dt

import pytest
import time_machine
from playwright.sync_api import expect

from claims.models import Claim
from tests.factories import PremiumPaymentFactory, RecipientFactory, SponsorshipFactory
from tests.helpers import verify

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture
def indonesian_phone(browser, live_server, transactional_db, settings):
    settings.SITE_URL = live_server.url
    context = browser.new_context(base_url=live_server.url, locale="id-ID", **PHONE)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def covered_worker(nickname):
    sponsorship = SponsorshipFactory(
        recipient=RecipientFactory(nickname=nickname), first_month=dt.date(2026, 1, 1)
    )
    verify(PremiumPaymentFactory(sponsorship=sponsorship))
    return sponsorship.recipient


def test_a_volunteer_opens_an_accident_claim_on_a_phone_in_indonesian(
    indonesian_phone, volunteer, standard_rate
):
    page = indonesian_phone
    volunteer.set_password("volunteer-pass-2026")
    volunteer.save()
    wayan = covered_worker("Wayan")
    # Two hours after the accident, in Bali.
    accident = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8)))
    accident -= dt.timedelta(hours=2)

    page.goto("/admin/login/?next=/admin/claims/claim/add/")
    page.locator("input[name=username]").fill("volunteer")
    page.locator("input[name=password]").fill("volunteer-pass-2026")
    # By its name: the header's language switch buttons come first on the login page.
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_text("tanggal dan jam kecelakaan")).to_be_visible()

    # The recipient, through the admin's search-as-you-type box.
    page.locator(".select2-selection").first.click()
    page.locator(".select2-search__field").fill("Wayan")
    page.get_by_role("option", name="Wayan").click()
    page.get_by_label("Jenis").select_option(label="Kecelakaan kerja (JKK)")
    page.locator("input[name=accident_at_0]").fill(accident.strftime("%Y-%m-%d"))
    page.locator("input[name=accident_at_1]").fill(accident.strftime("%H:%M"))
    page.get_by_label("tempat").fill("Kebun kelapa, Sidemen")
    page.get_by_label("apa yang terjadi").fill("Jatuh dari pohon kelapa")
    page.get_by_label("klinik atau rumah sakit").fill("RSUD Karangasem")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390 + 1
    page.locator("input[name=_save]").click()

    claim = Claim.objects.get()
    assert (claim.recipient, claim.kind, claim.covered) == (wayan, "accident", True)
    assert claim.documents.count() == 5
    page.goto(f"/admin/claims/claim/{claim.pk}/change/")
    expect(page.get_by_text("untuk melapor ke BPJS")).to_be_visible()
    expect(page.get_by_text("Ya: bulan yang dibayar pekerja mencakup hari itu.")).to_be_visible()
    # A volunteer ticks documents but never marks a claim paid.
    assert page.locator("select[name=step] option[value=paid]").count() == 0


def test_the_help_provided_page_fits_a_phone_in_indonesian(indonesian_phone, standard_rate):
    page = indonesian_phone
    with time_machine.travel(dt.datetime(2026, 1, 20, 2, tzinfo=dt.UTC), tick=True):
        covered_worker("Ketut")
    page.goto("/id/help-provided/")
    expect(page.get_by_text("Manfaat yang dibayarkan kepada keluarga").first).to_be_visible()
    assert page.evaluate("window.innerWidth") == 390
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    # Every cell of the year table is inside the screen: none cut off behind a scroll box.
    right_edges = page.eval_on_selector_all(
        "#by-year td", "cells => cells.map(c => c.getBoundingClientRect().right)"
    )
    assert right_edges and max(right_edges) <= 390
    expect(page.locator(".bali-map")).to_be_visible()
