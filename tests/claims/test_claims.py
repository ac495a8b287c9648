"""Claims: the coverage check at the door, the 2 × 24-hour deadline in Bali time, the steps,
a death recorded once, the donors told when the family is paid, and who may do what."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.files.base import ContentFile

from claims import services
from claims.dashboard import paid_months, scholarship_milestones
from claims.models import Claim, ClaimDocument
from donations.mail import send_queued
from donations.models import Message
from premiums.models import Refund
from recipients.models import Recipient, SituationUpdate
from tests.factories import (
    ClaimDocumentFactory,
    DonorFactory,
    PremiumPaymentFactory,
    RecipientFactory,
    SponsorshipFactory,
)
from tests.helpers import admin_url, at, pay
from tests.images import jpeg_bytes, upload

pytestmark = pytest.mark.django_db


def accident(recipient, when, **fields):
    claim = Claim(
        recipient=recipient,
        kind=Claim.Kind.ACCIDENT,
        accident_at=when,
        place="Banjar Kaja",
        what_happened="Fell from a coconut tree",
        **fields,
    )
    return services.open_claim(claim, by=None)


def tick_all(claim):
    for document in claim.documents.all():
        services.tick(document, by=None)


# --- the check at the door ----------------------------------------------------------------------


def test_it_flags_a_claim_on_a_day_the_worker_was_not_covered(paid_through_august):
    wayan = paid_through_august.recipient
    # Paid through August 2026: the last minutes of 31 August (Bali time) are covered ...
    covered = accident(wayan, at(2026, 8, 31, 23, 30))
    # ... and half past midnight on 1 September in Bali (still 31 August in UTC) is not.
    uncovered = accident(wayan, at(2026, 9, 1, 0, 30))
    assert covered.covered is True
    assert uncovered.happened_on == dt.date(2026, 9, 1)
    assert uncovered.covered is False


def test_it_counts_the_paid_months_not_the_sponsorship_state(paid_through_august, staff):
    wayan = paid_through_august.recipient
    # The donor stopped; the months paid still protect the worker.
    paid_through_august.state = paid_through_august.State.STOPPED
    paid_through_august.save()
    claim = accident(wayan, at(2026, 7, 10, 9))
    assert claim.covered is True
    # A pledged sponsorship without a verified payment covers nothing.
    other = SponsorshipFactory(first_month=dt.date(2026, 1, 1))
    assert accident(other.recipient, at(2026, 3, 2, 9)).covered is False


def test_the_admin_shows_the_flag_at_once(coordinator_client, paid_through_august):
    claim = accident(paid_through_august.recipient, at(2026, 9, 3, 8))
    with time_machine.travel(at(2026, 9, 3, 9), tick=False):
        body = coordinator_client.get(admin_url(Claim, "change", claim.pk)).content.decode()
    assert "No: no paid month covers that day." in body


# --- the 2 × 24-hour deadline -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes_after", "late", "text"),
    [
        (48 * 60 - 1, False, "0 h 01 min left to report to BPJS"),
        (48 * 60 + 1, True, "Past the deadline by 0 h 01 min"),
    ],
)
def test_the_report_deadline_is_two_days_after_the_accident_in_bali(
    paid_through_august, minutes_after, late, text
):
    from claims.models import countdown

    # 23:30 on 30 June in Bali is 15:30 UTC: the deadline is 23:30 on 2 July, WITA.
    claim = accident(paid_through_august.recipient, at(2026, 6, 30, 23, 30))
    assert claim.happened_on == dt.date(2026, 6, 30)
    assert claim.deadline_at == at(2026, 7, 2, 23, 30)
    now = at(2026, 6, 30, 23, 30) + dt.timedelta(minutes=minutes_after)
    with time_machine.travel(now, tick=False):
        assert claim.is_past_deadline() is late
        assert countdown(claim) == text
        assert (claim in Claim.objects.past_deadline()) is late


def test_a_reported_accident_has_no_countdown_and_a_late_report_says_so(paid_through_august):
    claim = accident(paid_through_august.recipient, at(2026, 6, 30, 8))
    services.advance(claim, Claim.State.REPORTED, by=None)  # now, long after
    assert claim.time_left() is None
    assert claim.reported_late()
    assert not Claim.objects.past_deadline().exists()


# --- steps ---------------------------------------------------------------------------------------


def test_it_opens_a_claim_with_the_checklist_of_its_kind(paid_through_august):
    claim = accident(paid_through_august.recipient, at(2026, 6, 30, 8))
    kinds = list(claim.documents.values_list("kind", flat=True))
    assert kinds == [
        "bpjs_card",
        "ktp_worker",
        "accident_report",
        "medical_report",
        "chronology",
    ]
    assert claim.state == Claim.State.OPENED


def test_a_report_entered_afterwards_is_dated_at_midday_in_bali(paid_through_august):
    claim = accident(paid_through_august.recipient, at(2026, 6, 30, 8))
    services.advance(claim, Claim.State.REPORTED, by=None, on=dt.date(2026, 7, 2))
    assert claim.reported_at == at(2026, 7, 2, 12)
    assert claim.reported_late()  # the 2 × 24 hours ended at 08:00 on 2 July


def test_the_steps_go_forward_only_and_need_the_documents(paid_through_august):
    claim = accident(paid_through_august.recipient, at(2026, 6, 30, 8))
    services.advance(claim, Claim.State.REPORTED, by=None)
    with pytest.raises(services.ClaimError, match="not ticked yet"):
        services.advance(claim, Claim.State.SUBMITTED, by=None)
    tick_all(claim)
    assert services.advance(claim, Claim.State.SUBMITTED, by=None, on=dt.date(2026, 7, 3))
    assert claim.submitted_on == dt.date(2026, 7, 3)
    assert services.advance(claim, Claim.State.SUBMITTED, by=None) is False
    with pytest.raises(services.ClaimError, match="cannot be marked"):
        services.advance(claim, Claim.State.REPORTED, by=None)
    with pytest.raises(services.ClaimError, match="amount"):
        services.advance(claim, Claim.State.PAID, by=None)
    with pytest.raises(services.ClaimError, match="reason"):
        services.advance(claim, Claim.State.REFUSED, by=None)
    services.advance(claim, Claim.State.REFUSED, by=None, reason="Reported too late")
    claim.refresh_from_db()
    assert (claim.state, claim.refusal_reason) == (Claim.State.REFUSED, "Reported too late")
    with pytest.raises(services.ClaimError):
        services.advance(claim, Claim.State.PAID, by=None, amount=1)


# --- a death, recorded once -----------------------------------------------------------------------


def test_a_death_claim_records_the_death_and_the_refund_once(paid_through_august, staff):
    wayan = paid_through_august.recipient
    with time_machine.travel(at(2026, 5, 20, 9), tick=False):
        claim = services.open_claim(
            Claim(
                recipient=wayan,
                kind=Claim.Kind.DEATH,
                happened_on=dt.date(2026, 5, 14),
                death_cause=Claim.DeathCause.OTHER,
                spouse_is_heir=True,
            ),
            by=staff,
        )
    wayan.refresh_from_db()
    assert wayan.status == Recipient.Status.DECEASED
    assert wayan.deceased_on == dt.date(2026, 5, 14)
    update = SituationUpdate.objects.get(recipient=wayan)
    assert claim.situation_update == update
    # June, July and August were paid and are unused: one refund, owed.
    refund = Refund.objects.get(payment__sponsorship__recipient=wayan)
    assert refund.unused_months == 3
    assert claim.covered is True
    assert "marriage_certificate" in claim.documents.values_list("kind", flat=True)
    # A second claim for the same death links the same update; nothing is owed twice.
    again = services.open_claim(
        Claim(recipient=wayan, kind=Claim.Kind.DEATH, happened_on=dt.date(2026, 5, 14)),
        by=staff,
    )
    assert again.situation_update == update
    assert SituationUpdate.objects.filter(recipient=wayan).count() == 1
    assert Refund.objects.filter(payment__sponsorship__recipient=wayan).count() == 1


# --- the donors hear it --------------------------------------------------------------------------


def paid_death_claim(sponsorship, *, consent):
    claim = services.open_claim(
        Claim(
            recipient=sponsorship.recipient,
            kind=Claim.Kind.DEATH,
            happened_on=dt.date(2026, 5, 14),
            death_cause=Claim.DeathCause.OTHER,
            family_consent=consent,
        ),
        by=None,
    )
    tick_all(claim)
    services.advance(claim, Claim.State.PAID, by=None, amount=42_000_000)
    return claim


@pytest.mark.parametrize(
    ("language", "subject"),
    [
        ("en", "Wayan's family received Rp 42.000.000"),
        ("id", "Keluarga Wayan menerima Rp 42.000.000"),
    ],
)
def test_the_donors_hear_when_the_family_is_paid(paid_through_august, language, subject):
    paid_through_august.donor.language = language
    paid_through_august.donor.save()
    paid_death_claim(paid_through_august, consent=True)
    message = Message.objects.get(kind=Message.Kind.CLAIM_PAID)
    assert message.donor == paid_through_august.donor
    send_queued()
    [sent] = [email for email in mail.outbox if email.subject == subject]
    assert "Rp 42.000.000" in sent.body


def test_without_the_familys_consent_nobody_is_told(paid_through_august):
    paid_death_claim(paid_through_august, consent=False)
    assert not Message.objects.filter(kind=Message.Kind.CLAIM_PAID).exists()


def test_the_donor_sees_it_on_their_page(client, paid_through_august):
    from tests.helpers import sign_in_donor

    paid_death_claim(paid_through_august, consent=True)
    sign_in_donor(client, paid_through_august.donor.issue_link(days=90))
    body = client.get("/en/donor/").content.decode()
    line = "Benefit paid to the family — Wayan: the family received"
    assert f'{line} <span class="rupiah">Rp 42.000.000</span>' in body


# --- the three-year milestone ---------------------------------------------------------------------


def test_three_years_are_counted_from_paid_months_across_gaps_and_sponsorships(
    standard_rate, staff
):
    ketut = RecipientFactory(nickname="Ketut")
    made = RecipientFactory(nickname="Made")
    # Ketut: 24 months, a gap of a year, then 12 more with another donor: 36 paid months.
    with time_machine.travel(at(2023, 12, 20, 9), tick=False):
        first = SponsorshipFactory(recipient=ketut, first_month=dt.date(2024, 1, 1))
        pay(first, by=staff, months=24)
    first.state = first.State.LAPSED
    first.save()
    with time_machine.travel(at(2026, 12, 20, 9), tick=False):
        pay(SponsorshipFactory(recipient=ketut, first_month=dt.date(2027, 1, 1)), by=staff)
    # Made: 35 months paid and a payment awaiting evidence, which does not count.
    with time_machine.travel(at(2024, 12, 20, 9), tick=False):
        made_sponsorship = SponsorshipFactory(recipient=made, first_month=dt.date(2025, 1, 1))
        pay(made_sponsorship, by=staff, months=35)
    PremiumPaymentFactory(sponsorship=made_sponsorship, first_month=dt.date(2027, 12, 1), months=12)
    milestones = scholarship_milestones()
    assert [(m.nickname, m.months_paid, m.reached) for m in milestones] == [
        ("Ketut", 36, dt.date(2027, 12, 1))
    ]
    # Once the family asked for the scholarship, Ketut leaves the list.
    services.open_claim(
        Claim(
            recipient=ketut,
            kind=Claim.Kind.SCHOLARSHIP,
            happened_on=dt.date(2028, 1, 5),
            children=2,
        ),
        by=None,
    )
    assert scholarship_milestones() == []


def test_a_month_paid_twice_counts_once():
    periods = [(dt.date(2025, 1, 1), 12), (dt.date(2025, 7, 1), 12)]
    assert len(paid_months(periods)) == 18


# --- who may do what -----------------------------------------------------------------------------


def test_a_volunteer_records_a_claim_and_ticks_documents_but_never_marks_it_paid(
    volunteer_client, paid_through_august
):
    wayan = paid_through_august.recipient
    response = volunteer_client.post(
        admin_url(Claim, "add"),
        {
            "recipient": wayan.pk,
            "kind": "accident",
            "accident_at_0": "2026-07-01",
            "accident_at_1": "09:15",
            "place": "Banjar Kaja",
            "what_happened": "Fell from a coconut tree",
            "clinic": "Puskesmas Abang",
            "documents-TOTAL_FORMS": "0",
            "documents-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    claim = Claim.objects.get()
    assert claim.documents.count() == 5
    page = volunteer_client.get(admin_url(Claim, "change", claim.pk)).content.decode()
    assert 'value="paid"' not in page
    assert "documents-0-scan" not in page
    assert 'name="amount"' not in page


def test_a_coordinator_sees_the_scans_and_may_mark_paid(coordinator_client, paid_through_august):
    claim = accident(paid_through_august.recipient, at(2026, 7, 1, 9))
    page = coordinator_client.get(admin_url(Claim, "change", claim.pk)).content.decode()
    assert 'value="paid"' in page
    assert "documents-0-scan" in page


def test_scans_are_stored_privately_and_served_to_coordinators_only(
    client, volunteer_client, coordinator_client
):
    from core.uploads import clean_evidence

    document = ClaimDocumentFactory()
    services.attach_scan(document, clean_evidence(upload()), by=None)
    assert document.received and document.scan.name.startswith("claims/")
    address = f"/en/staff/claim-documents/{document.pk}/"
    assert client.get(address).status_code == 302  # to the staff login
    assert volunteer_client.get(address).status_code == 403
    response = coordinator_client.get(address)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_a_scan_the_storage_refuses_leaves_nothing(monkeypatch):
    from core.uploads import clean_evidence

    document = ClaimDocumentFactory()
    storage = ClaimDocument._meta.get_field("scan").storage

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(storage, "save", broken)
    with pytest.raises(services.ClaimError, match="could not be stored"):
        services.attach_scan(document, clean_evidence(upload()), by=None)
    document.refresh_from_db()
    assert not document.scan and not document.received


def test_a_claim_scan_upload_in_the_admin_is_judged_by_its_content(
    coordinator_client, paid_through_august, django_capture_on_commit_callbacks
):
    claim = accident(paid_through_august.recipient, at(2026, 7, 1, 9))
    documents = list(claim.documents.all())
    form = {
        "step": "",
        "documents-TOTAL_FORMS": str(len(documents)),
        "documents-INITIAL_FORMS": str(len(documents)),
    }
    for i, document in enumerate(documents):
        form.update(
            {
                f"documents-{i}-id": document.pk,
                f"documents-{i}-claim": claim.pk,
                f"documents-{i}-kind": document.kind,
            }
        )
    form.update(
        {
            "place": claim.place,
            "what_happened": claim.what_happened,
            "accident_at_0": "2026-07-01",
            "accident_at_1": "09:00",
            "documents-0-received": "on",
            "documents-0-scan": upload(jpeg_bytes((60, 40)), "card.jpg"),
        }
    )
    response = coordinator_client.post(admin_url(Claim, "change", claim.pk), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    card = claim.documents.get(kind="bpjs_card")
    assert card.received and card.content_type == "image/jpeg" and card.scan

    form["documents-1-scan"] = ContentFile(b"<html>not a scan</html>", name="x.jpg")
    response = coordinator_client.post(admin_url(Claim, "change", claim.pk), form)
    assert response.status_code == 200
    assert "Only JPG, PNG or PDF files are accepted." in response.content.decode()

    # Cleared in the admin: the row forgets the scan and the file goes with it.
    del form["documents-1-scan"], form["documents-0-scan"]
    form["documents-0-scan-clear"] = "on"
    stored = card.scan.name
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(admin_url(Claim, "change", claim.pk), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    card.refresh_from_db()
    assert not card.scan
    assert not ClaimDocument._meta.get_field("scan").storage.exists(stored)


def test_the_donor_of_another_worker_is_not_told(paid_through_august):
    other = SponsorshipFactory(donor=DonorFactory())
    paid_death_claim(paid_through_august, consent=True)
    assert not Message.objects.filter(donor=other.donor).exists()


def test_a_volunteer_who_sends_paid_anyway_is_refused(volunteer_client, paid_through_august):
    claim = accident(paid_through_august.recipient, at(2026, 7, 1, 9))
    tick_all(claim)
    services.advance(claim, Claim.State.APPROVED, by=None)
    response = volunteer_client.post(
        admin_url(Claim, "change", claim.pk),
        {
            "accident_at_0": "2026-07-01",
            "accident_at_1": "09:00",
            "place": claim.place,
            "what_happened": claim.what_happened,
            "step": "paid",
            "amount": "42000000",
            "documents-TOTAL_FORMS": "0",
            "documents-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    claim.refresh_from_db()
    assert (claim.state, claim.amount_paid) == (Claim.State.APPROVED, None)


def test_a_removed_scan_and_a_deleted_claim_leave_no_file(
    coordinator_client, paid_through_august, django_capture_on_commit_callbacks
):
    from core.uploads import clean_evidence

    claim = accident(paid_through_august.recipient, at(2026, 7, 1, 9))
    first, second = claim.documents.order_by("pk")[:2]
    services.attach_scan(first, clean_evidence(upload()), by=None)
    services.attach_scan(second, clean_evidence(upload(jpeg_bytes((30, 20)), "b.jpg")), by=None)
    storage = ClaimDocument._meta.get_field("scan").storage
    names = [first.scan.name, second.scan.name]
    assert all(storage.exists(name) for name in names)
    # The change page names the stored scan, never with a public address.
    page = coordinator_client.get(admin_url(Claim, "change", claim.pk)).content.decode()
    assert "/media/claims/" not in page and "private file" in page

    with django_capture_on_commit_callbacks(execute=True):
        services.remove_scan(first, by=None)
    assert not first.scan and not storage.exists(names[0])
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_claim(claim)
    assert not Claim.objects.exists() and not storage.exists(names[1])
