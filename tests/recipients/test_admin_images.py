"""Staff see the private pictures in the admin: recipients' photos and handover photos, as
thumbnails in the lists and the forms and at full size, through a staff-only view; never a
public media address, and nobody else gets them."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.test import Client

from recipients.models import CardHandover, HandoverPhoto, Recipient
from tests.factories import DonorFactory, HandoverPhotoFactory, RecipientFactory, UserFactory
from tests.helpers import admin_url, client_of
from tests.images import png_bytes

pytestmark = pytest.mark.django_db


def image_url(obj, field):
    return admin_url(type(obj), "image", obj.pk, field)


@pytest.fixture
def photo():
    return HandoverPhotoFactory(caption="Card for Wayan")


@pytest.fixture
def recipient_with_photo():
    return RecipientFactory(photo=ContentFile(png_bytes(), name="face.png"))


def test_it_shows_the_handover_photo_and_its_thumbnail_to_staff(volunteer_client, photo):
    for field, stored in (("image", photo.image), ("thumbnail", photo.thumbnail)):
        response = volunteer_client.get(image_url(photo, field))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("image/")
        assert b"".join(response.streaming_content) == stored.open("rb").read()
        assert "private, no-store" in response["Cache-Control"]


def test_it_shows_the_recipients_photo_to_a_volunteer(volunteer_client, recipient_with_photo):
    response = volunteer_client.get(image_url(recipient_with_photo, "photo"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"


@pytest.mark.parametrize("field", ["nik", "story", "unknown"])
def test_it_serves_no_other_field(staff_client, recipient_with_photo, field):
    assert staff_client.get(image_url(recipient_with_photo, field)).status_code == 404


def test_it_refuses_an_anonymous_visitor(photo, recipient_with_photo):
    for url in (image_url(photo, "image"), image_url(recipient_with_photo, "photo")):
        response = Client().get(url)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_it_refuses_a_donor(photo, recipient_with_photo):
    client = client_of(DonorFactory())
    for url in (image_url(photo, "image"), image_url(recipient_with_photo, "photo")):
        response = client.get(url)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_it_refuses_staff_without_permission_to_view_the_row(photo):
    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_cardhandover"))
    client = Client()
    client.force_login(clerk)
    assert client.get(image_url(photo, "image")).status_code == 403


def test_the_address_is_no_public_media_address(photo, recipient_with_photo):
    for url in (image_url(photo, "image"), image_url(recipient_with_photo, "photo")):
        assert url.startswith("/admin/")
        assert not url.startswith(settings.MEDIA_URL)
        assert photo.image.name not in url


def test_it_shows_thumbnails_in_the_list_of_handover_photos(volunteer_client, photo):
    page = volunteer_client.get(admin_url(HandoverPhoto, "changelist")).content.decode()
    assert f'<img src="{image_url(photo, "thumbnail")}"' in page
    assert f'href="{image_url(photo, "image")}"' in page


def test_it_shows_the_photo_in_its_change_form(volunteer_client, photo):
    page = volunteer_client.get(admin_url(HandoverPhoto, "change", photo.pk)).content.decode()
    assert f'<img src="{image_url(photo, "thumbnail")}"' in page
    assert f'href="{image_url(photo, "image")}"' in page
    assert "Open full size" in page


def test_it_shows_the_photos_under_their_handover(volunteer_client, photo):
    url = admin_url(CardHandover, "change", photo.handover.pk)
    page = volunteer_client.get(url).content.decode()
    assert f'<img src="{image_url(photo, "thumbnail")}"' in page


def test_an_old_photo_without_thumbnail_shows_the_image(volunteer_client, photo):
    HandoverPhoto.objects.filter(pk=photo.pk).update(thumbnail="")
    page = volunteer_client.get(admin_url(HandoverPhoto, "changelist")).content.decode()
    assert f'<img src="{image_url(photo, "image")}"' in page


def test_it_shows_the_recipients_photo_in_the_list_and_the_form(
    volunteer_client, recipient_with_photo
):
    url = image_url(recipient_with_photo, "photo")
    listing = volunteer_client.get(admin_url(Recipient, "changelist")).content.decode()
    assert f'<img src="{url}"' in listing
    form = volunteer_client.get(admin_url(Recipient, "change", recipient_with_photo.pk))
    assert f'<img src="{url}"' in form.content.decode()


def test_a_recipient_without_photo_shows_a_dash(volunteer_client):
    recipient = RecipientFactory()
    page = volunteer_client.get(admin_url(Recipient, "change", recipient.pk)).content.decode()
    assert "/image/photo/" not in page
