"""Full-page screenshots of the public pages (and, for staff, admin pages) of a running site.

    .venv/bin/python -m tests.browser.screenshots http://127.0.0.1:8000
    .venv/bin/python -m tests.browser.screenshots http://127.0.0.1:8000 \\
        --link http://127.0.0.1:8000/en/donor/<token>/ \\
        --staff coordinator:password --path /staff/ --path /admin/premiums/paymentevidence/

Each public page is taken at phone (390) and desktop (1280) width, in English and Indonesian,
as screenshots/<name>-<lang>-<width>.png; staff pages at desktop width only. A page that does not
answer 200, or that scrolls sideways, is reported on the line of its file name.
"""

import argparse
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

from tests.browser.conftest import launch_chromium

OUT = Path(__file__).resolve().parents[2] / "screenshots"
LANGUAGES = {"en": "en-US", "id": "id-ID"}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
WIDTHS = {390: PHONE, 1280: DESKTOP}
LANGUAGE_PREFIX = re.compile(r"^/(en|id)/")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", help="the running site, e.g. http://127.0.0.1:8000")
    parser.add_argument("--link", help="a donor's private link, to shoot the private page")
    parser.add_argument("--staff", metavar="USER:PASSWORD", help="log in at /admin/login/")
    parser.add_argument(
        "--path", action="append", default=[], help="a further page to shoot (repeatable)"
    )
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder for the PNGs ({OUT})")
    args = parser.parse_args(argv)
    base = args.base_url.rstrip("/")
    args.out.mkdir(parents=True, exist_ok=True)

    problems = 0
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            pages = public_pages(browser, base, args.link)
            for lang, locale in LANGUAGES.items():
                for width, device in WIDTHS.items():
                    context = browser.new_context(base_url=base, locale=locale, **device)
                    page = context.new_page()
                    for name, path in pages:
                        problems += shoot(
                            page, f"/{lang}{path}", args.out / f"{name}-{lang}-{width}.png"
                        )
                    context.close()
            if args.staff or args.path:
                problems += staff_pages(browser, base, args)
        finally:
            browser.close()
    return 1 if problems else 0


def public_pages(browser, base, link):
    """(name, path without the language prefix) of each public page to shoot."""
    pages = [("home", "/"), ("recipients", "/recipients/")]
    context = browser.new_context(base_url=base)
    page = context.new_page()
    page.goto("/en/recipients/")
    hrefs = page.eval_on_selector_all("main a[href]", "links => links.map(a => a.pathname)")
    context.close()
    detail = next((h for h in hrefs if re.fullmatch(r"/en/recipients/\d+/", h)), None)
    if detail:
        path = detail.removeprefix("/en")
        pages += [("recipient", path), ("pledge", path + "sponsor/")]
    else:
        print("no recipient is waiting: the recipient and pledge pages are left out")
    if link:
        path = urlsplit(link).path
        pages.append(("private", LANGUAGE_PREFIX.sub("/", path)))
    pages.append(("link", "/donor/link/"))
    return pages


def staff_pages(browser, base, args):
    problems = 0
    paths = ["/admin/donations/sponsorship/", *args.path] if args.staff else args.path
    for lang, locale in LANGUAGES.items():
        context = browser.new_context(base_url=base, locale=locale, **DESKTOP)
        page = context.new_page()
        if args.staff:
            username, _, password = args.staff.partition(":")
            page.goto("/admin/login/")
            page.locator("#id_username").fill(username)
            page.locator("#id_password").fill(password)
            page.locator("#login-form [type=submit]").click()
            page.wait_for_load_state()
            if "/admin/login/" in page.url:
                print(f"staff login as {username!r} failed", file=sys.stderr)
                context.close()
                return problems + 1
        for path in paths:
            slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "root"
            if LANGUAGE_PREFIX.match(path):
                # A public page in the language of its prefix: once is enough.
                if lang == "en":
                    problems += shoot(page, path, args.out / f"staff-{slug}-1280.png")
                continue
            # The admin and the dashboard follow the browser's language.
            problems += shoot(page, path, args.out / f"staff-{slug}-{lang}-1280.png")
        context.close()
    return problems


def shoot(page, path, file):
    response = page.goto(path)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(file), full_page=True)
    notes = []
    status = response.status if response else None
    if status != 200:
        notes.append(f"HTTP {status}")
    width = page.evaluate("window.innerWidth")
    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    if scroll_width > width:
        notes.append(f"scrolls sideways: {scroll_width}px wide in a {width}px window")
    print(file.name + (f"  <- {'; '.join(notes)}" if notes else ""))
    return 1 if notes else 0


if __name__ == "__main__":
    sys.exit(main())
