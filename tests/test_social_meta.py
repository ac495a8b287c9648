"""Link previews: every public page carries Open Graph and Twitter card tags with absolute
addresses; a donor's own pages carry none, and ask not to be indexed."""

import re

import pytest
from django.core.files.base import ContentFile

from tests.factories import (
    DonorFactory,
    PremiumPaymentFactory,
    RecipientFactory,
    SponsorshipFactory,
)
from tests.helpers import at, client_of, frozen_at, pledge_form
from tests.images import png_bytes

NOW = at(2026, 11, 22, 10, 0)
pytestmark = [pytest.mark.django_db, frozen_at(NOW)]


def meta(body: str) -> dict[str, str]:
    return dict(re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)"', body))


@pytest.fixture
def recipient(standard_rate):
    return RecipientFactory(nickname="Ketut")


@pytest.mark.parametrize(
    "path",
    [
        "/{lang}/",
        "/{lang}/recipients/",
        "/{lang}/recipients/{pk}/",
        "/{lang}/recipients/{pk}/sponsor/",
        "/{lang}/donors/",
        "/{lang}/help-provided/",
        "/{lang}/contact/",
        "/{lang}/donor/link/",
    ],
)
@pytest.mark.parametrize(("lang", "locale"), [("en", "en_US"), ("id", "id_ID")])
def test_every_public_page_has_a_preview_with_absolute_addresses(
    client, settings, recipient, path, lang, locale
):
    settings.SITE_URL = "https://sponsor.example.org"
    address = path.format(lang=lang, pk=recipient.pk)

    body = client.get(address).content.decode()

    tags = meta(body)
    assert tags["og:site_name"] == "BCC Sponsor"
    assert tags["og:title"]
    assert tags["og:description"]
    assert tags["og:url"] == "https://sponsor.example.org" + address
    assert tags["og:image"].startswith("https://sponsor.example.org/static/img/og-image")
    assert tags["og:image:alt"]
    assert tags["og:locale"] == locale
    assert tags["twitter:card"] == "summary_large_image"
    assert tags["twitter:image"] == tags["og:image"]
    assert "noindex" not in body


def test_a_recipients_preview_names_them_in_the_pages_language(client, recipient):
    english = meta(client.get(f"/en/recipients/{recipient.pk}/").content.decode())
    indonesian = meta(client.get(f"/id/recipients/{recipient.pk}/").content.decode())

    assert english["og:title"] == "Protect Ketut, a Balinese worker"
    assert indonesian["og:title"] == "Lindungi Ketut, seorang pekerja Bali"


def test_a_consented_photo_is_the_recipients_preview_image(client, settings, recipient):
    settings.SITE_URL = "https://sponsor.example.org"
    recipient.photo = ContentFile(png_bytes(), name="ketut.png")
    recipient.photo_consent = True
    recipient.save()

    tags = meta(client.get(f"/en/recipients/{recipient.pk}/").content.decode())

    assert tags["og:image"] == f"https://sponsor.example.org/en/recipients/{recipient.pk}/photo/"


def test_the_private_pages_are_never_indexed_nor_previewed(client, standard_rate, recipient):
    donor = DonorFactory(full_name="Maria Schmidt")
    PremiumPaymentFactory(
        sponsorship=SponsorshipFactory(donor=donor, recipient=recipient),
        status="verified",
        verified_at=NOW,
    )
    donor_client = client_of(donor)
    waiting = RecipientFactory(nickname="Komang")
    response = client.post(f"/en/recipients/{waiting.pk}/sponsor/", pledge_form(), follow=True)
    assert response.redirect_chain[-1][0].endswith("/sponsor/thanks/")
    thanks = response.content.decode()
    pages = {
        "private page": donor_client.get("/en/donor/").content.decode(),
        "printable statement": donor_client.get("/en/donor/statement/").content.decode(),
        "no statement": donor_client.get("/en/donor/statement/pdf/?year=2019").content.decode(),
        "thank-you page": thanks,
        "invalid link": client.get("/en/donor/not-a-token/").content.decode(),
    }

    for name, body in pages.items():
        tags = meta(body)
        assert tags.get("robots") == "noindex, nofollow", name
        assert not [key for key in tags if key.startswith(("og:", "twitter:"))], name
