"""Import errors that people can act on: under the column at fault, at the spreadsheet's line,
short for a bad country, and the NIK check's warnings in the preview, before confirming."""

import datetime as dt

import pytest

from donations.models import Donor
from premiums.models import PremiumPayment
from recipients.models import Recipient
from tests.factories import SponsorshipFactory
from tests.test_import_export import lines, upload

pytestmark = pytest.mark.django_db


def errors_by_column(response) -> dict:
    [row] = response.context["result"].invalid_rows
    return {name: [str(e) for e in errors] for name, errors in row.field_specific_errors.items()}


def test_a_first_payment_too_short_is_an_error_of_its_months(coordinator_client):
    sponsorship = SponsorshipFactory(first_month=dt.date(2026, 1, 1))
    text = lines("sponsorship,first_month,months,amount", f"{sponsorship.pk},2026-01,11,184800")
    errors = errors_by_column(upload(coordinator_client, PremiumPayment, text))
    assert list(errors) == ["months"]
    assert "12 months" in errors["months"][0]


def test_a_payment_starting_in_the_wrong_month_is_an_error_of_its_first_month(
    coordinator_client,
):
    sponsorship = SponsorshipFactory(first_month=dt.date(2026, 1, 1))
    text = lines("sponsorship,first_month,months,amount", f"{sponsorship.pk},2026-02,12,201600")
    errors = errors_by_column(upload(coordinator_client, PremiumPayment, text))
    assert list(errors) == ["first_month"]


def test_errors_name_the_line_of_the_spreadsheet(coordinator_client):
    text = lines(
        "full_name,email,country,language",  # line 1
        "Anna Schmidt,anna@example.org,DE,en",  # line 2
        "Budi,not-an-email,ID,id",  # line 3
    )
    response = upload(coordinator_client, Donor, text)
    assert [row.number for row in response.context["result"].invalid_rows] == [3]


def test_a_bad_country_gets_a_short_message(coordinator_client):
    text = lines("full_name,email,country,language", "Anna,anna@example.org,Germanyy,en")
    response = upload(coordinator_client, Donor, text)
    [message] = errors_by_column(response)["country"]
    assert message == "“Germanyy” is not a country: give its two-letter code, such as ID or AU."
    assert "AF, AX" not in response.content.decode()
    assert not Donor.objects.exists()


def test_it_shows_the_nik_warnings_in_the_preview(coordinator_client):
    # Issued outside Bali (region 3171), and its birth date is not the recorded one.
    text = lines(
        "nickname,full_name,occupation,regency,nik,kk,date_of_birth,sex",
        "Wayan,I Wayan,farmer,5107,3171011505800001,5107010101000001,1981-05-15,M",
        "Made,I Made,farmer,5107,5107011505800002,5107010101000002,1980-05-15,M",
    )
    response = upload(coordinator_client, Recipient, text)
    assert "confirm_form" in response.context
    page = response.content.decode()
    assert "<th>NIK check</th>" in page
    assert "This NIK was first issued outside Bali (region 3171)." in page
    assert "The date of birth in the NIK does not match the recorded one." in page
    assert "The NIK matches the recorded date of birth and sex." in page
    assert not Recipient.objects.exists()
