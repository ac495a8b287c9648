"""Time the scheduled commands (lapse_sponsorships, send_reminders) on a large database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bcc_bench DEBUG=true \\
        .venv/bin/python -m bench.commands --sponsorships 100000

Creates the database if it is missing, migrates it, EMPTIES it, loads N sponsorships in a mix of
states and dates around the chosen day (with their recipients, donors, history rows and earlier
messages), then runs each command twice and prints how long each run took. The second run shows
the cost of a day with nothing left to do. Nothing is asserted: the tests check behaviour, this
prints figures. The database name must contain "bench", so a real database is never emptied.
"""

import argparse
import datetime as dt
import io
import os
import random
import re
import sys
import time

BATCH = 5000


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sponsorships", type=int, default=100_000, help="how many to load")
    parser.add_argument(
        "--date",
        type=dt.date.fromisoformat,
        default=None,
        help="the day the commands run for, YYYY-MM-DD (default: today in Bali)",
    )
    parser.add_argument("--seed", type=int, default=2026, help="seed of the random mix")
    return parser.parse_args(argv)


def ensure_database(url: str) -> str:
    """Create the PostgreSQL database named in `url` if it does not exist; returns its name."""
    import environ
    import psycopg
    from psycopg import sql

    config = environ.Env.db_url_config(url)
    name = config["NAME"]
    if "bench" not in name:
        sys.exit(f"Refusing to empty {name!r}: the benchmark database name must contain 'bench'.")
    if "postgresql" not in config["ENGINE"]:
        return name  # SQLite creates its file itself
    conn = psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
    )
    conn.autocommit = True  # CREATE DATABASE cannot run inside a transaction
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"created database {name}")
    finally:
        conn.close()
    return name


def load(
    n: int,
    day: dt.date,
    rng: random.Random,
    recipients: int | None = None,
    donors: int | None = None,
) -> dict:
    """Bulk-insert `n` sponsorships around `day`; returns how many of each kind.

    By default each sponsorship has a recipient of its own and there are 4 donors for every 5
    sponsorships. With fewer `recipients` than sponsorships, each person holds at most one live
    sponsorship (the database refuses a second), 30 % of them none (people still waiting), and
    the other sponsorships are earlier ones that ended (stopped or lapsed).
    """
    from core import months as rules
    from donations import standing
    from donations.models import Donor, Message, Sponsorship
    from recipients.models import Occupation, Recipient, Regency

    month = rules.month_start(day)
    occupations, regencies = Occupation.values, Regency.values

    recipients = Recipient.objects.bulk_create(
        [
            Recipient(
                nickname=f"Wayan {i}",
                full_name=f"I Wayan Bench {i}",
                occupation=rng.choice(occupations),
                regency=rng.choice(regencies),
                story="Bench data.",
                waiting_since=day - dt.timedelta(days=rng.randint(30, 1500)),
                nik=f"5107{i:012d}"[:16],
                kk=f"5107{i:012d}"[:16],
                sex=rng.choice("MF"),
            )
            for i in range(recipients or n)
        ],
        batch_size=BATCH,
    )
    donor_count = donors or max(1, n * 4 // 5)
    donors = Donor.objects.bulk_create(
        [
            Donor(
                full_name=f"Donor Bench {i}",
                display_name=f"D.B. {i}",
                listed_publicly=rng.random() < 0.6,
                email=f"donor{i}@bench.example.org",
                country="ID" if rng.random() < 0.7 else rng.choice(["AU", "DE", "NL", "US"]),
                language=rng.choice(["en", "id"]),
            )
            for i in range(donor_count)
        ],
        batch_size=BATCH,
    )

    # (kind, weight): what a program of this size looks like on a day when the commands have
    # not run for a while, so the first run has a real backlog.
    mix = [
        ("active", 66),
        ("active_evidence_pending", 4),
        ("pledged", 7),
        ("awaiting_decision", 3),
        ("stopped", 10),
        ("lapsed", 10),
    ]
    kinds = rng.choices([k for k, _ in mix], weights=[w for _, w in mix], k=n)
    if len(recipients) == n:
        holders = recipients
    else:
        holders, free = [], rng.sample(recipients, int(len(recipients) * 0.7))
        for i, kind in enumerate(kinds):
            if kind in ("stopped", "lapsed"):
                holders.append(rng.choice(recipients))
            elif free:
                holders.append(free.pop())
            else:  # everyone who may hold one already does: an earlier, ended sponsorship
                kinds[i] = rng.choice(["stopped", "lapsed"])
                holders.append(rng.choice(recipients))
    now = dt.datetime.combine(day, dt.time(1), dt.UTC)
    counts: dict[str, int] = {}
    sponsorships = []
    for recipient, kind in zip(holders, kinds, strict=True):
        counts[kind] = counts.get(kind, 0) + 1
        s = Sponsorship(
            donor=rng.choice(donors),
            recipient=recipient,
            months_pledged=rng.choice([12, 12, 12, 24, 36]),
            route=rng.choice(["direct", "direct", "direct", "paypal"]),
        )
        if kind == "pledged":
            # Never paid: M is the month before the first, so it lapses on first + 3.
            s.state = "pledged"
            s.first_month = rules.add_months(month, rng.randint(-5, 2))
            s.lapses_on = standing.lapse_date(s.first_month, None)
        else:
            # Paid through anything from half a year ago to two years ahead.
            s.covered_through = rules.add_months(month, rng.randint(-6, 23))
            s.first_month = rules.add_months(s.covered_through, 1 - 12 * rng.randint(1, 3))
            s.activated_at = now
            s.lapses_on = standing.lapse_date(s.first_month, s.covered_through)
            s.state = {"active_evidence_pending": "active"}.get(kind, kind)
            if kind == "active_evidence_pending":
                s.lapses_on = None
            elif kind in ("stopped", "lapsed"):
                s.ended_at = now
                s.end_reason = "bench"
            elif kind == "awaiting_decision":
                s.decision_requested_at = now
        sponsorships.append(s)
    Sponsorship.objects.bulk_create(sponsorships, batch_size=BATCH)
    Sponsorship.history.bulk_history_create(sponsorships, batch_size=BATCH, default_date=now)
    # Earlier messages, so that the unique key the reminders check has a realistic index.
    Message.objects.bulk_create(
        [
            Message(
                donor_id=s.donor_id,
                sponsorship=s,
                kind=Message.Kind.PLEDGE_RECEIVED,
                key=f"pledge_received:{s.pk}",
                status=Message.Status.SENT,
                context={"months": s.months_pledged},
            )
            for s in sponsorships
        ],
        batch_size=BATCH,
    )
    counts["donors"] = len(donors)
    return counts


def timed(command: str, day: dt.date) -> tuple[str, float, int]:
    """Run a management command; (its output, seconds, queries when DEBUG is on)."""
    from django.core.management import call_command
    from django.db import connection, reset_queries

    out = io.StringIO()
    reset_queries()
    start = time.perf_counter()
    call_command(command, date=day, stdout=out)
    seconds = time.perf_counter() - start
    return out.getvalue().strip(), seconds, len(connection.queries)


def main(argv=None):
    args = parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("Set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/bcc_bench")
    name = ensure_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bcc_sponsor.settings")

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    day = args.date or timezone.localdate()
    rng = random.Random(args.seed)

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    # The commands bump the cached pages' versions: the cache (by default in the database).
    call_command("createcachetable", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    migrated = time.perf_counter() - start

    start = time.perf_counter()
    counts = load(args.sponsorships, day, rng)
    with connection.cursor() as cursor:
        # Fresh statistics, as autovacuum would have gathered them on a real database.
        cursor.execute("ANALYZE")
    loaded = time.perf_counter() - start

    version = getattr(connection, "pg_version", "")
    print(f"database {name} ({connection.vendor} {version}), day {day}")
    print(
        f"loaded {args.sponsorships:,} sponsorships, {counts.pop('donors'):,} donors: "
        + ", ".join(f"{kind} {count:,}" for kind, count in sorted(counts.items()))
    )
    rows = [("migrate + flush", "", migrated, ""), ("load (bulk_create)", "", loaded, "")]
    for command in ("lapse_sponsorships", "send_reminders"):
        for run in ("1st", "2nd"):
            output, seconds, queries = timed(command, day)
            affected = sum(int(number) for number in re.findall(r"\b\d+\b", output))
            rows.append((f"{command} ({run} run)", f"{affected:,}", seconds, queries, output))

    print()
    print(f"{'step':<30} {'rows':>8} {'seconds':>8} {'queries':>8}  output")
    print(f"{'-' * 30} {'-' * 8} {'-' * 8} {'-' * 8}  {'-' * 40}")
    for step, affected, seconds, queries, *output in rows:
        print(f"{step:<30} {affected:>8} {seconds:>8.2f} {queries!s:>8}  {''.join(output)}")


if __name__ == "__main__":
    main()
