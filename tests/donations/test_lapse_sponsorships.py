"""lapse_sponsorships: the three-month rule recorded once, in a few queries for any number."""

import datetime as dt
import io
import threading
import time

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from donations.models import Donor, Message, Sponsorship, needing_sponsor
from donations.reminders import LAPSE_REASON, lapse
from premiums import services
from premiums.services import PaymentError
from tests.factories import (
    MessageFactory,
    PaymentEvidenceFactory,
    PremiumPaymentFactory,
    SponsorshipFactory,
)
from tests.helpers import at

D = dt.date


def travel(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def run(*args) -> str:
    out = io.StringIO()
    call_command("lapse_sponsorships", *args, stdout=out)
    return out.getvalue().strip()


def lapsed_messages(sponsorship):
    return Message.objects.filter(kind=Message.Kind.LAPSED, sponsorship=sponsorship)


def test_it_does_not_lapse_before_the_first_of_december(paid_through_august):
    with travel(at(2026, 11, 30, 23, 59)):
        assert run() == "recorded 0 lapses, 0 expired pledges"

    paid_through_august.refresh_from_db()
    assert paid_through_august.state == Sponsorship.State.ACTIVE
    assert not lapsed_messages(paid_through_august).exists()


def test_it_records_the_lapse_on_the_first_of_december(paid_through_august):
    with travel(at(2026, 12, 1, 0, 30)):
        assert run() == "recorded 1 lapses, 0 expired pledges"
        now = timezone.now()

    s = paid_through_august
    s.refresh_from_db()
    assert s.state == Sponsorship.State.LAPSED
    assert s.ended_at == now
    assert s.end_reason == LAPSE_REASON
    message = lapsed_messages(s).get()
    assert message.donor == s.donor
    assert message.key == f"lapsed:{s.pk}:2026-12"
    assert message.context == {"month": "2026-12-01"}
    assert message.status == Message.Status.QUEUED


def test_it_records_a_lapse_found_later(paid_through_august):
    # The command did not run for weeks: the lapse is still of 1 December.
    with travel(at(2027, 1, 20, 6, 0)):
        assert run() == "recorded 1 lapses, 0 expired pledges"

    assert lapsed_messages(paid_through_august).get().context == {"month": "2026-12-01"}


def test_it_applies_the_rule_on_the_given_date(paid_through_august):
    with travel(at(2026, 11, 15, 9, 0)):
        assert run("--date", "2026-11-30") == "recorded 0 lapses, 0 expired pledges"
        assert run("--date", "2026-12-01") == "recorded 1 lapses, 0 expired pledges"


def test_it_records_nothing_the_second_time(paid_through_august):
    with travel(at(2026, 12, 1, 0, 30)):
        run()
    history = paid_through_august.history.count()

    with travel(at(2026, 12, 1, 8, 0)):
        assert run() == "recorded 0 lapses, 0 expired pledges"

    assert lapsed_messages(paid_through_august).count() == 1
    assert paid_through_august.history.count() == history


def test_it_does_not_tell_the_donor_twice(paid_through_august):
    s = paid_through_august
    # Told once already, say by Sponsorship.lapse before staff put the sponsorship back.
    MessageFactory(donor=s.donor, sponsorship=s, kind="lapsed", key=f"lapsed:{s.pk}:2026-12")

    with travel(at(2026, 12, 1, 0, 30)):
        assert run() == "recorded 1 lapses, 0 expired pledges"

    s.refresh_from_db()
    assert s.state == Sponsorship.State.LAPSED
    assert Message.objects.filter(key=f"lapsed:{s.pk}:2026-12").count() == 1


def test_it_keeps_the_change_in_the_history(paid_through_august):
    with travel(at(2026, 12, 1, 0, 30)):
        run()
        now = timezone.now()

    latest, before = paid_through_august.history.all()[:2]
    assert latest.history_type == "~"
    assert latest.state == Sponsorship.State.LAPSED
    assert latest.ended_at == now
    assert latest.history_date == now
    assert LAPSE_REASON in latest.history_change_reason
    assert before.state == Sponsorship.State.ACTIVE


def test_it_uses_the_same_message_key_as_the_model(paid_through_august, db):
    other = SponsorshipFactory(
        state="active", covered_through=D(2026, 8, 1), lapses_on=D(2026, 12, 1)
    )
    with travel(at(2026, 12, 1, 0, 30)):
        assert lapse(other) is True
        run()

    by_model = lapsed_messages(other).get()
    by_command = lapsed_messages(paid_through_august).get()
    assert by_model.key == f"lapsed:{other.pk}:2026-12"
    assert by_command.key == f"lapsed:{paid_through_august.pk}:2026-12"
    assert by_model.context == by_command.context


def test_it_leaves_a_sponsorship_whose_evidence_awaits_review(paid_through_august):
    s = paid_through_august
    renewal = PremiumPaymentFactory(sponsorship=s, first_month=D(2026, 9, 1))
    # Sent during the second month overdue, not yet reviewed by BCC.
    PaymentEvidenceFactory(payment=renewal, received_at=at(2026, 11, 20, 9, 0))
    services.refresh_coverage(s)
    assert s.lapses_on is None

    with travel(at(2027, 1, 15, 9, 0)):
        assert run() == "recorded 0 lapses, 0 expired pledges"

    s.refresh_from_db()
    assert s.state == Sponsorship.State.ACTIVE
    assert not lapsed_messages(s).exists()


@pytest.mark.parametrize("state", ["stopped", "lapsed", "awaiting_decision"])
def test_it_leaves_ended_and_waiting_sponsorships_alone(db, state):
    s = SponsorshipFactory(
        state=state,
        covered_through=D(2026, 8, 1),
        lapses_on=D(2026, 12, 1),
        end_reason="as it was",
    )
    history = s.history.count()

    with travel(at(2026, 12, 1, 0, 30)):
        assert run() == "recorded 0 lapses, 0 expired pledges"

    s.refresh_from_db()
    assert s.state == state
    assert s.end_reason == "as it was"
    assert not lapsed_messages(s).exists()
    assert s.history.count() == history


def test_it_takes_the_donor_off_the_active_list_before_it_runs(paid_through_august):
    donor = paid_through_august.donor
    with travel(at(2026, 11, 30, 23, 59)):
        assert donor in Donor.objects.active_on()

    with travel(at(2026, 12, 1, 0, 30)):
        # Read time: the calendar has decided, whether or not the command ran.
        assert donor not in Donor.objects.active_on()
        assert Sponsorship.objects.get(pk=paid_through_august.pk).state == "active"

        assert run() == "recorded 1 lapses, 0 expired pledges"

        assert donor not in Donor.objects.active_on()
        assert Sponsorship.objects.get(pk=paid_through_august.pk).state == "lapsed"


def test_it_keeps_a_donor_active_through_another_sponsorship(paid_through_august):
    donor = paid_through_august.donor
    SponsorshipFactory(
        donor=donor, state="active", covered_through=D(2027, 6, 1), lapses_on=D(2027, 10, 1)
    )

    with travel(at(2026, 12, 1, 0, 30)):
        assert run() == "recorded 1 lapses, 0 expired pledges"
        assert donor in Donor.objects.active_on()


@pytest.mark.parametrize("n", [3, 30])
def test_it_takes_the_same_queries_for_any_number(db, django_assert_max_num_queries, n):
    # Paid through August, or pledged from August and never paid: both lapsed by December.
    due = [
        SponsorshipFactory(state="active", covered_through=D(2026, 8, 1), lapses_on=D(2026, 12, 1))
        if i % 2
        else SponsorshipFactory(
            state="pledged", first_month=D(2026, 8, 1), lapses_on=D(2026, 11, 1)
        )
        for i in range(n)
    ]
    not_yet = SponsorshipFactory.create_batch(
        n, state="active", covered_through=D(2026, 9, 1), lapses_on=D(2027, 1, 1)
    )

    # SELECT the ids of the sponsorships to lapse
    # then per batch of up to 200 (one here):
    # SAVEPOINT (the batch's transaction, nested in the test's)
    # SELECT their recipients FOR UPDATE (PostgreSQL): the program's lock order, recipient first
    # SELECT the sponsorships again, FOR UPDATE
    # UPDATE them: lapsed, ended_at, end_reason
    # UPDATE their recipients: waiting for a sponsor since today
    # INSERT their history rows (SQLite's 999 parameters hold 49 rows per INSERT)
    # INSERT the "lapsed" messages
    # RELEASE SAVEPOINT
    # then SELECT the ids of the pledges whose hold expired (none here)
    with travel(at(2026, 12, 1, 0, 30)), django_assert_max_num_queries(10) as captured:
        assert run() == f"recorded {n} lapses, 0 expired pledges"

    if connection.features.has_select_for_update:
        assert any(q["sql"].endswith("FOR UPDATE") for q in captured.captured_queries)
    lapsed = Sponsorship.objects.filter(state="lapsed")
    assert set(lapsed.values_list("pk", flat=True)) == {s.pk for s in due}
    assert Message.objects.filter(kind="lapsed").count() == n
    assert Sponsorship.objects.filter(pk__in=[s.pk for s in not_yet], state="active").count() == n
    assert Sponsorship.history.filter(state="lapsed").count() == n


def _renewal_sent_on_the_lapse_day(sponsorship):
    """The next year's receipt came on 1 December, too late to hold off the lapse."""
    renewal = PremiumPaymentFactory(sponsorship=sponsorship, first_month=D(2026, 9, 1))
    evidence = PaymentEvidenceFactory(payment=renewal, received_at=at(2026, 12, 1, 0, 10))
    services.refresh_coverage(sponsorship)
    assert sponsorship.lapses_on == D(2026, 12, 1)
    return evidence


def _run_in_thread(result):
    def command():
        try:
            result["output"] = run()
        finally:
            connections.close_all()

    thread = threading.Thread(target=command)
    thread.start()
    return thread


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite cannot lock a row"
)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_it_does_not_lapse_a_sponsorship_verified_at_the_same_moment(paid_through_august, staff):
    evidence = _renewal_sent_on_the_lapse_day(paid_through_august)
    result = {}

    with travel(at(2026, 12, 1, 0, 30)):
        with transaction.atomic():
            # Staff accept the late renewal (reinstating: it came on the lapse day); the command
            # starts before they commit.
            assert services.reinstate(evidence, by=staff) is True
            thread = _run_in_thread(result)
            time.sleep(0.5)
            assert thread.is_alive()  # waiting for the row staff hold
        thread.join(timeout=30)

    # PostgreSQL re-checked the row once staff committed: no longer lapsed by the calendar.
    assert result["output"] == "recorded 0 lapses, 0 expired pledges"
    paid_through_august.refresh_from_db()
    assert paid_through_august.state == Sponsorship.State.ACTIVE
    assert paid_through_august.lapses_on == D(2027, 12, 1)
    assert not lapsed_messages(paid_through_august).exists()


def test_it_leaves_a_receipt_that_came_too_late_to_staff(paid_through_august, staff):
    evidence = _renewal_sent_on_the_lapse_day(paid_through_august)

    with travel(at(2026, 12, 1, 0, 30)):
        assert run() == "recorded 1 lapses, 0 expired pledges"
        # Staff come second: the sponsorship has ended and must be reinstated first.
        with pytest.raises(PaymentError):
            services.verify_evidence(evidence, by=staff)

    paid_through_august.refresh_from_db()
    assert paid_through_august.state == Sponsorship.State.LAPSED


def test_it_makes_the_recipient_wait_again_from_the_lapse(paid_through_august):
    recipient = paid_through_august.recipient
    with travel(at(2026, 12, 1, 0, 30)):
        run()
    recipient.refresh_from_db()
    assert recipient.waiting_since == D(2026, 12, 1)
    assert recipient in needing_sponsor(D(2026, 12, 1))


def test_a_single_lapse_uses_the_same_code_as_the_command(paid_through_august):
    with travel(at(2026, 12, 1, 0, 30)):
        assert lapse(paid_through_august) is True
        assert lapse(paid_through_august) is False
    assert paid_through_august.state == "lapsed"
    assert paid_through_august.end_reason == Sponsorship.LAPSE_REASON
    assert Message.objects.filter(sponsorship=paid_through_august, kind="lapsed").count() == 1
    assert paid_through_august.history.first().history_change_reason.startswith(
        "lapse_sponsorships"
    )
