"""Staff in the admin, in Chromium: the photos shown through the staff-only view (lists,
forms, full size, on a desktop and a phone), and every admin page in Indonesian."""

import datetime as dt
import importlib
import io
import os
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client

from recipients.models import HandoverPhoto, Recipient
from tests import admin_scan
from tests.conftest import member_of
from tests.factories import HandoverPhotoFactory, RecipientFactory
from tests.helpers import admin_url
from tests.images import png_bytes

pytestmark = pytest.mark.browser

staff_groups_migration = importlib.import_module("premiums.migrations.0006_staff_groups")
NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("Asia/Makassar"))
SHOTS = os.environ.get("ADMIN_SHOTS", "")  # a folder: the test saves its screenshots there


def staff_member(role):
    """A member of the group `role`; the groups are made again after an emptied database."""
    if not Group.objects.filter(name=role).exists():
        staff_groups_migration.create_staff_groups(django_apps, None)
    # Not "coordinator": that is the demo's superuser.
    return member_of(role, f"staff-{role.lower()}")


def sign_in(context, user, live_server, language="en"):
    """The browser holds the staff member's session, in `language` (the admin's cookie)."""
    client = Client()
    client.force_login(user)
    cookies = [
        {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url},
        {"name": "django_language", "value": language, "url": live_server.url},
    ]
    context.add_cookies(cookies)


def image_loaded(page, selector) -> bool:
    """The picture shows: scrolled into view (thumbnails load lazily), then decoded within 10 s."""
    image = page.locator(selector).first
    image.scroll_into_view_if_needed()
    return image.evaluate(
        "img => img.complete && img.naturalWidth > 0 || new Promise(done => {"
        " img.addEventListener('load', () => done(img.naturalWidth > 0));"
        " img.addEventListener('error', () => done(false));"
        " setTimeout(() => done(img.complete && img.naturalWidth > 0), 10000); })"
    )


def shoot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def photos(transactional_db):
    photo = HandoverPhotoFactory(
        caption="Kartu untuk Wayan", image=ContentFile(png_bytes((480, 320)), name="h.png")
    )
    recipient = RecipientFactory(photo=ContentFile(png_bytes((300, 300)), name="face.png"))
    return photo, recipient


def test_staff_see_the_handover_photo_in_the_list_the_form_and_full_size(page, live_server, photos):
    photo, recipient = photos
    sign_in(page.context, staff_member("Volunteer"), live_server)
    page.goto(admin_url(HandoverPhoto, "changelist"))
    thumbnail = f'img[src="{admin_url(HandoverPhoto, "image", photo.pk, "thumbnail")}"]'
    assert image_loaded(page, thumbnail)
    page.goto(admin_url(HandoverPhoto, "change", photo.pk))
    assert image_loaded(page, ".form-row img")
    shoot(page, "admin-photo-desktop")
    with page.expect_popup() as opened:
        page.get_by_role("link", name="Open full size").last.click()
    full = opened.value
    full.wait_for_load_state()
    assert full.url.endswith(admin_url(HandoverPhoto, "image", photo.pk, "image"))
    assert full.evaluate("document.images[0].naturalWidth") == 480
    page.goto(admin_url(Recipient, "change", recipient.pk))
    assert image_loaded(page, f'img[src="{admin_url(Recipient, "image", recipient.pk, "photo")}"]')


def test_the_photo_page_fits_a_phone(phone_page, live_server, photos):
    photo, _ = photos
    sign_in(phone_page.context, staff_member("Volunteer"), live_server, language="id")
    phone_page.goto(admin_url(HandoverPhoto, "change", photo.pk))
    assert image_loaded(phone_page, ".form-row img")
    assert phone_page.get_by_role("link", name="Buka ukuran penuh").count() >= 1
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(phone_page, "admin-photo-390")


def test_a_visitor_gets_no_photo(page, photos):
    photo, _ = photos
    response = page.goto(admin_url(HandoverPhoto, "image", photo.pk, "image"))
    assert "/admin/login/" in page.url
    assert "image" not in response.headers.get("content-type", "")


def test_the_language_switch_and_the_dashboard_link(page, live_server, transactional_db):
    sign_in(page.context, staff_member("Volunteer"), live_server)
    page.goto(admin_url(Recipient, "changelist"))
    page.get_by_role("button", name="Bahasa Indonesia").click()
    page.wait_for_url(re.compile(r"/admin/recipients/recipient/$"))
    assert page.locator("html").get_attribute("lang") == "id"
    page.get_by_role("link", name="Dasbor staf").first.click()
    page.wait_for_url(re.compile(r"/staff/$"))


VISIBLE_TEXTS = """() => {
  const texts = document.body.innerText.split("\\n");
  for (const el of document.querySelectorAll("[title], [placeholder], [aria-label], img[alt]")) {
    for (const name of ["title", "placeholder", "aria-label", "alt"]) {
      const value = el.getAttribute(name);
      if (value) texts.push(value);
    }
  }
  for (const el of document.querySelectorAll("code, textarea, select")) {
    for (const line of el.innerText.split("\\n")) texts.push("\\u0000" + line);
  }
  return texts;
}"""


def texts_of(page, url):
    response = page.goto(url)
    if response is None or response.status != 200:
        return None
    if "html" not in response.headers.get("content-type", ""):
        return None
    texts = page.evaluate(VISIBLE_TEXTS)
    # Codes (CSV columns, file names) and the options of a list are not the page's words.
    hidden = {t[1:].strip() for t in texts if t.startswith("\x00")}
    return [
        " ".join(t.split())
        for t in texts
        if not t.startswith("\x00") and t.strip() and t.strip() not in hidden
    ]


@pytest.mark.parametrize("role", ["Volunteer", "Coordinator"])
def test_every_admin_page_is_in_indonesian(browser, live_server, transactional_db, role):
    # The groups first: an earlier live-server test may have emptied the database, and the demo
    # puts its volunteer in the Volunteer group.
    user = staff_member(role)
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", stdout=io.StringIO())
    pages = {}
    for language in ("id", "en"):
        context = browser.new_context(base_url=live_server.url, locale="en-US")
        sign_in(context, user, live_server, language=language)
        pages[language] = context.new_page()
    data = admin_scan.data_values()  # with the logins' rows (axes logs each)
    found, opened = {}, 0
    for url in admin_scan.admin_pages():
        texts_id = texts_of(pages["id"], url)
        if texts_id is None:
            continue
        opened += 1
        left = admin_scan.english_among(texts_id, texts_of(pages["en"], url) or [], data)
        if left:
            found[url] = left
    for page in pages.values():
        page.context.close()
    assert opened > {"Volunteer": 30, "Coordinator": 75}[role]
    assert found == {}
