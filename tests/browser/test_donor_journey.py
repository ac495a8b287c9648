"""A donor's way through the public site in a real browser: choose, pledge, pay, upload."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from PIL import Image
from playwright.sync_api import expect

from donations.mail import send_queued
from donations.models import DonorRequest
from premiums.models import PaymentEvidence
from tests.browser.pledge import fill_pledge_form
from tests.factories import DonorFactory, RecipientFactory, SponsorshipFactory
from tests.images import pdf_bytes, png_bytes

pytestmark = pytest.mark.browser

ID_CATALOGUE = Path(settings.BASE_DIR) / "locale" / "id" / "LC_MESSAGES" / "django.mo"


def fill_in_the_pledge(page):
    # A person finds the fields by their labels: each label names its own field.
    for label in ("Full name", "Email", "Country"):
        expect(page.get_by_label(label)).to_be_visible()
    # The second month offered, not the default, to show the choice is taken.
    second_month = page.locator("#id_first_month option").nth(1).get_attribute("value")
    fill_pledge_form(page, first_month=second_month)


def private_link_from(mailoutbox, base_url):
    bodies = "\n".join(message.body for message in mailoutbox)
    match = re.search(re.escape(base_url) + r"/en/donor/[\w-]+/", bodies)
    assert match, bodies
    return match.group(0)


def start_pledge(page, mailoutbox, live_server):
    """A pledge made through the form; returns the private link from the email."""
    recipient = RecipientFactory(nickname="Komang")
    page.goto(f"/en/recipients/{recipient.pk}/sponsor/")
    fill_in_the_pledge(page)
    page.get_by_role("button", name="Sponsor", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you")
    send_queued()
    return private_link_from(mailoutbox, live_server.url)


def upload(page, path):
    page.locator("input[type=file][name=file]").set_input_files(path)
    # Wait for the answer: two refusals in a row show the same message.
    with page.expect_navigation():
        page.get_by_role("button", name="Upload").click()


def evidence_files():
    folder = Path(settings.PRIVATE_MEDIA_ROOT) / "evidence"
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def test_it_takes_a_new_donor_from_choosing_to_uploading_evidence(
    page, live_server, standard_rate, mailoutbox, tmp_path
):
    RecipientFactory(nickname="Made")
    RecipientFactory(nickname="Komang")

    page.goto("/en/recipients/")
    page.get_by_role("link", name="Komang").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Komang")
    page.get_by_role("link", name="Sponsor Komang").click()
    expect(page).to_have_url(re.compile(r"/en/recipients/\d+/sponsor/$"))

    fill_in_the_pledge(page)
    page.get_by_role("button", name="Sponsor", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for sponsoring Komang!")
    expect(page.locator("main")).to_contain_text("Rp 201.600")

    send_queued()
    assert [m.to for m in mailoutbox] == [["ayu@example.org"]]
    link = private_link_from(mailoutbox, live_server.url)

    png = tmp_path / "receipt.png"
    png.write_bytes(png_bytes())
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(pdf_bytes())
    page.goto(link)
    # The link is exchanged for a session and the token leaves the address bar and history.
    expect(page).to_have_url(f"{live_server.url}/en/donor/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello Ayu Lestari")
    assert link.rsplit("/", 2)[-2] not in page.content()
    upload(page, png)
    expect(page.get_by_role("alert")).to_contain_text("your evidence was received")
    # Once the evidence is in, a second file (another page of the receipt) is one click away.
    page.get_by_text("Send another file for this payment").click()
    upload(page, pdf)

    evidence = page.locator("li.evidence")
    expect(evidence).to_have_count(2)
    for item in evidence.all():
        expect(item).to_contain_text("Awaiting verification")
    assert sorted(PaymentEvidence.objects.values_list("content_type", flat=True)) == [
        "application/pdf",
        "image/png",
    ]


def test_it_refuses_bad_files_with_a_message_and_keeps_nothing(
    page, live_server, standard_rate, mailoutbox, tmp_path
):
    link = start_pledge(page, mailoutbox, live_server)
    before = evidence_files()

    exe = tmp_path / "evil.jpg"
    exe.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 2000)
    html = tmp_path / "receipt.jpg"
    html.write_bytes(b"<!doctype html><html><script>alert(document.cookie)</script></html>")
    huge = tmp_path / "huge.png"
    huge.write_bytes(png_bytes() + b"\x00" * (7 * 1024 * 1024))
    bomb = tmp_path / "bomb.png"
    # 400 million pixels declared; a one-bit blank image compresses to a few dozen kilobytes.
    Image.new("1", (20_000, 20_000)).save(bomb, format="PNG")
    assert bomb.stat().st_size < 200_000

    page.goto(link)
    refusals = [
        (exe, "Only JPG, PNG or PDF files are accepted."),
        (html, "Only JPG, PNG or PDF files are accepted."),
        (huge, "This file is larger than 6 MB."),
        (bomb, "This image is too large"),
    ]
    for path, message in refusals:
        upload(page, path)
        expect(page.locator(".alert-danger")).to_contain_text(message)
        expect(page.locator("li.evidence")).to_have_count(0)

    assert PaymentEvidence.objects.count() == 0
    # Compared with before: earlier tests of the session share the private folder.
    assert evidence_files() == before


def test_the_language_switch_shows_the_same_page_in_indonesian(page, standard_rate):
    recipient = RecipientFactory(nickname="Komang")
    page.goto(f"/en/recipients/{recipient.pk}/sponsor/")
    assert page.evaluate("document.documentElement.lang") == "en"

    page.locator(".language-switch").get_by_text("Bahasa Indonesia").click()

    expect(page).to_have_url(re.compile(rf"/id/recipients/{recipient.pk}/sponsor/$"))
    assert page.evaluate("document.documentElement.lang") == "id"
    # Month names come from Django's own Indonesian catalogue, not from ours.
    expect(page.locator("#id_first_month")).to_contain_text("Desember")
    if ID_CATALOGUE.exists():
        with translation.override("id"):
            people_waiting = translation.gettext("People waiting")
        assert people_waiting != "People waiting", "not translated in locale/id/"
        expect(page.locator("nav.navbar")).to_contain_text(people_waiting)


def test_the_pledge_form_fits_a_phone_without_sideways_scrolling(phone_page, standard_rate):
    recipient = RecipientFactory(nickname="Komang")
    phone_page.goto(f"/en/recipients/{recipient.pk}/sponsor/")
    expect(phone_page.get_by_label("Full name")).to_be_visible()
    assert phone_page.evaluate("window.innerWidth") == 390
    assert phone_page.evaluate("document.scrollingElement.scrollWidth") <= 390


def test_a_donor_with_two_sponsorships_asks_to_stop_the_second(page, standard_rate):
    """Each sponsorship's form is its own: clicking a label there checks that form's choice."""
    donor = DonorFactory()
    first = SponsorshipFactory(donor=donor, recipient=RecipientFactory(nickname="Made"))
    second = SponsorshipFactory(donor=donor, recipient=RecipientFactory(nickname="Ketut"))
    page.goto(f"/en/donor/{donor.issue_link(days=90)}/")
    section = page.locator(f"#sponsorship-{second.pk}")
    section.get_by_text("Stop, or change to another recipient").click()
    section.get_by_text("Stop the sponsorship", exact=True).click()
    expect(section.get_by_label("Stop the sponsorship", exact=True)).to_be_checked()
    expect(
        page.locator(f"#sponsorship-{first.pk}").get_by_label("Stop the sponsorship", exact=True)
    ).not_to_be_checked()
    section.get_by_role("button", name="Send to BCC").click()
    expect(page.get_by_text("Your request was sent to BCC")).to_be_visible()
    assert list(DonorRequest.objects.values_list("sponsorship", "kind")) == [(second.pk, "stop")]
