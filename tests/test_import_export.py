"""CSV export for the accounts and reports, and CSV import of BCC's existing records."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import tablib
import time_machine
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.versions import PROGRAM_DATA, PUBLIC_PAGES
from donations.models import Donor, Sponsorship
from premiums.models import PremiumPayment
from premiums.resources import PaymentImportResource
from recipients.models import Recipient
from recipients.resources import RecipientResource
from tests.factories import (
    DonorFactory,
    PremiumPaymentFactory,
    RecipientFactory,
    SponsorshipFactory,
    UserFactory,
)
from tests.helpers import admin_url, at

# Mid-October 2026 in Bali.
OCTOBER = at(2026, 10, 15, 10)


def export_csv(client, model, query="", resource=0):
    """The rows of the CSV that the export page gives for `resource`, all columns ticked."""
    page = client.get(admin_url(model, "export") + query)
    assert page.status_code == 200
    data = {"format": "0", "resource": str(resource)}
    for name, field in page.context["form"].fields.items():
        if getattr(field, "resource_index", None) == resource:
            data[name] = "on"
    response = client.post(admin_url(model, "export") + query, data)
    assert response.status_code == 200
    # Sent as it is read from the database, never built whole in memory first.
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")  # for Excel
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def upload(client, model, text, resource="0"):
    """Step 1 of an import: the file is read, checked and shown, nothing is written."""
    csv_file = SimpleUploadedFile("records.csv", text.encode(), content_type="text/csv")
    return client.post(
        admin_url(model, "import"), {"import_file": csv_file, "format": "0", "resource": resource}
    )


def confirm(client, model, preview):
    """Step 2: the import is confirmed from the preview page."""
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(admin_url(model, "process_import"), data)


def lines(*rows):
    return "\n".join(rows) + "\n"


# --- export ----------------------------------------------------------------------------------


@time_machine.travel(OCTOBER, tick=False)
def test_it_exports_payments_for_the_accounts(coordinator_client, coordinator):
    donor = DonorFactory(full_name="Anna Schmidt", country="DE")
    paypal = SponsorshipFactory(
        donor=donor, recipient=RecipientFactory(nickname="Ketut"), route="paypal"
    )
    verified = PremiumPayment.objects.create(
        sponsorship=paypal,
        first_month=dt.date(2026, 1, 1),
        months=12,
        amount=201_600,
        channel="paypal",
        status="verified",
        verified_at=at(2026, 1, 20, 9, 30),
        verified_by=coordinator,
        paypal_amount=Decimal("12.50"),
        paypal_currency="EUR",
        paypal_transaction_id="8AB12345CD678901E",
        rupiah_received=215_000,
    )
    direct = SponsorshipFactory(
        donor=DonorFactory(full_name="Budi Santoso"), recipient=RecipientFactory(nickname="Made")
    )
    pending = PremiumPayment.objects.create(
        sponsorship=direct,
        first_month=dt.date(2026, 3, 1),
        months=24,
        amount=403_200,
        channel="direct",
    )

    rows = export_csv(coordinator_client, PremiumPayment)

    assert rows == [
        {
            "id": str(pending.pk),
            "sponsorship": str(direct.pk),
            "donor": "Budi Santoso",
            "recipient": "Made",
            "first_month": "2026-03",
            "last_month": "2028-02",
            "months": "24",
            "amount": "403200",
            "channel": "direct",
            "status": "pending",
            "verified_at": "",
            "paypal_amount": "",
            "paypal_currency": "",
            "paypal_transaction_id": "",
            "rupiah_received": "",
            "bpjs_paid_on": "",
        },
        {
            "id": str(verified.pk),
            "sponsorship": str(paypal.pk),
            "donor": "Anna Schmidt",
            "recipient": "Ketut",
            "first_month": "2026-01",
            "last_month": "2026-12",
            "months": "12",
            "amount": "201600",
            "channel": "paypal",
            "status": "verified",
            "verified_at": "2026-01-20 09:30:00",
            "paypal_amount": "12.50",
            "paypal_currency": "EUR",
            "paypal_transaction_id": "8AB12345CD678901E",
            "rupiah_received": "215000",
            "bpjs_paid_on": "",
        },
    ]


def test_it_exports_plain_numbers_in_indonesian_too(coordinator_client):
    PremiumPayment.objects.create(
        sponsorship=SponsorshipFactory(route="paypal"),
        first_month=dt.date(2026, 1, 1),
        months=12,
        amount=201_600,
        channel="paypal",
        paypal_amount=Decimal("1234.50"),
        paypal_currency="EUR",
    )
    coordinator_client.cookies["django_language"] = "id"
    [row] = export_csv(coordinator_client, PremiumPayment)
    assert (row["amount"], row["paypal_amount"]) == ("201600", "1234.50")


def test_it_exports_the_payments_of_the_filtered_list(coordinator_client):
    for status in ["verified", "pending"]:
        PremiumPayment.objects.create(
            sponsorship=SponsorshipFactory(),
            first_month=dt.date(2026, 1, 1),
            months=12,
            amount=201_600,
            channel="direct",
            status=status,
            verified_at=dt.datetime(2026, 1, 20, tzinfo=dt.UTC) if status == "verified" else None,
        )
    rows = export_csv(coordinator_client, PremiumPayment, "?status__exact=verified")
    assert [row["status"] for row in rows] == ["verified"]


@pytest.mark.parametrize("payments", [3, 20])
def test_it_exports_in_the_same_queries_however_many_rows(
    coordinator_client, django_assert_num_queries, payments
):
    for _ in range(payments):
        PremiumPayment.objects.create(
            sponsorship=SponsorshipFactory(),
            first_month=dt.date(2026, 1, 1),
            months=12,
            amount=201_600,
            channel="direct",
        )
    data = {"format": "0", "resource": "0", "paymentexportresource_id": "on"}
    # 1. the session, 2. the user, 3. the user's own permissions, 4. their groups' permissions,
    # 5. the first and last year for the list's year filter (the export follows the list's
    # filters), 6. the payments with their donor and recipient, in one query (read in chunks).
    with django_assert_num_queries(6):
        response = coordinator_client.post(admin_url(PremiumPayment, "export"), data)
        content = b"".join(response.streaming_content)
    assert content.count(b"\n") == payments + 1


@time_machine.travel(OCTOBER, tick=False)
def test_it_exports_the_active_donors(coordinator_client):
    active = DonorFactory(full_name="Active Donor", phone="081234567890", country="AU")
    SponsorshipFactory(
        donor=active,
        first_month=dt.date(2026, 1, 1),
        state=Sponsorship.State.ACTIVE,
        covered_through=dt.date(2026, 12, 1),
        lapses_on=dt.date(2027, 4, 1),
    )
    SponsorshipFactory(donor=active, first_month=dt.date(2026, 11, 1))  # pledged
    lapsed = DonorFactory(full_name="Lapsed Donor")
    SponsorshipFactory(
        donor=lapsed,
        state=Sponsorship.State.ACTIVE,
        covered_through=dt.date(2026, 5, 1),
        lapses_on=dt.date(2026, 9, 1),  # by the calendar, before today
    )
    SponsorshipFactory(donor=DonorFactory(full_name="Stopped Donor"), state="stopped")
    DonorFactory(full_name="Donor Without Sponsorship")

    rows = export_csv(coordinator_client, Donor)

    assert rows == [
        {
            "id": str(active.pk),
            "full_name": "Active Donor",
            "display_name": active.display_name,
            "listed_publicly": "yes",
            "email": active.email,
            "phone": "+6281234567890",
            "country": "AU",
            "language": "en",
            "since": "2026-01",
            "people_protected": "1",  # the pledge from November protects nobody yet
        }
    ]
    everyone = export_csv(coordinator_client, Donor, resource=1)
    assert len(everyone) == 4


def test_it_exports_the_active_donors_of_a_search(coordinator_client):
    for name in ["Anna Active", "Berta Active"]:
        SponsorshipFactory(donor=DonorFactory(full_name=name))
    rows = export_csv(coordinator_client, Donor, "?q=Berta")
    assert [row["full_name"] for row in rows] == ["Berta Active"]


def test_it_keeps_formulas_in_donor_names_from_running(coordinator_client):
    SponsorshipFactory(donor=DonorFactory(full_name='=HYPERLINK("http://evil.example")'))
    [row] = export_csv(coordinator_client, Donor)
    assert row["full_name"] == '\'=HYPERLINK("http://evil.example")'
    assert row["phone"] == "+6281234567890"  # a number, left as it is


def test_it_exports_recipients_with_their_private_data_for_coordinators(coordinator_client):
    recipient = RecipientFactory(nik="5107015505800001", phone="+6281338000001")
    [row] = export_csv(coordinator_client, Recipient)
    assert row["id"] == str(recipient.pk)
    assert row["nickname"] == recipient.nickname
    assert row["occupation"] == "coconut_climber"
    assert row["nik"] == "5107015505800001"
    assert row["kk"] == recipient.kk
    assert row["date_of_birth"] == "1980-05-15"
    assert row["village"] == recipient.village
    assert row["address"] == recipient.address
    assert row["phone"] == "+6281338000001"


def test_it_exports_recipients_without_private_data_for_others(db, client):
    user = UserFactory(username="reporter", is_staff=True, is_superuser=False)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_recipient", "export_recipient"])
    )
    client.force_login(user)
    recipient = RecipientFactory(nik="5107015505800001")

    [row] = export_csv(client, Recipient)

    assert row["nickname"] == recipient.nickname
    assert set(row) & set(Recipient.PRIVATE_FIELDS) == set()
    assert "5107015505800001" not in str(row)


# --- import ----------------------------------------------------------------------------------

DONORS = lines(
    "full_name,display_name,listed_publicly,email,phone,country,language",
    "Anna Schmidt,A.S.,yes,anna@example.org,+49 151 23456789,Germany,en",
    "Budi Santoso,,tidak,budi@example.org,0812-3456-7890,ID,id",
)


def test_it_previews_an_import_and_changes_nothing(coordinator_client):
    response = upload(coordinator_client, Donor, DONORS)

    assert response.status_code == 200
    assert "confirm_form" in response.context
    content = response.content.decode()
    assert "Anna Schmidt" in content and "Budi Santoso" in content
    assert response.context["result"].totals["new"] == 2
    assert not Donor.objects.exists()


def test_it_imports_donors_once_confirmed(coordinator_client, coordinator):
    preview = upload(coordinator_client, Donor, DONORS)

    response = confirm(coordinator_client, Donor, preview)

    assert response.status_code == 302
    anna, budi = Donor.objects.order_by("full_name")
    assert (anna.email, str(anna.phone), anna.country.code) == (
        "anna@example.org",
        "+4915123456789",
        "DE",
    )
    assert (anna.listed_publicly, budi.listed_publicly) == (True, False)
    assert (str(budi.phone), budi.country.code, budi.language) == ("+6281234567890", "ID", "id")
    # Who imported them is in the history.
    assert anna.history.get().history_user == coordinator


def test_it_imports_nothing_from_a_file_with_a_bad_row(coordinator_client):
    text = lines(
        "nickname,full_name,occupation,regency,nik,kk,phone",
        "Wayan,I Wayan Sudarma,coconut_climber,5107,5107011505800001,5107010101000001,081338000001",
        "Made,Ni Made Sari,Tuak (palm wine) maker,Karangasem,510701550580002,,",
        "Ketut,I Ketut Darma,casual_worker,5104,,,",
    )

    response = upload(coordinator_client, Recipient, text)

    assert response.status_code == 200
    assert "confirm_form" not in response.context
    result = response.context["result"]
    assert [row.number for row in result.invalid_rows] == [
        3
    ]  # the line in the spreadsheet, whose header is line 1
    content = response.content.decode()
    assert "Enter exactly 16 digits." in content
    assert "Ni Made Sari" in content  # the row, shown beside its error
    assert not Recipient.objects.exists()


def test_it_rolls_back_a_bad_file_whoever_imports_it(db):
    """Not only in the admin, which offers no confirmation after errors: the resource itself
    writes a file whole or not at all."""
    dataset = tablib.Dataset(headers=["nickname", "full_name", "occupation", "regency", "nik"])
    dataset.append(["Wayan", "I Wayan", "farmer", "5107", "5107011505800001"])
    dataset.append(["Made", "Ni Made", "farmer", "5107", "123"])

    result = RecipientResource().import_data(dataset, dry_run=False, use_transactions=True)

    assert result.has_validation_errors()
    assert not Recipient.objects.exists()


def test_it_reads_recipients_as_staff_type_them(coordinator_client):
    text = lines(
        "nickname,full_name,sex,occupation,regency,status,nik,kk,date_of_birth,phone,photo_consent",
        "Wayan,I Wayan Sudarma,M,Coconut tree climber,Karangasem,,"
        "5107 0115 0580 0001,'5107010101000001,15/05/1980,0813 3800 0001,ya",
    )
    confirm(coordinator_client, Recipient, upload(coordinator_client, Recipient, text))

    wayan = Recipient.objects.get()
    assert wayan.occupation == "coconut_climber"
    assert wayan.regency == "5107"
    assert wayan.status == Recipient.Status.ELIGIBLE
    assert (wayan.nik, wayan.kk) == ("5107011505800001", "5107010101000001")
    assert wayan.date_of_birth == dt.date(1980, 5, 15)
    assert str(wayan.phone) == "+6281338000001"
    assert wayan.photo_consent is True


def test_it_refuses_a_recipient_imported_twice(coordinator_client):
    RecipientFactory(nik="5107011505800001")
    text = lines(
        "nickname,full_name,occupation,regency,nik",
        "Wayan,I Wayan Sudarma,farmer,5107,5107011505800001",
    )
    response = upload(coordinator_client, Recipient, text)
    assert "already has this NIK" in response.content.decode()
    assert Recipient.objects.count() == 1


def test_it_refuses_an_unknown_id(coordinator_client):
    text = lines("id,nickname,full_name,occupation,regency", "999,Wayan,I Wayan,farmer,5107")
    response = upload(coordinator_client, Recipient, text)
    assert "Nothing has this id" in response.content.decode()


def test_it_updates_a_recipient_by_id(coordinator_client):
    recipient = RecipientFactory(nickname="Wayan")
    text = lines(
        "id,nickname,full_name,occupation,regency,nik",
        f"{recipient.pk},Wayan Sudi,{recipient.full_name},farmer,5107,{recipient.nik}",
    )
    confirm(coordinator_client, Recipient, upload(coordinator_client, Recipient, text))
    recipient.refresh_from_db()
    assert (recipient.nickname, recipient.occupation) == ("Wayan Sudi", "farmer")


def test_it_imports_sponsorships_by_email_and_nik(coordinator_client):
    donor = DonorFactory(email="anna@example.org")
    wayan = RecipientFactory(nik="5107011505800001")
    made = RecipientFactory()
    text = lines(
        "donor,recipient,first_month,months_pledged,route",
        "Anna@Example.org,5107011505800001,2026-01,12,direct",
        f"{donor.pk},{made.pk},03/2026,24,PayPal via BCC",
    )

    response = confirm(
        coordinator_client, Sponsorship, upload(coordinator_client, Sponsorship, text)
    )

    assert response.status_code == 302
    first, second = Sponsorship.objects.order_by("first_month")
    assert (first.donor, first.recipient, first.first_month) == (donor, wayan, dt.date(2026, 1, 1))
    assert (second.recipient, second.months_pledged, second.route) == (made, 24, "paypal")
    assert first.state == Sponsorship.State.PLEDGED
    # Never paid: it lapses after the three months that follow the month before its first.
    assert first.lapses_on == dt.date(2026, 4, 1)


def test_it_refuses_a_pledge_shorter_than_a_year(coordinator_client):
    DonorFactory(email="anna@example.org")
    recipient = RecipientFactory()
    text = lines(
        "donor,recipient,first_month,months_pledged,route",
        f"anna@example.org,{recipient.pk},2026-01,6,direct",
    )
    response = upload(coordinator_client, Sponsorship, text)
    assert "The minimum is 12 months (one year)." in response.content.decode()
    assert not Sponsorship.objects.exists()


def test_it_refuses_an_unknown_donor(coordinator_client):
    recipient = RecipientFactory()
    text = lines(
        "donor,recipient,first_month,months_pledged,route",
        f"nobody@example.org,{recipient.pk},2026-01,12,direct",
    )
    response = upload(coordinator_client, Sponsorship, text)
    assert "No donor has “nobody@example.org”." in response.content.decode()


def test_it_says_how_to_name_a_donor(coordinator_client):
    recipient = RecipientFactory()
    text = lines(
        "donor,recipient,first_month,months_pledged,route",
        f"Anna,{recipient.pk},2026-01,12,direct",
    )
    response = upload(coordinator_client, Sponsorship, text)
    assert "Give the donor&#x27;s id or email, not “Anna”." in response.content.decode()


@time_machine.travel(OCTOBER, tick=False)
def test_it_imports_verified_payments_and_their_coverage(coordinator_client, coordinator):
    donor = DonorFactory(email="anna@example.org")
    recipient = RecipientFactory(nik="5107011505800001")
    sponsorship = SponsorshipFactory(
        donor=donor, recipient=recipient, first_month=dt.date(2026, 1, 1)
    )
    text = lines(
        "donor,recipient,first_month,months,amount,status,verified_at",
        "anna@example.org,5107011505800001,2026-01,12,Rp 201.600,verified,2026-01-20 09:30",
        "anna@example.org,5107011505800001,2027-01,12,201600,pending,",
    )

    preview = upload(coordinator_client, PremiumPayment, text)
    sponsorship.refresh_from_db()
    assert sponsorship.state == Sponsorship.State.PLEDGED  # the preview changed nothing
    response = confirm(coordinator_client, PremiumPayment, preview)

    assert response.status_code == 302
    first, second = sponsorship.payments.order_by("first_month")
    assert (first.status, first.amount, first.channel) == ("verified", 201_600, "direct")
    assert first.verified_by == coordinator
    assert first.verified_at == at(2026, 1, 20, 9, 30)
    assert (second.status, second.last_month) == ("pending", dt.date(2027, 12, 1))
    sponsorship.refresh_from_db()
    assert sponsorship.state == Sponsorship.State.ACTIVE
    assert sponsorship.activated_at == first.verified_at
    assert sponsorship.covered_through == dt.date(2026, 12, 1)
    assert sponsorship.lapses_on == dt.date(2027, 4, 1)


def test_it_prices_a_payment_without_an_amount(coordinator_client, standard_rate):
    sponsorship = SponsorshipFactory()
    text = lines("sponsorship,first_month,months", f"{sponsorship.pk},2026-01,12")
    confirm(coordinator_client, PremiumPayment, upload(coordinator_client, PremiumPayment, text))
    assert sponsorship.payments.get().amount == 12 * 16_800


def test_it_refuses_a_gap_between_verified_payments(coordinator_client):
    sponsorship = SponsorshipFactory(first_month=dt.date(2026, 1, 1))
    text = lines(
        "sponsorship,first_month,months,amount,status",
        f"{sponsorship.pk},2026-01,12,201600,verified",
        f"{sponsorship.pk},2027-03,12,201600,verified",
    )
    response = upload(coordinator_client, PremiumPayment, text)
    assert "confirm_form" not in response.context
    assert "right after the last one" in response.content.decode()
    assert not PremiumPayment.objects.exists()


@pytest.mark.parametrize(
    ("cells", "error"),
    [
        ("2026-01,12,0,", "The amount must be more than Rp 0."),
        ("2026-01,12,-5,", "Give the amount in whole Rupiah"),
        ("2026-01,0,201600,", "A payment covers at least one month."),
        ("2026-01,6,100800,", "The minimum is 12 months (one year)."),
        ("2026-01,12,201600,12.50", "PayPal details belong to a payment made through PayPal"),
    ],
)
def test_it_refuses_a_payment_the_rules_refuse(coordinator_client, cells, error):
    sponsorship = SponsorshipFactory(route="direct")
    text = lines("sponsorship,first_month,months,amount,paypal_amount", f"{sponsorship.pk},{cells}")
    response = upload(coordinator_client, PremiumPayment, text)
    assert error in response.content.decode()
    assert not PremiumPayment.objects.exists()


def test_it_needs_the_import_permission(db, client):
    user = UserFactory(username="clerk", is_staff=True, is_superuser=False)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_donor", "add_donor", "change_donor"])
    )
    client.force_login(user)
    assert client.get(admin_url(Donor, "import")).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="import_donor"))
    client.force_login(user)
    assert client.get(admin_url(Donor, "import")).status_code == 200


def payments_file(rows: int, name="donor", **sponsorship_fields) -> tablib.Dataset:
    """A file of payments naming each sponsorship by its donor's email and recipient's NIK:
    a verified year, then a pending one, for each sponsorship."""
    lines_ = ["donor,recipient,first_month,months,amount,status,verified_at"]
    for i in range((rows + 1) // 2):
        sponsorship = SponsorshipFactory(
            donor=DonorFactory(email=f"{name}{i}@example.org"),
            first_month=dt.date(2026, 1, 1),
            **sponsorship_fields,
        )
        nik = sponsorship.recipient.nik
        lines_.append(f"{name.upper()}{i}@Example.org,{nik},2026-01,12,,verified,2026-01-20 09:30")
        lines_.append(f"{name}{i}@example.org,{nik},2027-01,12,201600,pending,")
    return tablib.Dataset().load(lines(*lines_[: rows + 1]), format="csv")


@pytest.mark.parametrize("dry_run", [True, False])
def test_it_imports_payments_in_the_same_queries_however_many_rows(db, standard_rate, dry_run):
    """What a file names is read once for the file (an email is looked up without an index: a
    scan of every donor), each row is checked without a query, and the rows are written in
    batches with their history."""
    counts, sql = [], []
    for rows in (4, 24):
        dataset = payments_file(rows, name=f"donor{rows}x")
        with CaptureQueriesContext(connection) as queries:
            result = PaymentImportResource().import_data(dataset, dry_run=dry_run)
        assert not result.has_errors() and not result.has_validation_errors()
        assert result.totals["new"] == rows
        counts.append(len(queries))
        sql = [query["sql"] for query in queries]
        PremiumPayment.objects.all().delete()
    assert counts[0] == counts[1]
    assert sum('FROM "premiums_premiumrate"' in q for q in sql) == 1
    assert sum('FROM "donations_donor"' in q for q in sql) == 1
    assert not any('"_check"' in q for q in sql)


def test_it_records_who_imported_each_payment_in_the_history(coordinator_client, coordinator):
    sponsorship = SponsorshipFactory(first_month=dt.date(2026, 1, 1))
    text = lines(
        "sponsorship,first_month,months,amount,status,verified_at",
        f"{sponsorship.pk},2026-01,12,201600,verified,2026-01-20 09:30",
        f"{sponsorship.pk},2027-01,12,201600,pending,",
    )
    confirm(coordinator_client, PremiumPayment, upload(coordinator_client, PremiumPayment, text))

    for payment in sponsorship.payments.all():
        entry = payment.history.get()
        assert (entry.history_type, entry.history_user) == ("+", coordinator)
        assert entry.last_month == payment.last_month
    entry = sponsorship.history.latest()
    assert (entry.state, entry.covered_through) == ("active", dt.date(2026, 12, 1))
    assert entry.history_user == coordinator


def test_it_updates_a_pending_payment_by_id(coordinator_client, coordinator):
    payment = PremiumPaymentFactory(sponsorship__first_month=dt.date(2026, 1, 1))
    text = lines(
        "id,sponsorship,first_month,months,amount,status",
        f"{payment.pk},{payment.sponsorship_id},2026-01,24,403200,pending",
    )
    preview = upload(coordinator_client, PremiumPayment, text)
    assert preview.context["result"].totals["update"] == 1
    confirm(coordinator_client, PremiumPayment, preview)

    payment.refresh_from_db()
    assert (payment.months, payment.amount, payment.last_month) == (
        24,
        403_200,
        dt.date(2027, 12, 1),
    )
    entry = payment.history.latest()
    assert (entry.history_type, entry.history_user, entry.months) == ("~", coordinator, 24)


def test_it_keeps_a_verified_payment_as_it_is(coordinator_client):
    payment = PremiumPaymentFactory(status="verified", sponsorship__first_month=dt.date(2026, 1, 1))
    text = lines(
        "id,sponsorship,first_month,months,amount,status",
        f"{payment.pk},{payment.sponsorship_id},2026-01,24,403200,verified",
    )
    response = upload(coordinator_client, PremiumPayment, text)
    assert "confirm_form" not in response.context
    assert "This payment is verified" in response.content.decode()
    payment.refresh_from_db()
    assert payment.months == 12


def test_it_refuses_two_rows_with_one_paypal_transaction(coordinator_client):
    """The database sees the rows of a file only once they are written together: the file's
    rows are compared with each other."""
    first, second = SponsorshipFactory.create_batch(2, route="paypal")
    text = lines(
        "sponsorship,first_month,months,amount,paypal_amount,paypal_currency,paypal_transaction_id",
        f"{first.pk},{first.first_month:%Y-%m},12,201600,12.50,EUR,5TY00000AB",
        f"{second.pk},{second.first_month:%Y-%m},12,201600,12.50,EUR,5TY00000AB",
    )
    response = upload(coordinator_client, PremiumPayment, text)
    assert "confirm_form" not in response.context
    assert "Another row of this file has this PayPal transaction id." in response.content.decode()
    assert not PremiumPayment.objects.exists()


def test_it_refuses_two_rows_with_overlapping_months(coordinator_client):
    sponsorship = SponsorshipFactory(first_month=dt.date(2026, 1, 1))
    text = lines(
        "sponsorship,first_month,months,amount",
        f"{sponsorship.pk},2026-01,12,201600",
        f"{sponsorship.pk},2026-06,12,201600",
    )
    response = upload(coordinator_client, PremiumPayment, text)
    assert "These months overlap another payment of this sponsorship (2026-01 – 2026-12)." in (
        response.content.decode()
    )
    assert not PremiumPayment.objects.exists()


@pytest.mark.parametrize("cell", ["x1", "99999999999999999999999"])
def test_it_says_what_is_wrong_with_an_id_that_names_nothing(coordinator_client, cell):
    sponsorship = SponsorshipFactory()
    text = lines(
        "id,sponsorship,first_month,months,amount",
        f"{cell},{sponsorship.pk},{sponsorship.first_month:%Y-%m},12,201600",
        f",{cell},{sponsorship.first_month:%Y-%m},12,201600",
    )
    response = upload(coordinator_client, PremiumPayment, text)
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    result = response.context["result"]
    assert len(result.invalid_rows) + len(result.row_errors()) == 2
    assert not PremiumPayment.objects.exists()


def test_it_refuses_two_rows_for_one_payment(coordinator_client):
    payment = PremiumPaymentFactory(sponsorship__first_month=dt.date(2026, 1, 1))
    text = lines(
        "id,sponsorship,first_month,months,amount,status,verified_at",
        f"{payment.pk},{payment.sponsorship_id},2026-01,12,201600,verified,2026-01-20 09:30",
        f"{payment.pk},{payment.sponsorship_id},2026-01,24,403200,verified,2026-01-20 09:30",
    )
    response = upload(coordinator_client, PremiumPayment, text)
    assert "An earlier row of this file changes this payment: one row a payment." in (
        response.content.decode()
    )
    payment.refresh_from_db()
    assert (payment.status, payment.months) == ("pending", 12)


def test_it_moves_a_payment_to_another_sponsorship(coordinator_client):
    """Its months are free on the sponsorship it leaves, for a later row of the same file,
    and both sponsorships' coverage is recomputed."""
    left, joined = SponsorshipFactory.create_batch(2, first_month=dt.date(2026, 1, 1))
    payment = PremiumPaymentFactory(sponsorship=left)
    text = lines(
        "id,sponsorship,donor,recipient,first_month,months,amount,status,verified_at",
        f"{payment.pk},{joined.pk},,,2026-01,12,201600,pending,",
        f",,{left.donor_id},{left.recipient_id},2026-01,12,201600,verified,2026-01-20 09:30",
    )
    preview = upload(coordinator_client, PremiumPayment, text)
    assert "confirm_form" in preview.context, preview.context["result"].invalid_rows
    confirm(coordinator_client, PremiumPayment, preview)

    payment.refresh_from_db()
    assert payment.sponsorship == joined
    assert left.payments.get().status == "verified"
    left.refresh_from_db()
    assert (left.state, left.covered_through) == ("active", dt.date(2026, 12, 1))


def test_it_gives_a_paypal_id_an_earlier_row_took_off_a_payment(coordinator_client):
    first, second = SponsorshipFactory.create_batch(2, route="paypal")
    payment = PremiumPaymentFactory(
        sponsorship=first,
        paypal_amount=Decimal("12.50"),
        paypal_currency="EUR",
        paypal_transaction_id="TX1",
    )
    text = lines(
        "id,sponsorship,first_month,months,amount,paypal_amount,paypal_currency,"
        "paypal_transaction_id",
        f"{payment.pk},{first.pk},{first.first_month:%Y-%m},12,201600,12.50,EUR,TX2",
        f",{second.pk},{second.first_month:%Y-%m},12,201600,12.50,EUR,TX1",
    )
    preview = upload(coordinator_client, PremiumPayment, text)
    assert "confirm_form" in preview.context, preview.context["result"].invalid_rows
    confirm(coordinator_client, PremiumPayment, preview)
    payment.refresh_from_db()
    assert payment.paypal_transaction_id == "TX2"
    assert second.payments.get().paypal_transaction_id == "TX1"


def test_it_refuses_a_paypal_id_another_payment_has(coordinator_client):
    first, second = SponsorshipFactory.create_batch(2, route="paypal")
    PremiumPaymentFactory(
        sponsorship=first,
        paypal_amount=Decimal("12.50"),
        paypal_currency="EUR",
        paypal_transaction_id="TX1",
    )
    text = lines(
        "sponsorship,first_month,months,amount,paypal_amount,paypal_currency,paypal_transaction_id",
        f"{second.pk},{second.first_month:%Y-%m},12,201600,12.50,EUR,TX1",
    )
    response = upload(coordinator_client, PremiumPayment, text)
    assert "Premium payment with this PayPal transaction id already exists." in (
        response.content.decode()
    )
    assert not second.payments.exists()


def test_it_verifies_a_pending_payment_by_id_and_prices_it(
    coordinator_client, coordinator, standard_rate
):
    payment = PremiumPaymentFactory(sponsorship__first_month=dt.date(2026, 1, 1))
    text = lines(
        "id,sponsorship,first_month,months,amount,status,verified_at",
        f"{payment.pk},{payment.sponsorship_id},2026-01,12,,verified,2026-01-20 09:30",
    )
    confirm(coordinator_client, PremiumPayment, upload(coordinator_client, PremiumPayment, text))

    payment.refresh_from_db()
    assert (payment.status, payment.verified_by) == ("verified", coordinator)
    assert payment.monthly_amounts == [16_800] * 12 and payment.amount == 201_600
    payment.sponsorship.refresh_from_db()
    assert payment.sponsorship.state == "active"


def test_it_updates_payments_in_the_same_queries_however_many_rows(db, standard_rate):
    counts = []
    for rows in (2, 8):
        payments = PremiumPaymentFactory.create_batch(
            rows, sponsorship__first_month=dt.date(2026, 1, 1)
        )
        text = lines(
            "id,sponsorship,first_month,months,amount,status",
            *(f"{p.pk},{p.sponsorship_id},2026-01,24,,pending" for p in payments),
        )
        dataset = tablib.Dataset().load(text, format="csv")
        with CaptureQueriesContext(connection) as queries:
            result = PaymentImportResource().import_data(dataset, dry_run=True)
        assert result.totals["update"] == rows and not result.has_validation_errors()
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_confirmed_import_makes_cached_pages_stale(
    coordinator_client, django_capture_on_commit_callbacks
):
    """Rows written in bulk send no signal: the import tells the cached pages itself."""
    sponsorship = SponsorshipFactory(first_month=dt.date(2026, 1, 1))
    text = lines("sponsorship,first_month,months,amount", f"{sponsorship.pk},2026-01,12,201600")
    preview = upload(coordinator_client, PremiumPayment, text)
    public, program = PUBLIC_PAGES.current(), PROGRAM_DATA.current()
    with django_capture_on_commit_callbacks(execute=True):
        confirm(coordinator_client, PremiumPayment, preview)
    assert sponsorship.payments.count() == 1
    assert PUBLIC_PAGES.current() > public and PROGRAM_DATA.current() > program


def test_a_payment_breaking_one_check_is_told_which(db):
    payment = PremiumPayment(
        sponsorship=SponsorshipFactory(route="paypal"),
        first_month=dt.date(2026, 1, 1),
        months=12,
        last_month=dt.date(2026, 12, 1),
        amount=201_600,
        channel="paypal",
        paypal_amount=Decimal("-1"),
        paypal_currency="EUR",
    )
    with pytest.raises(ValidationError) as refused:
        payment.validate_constraints()
    assert refused.value.messages == ["Constraint “payment_paypal_amount_positive” is violated."]
    payment.paypal_amount = Decimal("12.50")
    payment.validate_constraints()  # all five hold


def test_it_still_finds_a_donor_whose_email_another_shares(coordinator_client):
    """Two donors with one email: the file must name the sponsorship, as before."""
    for _ in range(2):
        DonorFactory(email="family@example.org")
    recipient = RecipientFactory()
    text = lines(
        "donor,recipient,first_month,months,amount",
        f"family@example.org,{recipient.nik},2026-01,12,201600",
    )
    response = upload(coordinator_client, PremiumPayment, text)
    assert "give the id instead" in response.content.decode()
