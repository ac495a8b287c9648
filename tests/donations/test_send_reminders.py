"""send_reminders: coverage ending, one and two months overdue — each once per period."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command

from donations.mail import render_message
from donations.models import Message, Sponsorship
from premiums import services
from tests.factories import (
    PaymentEvidenceFactory,
    PremiumPaymentFactory,
    SponsorshipFactory,
)
from tests.helpers import at, pay

D = dt.date
REMINDERS = ("coverage_ending", "overdue_1", "overdue_2")
NOTHING = "queued coverage_ending 0, overdue_1 0, overdue_2 0"


def run_at(moment: dt.datetime, *args) -> str:
    out = io.StringIO()
    with time_machine.travel(moment, tick=False):
        call_command("send_reminders", *args, stdout=out)
    return out.getvalue().strip()


def reminders(sponsorship):
    """(kind, key, month) of each reminder queued for the sponsorship, oldest first."""
    return [
        (m.kind, m.key, m.context["month"])
        for m in Message.objects.filter(sponsorship=sponsorship, kind__in=REMINDERS).order_by("id")
    ]


def body_of(message: Message) -> str:
    return render_message(message, "https://example.org/donor/x/")[1]


def evidence_awaiting_review(sponsorship, received: dt.datetime):
    """The donor sent the receipt for the next year; BCC has not reviewed it yet."""
    renewal = PremiumPaymentFactory(sponsorship=sponsorship, first_month=D(2026, 9, 1))
    PaymentEvidenceFactory(payment=renewal, received_at=received)
    services.refresh_coverage(sponsorship)
    assert sponsorship.lapses_on is None


def test_it_tells_the_donor_when_coverage_ends_within_30_days(paid_through_august):
    s = paid_through_august
    # 31 August, the end of the coverage, is 31 days away.
    assert run_at(at(2026, 7, 31, 23, 0)) == NOTHING

    assert run_at(at(2026, 8, 1, 0, 30)) == "queued coverage_ending 1, overdue_1 0, overdue_2 0"

    assert reminders(s) == [("coverage_ending", f"coverage_ending:{s.pk}:2026-08", "2026-08-01")]
    body = body_of(Message.objects.get(kind="coverage_ending"))
    assert "Wayan's BPJS Ketenagakerjaan protection is paid through the end of August 2026" in body


def test_it_does_not_tell_about_coverage_that_has_ended(paid_through_august):
    # The command did not run in August: in September the payment is due, nothing more.
    assert run_at(at(2026, 9, 1, 0, 30)) == NOTHING
    assert run_at(at(2026, 9, 30, 23, 59)) == NOTHING

    assert reminders(paid_through_august) == []


def test_it_follows_the_spec_example(paid_through_august):
    """Paid through August 2026: due in September, overdue in October and November."""
    s = paid_through_august
    key = f"{s.pk}:2026-12"
    assert run_at(at(2026, 9, 15, 9, 0)) == NOTHING

    assert run_at(at(2026, 10, 1, 0, 30)) == "queued coverage_ending 0, overdue_1 1, overdue_2 0"
    assert reminders(s) == [("overdue_1", f"overdue_1:{key}", "2026-09-01")]
    body = body_of(Message.objects.get(kind="overdue_1"))
    assert "premium for September 2026 and after" in body
    assert "if no evidence arrives before 1 December 2026" in body

    assert run_at(at(2026, 10, 31, 23, 59)) == NOTHING
    assert run_at(at(2026, 11, 1, 0, 30)) == "queued coverage_ending 0, overdue_1 0, overdue_2 1"
    assert reminders(s)[1:] == [("overdue_2", f"overdue_2:{key}", "2026-09-01")]

    # Lapsed from 1 December, whether or not the lapse has been recorded: no more reminders.
    assert run_at(at(2026, 11, 30, 23, 59)) == NOTHING
    assert run_at(at(2026, 12, 1, 0, 30)) == NOTHING
    assert len(reminders(s)) == 2


def test_it_queues_each_reminder_once(paid_through_august):
    s = paid_through_august
    for moment in [
        at(2026, 8, 5, 6, 0),
        at(2026, 8, 5, 6, 0),
        at(2026, 8, 31, 23, 0),
        at(2026, 10, 1, 6, 0),
        at(2026, 10, 1, 6, 0),
        at(2026, 10, 20, 6, 0),
        at(2026, 11, 2, 6, 0),
        at(2026, 11, 2, 6, 0),
        at(2026, 11, 29, 6, 0),
    ]:
        run_at(moment)

    for kind, key in [
        ("coverage_ending", f"coverage_ending:{s.pk}:2026-08"),
        ("overdue_1", f"overdue_1:{s.pk}:2026-12"),
        ("overdue_2", f"overdue_2:{s.pk}:2026-12"),
    ]:
        assert Message.objects.filter(kind=kind).count() == 1
        assert Message.objects.filter(key=key).count() == 1


def test_it_tells_again_for_the_next_period(paid_through_august, staff):
    s = paid_through_august
    run_at(at(2026, 8, 5, 6, 0))
    with time_machine.travel(at(2026, 8, 10, 9, 0), tick=False):
        pay(s, staff, first_month=D(2026, 9, 1))

    assert run_at(at(2027, 8, 5, 6, 0)) == "queued coverage_ending 1, overdue_1 0, overdue_2 0"

    assert [key for _, key, _ in reminders(s)] == [
        f"coverage_ending:{s.pk}:2026-08",
        f"coverage_ending:{s.pk}:2027-08",
    ]


@pytest.mark.parametrize(
    "received",
    [
        at(2026, 8, 10, 9, 0),  # an early renewal, before the coverage ends
        at(2026, 9, 25, 9, 0),  # while the payment is due
    ],
)
def test_it_does_not_remind_a_donor_whose_evidence_awaits_review(paid_through_august, received):
    with time_machine.travel(received, tick=False):
        evidence_awaiting_review(paid_through_august, received)

    for moment in [at(2026, 8, 15, 6, 0), at(2026, 10, 15, 6, 0), at(2026, 11, 15, 6, 0)]:
        assert run_at(moment) == NOTHING
    assert reminders(paid_through_august) == []


def test_it_stops_reminding_once_the_evidence_arrives(paid_through_august):
    run_at(at(2026, 10, 15, 6, 0))
    with time_machine.travel(at(2026, 10, 20, 9, 0), tick=False):
        evidence_awaiting_review(paid_through_august, at(2026, 10, 20, 9, 0))

    assert run_at(at(2026, 11, 15, 6, 0)) == NOTHING
    assert [kind for kind, _, _ in reminders(paid_through_august)] == ["overdue_1"]


def test_it_reminds_about_a_pledge_never_paid_but_not_of_its_coverage(db, standard_rate):
    with time_machine.travel(at(2026, 8, 20, 9, 0), tick=False):
        s = SponsorshipFactory(first_month=D(2026, 9, 1))
        PremiumPaymentFactory(sponsorship=s)  # awaiting its evidence
        services.refresh_coverage(s)
    # M is August, the month before the first: due in September, overdue in October.
    assert s.lapses_on == D(2026, 12, 1)

    assert run_at(at(2026, 8, 25, 6, 0)) == NOTHING
    assert run_at(at(2026, 9, 15, 6, 0)) == NOTHING
    assert run_at(at(2026, 10, 15, 6, 0)) == "queued coverage_ending 0, overdue_1 1, overdue_2 0"

    assert reminders(s) == [("overdue_1", f"overdue_1:{s.pk}:2026-12", "2026-09-01")]


def _one_of_each(**fields):
    """On 15 October 2026: coverage ending this month, one month overdue, two months overdue."""
    return [
        SponsorshipFactory(covered_through=D(2026, 10, 1), lapses_on=D(2027, 2, 1), **fields),
        SponsorshipFactory(covered_through=D(2026, 8, 1), lapses_on=D(2026, 12, 1), **fields),
        SponsorshipFactory(covered_through=D(2026, 7, 1), lapses_on=D(2026, 11, 1), **fields),
    ]


@pytest.mark.parametrize("state", ["stopped", "lapsed", "awaiting_decision"])
def test_it_leaves_ended_and_waiting_sponsorships_alone(db, state):
    _one_of_each(state=state)

    assert run_at(at(2026, 10, 15, 6, 0)) == NOTHING
    assert not Message.objects.exists()


@pytest.mark.parametrize("n", [3, 30])
def test_it_takes_the_same_queries_for_any_number(db, django_assert_max_num_queries, n):
    for _ in range(n):
        _one_of_each(state="active")
        # Well covered, and covered but lapsed by the calendar: nothing for either.
        SponsorshipFactory(state="active", covered_through=D(2027, 3, 1), lapses_on=D(2027, 7, 1))
        SponsorshipFactory(state="active", covered_through=D(2026, 5, 1), lapses_on=D(2026, 9, 1))

    out = io.StringIO()
    # SELECT the sponsorships whose coverage ends, without that message yet
    # INSERT their coverage_ending messages
    # SELECT the ones one month overdue, without that message yet
    # INSERT their overdue_1 messages
    # SELECT the ones two months overdue, without that message yet
    # INSERT their overdue_2 messages
    with (
        time_machine.travel(at(2026, 10, 15, 6, 0), tick=False),
        django_assert_max_num_queries(6),
    ):
        call_command("send_reminders", stdout=out)
    assert out.getvalue().strip() == f"queued coverage_ending {n}, overdue_1 {n}, overdue_2 {n}"

    for kind in REMINDERS:
        assert Message.objects.filter(kind=kind).count() == n
    assert Message.objects.count() == 3 * n
    assert run_at(at(2026, 10, 16, 6, 0)) == NOTHING
    assert Message.objects.count() == 3 * n


def test_it_reminds_on_the_given_date(paid_through_august):
    assert (
        run_at(at(2026, 9, 15, 9, 0), "--date", "2026-10-01")
        == "queued coverage_ending 0, overdue_1 1, overdue_2 0"
    )
    assert Sponsorship.objects.get().state == "active"
