"""BCC's contact details: editable by coordinators, in every page's footer and on /contact/,
and WhatsApp links whose prefilled message names the recipient or the sponsorship."""

import html
import re
from urllib.parse import quote

import pytest

from core.models import ContactDetails
from tests.factories import (
    DonorFactory,
    PremiumPaymentFactory,
    RecipientFactory,
    SponsorshipFactory,
)
from tests.helpers import admin_url, at, client_of, frozen_at, pledge_form

NOW = at(2026, 11, 22, 10, 0)
pytestmark = [pytest.mark.django_db, frozen_at(NOW), pytest.mark.usefixtures("contact_details")]

WA = "https://wa.me/6281338304000"
PUBLISHED = {
    "organisation": "Bali Caring Community",
    "address": "Bali, Indonesia",
    "email": "kadek@balicaringcommunity.org",
    "evidence_email": "asti@balicaringcommunity.org",
    "whatsapp": "+6281338304000",
    "line": "0813-3830-4000",
    "paypal_account": "donate@balicaringcommunity.org",
}


def edit(client, **changes):
    """A staff member saves the contact details in the admin, with `changes`."""
    contact = ContactDetails.objects.get()
    return client.post(admin_url(ContactDetails, "change", contact.pk), {**PUBLISHED, **changes})


def whatsapp_links(body: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="(https://wa\.me/[^"]*)"', body)]


def prefilled(text: str) -> str:
    return f"{WA}?text={quote(text, safe='')}"


# --- the content -------------------------------------------------------------------------------


def test_it_starts_from_bccs_published_details():
    contact = ContactDetails.objects.get()

    assert contact.whatsapp == "+6281338304000"
    assert contact.whatsapp_digits == "6281338304000"
    assert contact.whatsapp_display == "0813-3830-4000"
    assert contact.line == "0813-3830-4000"
    assert contact.evidence_email == "asti@balicaringcommunity.org"
    assert contact.email == "kadek@balicaringcommunity.org"


def test_it_reads_a_local_number_as_indonesian():
    contact = ContactDetails(whatsapp="0812 3456 7890")

    assert contact.whatsapp_digits == "6281234567890"
    assert contact.whatsapp_url("Halo & hi") == "https://wa.me/6281234567890?text=Halo%20%26%20hi"


def test_a_coordinator_edits_it_and_every_public_page_shows_it_at_once(
    client, coordinator_client, django_capture_on_commit_callbacks
):
    contact = ContactDetails.objects.get()
    assert "kadek@balicaringcommunity.org" in client.get("/en/").content.decode()  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        response = edit(
            coordinator_client,
            address="Jalan Baru 9\nUbud, Bali",
            email="halo@balicaringcommunity.org",
            evidence_email="bukti@balicaringcommunity.org",
            whatsapp="+62 812 0000 1111",
            line="bcc-line",
        )

    assert response.status_code == 302
    for page in ["/en/", "/id/", "/en/recipients/", "/id/donors/", "/en/contact/"]:
        body = client.get(page).content.decode()
        assert "halo@balicaringcommunity.org" in body, page
        assert "bukti@balicaringcommunity.org" in body, page
        assert "Jalan Baru 9<br>Ubud, Bali" in body, page
        assert "https://wa.me/6281200001111" in body, page
        assert "bcc-line" in body, page
        assert "kadek@balicaringcommunity.org" not in body, page
    [change] = ContactDetails.history.filter(id=contact.pk)
    assert change.history_user.username == "coordinator" or change.history_user.is_staff
    assert change.email == "halo@balicaringcommunity.org"


def test_a_volunteer_cannot_edit_it(volunteer_client):
    contact = ContactDetails.objects.get()

    response = edit(volunteer_client, email="x@example.org")

    assert response.status_code == 403
    contact.refresh_from_db()
    assert contact.email == "kadek@balicaringcommunity.org"


def test_nobody_adds_or_deletes_the_row(coordinator_client):
    contact = ContactDetails.objects.get()

    assert coordinator_client.get(admin_url(ContactDetails, "add")).status_code == 403
    assert (
        coordinator_client.get(admin_url(ContactDetails, "delete", contact.pk)).status_code == 403
    )


@pytest.mark.parametrize(
    ("language", "heading", "footer_link"),
    [("en", "Contact BCC", "Contact BCC"), ("id", "Hubungi BCC", "Hubungi BCC")],
)
def test_the_contact_page_and_footer_in_both_languages(client, language, heading, footer_link):
    body = client.get(f"/{language}/contact/").content.decode()

    assert f'<h1 class="h3">{heading}</h1>' in body
    assert "0813-3830-4000" in body
    assert "mailto:asti@balicaringcommunity.org" in body
    assert "mailto:kadek@balicaringcommunity.org" in body
    home = client.get(f"/{language}/").content.decode()
    footer = home[home.index("<footer") :]
    assert f'<a href="/{language}/contact/">{footer_link}</a>' in footer
    assert f'href="{WA}"' in footer
    assert "Line: 0813-3830-4000" in footer


# --- WhatsApp links with a prefilled message -----------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Hello BCC, I would like to ask about sponsoring Ketut & Co (recipient no. {pk})."),
        ("id", "Halo BCC, saya ingin bertanya tentang mensponsori Ketut & Co (penerima no. {pk})."),
    ],
)
def test_a_recipients_page_and_pledge_form_prefill_the_recipient(
    client, standard_rate, language, text
):
    recipient = RecipientFactory(nickname="Ketut & Co")
    expected = prefilled(text.format(pk=recipient.pk))

    for page in [
        f"/{language}/recipients/{recipient.pk}/",
        f"/{language}/recipients/{recipient.pk}/sponsor/",
    ]:
        assert expected in whatsapp_links(client.get(page).content.decode()), page


@pytest.mark.parametrize(
    ("language", "text"),
    [
        (
            "en",
            "Hello BCC, this is Ayu Lestari. "
            "I have just pledged to sponsor Komang (sponsorship no. {pk}).",
        ),
        (
            "id",
            "Halo BCC, saya Ayu Lestari. "
            "Saya baru saja berjanji mensponsori Komang (sponsor no. {pk}).",
        ),
    ],
)
def test_the_thank_you_page_prefills_the_sponsorship(client, standard_rate, language, text):
    recipient = RecipientFactory(nickname="Komang")

    response = client.post(
        f"/{language}/recipients/{recipient.pk}/sponsor/",
        pledge_form(language=language),
        follow=True,
    )

    sponsorship = recipient.sponsorships.get()
    assert prefilled(text.format(pk=sponsorship.pk)) in whatsapp_links(response.content.decode())


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Hello BCC, this is Maria Schmidt, sponsor of {names}."),
        ("id", "Halo BCC, saya Maria Schmidt, sponsor dari {names}."),
    ],
)
def test_the_private_page_prefills_the_donor_and_their_sponsorships(language, text):
    donor = DonorFactory(full_name="Maria Schmidt")
    first = SponsorshipFactory(donor=donor, recipient=RecipientFactory(nickname="Wayan"))
    second = SponsorshipFactory(donor=donor, recipient=RecipientFactory(nickname="Made"))
    PremiumPaymentFactory(sponsorship=first)
    word = "sponsorship no." if language == "en" else "sponsor no."
    made, wayan = f"Made ({word} {second.pk})", f"Wayan ({word} {first.pk})"

    links = whatsapp_links(client_of(donor).get(f"/{language}/donor/").content.decode())

    # In the order of the page (newest first; both were made at the same frozen moment).
    assert {
        prefilled(text.format(names=f"{made}, {wayan}")),
        prefilled(text.format(names=f"{wayan}, {made}")),
    } & set(links)


def test_a_number_that_is_not_one_is_refused_with_a_clear_message(coordinator_client):
    contact = ContactDetails.objects.get()

    response = edit(coordinator_client, whatsapp="call Kadek")

    assert response.status_code == 200
    assert "A phone number: digits, spaces or dashes" in response.content.decode()
    contact.refresh_from_db()
    assert contact.whatsapp == "+6281338304000"


@pytest.mark.parametrize(("language", "label"), [("en", "Contact"), ("id", "Kontak")])
def test_the_main_navbar_links_the_contact_page(client, language, label):
    for page in [f"/{language}/", f"/{language}/recipients/", f"/{language}/donor/link/"]:
        body = client.get(page).content.decode()
        navbar = body[body.index('id="main-nav"') : body.index("</nav>")]
        link = f'<a class="nav-link" href="/{language}/contact/">{label}</a>'
        assert link in navbar, page


def test_the_footer_keeps_each_number_on_one_line(client):
    footer = client.get("/en/").content.decode().split("<footer", 1)[1]

    assert '<span class="text-nowrap">Line: 0813-3830-4000</span>' in footer
    assert f'<span class="text-nowrap">WhatsApp: <a href="{WA}"' in footer
