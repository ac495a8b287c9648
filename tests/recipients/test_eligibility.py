"""The age limit: BPJS registers a non-wage worker only before their 60th birthday."""

import datetime as dt

import pytest
import time_machine

from donations.models import Sponsorship, needing_sponsor
from premiums import services
from recipients.eligibility import under_age_limit_on, years_before
from tests.factories import RecipientFactory
from tests.helpers import at, pledge_form, pledge_through_service

D = dt.date


@pytest.mark.parametrize(
    ("born", "day", "under"),
    [
        (D(1966, 12, 2), D(2026, 12, 1), True),  # 60 tomorrow
        (D(1966, 12, 1), D(2026, 12, 1), False),  # 60 on the day: too late
        (D(1966, 11, 30), D(2026, 12, 1), False),
        (D(1968, 2, 29), D(2028, 2, 28), True),  # leap-day birth, the day before
        (D(1968, 2, 29), D(2028, 2, 29), False),  # the 60th birthday itself
        (D(1968, 3, 1), D(2028, 3, 1), False),
        (D(1968, 3, 2), D(2028, 3, 1), True),
        (None, D(2026, 12, 1), True),  # no date recorded: staff check the E-KTP
    ],
)
def test_it_draws_the_line_at_the_60th_birthday(born, day, under):
    assert under_age_limit_on(born, day) is under


def test_a_leap_day_has_a_day_in_every_year():
    assert years_before(D(2100, 2, 28), 60) == D(2040, 2, 28)
    assert years_before(D(2028, 2, 29), 61) == D(1967, 2, 28)


@pytest.fixture
def turning_60(db, standard_rate):
    # 60 on 15 December 2026: still 59 today (20 November), but not on 1 December, the first
    # month a sponsorship pledged today could register him.
    return RecipientFactory(nickname="Ketut", date_of_birth=D(1966, 12, 1))


def test_a_worker_too_old_by_next_month_is_not_listed_nor_pledged_for(client, turning_60):
    young = RecipientFactory(nickname="Putu", date_of_birth=D(1990, 1, 1))
    with time_machine.travel(at(2026, 11, 20, 10, 0), tick=False):
        waiting = set(needing_sponsor().values_list("pk", flat=True))
        listed = client.get("/en/recipients/").content.decode()
        pledge = client.post(
            f"/en/recipients/{turning_60.pk}/sponsor/", pledge_form(first_month="2026-12-01")
        )
    assert young.pk in waiting and turning_60.pk not in waiting
    assert "Putu" in listed and "Ketut" not in listed
    assert pledge.status_code in (200, 409)
    assert not Sponsorship.objects.exists()


def test_the_service_refuses_a_first_month_at_60(turning_60):
    with (
        time_machine.travel(at(2026, 11, 20, 10, 0), tick=False),
        pytest.raises(services.PaymentError, match="Ketut will be 60 by December 2026"),
    ):
        pledge_through_service(turning_60.pk, D(2026, 12, 1))


def test_staff_see_the_flag_in_the_list_and_the_form(admin_client, turning_60):
    with time_machine.travel(at(2026, 11, 20, 10, 0), tick=False):
        listing = admin_client.get("/admin/recipients/recipient/").content.decode()
        form = admin_client.get(f"/admin/recipients/recipient/{turning_60.pk}/change/")
    assert "under 60 next month" in listing.lower()
    assert 'alt="No"' in listing
    assert "60 or older by 1 December 2026" in form.content.decode()
