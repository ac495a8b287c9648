"""Protection follows the paid months, not the sponsorship's state.

Wayan's donor paid two years ahead, through November 2027, then stopped in December 2026. The
months paid still protect Wayan: he is counted as protected on the home page and the staff
dashboard, he is not on the waiting list until his paid months end within 60 days, and a new
donor's sponsorship starts in December 2027, so that nobody pays BPJS twice for a month.
"""

import datetime as dt
import re

import pytest
import time_machine

from donations.models import DonorRequest, Sponsorship
from premiums import services
from recipients.models import Recipient
from tests.factories import DonorRequestFactory, RecipientFactory, SponsorshipFactory
from tests.helpers import at, pay, pledge_form, pledge_through_service

D = dt.date
STOPPED = at(2026, 12, 10, 10, 0)


@pytest.fixture
def prepaid(db, standard_rate, staff):
    """Wayan's sponsorship, paid from January 2026 through November 2027, stopped today."""
    with time_machine.travel(at(2025, 12, 5, 10, 0), tick=False):
        sponsorship = SponsorshipFactory(
            first_month=D(2026, 1, 1), months_pledged=23, recipient__nickname="Wayan"
        )
        pay(sponsorship, by=staff, first_month=D(2026, 1, 1), months=23)
    assert sponsorship.covered_through == D(2027, 11, 1)
    with time_machine.travel(STOPPED, tick=False):
        request = DonorRequestFactory(sponsorship=sponsorship, kind=DonorRequest.Kind.STOP)
        services.carry_out_request(request, by=staff)
    sponsorship.refresh_from_db()
    assert sponsorship.state == Sponsorship.State.STOPPED
    return sponsorship


def _figure(html, label):
    return int(re.search(rf">(\d+)</div><div[^>]*>{label}<", html).group(1))


def test_the_stopped_workers_paid_months_still_count_as_protection(client, staff_client, prepaid):
    RecipientFactory(nickname="Made")  # never sponsored: waiting, not protected
    with time_machine.travel(STOPPED, tick=False):
        home = client.get("/en/").content.decode()
        staff = staff_client.get("/staff/").content.decode()
    assert _figure(home, "people protected now") == 1
    assert re.search(r'id="figure-protected">1<', staff)


def test_the_worker_is_not_waiting_until_the_paid_months_end_within_60_days(client, prepaid):
    with time_machine.travel(STOPPED, tick=False):
        listed = client.get("/en/recipients/").content.decode()
        page = client.get(f"/en/recipients/{prepaid.recipient_id}/sponsor/")
    assert "Wayan" not in listed
    assert page.status_code == 200 and "sponsored" in page.content.decode().lower()
    # Coverage ends 30 November 2027; from 1 October it is within 60 days.
    with time_machine.travel(at(2027, 9, 30, 10, 0), tick=False):
        assert "Wayan" not in client.get("/en/recipients/").content.decode()
    with time_machine.travel(at(2027, 10, 1, 10, 0), tick=False):
        assert "Wayan" in client.get("/en/recipients/").content.decode()


def test_a_new_pledge_starts_after_the_paid_months(client, prepaid):
    url = f"/en/recipients/{prepaid.recipient_id}/sponsor/"
    with time_machine.travel(at(2027, 10, 5, 10, 0), tick=False):
        form = client.get(url).content.decode()
        options = re.findall(r'<option value="(\d{4}-\d{2}-01)"', form)
        assert options[0] == "2027-12-01"  # not November 2027, already paid
        refused = client.post(url, pledge_form(first_month="2027-11-01", years="1"))
        assert refused.status_code == 200  # the form again, with the reason
        assert Sponsorship.objects.filter(state="pledged").count() == 0
        accepted = client.post(url, pledge_form(first_month="2027-12-01", years="1"))
    assert accepted.status_code == 302
    new = Sponsorship.objects.get(state="pledged")
    assert new.first_month == D(2027, 12, 1)
    assert new.payments.get().first_month == D(2027, 12, 1)


def test_the_service_refuses_months_already_paid(prepaid):
    with (
        time_machine.travel(at(2027, 10, 5, 10, 0), tick=False),
        pytest.raises(services.PaymentError, match="already protected through November 2027"),
    ):
        pledge_through_service(prepaid.recipient_id, D(2027, 11, 1))


def test_waiting_since_counts_from_the_end_of_the_last_coverage(client, prepaid):
    with time_machine.travel(at(2028, 2, 1, 10, 0), tick=False):
        page = client.get(f"/en/recipients/{prepaid.recipient_id}/").content.decode()
    # Coverage ended 30 November 2027: two months, not since the record was made in 2025.
    assert "Waiting for a sponsor for 2\xa0months." in page
    assert Recipient.objects.get(pk=prepaid.recipient_id).waiting_since == D(2026, 12, 10)


def test_staff_see_the_paid_months_left_when_they_carry_out_a_request(admin_client, prepaid):
    request = DonorRequestFactory(sponsorship=prepaid, kind=DonorRequest.Kind.CHANGE_RECIPIENT)
    with time_machine.travel(STOPPED, tick=False):
        listing = admin_client.get("/admin/donations/donorrequest/").content.decode()
        page = admin_client.get(f"/admin/donations/donorrequest/{request.pk}/change/")
    # December 2026 to November 2027: eleven months after this one.
    expected = "Paid through November 2027: 11 more months protect the worker"
    assert expected in listing
    assert expected in page.content.decode()


def test_a_change_of_recipient_starts_after_the_new_workers_paid_months(prepaid, staff):
    # Another donor asks to move to Wayan, whose paid months end within 60 days.
    other = SponsorshipFactory(first_month=D(2027, 1, 1), months_pledged=12)
    with time_machine.travel(at(2027, 10, 5, 10, 0), tick=False):
        request = DonorRequestFactory(
            sponsorship=other,
            kind=DonorRequest.Kind.CHANGE_RECIPIENT,
            new_recipient=prepaid.recipient,
        )
        services.carry_out_request(request, by=staff)
    moved = Sponsorship.objects.get(recipient=prepaid.recipient, state="pledged")
    assert moved.first_month == D(2027, 12, 1)  # not November, already paid
    assert moved.payments.get().first_month == D(2027, 12, 1)
