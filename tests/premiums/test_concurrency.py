"""Two people acting on the same row at the same moment, each on their own connection.

Only PostgreSQL runs these: SQLite serialises whole-database writes and ignores
select_for_update, so there is nothing to race. Each test widens the race window (a short sleep
inside the workflow) so that, without the row locks, both threads would surely pass the
"already done?" check before either commits; with the locks the second one waits and then
sees the first one's work.
"""

import threading
import time

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from core import months as calendar
from donations.models import Donor, Message, Sponsorship
from premiums import services
from premiums.models import PaymentEvidence, PremiumPayment
from tests.factories import (
    PaymentEvidenceFactory,
    PremiumPaymentFactory,
    RecipientFactory,
    SponsorshipFactory,
    StaffFactory,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs row locks: PostgreSQL only"
    ),
]

#: Long enough for the other thread to reach the same point when nothing stops it.
RACE_WINDOW = 0.3


def race(*calls):
    """Run the calls in threads that start together; return each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            outcomes[i] = call()
        except Exception as exc:  # reported to the test, which says what it expected
            outcomes[i] = exc
        finally:
            # Each thread has its own connection; left open, it would keep the test
            # database from being flushed and dropped.
            close_old_connections()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    return outcomes


def slowed(monkeypatch, module, name):
    """Make `module.name` pause before it runs, inside the caller's transaction."""
    original = getattr(module, name)

    def slow(*args, **kwargs):
        time.sleep(RACE_WINDOW)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, slow)


def test_two_staff_verifying_the_same_evidence_extend_coverage_once(standard_rate, monkeypatch):
    sponsorship = SponsorshipFactory(first_month=calendar.month_start(timezone.localdate()))
    payment = PremiumPaymentFactory(sponsorship=sponsorship)
    evidence = PaymentEvidenceFactory(payment=payment)
    staff = StaffFactory(username="ayu"), StaffFactory(username="made")
    # Called after the "already reviewed?" check and before the commit.
    slowed(monkeypatch, services, "refresh_coverage")

    def verify(by):
        return lambda: services.verify_evidence(PaymentEvidence.objects.get(pk=evidence.pk), by=by)

    outcomes = race(verify(staff[0]), verify(staff[1]))

    assert sorted(outcomes, key=str) == [False, True], outcomes
    sponsorship.refresh_from_db()
    assert sponsorship.state == Sponsorship.State.ACTIVE
    assert sponsorship.covered_through == payment.last_month
    payment.refresh_from_db()
    assert payment.status == PremiumPayment.Status.VERIFIED
    evidence.refresh_from_db()
    winner = staff[outcomes.index(True)]
    assert (evidence.status, evidence.reviewed_by) == (PaymentEvidence.Status.VERIFIED, winner)
    assert Message.objects.filter(kind=Message.Kind.EVIDENCE_VERIFIED).count() == 1
    assert payment.history.filter(status=PremiumPayment.Status.VERIFIED).count() == 1


def test_two_donors_pledging_for_the_same_person_one_wins(standard_rate, monkeypatch):
    recipient = RecipientFactory()
    next_month = calendar.add_months(calendar.month_start(timezone.localdate()), 1)
    # Called after the recipient's row is locked, before the sponsorship is written.
    slowed(monkeypatch, services, "_free_recipient")

    def pledge(name):
        donor = Donor(full_name=name, email=f"{name.lower()}@example.org", country="ID")
        return lambda: services.create_pledge(
            recipient_id=recipient.pk,
            donor=donor,
            first_month=next_month,
            months=12,
            route=Sponsorship.Route.DIRECT,
        )

    outcomes = race(pledge("Ann"), pledge("Bob"))

    won = [o for o in outcomes if isinstance(o, tuple)]
    lost = [o for o in outcomes if isinstance(o, services.RecipientUnavailable)]
    assert (len(won), len(lost)) == (1, 1), outcomes
    # Turned away by the lock, which made it wait and then see the winner's sponsorship, not
    # by the unique constraint failing its insert (SQLite's only guard).
    assert lost[0].__cause__ is None
    sponsorship, payment, token = won[0]
    assert list(Sponsorship.objects.all()) == [sponsorship]
    assert list(Donor.objects.all()) == [sponsorship.donor]  # the loser's donor rolled back
    assert PremiumPayment.objects.get() == payment
    assert Message.objects.get().kind == Message.Kind.PLEDGE_RECEIVED
