import datetime as dt

import pytest
import time_machine

from tests.factories import (
    CardHandoverFactory,
    HandoverPhotoFactory,
    PremiumPaymentFactory,
    RecipientFactory,
    SponsorshipFactory,
)
from tests.helpers import at, verify

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 22, 10)


def paid(recipient, first_month, months=12, verified_at=NOW):
    sponsorship = SponsorshipFactory(recipient=recipient, first_month=first_month)
    payment = PremiumPaymentFactory(sponsorship=sponsorship, months=months)
    with time_machine.travel(verified_at, tick=False):
        verify(payment)
    return sponsorship


def test_it_shows_figures_by_year_and_handovers(client, standard_rate):
    a = RecipientFactory(nickname="Wayan", nik="5107011505800001")
    b = RecipientFactory(nickname="Ketut")
    paid(a, dt.date(2025, 1, 1), verified_at=at(2025, 1, 3, 9))
    paid(b, dt.date(2026, 3, 1), verified_at=at(2026, 2, 20, 9))
    handover = CardHandoverFactory(
        card__recipient=b, handed_over_on=dt.date(2026, 4, 2), place="Banjar Kaja"
    )
    HandoverPhotoFactory(handover=handover, public_consent=True)
    with time_machine.travel(NOW, tick=False):
        body = client.get("/en/help-provided/").content.decode()
    figures = body.split('id="impact-figures"')[1].split('id="by-year"')[0]
    # Now: only Ketut is covered (March 2026 to February 2027); in total both.
    figure = (
        '<div class="fs-2 fw-semibold">{}</div><div class="small text-muted">people protected {}'
    )
    assert figure.format(1, "now") in figures
    assert figure.format(2, "since") in figures
    assert "Rp 403.200" in figures
    rows = body.split('id="by-year"')[1].split("</table>")[0]
    assert rows.index("2026") < rows.index("2025")
    assert rows.count("Rp 201.600") == 2
    handovers = body.split('id="handovers"')[1]
    assert "Ketut" in handovers and "April 2026" in handovers
    assert "/en/help-provided/photos/" in handovers
    for secret in ("5107011505800001", "Banjar Kaja", a.full_name):
        assert secret not in body


def test_it_serves_only_consented_handover_photos(client):
    shown = HandoverPhotoFactory(public_consent=True)
    hidden = HandoverPhotoFactory(public_consent=False)
    assert client.get(f"/en/help-provided/photos/{shown.pk}/").status_code == 200
    assert client.get(f"/en/help-provided/photos/{hidden.pk}/").status_code == 404


def test_the_home_page_shows_the_same_figures(client, standard_rate):
    paid(RecipientFactory(), dt.date(2026, 3, 1))
    with time_machine.travel(NOW, tick=False):
        home = client.get("/en/").content.decode()
        help_page = client.get("/en/help-provided/").content.decode()
    assert (
        home.split('id="impact-figures"')[1].split("</div>\n</div>")[0]
        == help_page.split('id="impact-figures"')[1].split("</div>\n</div>")[0]
    )
    # "Rp" never wraps away from its figure (a span with white-space: nowrap).
    assert '<span class="rupiah">Rp 16.800</span> a month' in home
    assert '<span class="rupiah">Rp 201.600</span> a year' in home


def test_its_query_count_does_not_grow(
    client, standard_rate, no_page_cache, django_assert_max_num_queries
):
    def grow(n):
        for _ in range(n):
            sponsorship = paid(RecipientFactory(), dt.date(2026, 3, 1))
            HandoverPhotoFactory(
                handover__card__recipient=sponsorship.recipient, public_consent=True
            )

    grow(2)
    # count + page of handovers, their photos, 5 figures, 2 by-year queries; benefits paid
    # (figures, by year, the list) and people protected by regency; the footer's contact details
    # (one cache read).
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(15) as small:
        client.get("/en/help-provided/")
    grow(15)
    with (
        time_machine.travel(NOW, tick=False),
        django_assert_max_num_queries(len(small.captured_queries)),
    ):
        client.get("/en/help-provided/")
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(11):
        client.get("/en/")
