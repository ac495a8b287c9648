"""Real browser tests: Debian's Chromium driven by Playwright's sync API.

One headless Chromium serves the whole session; every test gets a fresh context (no cookies,
no session) and page against pytest-django's live server. No browser is ever downloaded: the
tests use /usr/bin/chromium (`make system-chromium` installs it).
"""

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}


def launch_chromium(playwright):
    """The one way this project starts a browser (the screenshot helper uses it too)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def pytest_collection_modifyitems(config, items):
    # Browser tests run last. While Playwright's sync API is started it keeps an asyncio loop
    # running in the main thread, and Django refuses queries from a thread with a running loop
    # (see `browser` below): no other test may run while the session's browser is up.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium (make system-chromium).")
    from playwright.sync_api import sync_playwright

    # The test's own queries (factories, send_queued, the checks) are plain synchronous code
    # that only happens to share its thread with Playwright's loop; Django's guard against
    # calling the ORM from async code would refuse them all.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = launch_chromium(playwright)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_context(browser, live_server, transactional_db, settings):
    """A fresh browser profile: desktop size, English, nothing remembered from other tests."""
    # Emailed links (the donor's private link) must lead to the live server.
    settings.SITE_URL = live_server.url
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(browser_context):
    return browser_context.new_page()


@pytest.fixture
def phone_page(browser, live_server, transactional_db, settings):
    """A page in a phone-sized browser (iPhone 12-14: 390×844 CSS pixels)."""
    settings.SITE_URL = live_server.url
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        locale="en-US",
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()
