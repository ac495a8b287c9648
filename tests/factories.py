"""factory_boy factories for every model, with values that pass the model's validators."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from claims.models import Claim, ClaimDocument
from donations.models import Donor, DonorAccessToken, DonorRequest, Message, Sponsorship
from premiums.models import PaymentEvidence, PremiumPayment, PremiumRate, Refund
from recipients.models import (
    BpjsCard,
    CardHandover,
    HandoverPhoto,
    Occupation,
    Recipient,
    Regency,
    SituationUpdate,
)
from tests.images import jpeg_bytes, png_bytes


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("password")


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


class RecipientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recipient

    nickname = factory.Sequence(lambda n: f"Wayan {n}")
    full_name = factory.LazyAttribute(lambda r: f"I {r.nickname} Sudarma")
    occupation = Occupation.COCONUT_CLIMBER
    regency = Regency.KARANGASEM
    story = "Climbs coconut trees every day to feed three children."
    nik = factory.Sequence(lambda n: f"510701150580{n % 10000:04d}")
    kk = factory.Sequence(lambda n: f"5107010101{n % 1000000:06d}")
    date_of_birth = dt.date(1980, 5, 15)
    sex = "M"
    village = "Desa Sidemen"
    address = "Banjar Tabola, Sidemen"
    phone = "+6281338000001"
    waiting_since = dt.date(2026, 1, 10)


class BpjsCardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BpjsCard

    recipient = factory.SubFactory(RecipientFactory)
    participant_number = factory.Sequence(lambda n: f"{26000000000 + n}")
    issued_on = dt.date(2026, 3, 1)


class CardHandoverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CardHandover

    card = factory.SubFactory(BpjsCardFactory)
    handed_over_on = factory.LazyFunction(timezone.localdate)
    place = "Banjar Tabola"


class HandoverPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HandoverPhoto

    handover = factory.SubFactory(CardHandoverFactory)
    image = factory.LazyFunction(lambda: ContentFile(png_bytes(), name="handover.png"))
    thumbnail = factory.LazyFunction(lambda: ContentFile(jpeg_bytes((20, 15)), name="thumb.jpg"))


class SituationUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SituationUpdate

    recipient = factory.SubFactory(RecipientFactory)
    kind = SituationUpdate.Kind.FINANCES_IMPROVED
    happened_on = dt.date(2026, 6, 1)


class DonorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Donor

    full_name = factory.Sequence(lambda n: f"Donor Number{n}")
    display_name = factory.Sequence(lambda n: f"D.N. {n}")
    listed_publicly = True
    email = factory.Sequence(lambda n: f"donor{n}@example.org")
    phone = "+6281234567890"
    country = "ID"
    language = "en"


class DonorAccessTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DonorAccessToken

    donor = factory.SubFactory(DonorFactory)
    token_hash = factory.Sequence(lambda n: f"{n:064x}")


class SponsorshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sponsorship

    donor = factory.SubFactory(DonorFactory)
    recipient = factory.SubFactory(RecipientFactory)
    first_month = dt.date(2026, 1, 1)
    months_pledged = 12
    route = Sponsorship.Route.DIRECT


class DonorRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DonorRequest

    sponsorship = factory.SubFactory(SponsorshipFactory)
    kind = DonorRequest.Kind.STOP


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    donor = factory.SubFactory(DonorFactory)
    kind = Message.Kind.PLEDGE_RECEIVED


class PremiumRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PremiumRate

    first_month = dt.date(2015, 1, 1)
    last_month = None
    jkk = 10_000
    jkm = 6_800


class PremiumPaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PremiumPayment

    sponsorship = factory.SubFactory(SponsorshipFactory)
    first_month = factory.LazyAttribute(lambda p: p.sponsorship.first_month)
    months = 12
    amount = factory.LazyAttribute(lambda p: 16_800 * p.months)
    channel = factory.LazyAttribute(lambda p: p.sponsorship.route)
    status = PremiumPayment.Status.PENDING
    verified_at = factory.LazyAttribute(
        lambda p: timezone.now() if p.status == PremiumPayment.Status.VERIFIED else None
    )


class PaymentEvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentEvidence

    payment = factory.SubFactory(PremiumPaymentFactory)
    file = factory.LazyFunction(lambda: ContentFile(png_bytes(), name="receipt.png"))
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    content_type = "image/png"
    size = 100


class RefundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Refund

    payment = factory.SubFactory(PremiumPaymentFactory)
    unused_months = 3
    amount = 50_400


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    recipient = factory.SubFactory(RecipientFactory)
    kind = Claim.Kind.SCHOLARSHIP
    happened_on = dt.date(2026, 11, 2)
    children = factory.LazyAttribute(lambda c: 1 if c.kind == Claim.Kind.SCHOLARSHIP else None)


class ClaimDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClaimDocument

    claim = factory.SubFactory(ClaimFactory)
    kind = ClaimDocument.Kind.DEATH_CERTIFICATE
