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
from django.utils import timezone
from playwright.sync_api import expect

from claims.models import Claim
from core.months import month_start
from donations.models import Sponsorship
from premiums import services
from recipients.models import Occupation
from tests.browser.pledge import fill_pledge_form
from tests.factories import (
    BpjsCardFactory,
    ClaimFactory,
    DonorFactory,
    PremiumPaymentFactory,
    RecipientFactory,
    RefundFactory,
    SituationUpdateFactory,
    SponsorshipFactory,
    StaffFactory,
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


def contact(page, language):
    return f"/{language}/contact/"


def help_provided_with_benefits(page, language):
    """Figures, the year table and chart, the map and a benefit paid to a family."""
    sponsorship = SponsorshipFactory(
        recipient__nickname="Ketut", first_month=month_start(timezone.localdate())
    )
    pay(sponsorship)
    ClaimFactory(
        recipient=sponsorship.recipient,
        kind=Claim.Kind.DEATH,
        state=Claim.State.PAID,
        paid_on=timezone.localdate(),
        amount_paid=42_000_000,
        family_consent=True,
    )
    return f"/{language}/help-provided/"


def _open_private_page(page, language, donor):
    donor.language = language
    donor.save(update_fields=["language"])
    page.goto(f"/{language}/donor/{donor.issue_link(days=90)}/")
    return f"/{language}/donor/"


def private_page_with_statement_chooser(page, language):
    _signed_in_donor(page, language)
    page.goto(f"/{language}/donor/")
    expect(page.locator("select[name=year]")).to_have_count(1)
    return None


def private_page_deciding_a_situation_update(page, language):
    staff = StaffFactory()
    today = timezone.localdate()
    sponsorship = SponsorshipFactory(recipient__nickname="Wayan", first_month=month_start(today))
    pay(sponsorship, by=staff)
    update = SituationUpdateFactory(
        recipient=sponsorship.recipient, kind="moved", happened_on=today, message="Wayan moved."
    )
    services.record_situation_update(update, by=staff)
    RecipientFactory(nickname="Made", occupation=Occupation.TRANSPORT_WORKER)
    sponsorship.refresh_from_db()
    assert sponsorship.state == Sponsorship.State.AWAITING_DECISION
    return _open_private_page(page, language, sponsorship.donor)


def private_page_choosing_a_refund(page, language):
    refund = RefundFactory(payment__sponsorship__recipient__nickname="Nyoman")
    return _open_private_page(page, language, refund.payment.sponsorship.donor)


def private_page_paypal_paid_form(page, language):
    payment = PremiumPaymentFactory(
        sponsorship__route=Sponsorship.Route.PAYPAL, sponsorship__donor__country="NL"
    )
    address = _open_private_page(page, language, payment.sponsorship.donor)
    page.goto(address)
    expect(page.locator("input[name=transaction_id]")).to_have_count(1)
    return None


def statement_nothing_for_the_year(page, language):
    _signed_in_donor(page, language)
    return f"/{language}/donor/statement/pdf/?year=2001"


def recipient_with_drawn_portrait(page, language):
    recipient = RecipientFactory(nickname="Putu", occupation=Occupation.CONSTRUCTION_WORKER)
    page.goto(f"/{language}/recipients/{recipient.pk}/")
    expect(page.locator("svg.portrait-placeholder")).to_have_count(1)
    return None


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
    contact,
    help_provided_with_benefits,
    private_page_with_statement_chooser,
    private_page_deciding_a_situation_update,
    private_page_choosing_a_refund,
    private_page_paypal_paid_form,
    statement_nothing_for_the_year,
    recipient_with_drawn_portrait,
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
