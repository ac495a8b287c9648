"""WCAG 2.1 AA on every public and donor page, checked by axe-core in a real browser.

One parametrized test over PAGES × languages: to check another page, add a line to PAGES with
a function that makes its data and returns its address (it may walk there in the browser
first, as the thank-you page needs a pledge). axe-core comes inside the axe-playwright-python
package (its axe.min.js): nothing is downloaded at test time. Serious and critical violations
fail the test; each is listed with the elements it was found on.
"""

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.pledge import fill_pledge_form
from tests.factories import (
    BpjsCardFactory,
    DonorFactory,
    PremiumPaymentFactory,
    RecipientFactory,
    SponsorshipFactory,
)
from tests.helpers import pay

pytestmark = pytest.mark.browser

WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
FAILING_IMPACTS = {"serious", "critical"}


def _recipient():
    return RecipientFactory(nickname="Komang", occupation_detail="Climbs 30 palms a day")


def _signed_in_donor(page, language):
    """A donor with a verified year and a renewal awaiting payment, signed in."""
    donor = DonorFactory(full_name="Ayu Lestari", language=language)
    recipient = RecipientFactory(nickname="Wayan")
    BpjsCardFactory(recipient=recipient, participant_number="26012345678")
    sponsorship = SponsorshipFactory(
        donor=donor, recipient=recipient, first_month=dt.date(2025, 1, 1)
    )
    pay(sponsorship, first_month=dt.date(2025, 1, 1), months=12)
    PremiumPaymentFactory(sponsorship=sponsorship, first_month=dt.date(2026, 1, 1), months=12)
    page.goto(f"/{language}/donor/{donor.issue_link(days=90)}/")
    return donor


def home(page, language):
    _recipient()
    return f"/{language}/"


def recipient_list(page, language):
    _recipient()
    return f"/{language}/recipients/"


def recipient_list_empty(page, language):
    return f"/{language}/recipients/"


def recipient_detail(page, language):
    return f"/{language}/recipients/{_recipient().pk}/"


def pledge_form(page, language):
    return f"/{language}/recipients/{_recipient().pk}/sponsor/"


def pledge_form_with_errors(page, language):
    page.goto(pledge_form(page, language))
    page.locator("input[type=submit][name=submit]").click()
    page.wait_for_load_state()
    return None


def thanks(page, language):
    page.goto(pledge_form(page, language))
    fill_pledge_form(page, language=language)
    page.locator("input[type=submit][name=submit]").click()
    expect(page).to_have_url(f"{page.url.split('/sponsor/')[0]}/sponsor/thanks/")
    return None


def donor_list(page, language):
    return f"/{language}/donors/"


def help_provided(page, language):
    return f"/{language}/help-provided/"


def link_request(page, language):
    return f"/{language}/donor/link/"


def link_invalid(page, language):
    return f"/{language}/donor/no-such-link/"


def private_page(page, language):
    _signed_in_donor(page, language)
    return f"/{language}/donor/"


def statement(page, language):
    _signed_in_donor(page, language)
    return f"/{language}/donor/statement/"


def too_many_requests(page, language, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "token": "1/h"}
    page.goto(f"/{language}/donor/first-guess/")
    return f"/{language}/donor/second-guess/"


PAGES = [
    home,
    recipient_list,
    recipient_list_empty,
    recipient_detail,
    pledge_form,
    pledge_form_with_errors,
    thanks,
    donor_list,
    help_provided,
    link_request,
    link_invalid,
    private_page,
    statement,
    too_many_requests,
]


def describe(violations) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {node['target']}: {node['failureSummary']}")
    return "\n".join(lines)


@pytest.mark.parametrize("language", ["en", "id"])
@pytest.mark.parametrize("open_page", PAGES, ids=lambda f: f.__name__)
def test_it_has_no_serious_accessibility_violations(
    page, standard_rate, settings, open_page, language
):
    kwargs = {"settings": settings} if open_page is too_many_requests else {}
    address = open_page(page, language, **kwargs)
    if address:
        page.goto(address)
    assert page.evaluate("document.documentElement.lang") == language
    results = Axe().run(page, options=WCAG_21_AA)
    failing = [v for v in results.response["violations"] if v["impact"] in FAILING_IMPACTS]
    assert not failing, describe(failing)
