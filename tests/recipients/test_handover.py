"""The BPJS card and its handover: staff record them (on a phone), the donor gets the photos."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from PIL import Image

from donations.mail import send_queued
from donations.models import Message, Sponsorship
from donations.services import DocumentationError, send_handover_documentation
from premiums.models import awaiting_card
from recipients.models import BpjsCard, CardHandover, HandoverPhoto, Recipient
from tests.factories import (
    BpjsCardFactory,
    CardHandoverFactory,
    DonorFactory,
    HandoverPhotoFactory,
    PremiumPaymentFactory,
    RecipientFactory,
    SponsorshipFactory,
)
from tests.helpers import add_evidence, admin_action, admin_url, at, frozen_at, sign_in_donor
from tests.images import jpeg_with_gps, png_bytes, upload

NOW = at(2026, 11, 22, 10, 0)
pytestmark = [pytest.mark.django_db, frozen_at(NOW)]


def stored_handover_files() -> set[Path]:
    return {p for p in Path(settings.PRIVATE_MEDIA_ROOT, "handovers").rglob("*") if p.is_file()}


def handover_form(card, photos=(), **data):
    """The add form as a phone sends it: the handover fields and up to two photo blocks."""
    form = {
        "card": card.pk,
        "handed_over_on": "2026-11-21",
        "place": "Banjar Tabola",
        "handed_over_by": "",
        "notes": "",
        "photos-TOTAL_FORMS": 2,
        "photos-INITIAL_FORMS": 0,
        "photos-MIN_NUM_FORMS": 0,
        "photos-MAX_NUM_FORMS": 1000,
        **data,
    }
    for i, photo in enumerate(photos):
        form[f"photos-{i}-image"] = photo
        form[f"photos-{i}-caption"] = f"Photo {i}"
    return form


# --- the handover form -----------------------------------------------------------------------


def test_it_offers_few_fields_with_today_and_the_current_user(admin_client, admin_user):
    response = admin_client.get(admin_url(CardHandover, "add"))
    form = response.context["adminform"].form
    assert list(form.fields) == ["card", "handed_over_on", "place", "handed_over_by", "notes"]
    assert form.initial["handed_over_on"] == dt.date(2026, 11, 22)
    assert form.initial["handed_over_by"] == admin_user.pk
    [photos] = response.context["inline_admin_formsets"]
    assert photos.opts.template == "admin/edit_inline/stacked.html"
    assert photos.formset.extra == 2
    content = response.content.decode()
    assert 'accept="image/jpeg,image/png"' in content
    assert "documentation_sent_at" not in content


def test_it_stores_web_size_and_thumbnail_without_gps(admin_client, admin_user):
    card = BpjsCardFactory()
    phone_photo = upload(jpeg_with_gps(size=(4000, 3000)), "IMG_0001.JPG")
    response = admin_client.post(
        admin_url(CardHandover, "add"),
        handover_form(card, [phone_photo], handed_over_by=admin_user.pk),
    )
    assert response.status_code == 302
    handover = CardHandover.objects.get()
    assert handover.handed_over_by == admin_user
    [photo] = handover.photos.all()
    for field, longest in ((photo.image, 1600), (photo.thumbnail, 400)):
        assert field.name.startswith("handovers/") and field.name.endswith(".jpg")
        content = field.read()
        assert b"SnoopPhone" not in content
        with Image.open(io.BytesIO(content)) as image:
            assert image.format == "JPEG"
            assert max(image.size) == longest
            assert len(image.getexif()) == 0


def test_it_refuses_a_bad_photo_and_stores_nothing(admin_client):
    card = BpjsCardFactory()
    files_before = stored_handover_files()
    good, bad = (
        upload(jpeg_with_gps(), "good.jpg"),
        upload(b"<html>not a photo</html>", "photo.jpg"),
    )
    response = admin_client.post(admin_url(CardHandover, "add"), handover_form(card, [good, bad]))
    assert response.status_code == 200
    assert "Only JPG or PNG images are accepted." in response.content.decode()
    assert not CardHandover.objects.exists()
    assert stored_handover_files() == files_before


def test_it_says_so_in_indonesian(admin_client):
    card = BpjsCardFactory()
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    response = admin_client.post(
        admin_url(CardHandover, "add"),
        handover_form(card, [upload(b"GIF89a....", "photo.jpg")]),
    )
    assert response.status_code == 200
    assert "Hanya gambar JPG atau PNG yang dapat diterima." in response.content.decode()
    assert not HandoverPhoto.objects.exists()


def test_it_cleans_a_photo_added_on_its_own_page(admin_client):
    handover = CardHandoverFactory()
    response = admin_client.post(
        admin_url(HandoverPhoto, "add"),
        {
            "handover": handover.pk,
            "image": upload(png_bytes(size=(2000, 500)), "p.png"),
            "caption": "With the family",
        },
    )
    assert response.status_code == 302
    photo = HandoverPhoto.objects.get()
    with Image.open(photo.image) as web, Image.open(photo.thumbnail) as thumbnail:
        assert (web.format, web.size) == ("JPEG", (1600, 400))
        assert (thumbnail.format, thumbnail.size) == ("JPEG", (400, 100))


def test_it_keeps_the_photo_when_only_the_caption_changes(admin_client):
    photo = HandoverPhotoFactory()
    before = (photo.image.name, photo.thumbnail.name)
    response = admin_client.post(
        admin_url(HandoverPhoto, "change", photo.pk),
        {"handover": photo.handover.pk, "caption": "New caption", "public_consent": "on"},
    )
    assert response.status_code == 302
    photo.refresh_from_db()
    assert (photo.image.name, photo.thumbnail.name) == before
    assert photo.caption == "New caption"


# --- cards -----------------------------------------------------------------------------------


def test_it_reads_a_participant_number_as_printed(admin_client):
    recipient = RecipientFactory()
    response = admin_client.post(
        admin_url(BpjsCard, "add"),
        {
            "recipient": recipient.pk,
            "participant_number": "2407 1403-791",
            "issued_on": "2026-11-01",
        },
    )
    assert response.status_code == 302
    assert BpjsCard.objects.get().participant_number == "24071403791"


@pytest.mark.parametrize(
    "number, issued_on, error",
    [
        ("2407140379", "2026-11-01", "A BPJS participant number (KPJ) has 11 digits."),
        ("2407140379X", "2026-11-01", "A BPJS participant number (KPJ) has 11 digits."),
        ("24071403791", "2026-11-23", "The issue date cannot be in the future."),
    ],
)
def test_it_refuses_a_wrong_card(admin_client, number, issued_on, error):
    response = admin_client.post(
        admin_url(BpjsCard, "add"),
        {"recipient": RecipientFactory().pk, "participant_number": number, "issued_on": issued_on},
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not BpjsCard.objects.exists()


def test_it_filters_cards_awaiting_handover(admin_client):
    waiting = BpjsCardFactory()
    handed_over = CardHandoverFactory().card
    CardHandoverFactory(card=handed_over)  # handed over twice: still one row
    changelist = admin_url(BpjsCard, "changelist")
    response = admin_client.get(changelist + "?handed_over=no")
    assert [c.pk for c in response.context["cl"].result_list] == [waiting.pk]
    response = admin_client.get(changelist + "?handed_over=yes")
    assert [c.pk for c in response.context["cl"].result_list] == [handed_over.pk]
    assert '<td class="field-handover_count">2</td>' in response.content.decode()


def test_it_filters_recipients_paid_for_but_without_a_card(admin_client):
    verified = PremiumPaymentFactory(status="verified").sponsorship.recipient
    PremiumPaymentFactory()  # pledged, not paid yet
    with_card = BpjsCardFactory(
        recipient=PremiumPaymentFactory(status="verified").sponsorship.recipient
    ).recipient
    # Paid twice (a renewal) and sponsored twice: still one row.
    second = SponsorshipFactory(recipient=verified, state=Sponsorship.State.STOPPED)
    PremiumPaymentFactory(sponsorship=second, status="verified")
    changelist = admin_url(Recipient, "changelist")
    response = admin_client.get(changelist + "?card=awaiting")
    assert [r.pk for r in response.context["cl"].result_list] == [verified.pk]
    response = admin_client.get(changelist + "?card=yes")
    assert [r.pk for r in response.context["cl"].result_list] == [with_card.pk]
    assert list(awaiting_card()) == [verified]


# --- sending the documentation ---------------------------------------------------------------


def test_it_sends_the_documentation_to_the_donors_holding_the_recipient(admin_user):
    recipient = RecipientFactory()
    # An earlier donor who stopped long ago, and the one who pays now.
    old = SponsorshipFactory(recipient=recipient, state=Sponsorship.State.STOPPED)
    current = SponsorshipFactory(recipient=recipient, state=Sponsorship.State.ACTIVE)
    handover = CardHandoverFactory(card__recipient=recipient)

    assert send_handover_documentation(handover, by=admin_user) is True

    [message] = Message.objects.all()
    assert message.kind == Message.Kind.CARD_HANDED_OVER
    assert (message.donor, message.sponsorship) == (current.donor, current)
    assert message.key == f"card_handed_over:{handover.pk}:{current.pk}"
    assert message.context == {"handover_id": handover.pk}
    assert old.donor.messages.count() == 0
    assert handover.documentation_sent_at == NOW
    assert handover.history.latest().history_user == admin_user


def test_it_sends_it_once(admin_user):
    sponsorship = SponsorshipFactory(state=Sponsorship.State.ACTIVE)
    handover = CardHandoverFactory(card__recipient=sponsorship.recipient)
    assert send_handover_documentation(handover, by=admin_user) is True
    assert send_handover_documentation(handover, by=admin_user) is False
    assert Message.objects.count() == 1


def test_it_tells_the_last_donor_after_they_stopped(admin_user):
    first = SponsorshipFactory(state=Sponsorship.State.LAPSED)
    last = SponsorshipFactory(recipient=first.recipient, state=Sponsorship.State.STOPPED)
    handover = CardHandoverFactory(card__recipient=first.recipient)
    send_handover_documentation(handover, by=admin_user)
    assert [m.sponsorship for m in Message.objects.all()] == [last]


def test_it_refuses_when_nobody_sponsors_the_recipient(admin_user):
    handover = CardHandoverFactory()
    with pytest.raises(DocumentationError):
        send_handover_documentation(handover, by=admin_user)
    handover.refresh_from_db()
    assert handover.documentation_sent_at is None


def test_the_email_carries_the_web_size_photo(admin_user, mailoutbox):
    sponsorship = SponsorshipFactory(state=Sponsorship.State.ACTIVE)
    handover = CardHandoverFactory(card__recipient=sponsorship.recipient)
    photo = HandoverPhotoFactory(handover=handover)
    send_handover_documentation(handover, by=admin_user)
    assert send_queued()["sent"] == 1
    [(name, content, mimetype)] = mailoutbox[0].attachments
    assert content == photo.image.read()


def test_staff_send_it_from_the_list(admin_client):
    sponsorship = SponsorshipFactory(state=Sponsorship.State.ACTIVE)
    handover = CardHandoverFactory(card__recipient=sponsorship.recipient)
    nobody = CardHandoverFactory()
    response = admin_action(
        admin_client, CardHandover, "send_documentation", [handover, nobody], follow=True
    )
    content = response.content.decode()
    assert "The documentation of 1 handover is on its way to the donor." in content
    assert "there is no donor to send the documentation to" in content
    assert Message.objects.get().sponsorship == sponsorship
    response = admin_client.get(
        admin_url(CardHandover, "changelist") + "?documentation_sent_at__isempty=1"
    )
    assert [h.pk for h in response.context["cl"].result_list] == [nobody.pk]


def test_staff_save_and_send_it_from_the_handover_page(admin_client, admin_user):
    sponsorship = SponsorshipFactory(
        state=Sponsorship.State.ACTIVE, donor=DonorFactory(full_name="Ann Example")
    )
    handover = CardHandoverFactory(card__recipient=sponsorship.recipient)
    change = admin_url(CardHandover, "change", handover.pk)
    content = admin_client.get(change).content.decode()
    assert 'name="_send_documentation"' in content
    assert "to: Ann Example." in content

    photo = upload(jpeg_with_gps(), "p.jpg")
    data = handover_form(
        handover.card, [photo], handed_over_on="2026-11-22", _send_documentation="1"
    )
    response = admin_client.post(change, data)

    assert response.status_code == 302 and response.url == change
    handover.refresh_from_db()
    assert handover.photos.count() == 1  # saved first, then sent
    assert handover.documentation_sent_at == NOW
    assert Message.objects.get().donor == sponsorship.donor
    assert 'name="_send_documentation"' not in admin_client.get(change).content.decode()


# --- the donor's private page ----------------------------------------------------------------


@pytest.fixture
def photo():
    sponsorship = SponsorshipFactory(state=Sponsorship.State.ACTIVE)
    photo = HandoverPhotoFactory(handover__card__recipient=sponsorship.recipient)
    return sponsorship.donor, sponsorship.donor.issue_link(), photo


def photo_urls(photo):
    return (
        reverse("donations:photo", args=[photo.pk]),
        reverse("donations:photo_thumbnail", args=[photo.pk]),
    )


def test_the_private_page_shows_the_thumbnail_linking_to_the_photo(client, photo):
    donor, token, photo = photo
    web, thumbnail = photo_urls(photo)
    sign_in_donor(client, token)
    content = client.get(reverse("donations:page")).content.decode()
    assert f'<a href="{web}"><img src="{thumbnail}"' in content

    response = client.get(thumbnail)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == photo.thumbnail.read()
    assert response["Cache-Control"] == "private, no-store"
    response = client.get(web)
    assert b"".join(response.streaming_content) == photo.image.read()


def test_an_older_photo_without_thumbnail_shows_the_photo(client, photo):
    donor, token, photo = photo
    HandoverPhoto.objects.filter(pk=photo.pk).update(thumbnail="")
    sign_in_donor(client, token)
    response = client.get(photo_urls(photo)[1])
    assert b"".join(response.streaming_content) == photo.image.read()


def test_a_donor_who_sponsored_the_person_twice_sees_the_photos(client, photo):
    donor, token, photo = photo
    SponsorshipFactory(
        donor=donor, recipient=photo.handover.card.recipient, state=Sponsorship.State.STOPPED
    )
    sign_in_donor(client, token)
    for address in photo_urls(photo):
        assert client.get(address).status_code == 200


def test_another_donor_gets_404_and_anonymous_and_staff_the_link_form(client, admin_client, photo):
    donor, token, photo = photo
    sign_in_donor(client, DonorFactory().issue_link())
    for address in photo_urls(photo):
        assert client.get(address).status_code == 404
        assert Client().get(address)["Location"] == "/en/donor/link/"
        # Being logged in as staff opens nothing on the donors' pages.
        assert admin_client.get(address)["Location"] == "/en/donor/link/"


def test_the_private_page_names_bccs_own_receipt(client, admin_client):
    payment = PremiumPaymentFactory(
        sponsorship__route=Sponsorship.Route.PAYPAL, sponsorship__donor__country="NL"
    )
    add_evidence(admin_client, payment)
    sign_in_donor(client, payment.sponsorship.donor.issue_link())
    content = client.get(reverse("donations:page")).content.decode()
    assert "BCC's receipt from BPJS, 22 Nov 2026" in content
