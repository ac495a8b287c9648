"""Pictures where people would rather look: the home page's hero, consented handover photos,
and drawn portraits (not a letter on a green block) for people shown without a photo."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from tests.factories import HandoverPhotoFactory, RecipientFactory
from tests.helpers import at, frozen_at

NOW = at(2026, 11, 22, 10, 0)
pytestmark = [pytest.mark.django_db, frozen_at(NOW)]
STATIC = Path(settings.BASE_DIR) / "static" / "img"


def test_the_site_ships_its_own_hero_and_preview_images():
    with Image.open(STATIC / "hero.jpg") as hero:
        assert (hero.format, hero.size) == ("JPEG", (1600, 700))
    with Image.open(STATIC / "og-image.png") as preview:
        assert (preview.format, preview.size) == ("PNG", (1200, 630))


@pytest.mark.parametrize(
    ("language", "alt"),
    [
        ("en", "A coconut tree climber in front of rice terraces and Mount Agung, Bali"),
        ("id", "Seorang pemanjat pohon kelapa di depan sawah terasering dan Gunung Agung, Bali"),
    ],
)
def test_the_home_page_opens_with_the_hero_and_its_alt_text(client, standard_rate, language, alt):
    body = client.get(f"/{language}/").content.decode()

    assert f'src="/static/img/hero.jpg" width="1600" height="700" alt="{alt}"' in body
    assert body.index("hero.jpg") < body.index("<h1")
    assert client.get("/static/img/hero.jpg").status_code == 200


def test_the_home_page_shows_consented_handover_photos_only(client, standard_rate):
    shown = HandoverPhotoFactory(
        public_consent=True,
        handover__card__recipient__nickname="Nyoman",
        handover__handed_over_on=dt.date(2026, 10, 3),
    )
    private = HandoverPhotoFactory(
        public_consent=False, handover__card__recipient__nickname="Rahasia"
    )

    body = client.get("/en/").content.decode()

    assert f'src="/en/help-provided/photos/{shown.pk}/"' in body
    assert 'alt="Nyoman receives the BPJS Ketenagakerjaan card"' in body
    assert "October 2026" in body
    assert f"/help-provided/photos/{private.pk}/" not in body
    section = body[body.index('class="mb-4 handover-photos"') :]
    section = section[: section.index("</section>")]
    assert "Nyoman" in section
    assert "Rahasia" not in section
    assert client.get(f"/en/help-provided/photos/{shown.pk}/").status_code == 200
    assert client.get(f"/en/help-provided/photos/{private.pk}/").status_code == 404


def test_the_home_page_shows_no_handover_section_without_consented_photos(client, standard_rate):
    HandoverPhotoFactory(public_consent=False)

    body = client.get("/en/").content.decode()

    assert "Cards in the hands of the workers" not in body


@pytest.mark.parametrize(
    ("occupation", "headwear"),
    [
        ("construction_worker", "portrait-helmet"),
        ("coconut_climber", "portrait-udeng"),
        ("fisher", "portrait-udeng"),
    ],
)
def test_a_person_without_a_photo_gets_a_drawn_portrait(client, occupation, headwear):
    recipient = RecipientFactory(nickname="Ketut", occupation=occupation)

    body = client.get(f"/en/recipients/{recipient.pk}/").content.decode()

    portrait = re.search(r'<svg class="portrait-placeholder[^"]*"[^>]*>.*?</svg>', body, re.S)
    assert portrait, "no drawn portrait"
    assert f"portrait-{occupation}" in portrait.group(0)
    assert 'aria-label="No photo of Ketut is shown"' in portrait.group(0)
    assert headwear in portrait.group(0)
    assert "recipient-photo-placeholder" not in body  # the old green block with a letter
