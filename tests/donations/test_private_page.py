import datetime as dt
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from donations.models import DonorRequest, Message
from premiums.models import PaymentEvidence, PremiumPayment
from premiums.services import verify_evidence
from tests.factories import (
    CardHandoverFactory,
    DonorFactory,
    HandoverPhotoFactory,
    PaymentEvidenceFactory,
    PremiumPaymentFactory,
    RecipientFactory,
    SponsorshipFactory,
    StaffFactory,
)
from tests.images import png_bytes

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def owner(standard_rate):
    donor = DonorFactory(full_name="Owner Person")
    sponsorship = SponsorshipFactory(
        donor=donor, recipient=RecipientFactory(nickname="Wayan"), first_month=dt.date(2026, 12, 1)
    )
    payment = PremiumPaymentFactory(sponsorship=sponsorship)
    return donor, donor.issue_link(), sponsorship, payment


def test_it_shows_the_donors_sponsorships_and_payments(client, owner):
    donor, token, sponsorship, payment = owner
    body = client.get(f"/en/donor/{token}/").content.decode()
    assert "Owner Person" in body
    assert "Wayan" in body
    assert "Rp 201.600" in body
    assert "Awaiting the first payment" in body
    assert f'id="payment-{payment.pk}"' in body


def test_it_answers_404_to_other_unknown_and_revoked_tokens(client, owner):
    donor, token, sponsorship, payment = owner
    other = DonorFactory(full_name="Someone Else")
    other_token = other.issue_link()
    assert "Owner Person" not in client.get(f"/en/donor/{other_token}/").content.decode()
    assert client.get("/en/donor/not-a-real-token/").status_code == 404
    donor.revoke_links()
    assert client.get(f"/en/donor/{token}/").status_code == 404
    fresh = donor.issue_link()
    assert client.get(f"/en/donor/{fresh}/").status_code == 200


def test_it_answers_404_to_an_expired_link(client, owner):
    donor = owner[0]
    token = donor.issue_link(days=1)
    assert client.get(f"/en/donor/{token}/").status_code == 200
    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        assert client.get(f"/en/donor/{token}/").status_code == 404


def test_the_token_is_stored_only_as_a_hash(owner):
    donor, token, *_ = owner
    assert len(token) >= 22  # 128 bits and more
    assert not donor.access_tokens.filter(token_hash=token).exists()


def upload(client, token, payment, content, name="receipt.png"):
    return client.post(
        f"/en/donor/{token}/payments/{payment.pk}/evidence/",
        {"file": SimpleUploadedFile(name, content)},
        follow=True,
    )


def test_it_accepts_evidence_and_shows_it_awaiting_verification(client, owner, mailoutbox):
    donor, token, sponsorship, payment = owner
    response = upload(client, token, payment, png_bytes())
    body = response.content.decode()
    assert "your evidence was received" in body
    evidence = PaymentEvidence.objects.get()
    assert evidence.status == "pending" and evidence.content_type == "image/png"
    assert "Awaiting verification" in body
    sponsorship.refresh_from_db()
    assert sponsorship.lapses_on is None  # evidence awaiting review holds off the lapse
    assert Message.objects.filter(kind="evidence_received", donor=donor).count() == 1


def test_it_refuses_a_bad_file_and_stores_nothing(client, owner):
    donor, token, sponsorship, payment = owner
    response = upload(client, token, payment, b"MZ\x90\x00 not really an image", "photo.jpg")
    assert "Only JPG, PNG or PDF" in response.content.decode()
    assert PaymentEvidence.objects.count() == 0
    assert Message.objects.filter(kind="evidence_received").count() == 0


def test_it_flags_the_same_file_given_for_another_payment(client, owner):
    donor, token, sponsorship, payment = owner
    other_payment = PremiumPaymentFactory(
        sponsorship=SponsorshipFactory(donor=donor, first_month=dt.date(2026, 12, 1))
    )
    upload(client, token, payment, png_bytes())
    upload(client, token, other_payment, png_bytes())
    first, second = PaymentEvidence.objects.order_by("pk")
    assert first.duplicate_of is None
    assert second.duplicate_of == first


def test_it_does_not_take_evidence_for_someone_elses_payment(client, owner):
    donor, token, sponsorship, payment = owner
    other_token = DonorFactory().issue_link()
    response = client.post(
        f"/en/donor/{other_token}/payments/{payment.pk}/evidence/",
        {"file": SimpleUploadedFile("r.png", png_bytes())},
    )
    assert response.status_code == 404
    assert PaymentEvidence.objects.count() == 0


def test_evidence_files_open_only_for_the_owner_or_staff(client, owner):
    donor, token, sponsorship, payment = owner
    evidence = PaymentEvidenceFactory(payment=payment)
    own = client.get(f"/en/donor/{token}/evidence/{evidence.pk}/")
    assert own.status_code == 200
    assert own["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in own["Cache-Control"]
    other_token = DonorFactory().issue_link()
    assert client.get(f"/en/donor/{other_token}/evidence/{evidence.pk}/").status_code == 404
    assert Client().get(f"/en/staff/evidence/{evidence.pk}/").status_code == 302  # to login
    staff_client = Client()
    staff_client.force_login(StaffFactory())
    assert staff_client.get(f"/en/staff/evidence/{evidence.pk}/").status_code == 200


def test_it_starts_the_next_payment_right_after_the_last(client, owner):
    donor, token, sponsorship, payment = owner
    evidence = PaymentEvidenceFactory(payment=payment)
    verify_evidence(evidence, by=StaffFactory())
    client.post(f"/en/donor/{token}/sponsorships/{sponsorship.pk}/next-payment/", {"months": "3"})
    renewal = PremiumPayment.objects.exclude(pk=payment.pk).get()
    assert renewal.first_month == dt.date(2027, 12, 1)
    assert (renewal.months, renewal.amount, renewal.status) == (3, 50_400, "pending")


def test_it_refuses_a_second_pending_payment(client, owner):
    donor, token, sponsorship, payment = owner
    response = client.post(
        f"/en/donor/{token}/sponsorships/{sponsorship.pk}/next-payment/",
        {"months": "3"},
        follow=True,
    )
    assert "Send the evidence for the payment already started first." in response.content.decode()
    assert PremiumPayment.objects.count() == 1


@pytest.mark.parametrize("months", ["0", "-3", "abc", "61"])
def test_it_refuses_a_bad_number_of_months(client, owner, months):
    donor, token, sponsorship, payment = owner
    PaymentEvidenceFactory(payment=payment)
    verify_evidence(PaymentEvidence.objects.get(), by=StaffFactory())
    client.post(
        f"/en/donor/{token}/sponsorships/{sponsorship.pk}/next-payment/", {"months": months}
    )
    assert PremiumPayment.objects.count() == 1


def test_it_sends_a_stop_or_change_request_to_staff(client, owner):
    donor, token, sponsorship, payment = owner
    other = RecipientFactory(nickname="Nyoman")
    client.post(f"/en/donor/{token}/sponsorships/{sponsorship.pk}/request/", {"kind": "stop"})
    client.post(
        f"/en/donor/{token}/sponsorships/{sponsorship.pk}/request/",
        {"kind": "change_recipient", "new_recipient": other.pk, "message": "Please"},
    )
    client.post(
        f"/en/donor/{token}/sponsorships/{sponsorship.pk}/request/", {"kind": "change_recipient"}
    )
    requests = list(DonorRequest.objects.order_by("pk"))
    assert [(r.kind, r.new_recipient) for r in requests] == [
        ("stop", None),
        ("change_recipient", other),
    ]


def test_the_statement_sums_verified_payments_by_year_and_recipient(client, owner):
    donor, token, sponsorship, payment = owner
    verify_evidence(PaymentEvidenceFactory(payment=payment), by=StaffFactory())
    PremiumPaymentFactory(
        sponsorship=SponsorshipFactory(donor=donor, first_month=dt.date(2026, 12, 1))
    )  # pending: not on the statement
    body = client.get(f"/en/donor/{token}/statement/").content.decode()
    assert "2026" in body and "Wayan" in body
    assert body.count("Rp 201.600") == 2  # the row and the total


def test_handover_photos_are_shown_only_to_the_sponsor(client, owner):
    donor, token, sponsorship, payment = owner
    photo = HandoverPhotoFactory(
        handover=CardHandoverFactory(card__recipient=sponsorship.recipient)
    )
    assert client.get(f"/en/donor/{token}/photos/{photo.pk}/").status_code == 200
    assert (
        f"/en/donor/{token}/photos/{photo.pk}/"
        in client.get(f"/en/donor/{token}/").content.decode()
    )
    other_token = DonorFactory().issue_link()
    assert client.get(f"/en/donor/{other_token}/photos/{photo.pk}/").status_code == 404


def test_its_query_count_does_not_grow_with_payments(client, owner, django_assert_max_num_queries):
    donor, token, sponsorship, payment = owner
    with django_assert_max_num_queries(16) as first:
        client.get(f"/en/donor/{token}/")
    for _ in range(3):
        s = SponsorshipFactory(donor=donor, first_month=dt.date(2026, 12, 1))
        PaymentEvidenceFactory(payment=PremiumPaymentFactory(sponsorship=s))
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(f"/en/donor/{token}/")


def test_send_me_my_link_answers_the_same_for_known_and_unknown(client, owner):
    donor = owner[0]

    def answer(email):
        body = client.post("/en/donor/link/", {"email": email}).content.decode()
        # The CSRF token is masked afresh on every response; everything else must be equal.
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body).replace(email, "X")

    assert answer(donor.email) == answer("nobody@example.org")
    assert "a link to the private page is on its way" in answer(donor.email)
    assert Message.objects.filter(kind="link", donor=donor).count() == 1
