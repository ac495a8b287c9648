"""Every factory builds a row the model accepts, so tests start from valid data."""

import inspect

import factory
import pytest
from django.http import HttpRequest

from tests import factories

FACTORIES = sorted(
    (
        cls
        for _, cls in inspect.getmembers(factories, inspect.isclass)
        if issubclass(cls, factory.django.DjangoModelFactory)
        and cls.__module__ == factories.__name__
    ),
    key=lambda cls: cls.__name__,
)


def test_it_finds_every_factory():
    names = {cls.__name__ for cls in FACTORIES}
    assert {"RecipientFactory", "SponsorshipFactory", "PremiumPaymentFactory"} <= names
    assert len(FACTORIES) >= 16


@pytest.mark.parametrize("factory_class", FACTORIES, ids=lambda cls: cls.__name__)
def test_it_saves_a_valid_row(db, factory_class):
    row = factory_class()
    model = factory_class._meta.model
    assert model.objects.filter(pk=row.pk).exists()
    row.refresh_from_db()
    row.full_clean()


@pytest.mark.parametrize("factory_class", FACTORIES, ids=lambda cls: cls.__name__)
def test_it_saves_two_rows_side_by_side(db, factory_class):
    """Unique fields come from sequences, so a test can make several of anything."""
    first, second = factory_class(), factory_class()
    assert first.pk != second.pk or factory_class._meta.django_get_or_create


def test_it_builds_without_saving(db):
    recipient = factories.RecipientFactory.build()
    assert recipient.pk is None
    recipient.full_clean()


def test_it_makes_recipients_whose_nik_matches_their_birth(db):
    recipients = factories.RecipientFactory.create_batch(3)
    assert [r.nik_check().warnings for r in recipients] == [[], [], []]


def test_it_makes_payments_of_the_standard_rate(db):
    payment = factories.PremiumPaymentFactory(months=24)
    assert payment.amount == 24 * 16_800
    assert payment.channel == payment.sponsorship.route
    assert payment.first_month == payment.sponsorship.first_month


def test_it_makes_staff_who_can_log_in(db, client):
    staff = factories.StaffFactory()
    assert staff.is_staff and staff.is_superuser
    # django-axes checks every authentication against its lockouts and needs the request.
    assert client.login(request=HttpRequest(), username=staff.username, password="password")


def test_it_stores_a_real_image_for_handover_photos(db):
    from PIL import Image

    photo = factories.HandoverPhotoFactory()
    with Image.open(photo.image.path) as image:
        assert image.format == "PNG"
