"""The two kinds of staff: coordinators do everything; volunteers record cards, handovers and
situation updates, see no recipient's private data, never export, import or delete."""

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from donations.models import Donor, Sponsorship
from premiums.models import PremiumPayment
from recipients.models import BpjsCard, CardHandover, Recipient, SituationUpdate
from tests.factories import (
    BpjsCardFactory,
    DonorFactory,
    RecipientFactory,
    SponsorshipFactory,
)
from tests.helpers import admin_url

NIK = "5107015505800001"
KK = "5107010101009999"
PRIVATE = {
    "NIK": NIK,
    "masked NIK": "0001",
    "KK": KK,
    "phone": "81338000777",
    "address": "Jalan Rahasia 7",
    "village": "Desa Tersembunyi",
    "year of birth": "1980",
}

staff_groups_migration = importlib.import_module("premiums.migrations.0006_staff_groups")
claims_permissions_migration = importlib.import_module("claims.migrations.0002_staff_permissions")


@pytest.fixture
def recipient(db):
    return RecipientFactory(
        nickname="Ketut",
        full_name="I Ketut Darma",
        nik=NIK,
        kk=KK,
        date_of_birth=dt.date(1980, 5, 15),
        sex="F",
        village=PRIVATE["village"],
        address=PRIVATE["address"],
        phone="+62" + PRIVATE["phone"],
    )


def assert_no_private_data(content: str):
    shown = [name for name, value in PRIVATE.items() if value in content]
    assert not shown, f"shown to a volunteer: {shown}"


# --- the groups ------------------------------------------------------------------------------


def test_it_creates_the_groups_in_a_migration(db):
    Group.objects.filter(name__in=["Coordinator", "Volunteer"]).delete()
    staff_groups_migration.create_staff_groups(django_apps, None)

    volunteer = Group.objects.get(name="Volunteer").permissions
    assert set(volunteer.values_list("content_type__app_label", "codename")) == {
        (app_label, codename)
        for app_label, codenames in staff_groups_migration.VOLUNTEER_PERMISSIONS.items()
        for codename in codenames
    }
    assert not volunteer.filter(codename__startswith="delete_").exists()
    assert not volunteer.filter(codename__regex=r"^(import|export)_").exists()
    coordinator = Group.objects.get(name="Coordinator").permissions
    for codename in [
        "view_private_data",
        "export_recipient",
        "export_donor",
        "export_premiumpayment",
        "import_sponsorship",
        "delete_donor",
        "change_paymentevidence",
        "add_user",
    ]:
        assert coordinator.filter(codename=codename).exists(), codename


def test_it_runs_the_migration_twice_without_harm(staff_groups):
    before = Permission.objects.filter(group__name="Volunteer").count()
    staff_groups_migration.create_staff_groups(django_apps, None)
    claims_permissions_migration.grant(django_apps, None)  # the claims app's, after it
    assert Permission.objects.filter(group__name="Volunteer").count() == before
    assert Group.objects.filter(name="Volunteer").count() == 1


# --- what a volunteer sees --------------------------------------------------------------------


def test_it_hides_private_data_from_the_recipient_list(volunteer_client, recipient):
    response = volunteer_client.get(admin_url(Recipient, "changelist"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Ketut" in content
    assert_no_private_data(content)
    assert "masked_nik" not in response.context["cl"].list_display


def test_it_hides_private_data_from_the_recipient_page(volunteer_client, recipient):
    response = volunteer_client.get(admin_url(Recipient, "change", recipient.pk))
    assert response.status_code == 200
    content = response.content.decode()
    assert "I Ketut Darma" in content
    assert "wa.me" not in content
    assert "shown to coordinators" in content
    assert_no_private_data(content)


def test_it_finds_nobody_by_nik_for_a_volunteer(volunteer_client, recipient):
    response = volunteer_client.get(admin_url(Recipient, "changelist"), {"q": NIK})
    assert response.context["cl"].result_count == 0
    response = volunteer_client.get(admin_url(Recipient, "changelist"), {"q": "Ketut"})
    assert response.context["cl"].result_count == 1


def test_it_refuses_filtering_by_private_fields(volunteer_client, recipient):
    for lookup in ["nik__startswith", "kk", "phone__contains", "date_of_birth__year"]:
        response = volunteer_client.get(admin_url(Recipient, "changelist"), {lookup: "5"})
        assert response.status_code == 400, lookup


def test_it_finds_nobody_by_nik_in_the_recipient_search_of_other_forms(volunteer_client, recipient):
    query = {
        "app_label": "recipients",
        "model_name": "situationupdate",
        "field_name": "recipient",
    }
    autocomplete = reverse("admin:autocomplete")
    response = volunteer_client.get(autocomplete, {**query, "term": NIK})
    assert response.json()["results"] == []
    response = volunteer_client.get(autocomplete, {**query, "term": "Ketut"})
    assert [r["text"] for r in response.json()["results"]] == [str(recipient)]


def test_it_hides_private_changes_in_the_history(volunteer_client, recipient):
    recipient.nik = "5107015505800002"
    recipient.story = "Now also fishes."
    recipient.save()

    response = volunteer_client.get(admin_url(Recipient, "history", recipient.pk))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Now also fishes." in content
    assert NIK not in content and "5107015505800002" not in content

    version = recipient.history.earliest()
    response = volunteer_client.get(
        reverse("admin:recipients_recipient_simple_history", args=[recipient.pk, version.pk])
    )
    assert response.status_code == 200
    assert_no_private_data(response.content.decode())


def test_it_shows_a_volunteer_donors_sponsorships_and_payments(volunteer_client):
    payment = PremiumPayment.objects.create(
        sponsorship=SponsorshipFactory(),
        first_month=dt.date(2026, 1, 1),
        months=12,
        amount=201_600,
        channel="direct",
    )
    for model, obj in [
        (Donor, payment.sponsorship.donor),
        (Sponsorship, payment.sponsorship),
        (PremiumPayment, payment),
    ]:
        assert volunteer_client.get(admin_url(model, "changelist")).status_code == 200
        response = volunteer_client.get(admin_url(model, "change", obj.pk))
        assert response.status_code == 200
        assert b'name="_save"' not in response.content  # seen, not changed


# --- what a volunteer records -----------------------------------------------------------------


def test_it_lets_a_volunteer_record_a_handover(volunteer_client, volunteer):
    card = BpjsCardFactory()
    assert volunteer_client.get(admin_url(CardHandover, "add")).status_code == 200

    response = volunteer_client.post(
        admin_url(CardHandover, "add"),
        {
            "card": card.pk,
            "handed_over_on": "2026-03-10",
            "place": "Banjar Tabola",
            "handed_over_by": volunteer.pk,
            "notes": "",
            "photos-TOTAL_FORMS": "0",
            "photos-INITIAL_FORMS": "0",
            "photos-MIN_NUM_FORMS": "0",
            "photos-MAX_NUM_FORMS": "1000",
        },
    )

    assert response.status_code == 302
    handover = CardHandover.objects.get()
    assert (handover.card, handover.handed_over_by) == (card, volunteer)


def test_it_lets_a_volunteer_record_a_card(volunteer_client, volunteer, recipient):
    response = volunteer_client.post(
        admin_url(BpjsCard, "add"),
        {
            "recipient": recipient.pk,
            "participant_number": "2407 1403 791",
            "issued_on": "2026-03-01",
        },
    )
    assert response.status_code == 302
    assert BpjsCard.objects.get().recorded_by == volunteer


def test_it_lets_a_volunteer_record_a_situation_update(volunteer_client, volunteer, recipient):
    response = volunteer_client.post(
        admin_url(SituationUpdate, "add"),
        {
            "recipient": recipient.pk,
            "kind": SituationUpdate.Kind.MOVED,
            "happened_on": "2026-06-01",
            "message": "Ketut moved to Java.",
            "notes": "",
        },
    )
    assert response.status_code == 302
    assert SituationUpdate.objects.get().recorded_by == volunteer


# --- what a volunteer may not do --------------------------------------------------------------


def test_it_refuses_a_volunteer_deleting(volunteer_client, recipient):
    donor = DonorFactory()
    for model, obj in [(Donor, donor), (Recipient, recipient)]:
        assert volunteer_client.get(admin_url(model, "delete", obj.pk)).status_code == 403
        response = volunteer_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"})
        assert response.status_code == 403
    assert Donor.objects.filter(pk=donor.pk).exists()


@pytest.mark.parametrize("model", [PremiumPayment, Donor, Recipient])
def test_it_refuses_a_volunteer_exports(volunteer_client, model):
    assert volunteer_client.get(admin_url(model, "export")).status_code == 403
    assert volunteer_client.post(admin_url(model, "export"), {"format": "0"}).status_code == 403
    response = volunteer_client.get(admin_url(model, "changelist"))
    assert admin_url(model, "export") not in response.content.decode()


@pytest.mark.parametrize("model", [PremiumPayment, Donor, Recipient, Sponsorship])
def test_it_refuses_a_volunteer_imports(volunteer_client, model):
    assert volunteer_client.get(admin_url(model, "import")).status_code == 403
    assert volunteer_client.post(admin_url(model, "process_import")).status_code == 403


def test_it_refuses_a_volunteer_changing_a_recipient(volunteer_client, recipient):
    response = volunteer_client.post(
        admin_url(Recipient, "change", recipient.pk), {"nickname": "Changed", "nik": "1" * 16}
    )
    assert response.status_code == 403
    recipient.refresh_from_db()
    assert (recipient.nickname, recipient.nik) == ("Ketut", NIK)


# --- a coordinator ----------------------------------------------------------------------------


def test_it_shows_a_coordinator_the_nik(coordinator_client, recipient):
    response = coordinator_client.get(admin_url(Recipient, "changelist"))
    assert response.context["cl"].result_count == 1
    assert "5107••••••••0001" in response.content.decode()
    found = coordinator_client.post("/admin/recipients/recipient/find/", {"number": NIK})
    assert found["Location"] == admin_url(Recipient, "change", recipient.pk)

    content = coordinator_client.get(admin_url(Recipient, "change", recipient.pk)).content.decode()
    for value in [NIK, KK, PRIVATE["address"], PRIVATE["village"], "wa.me/62" + PRIVATE["phone"]]:
        assert value in content


def test_it_shows_a_coordinator_private_changes_in_the_history(coordinator_client, recipient):
    recipient.nik = "5107015505800002"
    recipient.save()
    content = coordinator_client.get(admin_url(Recipient, "history", recipient.pk)).content.decode()
    assert NIK in content and "5107015505800002" in content


def test_it_lets_a_coordinator_delete_a_donor(coordinator_client):
    donor = DonorFactory()
    response = coordinator_client.post(admin_url(Donor, "delete", donor.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Donor.objects.filter(pk=donor.pk).exists()


def test_staff_find_a_recipient_by_nik_without_it_entering_an_address(admin_client):
    from tests.factories import RecipientFactory

    recipient = RecipientFactory(nik="5107011505800777", kk="5107010101999888")
    changelist = admin_client.get("/admin/recipients/recipient/").content.decode()
    assert "/admin/recipients/recipient/find/" in changelist
    # The search box (GET) no longer looks at NIK or KK.
    searched = admin_client.get("/admin/recipients/recipient/", {"q": "5107011505800777"})
    assert searched.context["cl"].result_count == 0
    for number in ("5107011505800777", "5107010101999888"):
        response = admin_client.post("/admin/recipients/recipient/find/", {"number": number})
        assert response.status_code == 302
        assert response["Location"] == f"/admin/recipients/recipient/{recipient.pk}/change/"
        assert number not in response["Location"]
    missing = admin_client.post("/admin/recipients/recipient/find/", {"number": "1" * 16})
    assert "No recipient has this NIK or KK." in missing.content.decode()
    bad = admin_client.post("/admin/recipients/recipient/find/", {"number": "12"})
    assert "Enter exactly 16 digits." in bad.content.decode()


def test_a_volunteer_cannot_find_by_nik(volunteer_client):
    response = volunteer_client.post("/admin/recipients/recipient/find/", {"number": "1" * 16})
    assert response.status_code == 403
    assert "/find/" not in volunteer_client.get("/admin/recipients/recipient/").content.decode()
