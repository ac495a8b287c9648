"""A donor's personal data: exported on request, erased on request with the money kept."""

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.db import DatabaseError
from django.urls import reverse

from donations.mail import send_queued
from donations.models import Donor, DonorRequest, Message
from premiums import impact, privacy, services
from premiums.models import PaymentEvidence, PremiumPayment
from tests.factories import RecipientFactory
from tests.files import isolate_storages
from tests.helpers import admin_action, at, frozen_at, receipt

NOW = at(2026, 6, 10, 9, 0)
NAME, EMAIL, PHONE = "Made Wirawan", "made.wirawan@example.org", "+6281337001122"
pytestmark = frozen_at(NOW)


@pytest.fixture
def donor(db, standard_rate, staff, django_capture_on_commit_callbacks):
    """A listed donor who pledged through the site, sent a receipt that staff verified, got
    the emails, changed their email address once and asked to stop."""
    with django_capture_on_commit_callbacks(execute=True):
        sponsorship, payment, raw = services.create_pledge(
            recipient_id=RecipientFactory(nickname="Wayan").pk,
            donor=Donor(
                full_name=NAME,
                display_name="Made W.",
                listed_publicly=True,
                email="old.address@example.org",
                phone=PHONE,
                country="ID",
                notes="Prefers WhatsApp in the evening.",
            ),
            first_month=dt.date(2026, 7, 1),
            months=12,
            route="direct",
        )
        evidence = services.submit_evidence(payment, receipt())
        services.verify_evidence(evidence, by=staff)
        send_queued()
        donor = sponsorship.donor
        donor.email = EMAIL
        donor.save()
        DonorRequest.objects.create(
            sponsorship=sponsorship,
            kind=DonorRequest.Kind.STOP,
            message=f"Please stop, I am moving. {NAME}, {PHONE}",
        )
    donor.raw_token = raw
    return donor


def evidence_of(donor):
    return PaymentEvidence.objects.get(payment__sponsorship__donor=donor)


def listed_names(client):
    return client.get("/en/donors/").content.decode()


def everything_in_the_database() -> str:
    """Every row of every table, history and the admin log included, as one text."""
    out = io.StringIO()
    call_command("dumpdata", "--natural-foreign", stdout=out)
    return out.getvalue()


# --- export -----------------------------------------------------------------------------------


def test_it_exports_everything_held_about_the_donor(donor):
    data = privacy.export_donor(donor)

    assert json.loads(json.dumps(data)) == data  # plain JSON, no custom encoder needed
    assert data["donor"] == {
        "id": donor.pk,
        "full_name": NAME,
        "display_name": "Made W.",
        "listed_publicly": True,
        "email": EMAIL,
        "phone": PHONE,
        "country": "ID",
        "language": "en",
        "notes": "Prefers WhatsApp in the evening.",
        "created_at": NOW.isoformat(),
        "erased_at": None,
    }
    # The earlier address is held in the history, so it is part of what is held.
    assert [v["email"] for v in data["donor_history"]] == ["old.address@example.org", EMAIL]

    [sponsorship] = data["sponsorships"]
    assert sponsorship["recipient"]["nickname"] == "Wayan"
    assert sponsorship["first_month"] == "2026-07-01"
    assert sponsorship["covered_through"] == "2027-06-01"
    [payment] = sponsorship["payments"]
    assert payment["amount"] == 201_600
    assert payment["status"] == "verified"
    [evidence] = payment["evidence"]
    stored = evidence_of(donor)
    assert evidence["sha256"] == stored.sha256
    assert evidence["content_type"] == "image/png"
    assert evidence["status"] == "verified"
    assert evidence["file_held"] is True
    [request] = sponsorship["requests"]
    assert request["message"].startswith("Please stop")

    assert {m["kind"] for m in data["messages"]} == {
        "pledge_received",
        "evidence_received",
        "evidence_verified",
    }
    assert all(m["status"] == "sent" for m in data["messages"])
    assert len(data["private_links"]) == 1 + 3  # the pledge's, and one in each email
    assert set(data["private_links"][0]) == {"created_at", "expires_at", "revoked_at"}


def test_it_exports_neither_secrets_nor_files(donor):
    text = json.dumps(privacy.export_donor(donor))

    for token in donor.access_tokens.all():
        assert token.token_hash not in text
    assert donor.raw_token not in text
    assert evidence_of(donor).file.name not in text


def test_it_exports_a_donor_from_the_admin(donor, admin_client):
    response = admin_action(admin_client, Donor, "export_personal_data", [donor])

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="donor-{donor.pk}.json"'
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    assert json.loads(response.content)["donor"]["full_name"] == NAME
    entry = LogEntry.objects.get(object_id=str(donor.pk))
    assert entry.get_change_message() == "Exported the donor's personal data."


def test_it_exports_one_donor_at_a_time(donor, admin_client):
    other = Donor.objects.create(full_name="Ketut", email="ketut@example.org")

    response = admin_action(
        admin_client, Donor, "export_personal_data", [donor, other], follow=True
    )

    assert "Select exactly one donor to export." in response.content.decode()
    assert "application/json" not in response["Content-Type"]


# --- erasure ----------------------------------------------------------------------------------


def test_it_anonymises_the_donor(donor, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert privacy.erase_donor(donor, by=staff) is True

    donor.refresh_from_db()
    assert donor.full_name == f"Erased donor #{donor.pk}"
    assert donor.display_name == ""
    assert donor.email == f"erased-{donor.pk}@erased.invalid"
    assert not donor.phone
    assert donor.notes == ""
    assert donor.listed_publicly is False
    assert donor.erased_at == NOW
    assert DonorRequest.objects.get().message == ""


def test_it_leaves_no_trace_of_the_name_anywhere(donor, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        privacy.erase_donor(donor, by=staff)

    dump = everything_in_the_database()
    assert f"Erased donor #{donor.pk}" in dump
    for personal in [NAME, "Wirawan", EMAIL, "old.address@example.org", PHONE, "Made W."]:
        assert personal not in dump, personal


def test_it_anonymises_the_history(donor, staff, django_capture_on_commit_callbacks):
    versions_before = donor.history.count()
    with django_capture_on_commit_callbacks(execute=True):
        privacy.erase_donor(donor, by=staff, reason="email of 9 June 2026")

    versions = list(donor.history.order_by("history_date", "history_id"))
    assert len(versions) == versions_before + 1
    assert {v.full_name for v in versions} == {f"Erased donor #{donor.pk}"}
    assert {v.email for v in versions} == {f"erased-{donor.pk}@erased.invalid"}
    assert versions[-1].history_user == staff
    assert versions[-1].history_change_reason == "email of 9 June 2026"
    assert set(DonorRequest.history.values_list("message", flat=True)) == {""}


def test_it_keeps_the_money_accounted_for(donor, staff, django_capture_on_commit_callbacks):
    payments_before = list(PremiumPayment.objects.values("pk", "amount", "status", "months"))
    figures_before = impact.figures(NOW.date())
    paid_before = donor.paid_by_year()
    sponsorship_before = donor.sponsorships.values("state", "covered_through").get()

    with django_capture_on_commit_callbacks(execute=True):
        privacy.erase_donor(donor, by=staff)

    assert list(PremiumPayment.objects.values("pk", "amount", "status", "months")) == (
        payments_before
    )
    assert donor.paid_by_year() == paid_before
    assert donor.sponsorships.values("state", "covered_through").get() == sponsorship_before
    figures = impact.figures(NOW.date())
    assert figures["premiums_total"] == figures_before["premiums_total"] == 201_600
    assert figures["protected_total"] == figures_before["protected_total"]
    # The evidence record stays (status, size, hash); only the file goes.
    evidence = evidence_of(donor)
    assert evidence.status == PaymentEvidence.Status.VERIFIED
    assert evidence.sha256 and evidence.size
    assert not evidence.file


def test_it_deletes_the_evidence_files(donor, staff, django_capture_on_commit_callbacks):
    evidence = evidence_of(donor)
    path = Path(evidence.file.path)
    assert path.exists()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        privacy.erase_donor(donor, by=staff)
        # Not before the transaction commits: a rollback must find every file in place.
        assert path.exists()
    for callback in callbacks:
        callback()

    assert not path.exists()
    evidence.refresh_from_db()
    assert evidence.history.latest().history_user == staff


def test_it_leaves_the_file_store_consistent(
    monkeypatch, tmp_path, request, staff, django_capture_on_commit_callbacks
):
    isolate_storages(monkeypatch, tmp_path)
    donor = request.getfixturevalue("donor")  # its receipt stored in the folders just made
    check = io.StringIO()
    call_command("check_files", stdout=check)
    assert "1 files named in the database, 1 files in storage" in check.getvalue()

    with django_capture_on_commit_callbacks(execute=True):
        privacy.erase_donor(donor, by=staff)

    check = io.StringIO()
    call_command("check_files", stdout=check)  # no CommandError: clean
    assert "0 files named in the database, 0 files in storage" in check.getvalue()


def test_it_keeps_everything_when_the_erasure_fails(
    donor, staff, monkeypatch, django_capture_on_commit_callbacks
):
    path = Path(evidence_of(donor).file.path)

    def broken(*args, **kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr(privacy, "_rename_in_admin_log", broken)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DatabaseError):
        privacy.erase_donor(donor, by=staff)

    donor.refresh_from_db()
    assert donor.full_name == NAME
    assert donor.erased_at is None
    assert evidence_of(donor).file
    assert path.exists()


def test_it_revokes_the_private_links(donor, staff, client, django_capture_on_commit_callbacks):
    opened = client.get(f"/en/donor/{donor.raw_token}/", follow=True)
    assert opened.status_code == 200
    assert NAME in opened.content.decode()
    # The link may open a session on a page of its own address: that page is closed too.
    page = (
        opened.redirect_chain[-1][0] if opened.redirect_chain else f"/en/donor/{donor.raw_token}/"
    )

    with django_capture_on_commit_callbacks(execute=True):
        privacy.erase_donor(donor, by=staff)

    assert not donor.access_tokens.filter(revoked_at__isnull=True).exists()
    assert Donor.objects.by_token(donor.raw_token) is None
    assert client.get(page).status_code in (302, 404)
    client.cookies.clear()
    assert client.get(f"/en/donor/{donor.raw_token}/", follow=True).status_code == 404


def test_it_cancels_the_queued_messages(
    donor, staff, mailoutbox, django_capture_on_commit_callbacks
):
    queued = Message.queue(donor, Message.Kind.COVERAGE_ENDING, month="2027-06-01")
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        privacy.erase_donor(donor, by=staff)

    queued.refresh_from_db()
    assert queued.status == Message.Status.FAILED
    assert queued.last_error == "donor erased"
    assert send_queued() == {"sent": 0, "retried": 0, "failed": 0}
    assert mailoutbox == []
    # What was sent before stays in the log staff see.
    assert donor.messages.filter(status=Message.Status.SENT).count() == 3


def test_it_takes_the_donor_off_the_public_list(
    donor, staff, client, django_capture_on_commit_callbacks
):
    assert "Made W." in listed_names(client)

    with django_capture_on_commit_callbacks(execute=True):
        privacy.erase_donor(donor, by=staff)

    page = listed_names(client)
    assert "Made W." not in page
    assert "Erased donor" not in page
    assert not Donor.objects.seen_by_staff_active_on().filter(pk=donor.pk).exists()


def test_it_erases_once(donor, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert privacy.erase_donor(donor, by=staff) is True
    versions = donor.history.count()
    erased_at = Donor.objects.get(pk=donor.pk).erased_at

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert privacy.erase_donor(donor, by=staff) is False

    assert callbacks == []
    assert donor.history.count() == versions
    assert Donor.objects.get(pk=donor.pk).erased_at == erased_at


def test_staff_get_a_404_for_an_erased_file(
    donor, staff, staff_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        privacy.erase_donor(donor, by=staff)

    response = staff_client.get(
        reverse("premiums:staff_evidence_file", args=[evidence_of(donor).pk])
    )

    assert response.status_code == 404


def test_the_admin_asks_before_erasing(donor, admin_client):
    page = admin_action(admin_client, Donor, "erase_personal_data", [donor])

    assert page.status_code == 200
    assert "This cannot be undone." in page.content.decode()
    assert NAME in page.content.decode()
    assert Donor.objects.get(pk=donor.pk).erased_at is None

    # Sent without the donor's request: asked again.
    page = admin_action(admin_client, Donor, "erase_personal_data", [donor], post="yes")
    assert page.status_code == 200
    assert Donor.objects.get(pk=donor.pk).erased_at is None


def test_the_admin_erases_after_confirmation(
    donor, admin_client, django_capture_on_commit_callbacks
):
    path = Path(evidence_of(donor).file.path)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_action(
            admin_client,
            Donor,
            "erase_personal_data",
            [donor],
            post="yes",
            reason="email of 9 June 2026",
            follow=True,
        )

    assert "The personal data of 1 donor was erased." in response.content.decode()
    donor.refresh_from_db()
    assert donor.erased_at is not None
    assert not path.exists()
    entry = LogEntry.objects.filter(object_id=str(donor.pk)).latest("action_time")
    assert entry.object_repr == f"Erased donor #{donor.pk}"
    assert entry.get_change_message() == "Personal data erased: email of 9 June 2026"
