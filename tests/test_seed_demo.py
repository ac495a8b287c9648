import datetime as dt
import hashlib
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db import transaction
from django.http import HttpRequest
from django.test import Client
from PIL import Image

from claims.dashboard import scholarship_milestones
from claims.models import Claim
from core.months import add_months, month_start
from donations.models import (
    Donor,
    DonorAccessToken,
    DonorRequest,
    Message,
    Sponsorship,
    needing_sponsor,
)
from donations.standing import Standing
from premiums.models import PaymentEvidence, PremiumPayment, PremiumRate, Refund
from recipients.models import (
    BpjsCard,
    CardHandover,
    HandoverPhoto,
    Occupation,
    Recipient,
    SituationUpdate,
)
from tests.factories import PremiumRateFactory, StaffFactory
from tests.test_dashboard import queues as dashboard_queues

BALI = ZoneInfo("Asia/Makassar")
NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=BALI)
TODAY = NOW.date()

EXPECTED_COUNTS = {
    "recipients": 14,
    "donors": 10,
    "sponsorships": 14,
    "payments": 18,
    "evidence": 16,
    "cards": 10,
    "handovers": 9,
    "handover photos": 10,
    "situation updates": 1,
    "refunds": 1,
    "donor requests": 1,
    "rates": 1,
    "users": 2,
    "private links": 12,
    "messages": 29,
    "claims": 3,
}

# (donor, recipient) → (stored state, standing by the calendar on the day of the run).
EXPECTED_SPONSORSHIPS = {
    ("Ayu Pratiwi", "Budi"): ("pledged", Standing.AWAITING_VERIFICATION),
    ("Emily Carter", "Luh"): ("pledged", Standing.NOT_STARTED),
    ("Putu Adnyana", "Wayan"): ("active", Standing.COVERED),
    ("Joost van den Berg", "Komang"): ("active", Standing.COVERED),
    ("Sarah Mitchell", "Made"): ("active", Standing.COVERED),
    ("Kadek Wulandari", "Kadek"): ("active", Standing.DUE),
    ("Made Sutrisna", "Nyoman"): ("active", Standing.OVERDUE_1),
    ("Komang Sudiarta", "Ketut"): ("active", Standing.OVERDUE_2),
    ("Dewi Lestari", "Nengah"): ("active", Standing.AWAITING_VERIFICATION),
    ("Thomas Becker", "Gede"): ("active", Standing.LAPSED),
    ("Putu Adnyana", "Darma"): ("lapsed", None),
    ("Sarah Mitchell", "Rentin"): ("awaiting_decision", None),
    ("Dewi Lestari", "Luh"): ("stopped", None),
    ("Dewi Lestari", "Wayan"): ("stopped", None),
}


def counts():
    return {
        "recipients": Recipient.objects.count(),
        "donors": Donor.objects.count(),
        "sponsorships": Sponsorship.objects.count(),
        "payments": PremiumPayment.objects.count(),
        "evidence": PaymentEvidence.objects.count(),
        "cards": BpjsCard.objects.count(),
        "handovers": CardHandover.objects.count(),
        "handover photos": HandoverPhoto.objects.count(),
        "situation updates": SituationUpdate.objects.count(),
        "refunds": Refund.objects.count(),
        "donor requests": DonorRequest.objects.count(),
        "rates": PremiumRate.objects.count(),
        "users": get_user_model().objects.count(),
        "private links": DonorAccessToken.objects.count(),
        "messages": Message.objects.count(),
        "claims": Claim.objects.count(),
    }


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def sponsorship(donor, recipient):
    return Sponsorship.objects.get(donor__full_name=donor, recipient__nickname=recipient)


def standings(day):
    return {
        (s.donor.full_name, s.recipient.nickname): (s.state, s.standing_on(day))
        for s in Sponsorship.objects.select_related("donor", "recipient")
    }


@pytest.fixture(scope="class")
def seeded_once(django_db_setup, django_db_blocker):
    """One run for a whole class of read-only tests, rolled back after the class."""
    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(NOW, tick=False):
            output = seed()
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def seeded(seeded_once, db):
    return seeded_once


class TestTheDemoProgram:
    """What one run on 22 November 2026 writes."""

    def test_it_creates_the_demo_program(self, seeded):
        assert counts() == EXPECTED_COUNTS
        assert "14 recipients, 10 donors, 14 sponsorships" in seeded

    def test_it_has_an_accident_in_progress_a_paid_death_and_a_scholarship(self, seeded):
        accident = Claim.objects.get(kind="accident")
        assert accident.recipient.nickname == "Made"
        assert accident.covered and accident.state == "opened"
        assert accident.deadline_at == NOW - dt.timedelta(hours=20) + dt.timedelta(hours=48)
        assert accident.documents.filter(received=True).count() == 2
        death = Claim.objects.get(kind="death")
        assert (death.state, death.amount_paid) == ("paid", 42_000_000)
        # The death recorded once: the claim links the situation update the demo wrote.
        assert death.situation_update == SituationUpdate.objects.get()
        assert Message.objects.get(kind="claim_paid").donor.full_name == "Sarah Mitchell"
        scholarship = Claim.objects.get(kind="scholarship")
        assert (scholarship.recipient.nickname, scholarship.state) == ("Wayan", "submitted")
        # Dewi's two years and Putu's two: Wayan has more than three years paid.
        assert scholarship_milestones() == []  # his family asked for it already

    def test_it_holds_every_situation_on_the_day_it_runs(self, seeded):
        assert standings(TODAY) == EXPECTED_SPONSORSHIPS

    def test_it_has_a_pledge_with_no_evidence_yet(self, seeded):
        pledge = sponsorship("Emily Carter", "Luh")
        assert pledge.route == "paypal"
        assert pledge.first_month == dt.date(2026, 12, 1)
        payment = pledge.payments.get()
        assert (payment.status, payment.months, payment.amount) == ("pending", 12, 201_600)
        assert not payment.evidence.exists()
        # Three months without evidence from the month before the pledge starts.
        assert pledge.lapses_on == dt.date(2027, 3, 1)

    def test_it_has_evidence_holding_off_the_lapse(self, seeded):
        for donor, recipient in [("Ayu Pratiwi", "Budi"), ("Dewi Lestari", "Nengah")]:
            s = sponsorship(donor, recipient)
            assert s.lapses_on is None
            assert PaymentEvidence.objects.filter(payment__sponsorship=s, status="pending").exists()

    def test_it_ends_the_coverage_of_one_sponsorship_within_30_days(self, seeded):
        ending = Sponsorship.objects.filter(
            state="active", covered_through=month_start(TODAY)
        ).select_related("recipient")
        assert [s.recipient.nickname for s in ending] == ["Made"]
        last_covered_day = add_months(month_start(TODAY), 1) - dt.timedelta(days=1)
        assert (last_covered_day - TODAY).days < 30

    def test_it_has_a_rejected_receipt_that_no_longer_holds_off_the_lapse(self, seeded):
        s = sponsorship("Komang Sudiarta", "Ketut")
        rejected = PaymentEvidence.objects.get(payment__sponsorship=s, status="rejected")
        assert rejected.rejection_reason
        assert s.covered_through == dt.date(2026, 8, 1)
        assert s.lapses_on == dt.date(2026, 12, 1)

    def test_it_records_one_lapse_and_leaves_one_for_the_lapse_command(self, seeded):
        recorded = sponsorship("Putu Adnyana", "Darma")
        assert recorded.ended_at is not None
        assert Message.objects.filter(sponsorship=recorded, kind="lapsed").count() == 1
        unrecorded = Sponsorship.objects.lapsed_unrecorded_on(TODAY).select_related("recipient")
        assert [s.recipient.nickname for s in unrecorded] == ["Gede"]

    def test_it_has_a_deceased_recipient_with_a_refund(self, seeded):
        s = sponsorship("Sarah Mitchell", "Rentin")
        rentin = s.recipient
        assert rentin.status == "deceased"
        assert rentin.deceased_on == dt.date(2026, 10, 9)
        assert rentin.situation_updates.get().kind == "deceased"
        assert s.decision_requested_at is not None
        refund = Refund.objects.get()
        # Paid January 2026 to December 2027; died in October 2026: November 2026 on is unused.
        assert refund.payment.sponsorship == s
        assert (refund.unused_months, refund.amount) == (14, 14 * 16_800)

    def test_it_has_a_stopped_sponsorship(self, seeded):
        s = sponsorship("Dewi Lestari", "Luh")
        assert s.ended_at is not None
        assert s.end_reason
        assert s.requests.get().status == "done"

    def test_it_has_a_paypal_payment_from_overseas(self, seeded):
        payment = PremiumPayment.objects.get(paypal_transaction_id="9XK42817LM5530412")
        assert payment.channel == "paypal"
        assert payment.sponsorship.donor.country.code == "NL"
        assert payment.paypal_currency == "EUR"
        assert payment.paypal_amount > 0
        assert payment.rupiah_received >= payment.amount
        assert payment.status == "verified"
        assert payment.evidence.get().uploaded_by.username == "coordinator"

    def test_it_has_a_paypal_payment_received_and_bpjs_not_paid_yet(self, seeded):
        waiting = PremiumPayment.objects.paypal_awaiting_bpjs().select_related("sponsorship")
        payment = waiting.get()
        assert payment.paypal_transaction_id == "2PW63508KD1187395"
        assert (payment.status, payment.paypal_currency) == ("pending", "AUD")
        assert payment.paypal_received_on == TODAY - dt.timedelta(days=5)
        assert payment.bpjs_paid_on is None
        s = payment.sponsorship
        # Sarah's renewal for Made: her money is her evidence of funds, no lapse while it waits.
        assert (s.donor.full_name, s.recipient.nickname) == ("Sarah Mitchell", "Made")
        assert payment.first_month == add_months(month_start(TODAY), 1)
        assert s.lapses_on is None
        # Every PayPal payment BCC paid BPJS with was received the day before.
        paid = PremiumPayment.objects.filter(channel="paypal", bpjs_paid_on__isnull=False)
        assert paid.count() == 4
        for payment in paid:
            assert payment.paypal_received_on == payment.bpjs_paid_on - dt.timedelta(days=1)

    def test_the_dashboard_shows_the_paypal_money_waiting(self, seeded, client):
        client.force_login(get_user_model().objects.get(username="coordinator"))
        with time_machine.travel(NOW, tick=False):
            queue = dashboard_queues(client.get("/staff/"))["paypal_awaiting_bpjs"]
        assert (queue.count, queue.detail) == (1, "longest: 5 days waiting")

    def test_it_prices_every_payment_from_the_rate_table(self, seeded):
        rate = PremiumRate.objects.get()
        assert (rate.first_month, rate.last_month, rate.jkk, rate.jkm) == (
            dt.date(2015, 1, 1),
            None,
            10_000,
            6_800,
        )
        assert rate.note == "PP 44/2015 BPU lowest bracket"
        for payment in PremiumPayment.objects.all():
            assert payment.amount == payment.months * 16_800

    def test_it_gives_each_verified_sponsorship_a_card(self, seeded):
        verified = Recipient.objects.filter(sponsorships__payments__status="verified").distinct()
        with_card = verified.filter(card__isnull=False)
        assert verified.count() == 11
        # The newest sponsorship waits for BPJS to issue its card.
        assert list(verified.filter(card__isnull=True).values_list("nickname", flat=True)) == [
            "Komang"
        ]
        assert with_card.count() == 10
        for card in BpjsCard.objects.all():
            assert len(card.participant_number) == 11
            assert card.participant_number.isdigit()
            card.full_clean()
        assert CardHandover.objects.filter(documentation_sent_at__isnull=False).count() == 8
        assert CardHandover.objects.filter(documentation_sent_at__isnull=True).count() == 1
        assert BpjsCard.objects.filter(handovers__isnull=True).count() == 1

    def test_it_writes_valid_private_data(self, seeded):
        assert set(Recipient.objects.values_list("occupation", flat=True)) == set(Occupation.values)
        assert Recipient.objects.values("regency").distinct().count() >= 5
        for recipient in Recipient.objects.all():
            recipient.full_clean()
            assert recipient.nik_check().ok, recipient
            assert recipient.story and recipient.story_id
            assert recipient.full_name.startswith(("I ", "Ni "))
        assert Recipient.objects.filter(photo_consent=True).exists()
        assert Recipient.objects.filter(photo_consent=False).exists()
        for donor in Donor.objects.all():
            donor.full_clean()
        countries = set(Donor.objects.values_list("country", flat=True))
        assert {"ID", "AU", "NL", "US"} <= countries
        assert set(Donor.objects.values_list("language", flat=True)) == {"en", "id"}
        assert set(Donor.objects.values_list("listed_publicly", flat=True)) == {True, False}

    def test_it_stores_real_files(self, seeded):
        for evidence in PaymentEvidence.objects.all():
            with evidence.file.open("rb") as f:
                content = f.read()
            assert hashlib.sha256(content).hexdigest() == evidence.sha256
            assert len(content) == evidence.size
            if evidence.content_type == "application/pdf":
                assert content.startswith(b"%PDF-1.4") and content.rstrip().endswith(b"%%EOF")
            else:
                assert evidence.content_type == "image/png"
                with Image.open(evidence.file.path) as image:
                    image.verify()
        assert PaymentEvidence.objects.filter(content_type="application/pdf").count() == 3
        assert PaymentEvidence.objects.values("sha256").distinct().count() == 16
        images = [r.photo for r in Recipient.objects.all()] + [
            p.image for p in HandoverPhoto.objects.all()
        ]
        for image_field in images:
            with Image.open(image_field.path) as image:
                assert image.format == "JPEG"

    def test_it_shows_who_is_waiting_and_who_is_listed(self, seeded):
        waiting = set(needing_sponsor(TODAY).values_list("nickname", flat=True))
        assert waiting == {"Darma", "Gede", "Sari", "Eka"}
        listed = {d.full_name for d in Donor.objects.for_public_display(TODAY)}
        assert listed == {
            "Putu Adnyana",
            "Made Sutrisna",
            "Kadek Wulandari",
            "Sarah Mitchell",
            "Joost van den Berg",
        }

    def test_it_queues_the_messages_of_the_services(self, seeded):
        kinds = {
            kind: Message.objects.filter(kind=kind).count()
            for kind in Message.objects.values_list("kind", flat=True).distinct()
        }
        assert kinds == {
            "pledge_received": 1,
            "evidence_received": 12,
            "evidence_verified": 13,
            "evidence_rejected": 1,
            "lapsed": 1,
            "claim_paid": 1,
        }
        assert not Message.objects.filter(created_at__gt=NOW).exists()

    def test_it_creates_the_demo_staff_login(self, seeded):
        # django-axes checks every authentication against its lockouts and needs the request.
        user = authenticate(HttpRequest(), username="coordinator", password="bcc-demo-2026")
        assert user is not None and user.is_staff and user.is_superuser
        assert "Demo staff login: coordinator / bcc-demo-2026" in seeded
        assert "http://127.0.0.1:8000/admin/" in seeded
        assert "Private page of Sarah Mitchell" in seeded

    def test_it_creates_the_demo_volunteer_login(self, seeded):
        user = authenticate(HttpRequest(), username="volunteer", password="bcc-demo-2026")
        assert user is not None and user.is_staff and not user.is_superuser
        assert list(user.groups.values_list("name", flat=True)) == ["Volunteer"]
        assert user.has_perm("recipients.add_cardhandover")
        assert not user.has_perm("premiums.change_refund")
        assert "Demo volunteer login: volunteer / bcc-demo-2026" in seeded
        coordinator = seeded.index("Demo staff login: coordinator / bcc-demo-2026")
        assert seeded.index("Demo volunteer login") == seeded.index("\n", coordinator) + 1

    @pytest.mark.parametrize("username", ["coordinator", "volunteer"])
    def test_both_logins_take_the_same_two_factor_steps(self, seeded, settings, username):
        # Off in the demo: the password alone opens the dashboard, for both.
        client = Client()
        form = {"username": username, "password": "bcc-demo-2026", "next": "/staff/"}
        assert client.post("/admin/login/", form)["Location"] == "/staff/"
        assert client.get("/staff/").status_code == 200
        # On (production): both are sent to set up their authenticator app first.
        settings.STAFF_2FA_REQUIRED = True
        client = Client()
        assert client.post("/admin/login/", form).status_code == 302
        to_login = client.get("/staff/")
        assert client.get(to_login["Location"])["Location"] == "/staff/2fa/setup/?next=%2Fstaff%2F"

    def test_it_changes_nothing_when_run_twice(self, seeded):
        before = counts()
        assert before == EXPECTED_COUNTS
        states = list(
            Sponsorship.objects.values_list("pk", "state", "covered_through", "lapses_on")
        )
        with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
            output = seed()
        assert counts() == before
        assert (
            list(Sponsorship.objects.values_list("pk", "state", "covered_through", "lapses_on"))
            == states
        )
        assert "Demo data already present" in output
        assert "Demo staff login: coordinator / bcc-demo-2026" in output
        assert "Demo volunteer login: volunteer / bcc-demo-2026" in output


@pytest.mark.parametrize("username", ["coordinator", "volunteer"])
def test_it_leaves_an_existing_staff_login_alone(db, username):
    StaffFactory(username=username, password="another-password")
    with time_machine.travel(NOW, tick=False):
        seed()
    assert get_user_model().objects.count() == 2
    assert authenticate(HttpRequest(), username=username, password="another-password")
    assert not authenticate(HttpRequest(), username=username, password="bcc-demo-2026")


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2027, 1, 1, 0, 30, tzinfo=BALI),  # New Year just after midnight in Bali
        dt.datetime(2026, 3, 31, 23, 30, tzinfo=BALI),  # the last evening of a month
        dt.datetime(2028, 2, 29, 12, 0, tzinfo=BALI),
    ],
)
def test_it_holds_every_situation_whatever_the_day(db, moment):
    with time_machine.travel(moment, tick=False):
        seed()
    assert standings(moment.date()) == EXPECTED_SPONSORSHIPS


def test_it_keeps_a_standard_rate_staff_entered_already(db):
    PremiumRateFactory(note="entered by staff")
    with time_machine.travel(NOW, tick=False):
        seed()
    assert list(PremiumRate.objects.values_list("note", flat=True)) == ["entered by staff"]
