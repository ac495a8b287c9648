"""The daily work of the three-month rule: record the lapses, queue the reminders.

Both are set-based: the rows are chosen by one query, changed by one UPDATE and the messages written
by bulk INSERTs, so ten sponsorships or a hundred thousand take a handful of queries (the lapses a
handful per batch of LAPSE_BATCH). Every message has a key (kind, sponsorship, period) that the
database keeps unique, so a second run, or two runs at the same moment, queue nothing twice.

Whether a sponsorship is in force never waits for this work: `Sponsorship.objects.live_on(day)`
compares `lapses_on` with the day at read time. Recording the lapse frees the recipient in the
database, keeps the history of the change and tells the donor."""

import datetime as dt
import logging
import time

from django.db import OperationalError, connection, transaction
from django.db.models import Case, CharField, Exists, OuterRef, Value, When
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from core.months import month_range, months_between
from donations import standing
from donations.models import Message, Sponsorship
from donations.standing import Standing
from recipients.models import Recipient

logger = logging.getLogger(__name__)

#: The same words as `Sponsorship.lapse` writes, so staff see one reason whichever recorded it.
LAPSE_REASON = Sponsorship.LAPSE_REASON
COVERAGE_ENDING_DAYS = standing.COVERAGE_ENDING_DAYS
#: Rows per INSERT: keeps each statement a reasonable size on a large run.
BATCH_SIZE = 2000


def _chunks(items: list, size: int | None):
    """`items` in slices small enough for the database's limit on query parameters.

    PostgreSQL has no such limit (one slice); SQLite's 999 only matters past a thousand rows.
    """
    size = size or len(items) or 1
    for start in range(0, len(items), size):
        yield items[start : start + size]


#: Sponsorships lapsed per transaction: a fault costs one batch, never the night's work.
LAPSE_BATCH = 200
#: A batch that lost a deadlock or a serialization race to a pledge is tried again.
RETRIES = 3
#: PostgreSQL's codes for "deadlock detected" and "could not serialize access".
RETRYABLE = {"40P01", "40001"}


def record_lapses(day: dt.date | None = None, sponsorships=None) -> int:
    """Record the lapses the calendar already decided on `day`; returns how many.

    Each live sponsorship whose lapse day has come (three consecutive months without evidence)
    becomes lapsed, with its end time, the reason and a history row, and its donor gets one
    "lapsed" message; its recipient waits for a sponsor again from today. The work goes in
    batches of LAPSE_BATCH, each its own transaction, retried when it loses a deadlock: a pledge
    for one of these people at the same moment delays a batch, it never undoes the others. A
    second run, or two at once, find nothing left to do. `sponsorships` narrows the work (one
    row for `lapse`); by default every sponsorship is considered.
    """
    day = day or timezone.localdate()
    return _end_in_batches(
        day,
        sponsorships,
        due=lambda rows: rows.lapsed_unrecorded_on(day),
        reason=LAPSE_REASON,
        kind=Message.Kind.LAPSED,
        # Whichever records the lapse (the command, a pledge), one message.
        key=lambda row: f"lapsed:{row.pk}:{row.lapses_on:%Y-%m}",
        context=lambda row: {"month": row.lapses_on.isoformat()},
        waiting_again=True,
    )


def expire_pledges(day: dt.date | None = None, sponsorships=None) -> int:
    """Record the pledges whose hold ended on `day` without evidence of payment (see
    PLEDGE_HOLD_DAYS); returns how many. Each becomes lapsed, with the reason, and its donor is
    told once, in their language. The worker is already back on the waiting list (the hold is
    decided at read time); evidence that arrives later is still received, and staff decide
    (reinstate, or move it to another person)."""
    day = day or timezone.localdate()
    return _end_in_batches(
        day,
        sponsorships,
        due=lambda rows: rows.hold_expired_on(day),
        reason=Sponsorship.EXPIRY_REASON,
        kind=Message.Kind.PLEDGE_EXPIRED,
        key=lambda row: f"pledge_expired:{row.pk}",
        context=lambda row: {"pledged_on": timezone.localdate(row.created_at).isoformat()},
        waiting_again=False,
    )


def cancel_pledge(sponsorship: Sponsorship, *, by) -> bool:
    """Staff cancel a pledge that was never paid (no verified payment), at once; the donor is
    told. False when it was paid, or already ended."""
    day = timezone.localdate()
    ended = _end_in_batches(
        day,
        Sponsorship.objects.filter(pk=sponsorship.pk),
        due=lambda rows: rows.filter(state=Sponsorship.State.PLEDGED, covered_through__isnull=True),
        reason=Sponsorship.CANCEL_REASON,
        kind=Message.Kind.PLEDGE_EXPIRED,
        key=lambda row: f"pledge_expired:{row.pk}",
        context=lambda row: {"cancelled": True},
        waiting_again=False,
        by=by,
    )
    sponsorship.refresh_from_db()
    return ended == 1


def _end_in_batches(day, sponsorships, **how) -> int:
    sponsorships = Sponsorship.objects.all() if sponsorships is None else sponsorships
    candidates = list(how["due"](sponsorships).order_by("pk").values_list("pk", flat=True))
    return sum(
        _retrying(lambda batch=batch: _end_batch(day, batch, **how))
        for batch in _chunks(candidates, LAPSE_BATCH)
    )


def _retrying(work):
    """Run `work`; again (up to RETRIES times) if the database chose it as a deadlock victim.

    Inside a caller's transaction there is nothing to retry: the whole transaction failed,
    and the caller's own caller decides.
    """
    for attempt in range(1, RETRIES + 1):
        try:
            return work()
        except OperationalError as exc:
            code = getattr(exc.__cause__, "sqlstate", None)
            if connection.in_atomic_block or code not in RETRYABLE or attempt == RETRIES:
                raise
            logger.warning("Lapse batch lost a race (%s), attempt %d; trying again", code, attempt)
            time.sleep(0.05 * attempt)


def _end_batch(day, ids, *, due, reason, kind, key, context, waiting_again, by=None) -> int:
    now = timezone.now()
    with transaction.atomic():
        # The program's lock order, everywhere: recipient, then sponsorship, then payment. A
        # pledge locks the recipient first and then its old sponsorship; so does this.
        list(
            Recipient.objects.select_for_update()
            .filter(pk__in=Sponsorship.objects.filter(pk__in=ids).values("recipient_id"))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        # Checked again under the lock: evidence verified, or a pledge that recorded this end,
        # in the meantime leaves the row out.
        rows = list(due(Sponsorship.objects.filter(pk__in=ids)).select_for_update().order_by("pk"))
        if not rows:
            return 0
        changes = {"state": Sponsorship.State.LAPSED, "ended_at": now, "end_reason": reason}
        Sponsorship.objects.filter(pk__in=[row.pk for row in rows]).update(**changes)
        if waiting_again:
            # "Waiting for a sponsor since" starts again for a person never covered.
            Recipient.objects.filter(pk__in={row.recipient_id for row in rows}).update(
                waiting_since=day
            )
        for row in rows:
            for field, value in changes.items():
                setattr(row, field, value)
        # One plain UPDATE above, then the history rows in bulk: bulk_update_with_history would
        # write a CASE per row and field for values that are the same for every row.
        Sponsorship.history.bulk_history_create(
            rows,
            update=True,
            default_date=now,
            default_user=by,
            default_change_reason=("lapse_sponsorships: " if by is None else "") + reason,
            batch_size=BATCH_SIZE,
        )
        Message.objects.bulk_create(
            [
                Message(
                    donor_id=row.donor_id,
                    sponsorship_id=row.pk,
                    kind=kind,
                    key=key(row),
                    context=context(row),
                )
                for row in rows
            ],
            ignore_conflicts=True,
            batch_size=BATCH_SIZE,
        )
    return len(rows)


def lapse(sponsorship: Sponsorship, on: dt.date | None = None) -> bool:
    """Record that one sponsorship lapsed under the three-month rule; False if already done or
    not yet due. The same code as the daily lapse_sponsorships command, for one row."""
    recorded = record_lapses(on, Sponsorship.objects.filter(pk=sponsorship.pk)) == 1
    sponsorship.refresh_from_db()
    return recorded


def _message_key(kind: str, period_field: str, periods: list[dt.date]):
    """`<kind>:<sponsorship id>:<YYYY-MM of the period>` computed by the database.

    The period is one of a few months known in advance, so the month is spelled by a CASE
    rather than by a date function that differs between SQLite and PostgreSQL.
    """
    month = Case(
        *(When(**{period_field: p}, then=Value(f"{p:%Y-%m}")) for p in periods),
        output_field=CharField(),
    )
    return Concat(
        Value(f"{kind}:"), Cast("pk", CharField()), Value(":"), month, output_field=CharField()
    )


def _queue(kind: str, candidates, period_field: str, periods: list[dt.date], month_of) -> int:
    """Queue `kind` for each candidate not told yet for its period; returns how many.

    One SELECT (the candidates without a message of that key) and one bulk INSERT. The unique
    key is what guarantees at most once: a run that loses a race to another simply skips the
    rows that the other wrote.
    """
    rows = list(
        candidates.annotate(message_key=_message_key(kind, period_field, periods))
        .filter(~Exists(Message.objects.filter(key=OuterRef("message_key"))))
        .order_by("pk")
        .values("pk", "donor_id", "message_key", period_field)
    )
    Message.objects.bulk_create(
        [
            Message(
                donor_id=row["donor_id"],
                sponsorship_id=row["pk"],
                kind=kind,
                key=row["message_key"],
                context={"month": month_of(row[period_field]).isoformat()},
            )
            for row in rows
        ],
        ignore_conflicts=True,
        batch_size=BATCH_SIZE,
    )
    return len(rows)


def queue_reminders(day: dt.date | None = None) -> dict[str, int]:
    """Queue the reminders due on `day`; returns how many of each kind were queued.

    - coverage_ending: the last paid month ends within 30 days (and has not ended yet);
    - overdue_1: during M+2, the next payment is one month overdue;
    - overdue_2: during M+3, two months overdue, the last month before the lapse.

    Each goes at most once per sponsorship and period, whatever the number of runs. A
    sponsorship whose evidence awaits review (`lapses_on` empty) is left alone: the donor has
    done their part and the wait is BCC's. A pledge never paid has no coverage to end.
    """
    day = day or timezone.localdate()
    sponsorships = Sponsorship.objects.filter(lapses_on__isnull=False)
    first, last = standing.coverage_ending_months(day)
    ending = month_range(first, months_between(first, last) + 1)

    counts = {}
    counts[Message.Kind.COVERAGE_ENDING] = _queue(
        Message.Kind.COVERAGE_ENDING,
        sponsorships.coverage_ending_on(day),
        "covered_through",
        ending,
        month_of=lambda covered_through: covered_through,
    )
    for kind, overdue in (
        (Message.Kind.OVERDUE_1, Standing.OVERDUE_1),
        (Message.Kind.OVERDUE_2, Standing.OVERDUE_2),
    ):
        counts[kind] = _queue(
            kind,
            sponsorships.standing_is(overdue, day=day),
            "lapses_on",
            [standing.lapse_day_when(overdue, day)],
            # The month the mail names is M+1, read back from the lapse day.
            month_of=standing.first_unpaid_before,
        )
    return counts
