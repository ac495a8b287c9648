"""/help-provided/ and the home page: the benefits that reached families, the chart by year and
the map of Bali's regencies, with the numbers also as text."""

import datetime as dt
import re

import pytest
import time_machine

from claims import pictures, services
from claims.models import Claim
from recipients.models import Regency
from tests.factories import PremiumPaymentFactory, RecipientFactory, SponsorshipFactory
from tests.helpers import at, verify

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 22, 10)


def protected(nickname, regency, first_month=dt.date(2026, 1, 1)):
    sponsorship = SponsorshipFactory(
        recipient=RecipientFactory(nickname=nickname, regency=regency), first_month=first_month
    )
    with time_machine.travel(at(2025, 12, 20, 9), tick=False):
        verify(PremiumPaymentFactory(sponsorship=sponsorship))
    return sponsorship.recipient


def paid_claim(recipient, kind, amount, *, consent, paid_on=dt.date(2026, 6, 10)):
    claim = services.open_claim(
        Claim(
            recipient=recipient,
            kind=kind,
            happened_on=dt.date(2026, 5, 14),
            death_cause=Claim.DeathCause.OTHER if kind == Claim.Kind.DEATH else "",
            children=1 if kind == Claim.Kind.SCHOLARSHIP else None,
            family_consent=consent,
        ),
        by=None,
    )
    for document in claim.documents.all():
        services.tick(document, by=None)
    services.advance(claim, Claim.State.PAID, by=None, amount=amount, on=paid_on)
    return claim


def test_it_lists_the_benefits_paid_with_names_only_with_consent(client, standard_rate):
    wayan = protected("Wayan", Regency.KARANGASEM)
    ketut = protected("Ketut", Regency.BULELENG)
    paid_claim(wayan, Claim.Kind.DEATH, 42_000_000, consent=True)
    paid_claim(ketut, Claim.Kind.SCHOLARSHIP, 1_500_000, consent=False)
    # An open claim is not help given yet.
    services.open_claim(
        Claim(
            recipient=ketut,
            kind=Claim.Kind.DEATH,
            happened_on=dt.date(2026, 7, 1),
            death_cause="other",
        ),
        by=None,
    )
    with time_machine.travel(NOW, tick=False):
        body = client.get("/en/help-provided/").content.decode()
    benefits = body.split('id="benefits"')[1].split("</table>")[0]
    assert "Death (JKM) — Wayan" in benefits
    assert "Karangasem" in benefits and "Rp 42.000.000" in benefits
    assert "Scholarship for the children</td>" in benefits
    assert "Ketut" not in benefits and "Buleleng" in benefits
    assert "2 benefits to families of protected workers: Rp 43.500.000 in all" in body
    # Premiums paid: 2 × Rp 201.600 = Rp 403.200; benefits are 10789% of that.
    assert "That is 10789% of the premiums paid" in body
    years = body.split('id="by-year"')[1].split("</table>")[0]
    assert 'data-label="Benefits paid to families" class="text-end">Rp 43.500.000' in years


def test_the_home_page_counts_the_benefits_paid(client, standard_rate):
    paid_claim(protected("Wayan", Regency.BADUNG), Claim.Kind.DEATH, 42_000_000, consent=False)
    with time_machine.travel(NOW, tick=False):
        body = client.get("/en/").content.decode()
    figure = '<span class="rupiah">Rp 42.000.000</span>'
    assert f'<div class="fs-5 fw-semibold" id="figure-benefits">{figure}</div>' in body


def test_the_map_shades_the_nine_regencies_by_people_protected(client, standard_rate):
    protected("Wayan", Regency.KARANGASEM)
    protected("Made", Regency.KARANGASEM)
    protected("Ketut", Regency.DENPASAR)
    with time_machine.travel(NOW, tick=False):
        body = client.get("/id/help-provided/").content.decode()
    svg = body.split('class="bali-map"')[1].split("</svg>")[0]
    regions = re.findall(r'data-regency="(\d+)"', svg)
    assert sorted(regions) == sorted(Regency.values)
    assert "<title>Karangasem: 2 orang dilindungi</title>" in svg
    assert "<title>Denpasar: 1 orang dilindungi</title>" in svg
    assert "<title>Jembrana: 0 orang dilindungi</title>" in svg
    # The same numbers as text, for screen readers.
    text = body.split('id="regency-figures"')[1].split("</ul>")[0]
    assert "<li>Karangasem: 2 orang dilindungi</li>" in text


def test_the_shades_follow_the_counts():
    drawn = pictures.bali_map(
        [
            (code, name, n)
            for (code, name), n in zip(Regency.choices, [0, 1, 2, 3, 4, 8, 0, 0, 5], strict=True)
        ]
    )
    shades = {r["name"]: r["shade"] for r in drawn["regions"]}
    assert shades["Jembrana"] == 0
    assert shades["Tabanan"] == 1  # 1 of at most 8: the lightest shade of somebody
    assert shades["Bangli"] == 4  # the most
    assert [(i["low"], i["high"]) for i in drawn["legend"]] == [
        (0, 0),
        (1, 2),
        (3, 4),
        (5, 6),
        (7, 8),
    ]


def test_the_chart_has_a_bar_pair_per_year_and_a_title_with_the_numbers(client, standard_rate):
    protected("Wayan", Regency.GIANYAR)
    with time_machine.travel(NOW, tick=False):
        body = client.get("/en/help-provided/").content.decode()
    svg = body.split('class="help-chart"')[1].split("</svg>")[0]
    assert "<title>2025: 1 person protected, Rp 201.600 premiums paid</title>" in svg
    assert svg.count('class="bar-people"') == svg.count('class="bar-amount"') == 1
