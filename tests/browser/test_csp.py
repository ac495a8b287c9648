"""Every public page and the donor's pages under the Content Security Policy, in a real browser.

Chromium enforces the policy the app sends; anything it blocks (an inline script or style, an
image from elsewhere) fires a `securitypolicyviolation` event and logs to the console. A listener
installed before any page script records the events on `window`; the console is collected too.
"""

import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from donations.mail import send_queued
from tests.browser.pledge import fill_pledge_form
from tests.factories import (
    BpjsCardFactory,
    CardHandoverFactory,
    HandoverPhotoFactory,
    RecipientFactory,
)
from tests.images import jpeg_bytes

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `in ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


class PageWatch:
    """What the browser said about the pages visited: violations, console, CSP headers."""

    def __init__(self, page):
        self.page = page
        self.visited = []
        self.violations = []
        self.console = []
        self.without_policy = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))
        page.on("response", self._response)

    def _console(self, message):
        where = message.location.get("url") or self.page.url
        self.console.append(f"{message.type}: {message.text} ({where})")

    def _response(self, response):
        if response.request.resource_type != "document":
            return
        self.visited.append(response.url)
        if "content-security-policy" not in response.headers:
            self.without_policy.append(f"{response.status} {response.url}")

    def goto(self, url):
        self.page.goto(url)
        self.settle()

    def settle(self):
        """Let the page finish (lazy images included), then take its recorded violations."""
        self.page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        self.page.wait_for_load_state("networkidle")
        self.violations += self.page.evaluate("window.__cspViolations")


def url(name, language, *args):
    with translation.override(language):
        return reverse(name, args=args)


def pledge(watch, recipient, language, email):
    """The pledge page, filled and sent by field ids (the labels are in `language`)."""
    page = watch.page
    watch.goto(url("premiums:pledge", language, recipient.pk))
    fill_pledge_form(page, email=email, language=language)
    with page.expect_navigation():
        page.locator("input[type=submit][name=submit]").click()
    expect(page).to_have_url(re.compile(r"/sponsor/thanks/"))
    watch.settle()


def private_link(mailoutbox, email):
    bodies = "\n".join(m.body for m in mailoutbox if m.to == [email])
    match = re.search(r"https?://[^\s/]+/(?:en|id)/donor/[\w-]{20,}/", bodies)
    assert match, bodies
    return match.group(0)


@pytest.mark.parametrize("language", ["en", "id"])
def test_no_page_breaks_the_content_security_policy(
    page, live_server, standard_rate, mailoutbox, language
):
    pictured = RecipientFactory(
        nickname="Putu",
        photo=ContentFile(jpeg_bytes((80, 60)), name="putu.jpg"),
        photo_consent=True,
    )
    RecipientFactory(nickname="Made")  # no photo: the placeholder
    sponsored = RecipientFactory(nickname="Komang")
    handover = CardHandoverFactory(card=BpjsCardFactory(recipient=sponsored))
    HandoverPhotoFactory(handover=handover, public_consent=True, caption="The card")
    watch = PageWatch(page)
    email = f"ayu-{language}@example.org"

    watch.goto(url("home", language))
    watch.goto(url("donations:recipient_list", language))
    watch.goto(url("donations:recipient_detail", language, pictured.pk))
    pledge(watch, sponsored, language, email)
    watch.goto(url("donations:list", language))
    watch.goto(url("claims:help_provided", language))
    watch.goto(url("donations:link", language))

    send_queued()
    watch.goto(private_link(mailoutbox, email))
    expect(page.locator(f"#sponsorship-{sponsored.sponsorships.get().pk}")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == language
    with page.expect_navigation():
        page.locator("a[href*='/statement/']").click()
    expect(page.locator("table.statement")).to_be_visible()
    watch.settle()

    assert watch.violations == []
    assert watch.console == []
    assert watch.without_policy == []
    # Every page above was seen, in the language asked for.
    pages = [u for u in watch.visited if f"/{language}/" in u]
    assert len(pages) >= 10, watch.visited
