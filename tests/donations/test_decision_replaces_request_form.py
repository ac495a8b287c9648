"""While BCC waits for a donor's decision about a situation update, the private page shows the
decision box for that sponsorship and not the older stop-or-change form; the other
sponsorships keep that form. Posting the old form for the awaited sponsorship is refused with
a clear message, in the donor's language, and writes nothing."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages

from donations.models import DonorRequest, Sponsorship
from premiums import services
from tests.factories import RecipientFactory, SituationUpdateFactory, SponsorshipFactory
from tests.helpers import at, client_of, frozen_at, pay

D = dt.date
NOW = at(2026, 6, 20, 10, 0)
pytestmark = frozen_at(NOW)


@pytest.fixture
def two(standard_rate, staff):
    """One donor sponsors Wayan (asked to decide: Wayan moved) and Ketut (running as usual)."""
    asked = SponsorshipFactory(
        recipient__nickname="Wayan", first_month=D(2026, 1, 1), months_pledged=12
    )
    running = SponsorshipFactory(
        donor=asked.donor, recipient__nickname="Ketut", first_month=D(2026, 1, 1)
    )
    pay(asked, by=staff)
    pay(running, by=staff)
    update = SituationUpdateFactory(
        recipient=asked.recipient, kind="moved", happened_on=NOW.date(), message="To Java."
    )
    services.record_situation_update(update, by=staff)
    asked.refresh_from_db()
    running.refresh_from_db()
    assert asked.state == Sponsorship.State.AWAITING_DECISION
    assert running.state == Sponsorship.State.ACTIVE
    RecipientFactory(nickname="Made")  # someone waiting for a sponsor
    return asked, running


def request_url(sponsorship, language="en"):
    return f"/{language}/donor/sponsorships/{sponsorship.pk}/request/"


def test_it_shows_only_the_decision_box_for_the_awaited_sponsorship(two):
    asked, running = two
    page = client_of(asked.donor).get("/en/donor/").content.decode()
    assert "Your decision about Wayan" in page
    assert f'action="/en/donor/sponsorships/{asked.pk}/decision/"' in page
    assert f'action="{request_url(asked)}"' not in page
    # The other sponsorship keeps its stop-or-change form, the only one on the page.
    assert f'action="{request_url(running)}"' in page
    assert page.count("Stop, or change to another recipient") == 1
    assert "Your decision about Ketut" not in page


def test_the_old_form_comes_back_once_the_decision_is_no_longer_awaited(two):
    asked, _running = two
    Sponsorship.objects.filter(pk=asked.pk).update(state=Sponsorship.State.ACTIVE)
    page = client_of(asked.donor).get("/en/donor/").content.decode()
    assert f'action="{request_url(asked)}"' in page
    assert "Your decision about Wayan" not in page


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            "BCC is waiting for your decision about the news it sent you: please answer it in "
            "the box at the top of your page.",
        ),
        (
            "id",
            "BCC sedang menunggu keputusan Anda tentang kabar yang dikirimkan kepada Anda: "
            "silakan jawab di kotak di bagian atas halaman Anda.",
        ),
    ],
)
def test_it_refuses_the_old_form_for_the_awaited_sponsorship(two, language, expected):
    asked, _running = two
    client = client_of(asked.donor)
    response = client.post(request_url(asked, language), {"kind": "stop", "message": ""})
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [expected]
    assert not DonorRequest.objects.exists()
    asked.refresh_from_db()
    assert asked.state == Sponsorship.State.AWAITING_DECISION


def test_the_other_sponsorship_can_still_ask_to_stop(two):
    _asked, running = two
    response = client_of(running.donor).post(request_url(running), {"kind": "stop"})
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Your request was sent to BCC. We will reply soon."
    ]
    assert list(DonorRequest.objects.values_list("sponsorship", "kind")) == [
        (running.pk, DonorRequest.Kind.STOP)
    ]
