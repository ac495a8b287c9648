"""The donor journey of issue #17, walked from / by visible text only: a local donor who pays
BPJS directly and an overseas donor who pays BCC by PayPal, in English and in Indonesian.

Every word the test looks for is taken from the catalogue of the page's language, so the
Indonesian walk fails where a page falls back to English.
"""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext
from playwright.sync_api import expect

from donations.mail import send_queued
from tests.browser.pledge import fill_pledge_form_by_labels
from tests.factories import BpjsCardFactory, RecipientFactory
from tests.images import png_bytes

pytestmark = pytest.mark.browser

KPJ = "26012345678"
PAYPAL = "donate@balicaringcommunity.org"


def years_label(years):
    return ngettext("%(n)s year (%(m)s months)", "%(n)s years (%(m)s months)", years) % {
        "n": years,
        "m": 12 * years,
    }


@pytest.mark.parametrize("language", ["en", "id"])
@pytest.mark.parametrize("overseas", [False, True], ids=["local", "overseas"])
def test_a_donor_walks_from_the_home_page_to_their_private_page(
    page, live_server, standard_rate, mailoutbox, tmp_path, language, overseas
):
    # A worker whose BPJS card was issued under an earlier sponsor: the KPJ is known.
    komang = RecipientFactory(nickname="Komang")
    BpjsCardFactory(recipient=komang, participant_number=KPJ)
    translation.activate(language)
    try:
        page.goto("/")
        if language == "id":
            page.locator(".language-switch").get_by_text("Bahasa Indonesia").click()
        expect(page.locator("html")).to_have_attribute("lang", language)

        page.get_by_role("navigation").get_by_role("link", name=gettext("People waiting")).click()
        page.get_by_role("link", name="Komang").first.click()
        sponsor = gettext("Sponsor %(name)s") % {"name": "Komang"}
        page.get_by_role("link", name=sponsor).click()

        # The amount is there before anything is chosen, and follows the duration.
        amount = page.locator(".pledge-amount")
        expect(amount).to_contain_text("Rp 201.600")
        email = f"ayu-{language}-{'far' if overseas else 'near'}@example.org"
        route_label = gettext("PayPal via BCC") if overseas else gettext("Direct to BPJS")
        fill_pledge_form_by_labels(
            page,
            country="Australia" if overseas else "Indonesia",
            route_label=route_label,
            years_label=years_label(2),
            email=email,
        )
        expect(amount).to_contain_text("Rp 403.200")
        page.get_by_role("button", name=gettext("Sponsor"), exact=True).click()

        thanks = gettext("Thank you for sponsoring %(name)s!") % {"name": "Komang"}
        expect(page.get_by_role("heading", level=1)).to_have_text(thanks)
        main = page.locator("main")
        expect(main).to_contain_text("Rp 403.200")
        if overseas:
            expect(main).to_contain_text(PAYPAL)
        else:
            expect(main).to_contain_text(KPJ)

        # The email: in the page's language (the form offered it), with its link.
        send_queued()
        (message,) = mailoutbox
        assert message.to == [email]
        assert message.subject == gettext(
            "Thank you for sponsoring %(name)s: please pay %(amount)s"
        ) % {"name": "Komang", "amount": "Rp 403.200"}
        assert (PAYPAL if overseas else KPJ) in message.body
        link = re.search(re.escape(live_server.url) + rf"/{language}/donor/[\w-]+/", message.body)
        assert link, message.body

        page.goto(link.group(0))
        expect(page).to_have_url(f"{live_server.url}/{language}/donor/")
        main = page.locator("main")
        expect(main).to_contain_text("Rp 403.200")
        expect(main).not_to_contain_text("PayPal to .")
        expect(main).not_to_contain_text(gettext("Start the next payment"))
        if overseas:
            expect(main).to_contain_text(PAYPAL)
            return
        expect(main).to_contain_text(KPJ)
        receipt = tmp_path / "receipt.png"
        receipt.write_bytes(png_bytes())
        evidence = gettext("Evidence of payment (JPG, PNG or PDF, at most 6 MB)")
        page.get_by_label(evidence).set_input_files(receipt)
        with page.expect_navigation():
            page.get_by_role("button", name=gettext("Upload")).click()
        main = page.locator("main")
        expect(main).to_contain_text(
            gettext(
                "Thank you: BCC has your evidence and will check it soon. Nothing more to do "
                "for this payment until then."
            )
        )
        expect(page.get_by_role("button", name=gettext("Upload"))).to_be_hidden()
    finally:
        translation.deactivate()
