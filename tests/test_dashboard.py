"""The staff dashboard: who may see it, each work queue and its admin list, figures, chart."""

import datetime as dt
import re

import pytest
import time_machine

from core.months import add_months
from donations.models import DonorRequest, Sponsorship
from premiums import services
from premiums.models import PaymentEvidence, PremiumPayment, Refund
from recipients.models import Recipient
from tests.factories import (
    BpjsCardFactory,
    CardHandoverFactory,
    DonorRequestFactory,
    MessageFactory,
    PaymentEvidenceFactory,
    PremiumPaymentFactory,
    RecipientFactory,
    RefundFactory,
    SituationUpdateFactory,
    SponsorshipFactory,
    UserFactory,
)
from tests.helpers import at, frozen_at

D = dt.date
# Sunday 22 November 2026 in Bali: coverage that ends on 30 November ends within 30 days, a
# sponsorship paid through September is one month overdue and through August two.
NOW = at(2026, 11, 22, 10, 0)
ACTIVE = Sponsorship.State.ACTIVE
pytestmark = frozen_at(NOW)


def paid(covered_through, lapses_on, verified_at, **kwargs):
    """An active sponsorship with one verified year of premiums ending with `covered_through`."""
    first = add_months(covered_through, -11)
    sponsorship = SponsorshipFactory(
        state=ACTIVE,
        first_month=first,
        covered_through=covered_through,
        lapses_on=lapses_on,
        **kwargs,
    )
    PremiumPaymentFactory(
        sponsorship=sponsorship,
        first_month=first,
        months=12,
        status=PremiumPayment.Status.VERIFIED,
        verified_at=verified_at,
    )
    return sponsorship


def card_handed_over(recipient, documented=True):
    return CardHandoverFactory(
        card=BpjsCardFactory(recipient=recipient),
        documentation_sent_at=NOW if documented else None,
    )


def build(staff) -> dict:
    """One row for each queue, and rows each queue must leave out. Every year paid is
    Rp 201.600; the comments say in which month of the chart each verified payment falls."""
    rows = {}
    # Covered until June 2027, card handed over and documented: in no queue. July 2026.
    a = paid(D(2027, 6, 1), D(2027, 10, 1), at(2026, 7, 3, 9))
    card_handed_over(a.recipient)
    # Paid through the service in November 2025, December 2025 to November 2026: coverage
    # ends on 30 November, within 30 days, and the card has not come yet.
    b = SponsorshipFactory(first_month=D(2025, 12, 1))
    with time_machine.travel(at(2025, 11, 20, 9), tick=False):
        payment = PremiumPaymentFactory(sponsorship=b)
        services.verify_evidence(PaymentEvidenceFactory(payment=payment), by=staff)
    b.refresh_from_db()
    assert (b.state, b.covered_through, b.lapses_on) == (ACTIVE, D(2026, 11, 1), D(2027, 3, 1))
    # Paid through December: ends in 39 days. The card is in BCC's hands. Verified at 00:30
    # on 1 January 2026 in Bali (still 31 December in UTC): January 2026.
    c = paid(D(2026, 12, 1), D(2027, 4, 1), at(2026, 1, 1, 0, 30))
    rows["card_waiting"] = BpjsCardFactory(recipient=c.recipient)
    # Paid through September: one month overdue, lapses on 1 January. December 2025. The
    # handover photos have not been sent to the donor.
    d = paid(D(2026, 9, 1), D(2027, 1, 1), at(2025, 12, 31, 23, 30))
    rows["undocumented"] = card_handed_over(d.recipient, documented=False)
    # Paid through August: two months overdue, lapses on 1 December. Verified in November
    # 2024, before the 24 months of the chart.
    e = paid(D(2026, 8, 1), D(2026, 12, 1), at(2024, 11, 30, 12))
    card_handed_over(e.recipient)
    # Paid through October: due, not overdue yet. February 2026.
    f = paid(D(2026, 10, 1), D(2027, 2, 1), at(2026, 2, 14, 11))
    card_handed_over(f.recipient)
    # Paid through July, nothing sent in August, September, October: lapsed by the calendar
    # on 1 November, not recorded yet. Its evidence of 15 November is late. July 2025.
    g = paid(D(2026, 7, 1), D(2026, 11, 1), at(2025, 7, 10, 8))
    card_handed_over(g.recipient)
    late = PremiumPaymentFactory(sponsorship=g, first_month=D(2026, 8, 1))
    rows["late_by_calendar"] = PaymentEvidenceFactory(payment=late, received_at=at(2026, 11, 15, 8))
    # The lapse recorded; the donor's evidence came afterwards.
    h = SponsorshipFactory(
        state=Sponsorship.State.LAPSED, covered_through=D(2026, 5, 1), lapses_on=D(2026, 9, 1)
    )
    h_payment = PremiumPaymentFactory(sponsorship=h, first_month=D(2026, 6, 1))
    rows["late_recorded"] = PaymentEvidenceFactory(payment=h_payment)
    # Waiting for the donor's decision, with one open request (their answer to the situation
    # update, made on their page) and one carried out.
    i = SponsorshipFactory(state=Sponsorship.State.AWAITING_DECISION)
    rows["open_request"] = DonorRequestFactory(
        sponsorship=i, situation_update=SituationUpdateFactory(recipient=i.recipient)
    )
    DonorRequestFactory(sponsorship=i, status=DonorRequest.Status.DONE)
    # Stopped: its rejected evidence awaits nothing.
    j = SponsorshipFactory(state=Sponsorship.State.STOPPED)
    PaymentEvidenceFactory(
        payment=PremiumPaymentFactory(sponsorship=j),
        status=PaymentEvidence.Status.REJECTED,
        rejection_reason="Unreadable",
    )
    # Pledged from December, the first payment's evidence sent in time: awaiting verification.
    k = SponsorshipFactory(first_month=D(2026, 12, 1))
    PaymentEvidenceFactory(payment=PremiumPaymentFactory(sponsorship=k))
    services.refresh_coverage(k)
    # Refunds: one in each state, three of them outstanding.
    for state in Refund.State:
        RefundFactory(payment=h_payment, state=state)
    # The donor of the owed one chose on their page: return it.
    Refund.objects.filter(state=Refund.State.OWED).update(donor_choice="return")
    # The PayPal route, from December: one leg waiting on BCC each, and one on nobody.
    paypal = {"route": Sponsorship.Route.PAYPAL, "first_month": D(2026, 12, 1)}
    rows["paypal_reported"] = PremiumPaymentFactory(
        sponsorship=SponsorshipFactory(**paypal), paypal_reported_at=at(2026, 11, 21, 9)
    )
    # Received by PayPal on 10 November (12 days ago), BPJS not paid yet.
    rows["paypal_awaiting_bpjs"] = PremiumPaymentFactory(
        sponsorship=SponsorshipFactory(**paypal), paypal_received_on=D(2026, 11, 10)
    )
    # BPJS paid on 18 November, BCC's receipt not uploaded (a rejected one does not count).
    rows["bpjs_no_receipt"] = PremiumPaymentFactory(
        sponsorship=SponsorshipFactory(**paypal),
        paypal_received_on=D(2026, 11, 12),
        bpjs_paid_on=D(2026, 11, 18),
    )
    PaymentEvidenceFactory(
        payment=rows["bpjs_no_receipt"], status="rejected", rejection_reason="Wrong file"
    )
    # Paid to BPJS, the receipt uploaded: awaiting verification only (the evidence queue).
    done = PremiumPaymentFactory(
        sponsorship=SponsorshipFactory(**paypal),
        paypal_received_on=D(2026, 11, 12),
        bpjs_paid_on=D(2026, 11, 18),
    )
    PaymentEvidenceFactory(payment=done)
    # Waiting since 10 January 2026, like every recipient of the factories; an inactive one
    # waiting longer is no longer on the list.
    rows["waiting"] = RecipientFactory()
    RecipientFactory(waiting_since=D(2025, 1, 5), status=Recipient.Status.INACTIVE)
    # A quote made before a rate change, not paid yet: the amount is no longer the table's.
    SponsorshipFactory(first_month=D(2027, 1, 1))
    PremiumPaymentFactory(
        sponsorship=Sponsorship.objects.latest("pk"),
        first_month=D(2027, 1, 1),
        months=12,
        amount=150_000,
    )
    # Emails: refused for an hour and more, and one an earlier version gave up on, in the
    # queue; a first failed try, and one never to be sent (donor erased), not.
    MessageFactory(donor=a.donor, kind="link", attempts=6)
    MessageFactory(donor=a.donor, kind="link", status="failed", attempts=12)
    MessageFactory(donor=a.donor, kind="link", attempts=1)
    MessageFactory(donor=a.donor, kind="link", status="failed", last_error="donor erased")
    rows.update(a=a, b=b, c=c, d=d, e=e, f=f, g=g, h=h, i=i, j=j, k=k)
    return rows


EXPECTED = {
    "evidence": 4,  # g's late evidence, h's late evidence, k's first, BCC's PayPal receipt
    "paypal_reported": 1,
    "paypal_awaiting_bpjs": 1,
    "bpjs_no_receipt": 1,  # its only receipt was rejected
    "late_evidence": 2,  # g (lapsed by the calendar) and h (lapse recorded)
    "awaiting_card": 1,  # b
    "awaiting_handover": 1,  # c
    "undocumented": 1,  # d
    "awaiting_decision": 1,  # i
    "open_requests": 1,
    "decisions": 1,  # i's answer to the situation update
    "refunds": 3,  # owed, claimed and received; not returned nor reallocated
    "messages_stuck": 2,  # refused six times; failed under an earlier version
    "stale_quotes": 1,  # the 2027 quote of Rp 150.000, where the table now asks Rp 201.600
    "coverage_ending": 1,  # b
    "will_lapse": 2,  # d and e
    "waiting": 4,  # g's, h's and j's recipients, and the one never sponsored
}


def queues(response) -> dict:
    return {q.key: q for _group, items in response.context["queue_groups"] for q in items}


@pytest.fixture
def dataset(db, staff):
    return build(staff)


# --- access ----------------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_the_login(client, db):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/staff/"


def test_it_refuses_people_who_are_not_staff(client, db):
    client.force_login(UserFactory(is_staff=False))
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_it_follows_the_browser_language_without_a_prefix(staff_client):
    response = staff_client.get("/staff/", HTTP_ACCEPT_LANGUAGE="id")
    assert response.status_code == 200
    assert '<html lang="id">' in response.content.decode()


def test_it_is_never_cached(staff_client):
    response = staff_client.get("/staff/")
    assert "no-cache" in response["Cache-Control"]


# --- queues ----------------------------------------------------------------------------------


def test_it_counts_each_queue(staff_client, dataset):
    response = staff_client.get("/staff/")
    assert response.status_code == 200
    found = queues(response)
    assert {key: q.count for key, q in found.items()} == EXPECTED
    # timesince keeps the number and its unit together with a no-break space.
    assert found["waiting"].detail == "longest: 10\xa0months"
    assert found["paypal_awaiting_bpjs"].detail == "longest: 12 days waiting"
    assert found["refunds"].detail == "1 with the donor's decision waiting"
    body = response.content.decode()
    for key, queue in found.items():
        link = re.search(rf'id="queue-{key}" href="([^"]+)"', body).group(1)
        assert link == queue.url.replace("&", "&amp;")


@pytest.mark.parametrize("key", EXPECTED)
def test_it_links_each_queue_to_the_admin_list_of_its_rows(staff_client, dataset, key):
    queue = queues(staff_client.get("/staff/"))[key]
    assert queue.url.startswith("/admin/")
    response = staff_client.get(queue.url)
    assert response.status_code == 200, f"{queue.url} is not a list the admin accepts"
    assert response.context["cl"].result_count == queue.count == EXPECTED[key]


def test_it_lists_the_late_evidence_itself(staff_client, dataset):
    url = queues(staff_client.get("/staff/"))["late_evidence"].url
    listed = {e.pk for e in staff_client.get(url).context["cl"].result_list}
    assert listed == {dataset["late_by_calendar"].pk, dataset["late_recorded"].pk}


def test_it_lists_the_sponsorships_by_the_calendar(staff_client, dataset):
    found = queues(staff_client.get("/staff/"))
    ending = staff_client.get(found["coverage_ending"].url).context["cl"].result_list
    overdue = staff_client.get(found["will_lapse"].url).context["cl"].result_list
    assert [s.pk for s in ending] == [dataset["b"].pk]
    assert {s.pk for s in overdue} == {dataset["d"].pk, dataset["e"].pk}


def test_it_shows_empty_queues_as_zero(staff_client):
    found = queues(staff_client.get("/staff/"))
    assert all(q.count == 0 for q in found.values())
    assert found["waiting"].detail == ""


# --- figures and chart -----------------------------------------------------------------------


def test_it_shows_the_figures(staff_client, dataset):
    response = staff_client.get("/staff/")
    figures = response.context["figures"]
    # Covered this month: a, b, c. Active donors: a to f (g lapsed by the calendar; k's pledge
    # has no verified payment, so k is not counted, as on the public pages).
    # This year: a (July), c (1 January in Bali), f (February). Handovers: a, d, e, f, g.
    assert figures == {
        "protected_now": 3,
        "active_donors": 6,
        "premiums_this_year": 3 * 201_600,
        "cards_handed_over": 5,
    }
    body = response.content.decode()
    assert '<div class="figure-value" id="figure-premiums">Rp 604.800</div>' in body
    assert "premiums received in 2026" in body


def test_it_draws_24_months_of_premiums(staff_client, dataset):
    response = staff_client.get("/staff/")
    chart = response.context["chart"]
    months = [bar["month"] for bar in chart["bars"]]
    assert months[0] == D(2024, 12, 1) and months[-1] == D(2026, 11, 1) and len(months) == 24
    by_month = {bar["month"]: bar["total"] for bar in chart["bars"]}
    # e's payment (November 2024) is before the chart; the others fall in their Bali month.
    assert chart["total"] == sum(by_month.values()) == 6 * 201_600
    assert by_month[D(2025, 12, 1)] == by_month[D(2026, 1, 1)] == 201_600
    assert by_month[D(2025, 11, 1)] == by_month[D(2025, 7, 1)] == 201_600
    assert by_month[D(2026, 11, 1)] == 0
    body = response.content.decode()
    assert body.count('class="chart-bar') == 24
    assert body.count("<title>") == 25  # the chart's own title and one per bar
    assert "<title>January 2026: Rp 201.600</title>" in body
    assert "<title>November 2026: Rp 0</title>" in body
    assert "style=" not in body.split("<svg")[1].split("</svg>")[0]


def test_it_draws_an_empty_chart_without_payments(staff_client):
    chart = staff_client.get("/staff/").context["chart"]
    assert len(chart["bars"]) == 24
    assert chart["total"] == 0 and chart["scale"] == ""
    assert all(bar["height"] == 0 for bar in chart["bars"])


# --- cost ------------------------------------------------------------------------------------


def test_it_takes_the_same_queries_whatever_the_amount_of_data(
    staff_client, staff, django_assert_max_num_queries, no_page_cache
):
    # Computed afresh every time (no cache): 1. the session, 2. the user,
    # 3. pending evidence: all and late (one aggregate),
    # 4. sponsorships: awaiting decision, coverage ending, will lapse, protected (one aggregate),
    # 5. handovers: undocumented and cards handed over (one aggregate),
    # 6. recipients needing a sponsor: how many and since when (one aggregate),
    # 7. the PayPal legs: reported, awaiting BPJS and since when, no receipt (one aggregate),
    # 8. open donor requests and answers to situation updates (one aggregate),
    # 9. refunds outstanding and those the donor decided (one aggregate),
    # 10. recipients awaiting their card, 11. cards awaiting handover, 12. emails not delivered
    # yet, 13-14. quotes out of date: the rate table, then the unpaid payments (joined),
    # 15. active donors, 16. premiums by month (one GROUP BY for the 24 months),
    # 17-19. claims: workers with three years paid, open claims and their count.
    for _ in range(2):
        build(staff)
    with django_assert_max_num_queries(19):
        small = staff_client.get("/staff/")
    for _ in range(18):
        build(staff)
    with django_assert_max_num_queries(19):
        large = staff_client.get("/staff/")
    assert queues(large)["evidence"].count == 10 * queues(small)["evidence"].count == 80


def test_it_reuses_its_figures_until_something_changes(
    staff_client, staff, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    build(staff)
    first = staff_client.get("/staff/")
    # The session, the user, the data version and the figures (the cache is a table here), then
    # the data version and the rows of the claims part.
    with django_assert_max_num_queries(6):
        again = staff_client.get("/staff/")
    assert queues(again)["evidence"].count == queues(first)["evidence"].count == 4
    assert again.context["figures"] == first.context["figures"]

    # A change committed anywhere in the program: the next visit counts afresh.
    with django_capture_on_commit_callbacks(execute=True):
        PaymentEvidenceFactory(payment=PremiumPaymentFactory())
    assert queues(staff_client.get("/staff/"))["evidence"].count == 5


def test_its_figures_are_recomputed_the_next_day(staff_client, staff):
    from program import dashboard

    build(staff)
    before = {key: q.count for key, q in queues(staff_client.get("/staff/")).items()}
    # Nothing is saved, but on 1 December one sponsorship lapses by the calendar.
    with time_machine.travel(at(2026, 12, 1, 9), tick=False):
        after = {key: q.count for key, q in queues(staff_client.get("/staff/")).items()}
        fresh = dashboard.counts(D(2026, 12, 1))
    assert after != before
    assert after["will_lapse"] == fresh["will_lapse"]
    assert after["late_evidence"] == fresh["evidence_late"]


# --- the admin's front page ------------------------------------------------------------------


def test_it_is_linked_from_the_top_of_the_admin_index(staff_client):
    body = staff_client.get("/admin/").content.decode()
    # (Every admin page also links to it from its header: tests/test_admin_header.py.)
    link = body.index('href="/staff/"', body.index('id="staff-dashboard-link"'))
    # Django's own index is still there: the models below the link, and the recent actions.
    assert body.index('id="content-main"') < link < body.index('class="app-recipients module')
    assert "Recent actions" in body
