"""Benchmark the pages as production serves them, each against the framework's own floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bcc_bench .venv/bin/python -m bench.web \\
        [--scale 0.1] [--seconds 10] [--connections 8]

(or `make bench SCALE=0.1`). Creates the database if it is missing, migrates it, EMPTIES it and
bulk-loads, at --scale 1: 5,000 recipients, 20,000 donors, 30,000 sponsorships in every state,
100,000 payments each with an evidence row, 2,000 card handovers. Then starts gunicorn (2 workers,
DEBUG off, the cache in Redis db 5 on 127.0.0.1:6379, rate limits off, plain HTTP on 127.0.0.1)
and drives one page after another with wrk (Debian package `wrk`) at a fixed number of
connections for a fixed time: a floor view that touches neither database nor templates
(bench/urls.py and bench/settings.py, only in this benchmark), the public pages, a donor's
private page (after opening a private link), the staff dashboard and the payments admin list
(after a staff login).

Prints requests/s, p50/p95/p99 latency, each page's throughput as a ratio to the floor, the
queries one warm request makes (counted in this process with the test client) and the peak
RSS of the gunicorn workers so far; the last line is the summary that runs are compared by:

    summary: public_min_ratio=0.62 private_p95_ratio=2.1 dashboard_p95_ms=95 admin_p95_ms=180

Nothing is asserted. The database name must contain "bench"; only 127.0.0.1 is ever asked.
"""

import argparse
import datetime as dt
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from bench.commands import BATCH, ensure_database, load

SIZES = {"recipients": 5_000, "donors": 20_000, "sponsorships": 30_000}
PAYMENTS, HANDOVERS = 100_000, 2_000
STAFF_USER, STAFF_PASSWORD = "bench-staff", "bench-only-password-7319"
PUBLIC = ("home", "recipients", "recipients deep", "recipient", "donors", "help provided")
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.status + e.connect + e.read + e.write + e.timeout))
end
"""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = the sizes in the docstring")
    parser.add_argument("--seconds", type=int, default=10, help="per page (at most 120)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent (at most 64)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--keep-data", action="store_true", help="skip the load: reuse the data of a past run"
    )
    args = parser.parse_args(argv)
    args.seconds = max(1, min(args.seconds, 120))
    args.connections = max(1, min(args.connections, 64))
    return args


def server_environment(url: str, static_root: Path) -> dict:
    """Production settings, minus what needs HTTPS and a real client address."""
    return {
        "DATABASE_URL": url,
        # The project's settings with ROOT_URLCONF = "bench.urls" (the floor view).
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-not-a-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "STATICFILES_MANIFEST": "false",
        "STATIC_ROOT": str(static_root),
        "CACHE_URL": "redis://127.0.0.1:6379/5",
        "RATELIMIT_ENABLED": "false",
        "STAFF_2FA_REQUIRED": "false",
        # As README's production settings: connections kept between requests.
        "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
        "LOG_LEVEL": "WARNING",
        "EMAIL_URL": "consolemail://",
    }


def load_payments_and_handovers(scale: float, day: dt.date, rng: random.Random) -> dict:
    """Payments with evidence for the sponsorships `load` made, then cards and handovers."""
    from django.contrib.auth import get_user_model

    from bench.data import evidence_row, handover_row, payment_row, photo_row
    from core import months as rules
    from donations.models import Sponsorship
    from premiums.models import PaymentEvidence, PremiumPayment, PremiumRate
    from recipients.models import BpjsCard, CardHandover, HandoverPhoto

    staff = get_user_model().objects.create_superuser(
        STAFF_USER, f"{STAFF_USER}@bench.example.org", STAFF_PASSWORD
    )
    # `flush` emptied the rate table too; the standard rate, as in the demo data.
    rate = PremiumRate.objects.create(first_month=dt.date(2020, 1, 1), jkk=10_000, jkm=6_800)
    monthly = rate.jkk + rate.jkm
    now = dt.datetime.combine(day, dt.time(2), dt.UTC)

    payments = []
    for s in Sponsorship.objects.order_by("pk").iterator(chunk_size=BATCH):

        def payment(first, months, verified, s=s):
            verified_at = now - dt.timedelta(days=rng.randint(0, 900)) if verified else None
            return payment_row(s, first, months, monthly, verified_at, staff)

        if s.covered_through is None:  # pledged: the first payment, waiting for evidence
            payments.append(payment(s.first_month, 12, False))
            continue
        # What is covered was paid in three- and six-month payments, all verified.
        first = s.first_month
        while first <= s.covered_through:
            left = rules.months_between(first, s.covered_through) + 1
            months = min(rng.choice([3, 6, 6, 12]), left)
            payments.append(payment(first, months, True))
            first = rules.add_months(first, months)
        if s.state == "active" and s.lapses_on is None:  # the next payment, evidence pending
            payments.append(payment(first, 6, False))
    target = int(PAYMENTS * scale)
    if len(payments) > target:  # gaps in old history change nothing a page shows
        payments = [payments[i] for i in sorted(rng.sample(range(len(payments)), target))]
    PremiumPayment.objects.bulk_create(payments, batch_size=BATCH)
    PaymentEvidence.objects.bulk_create(
        [evidence_row(p, "bench", now - dt.timedelta(days=rng.randint(0, 900))) for p in payments],
        batch_size=BATCH,
    )

    # Cards for people whose sponsorship is in force, handed over to most of them.
    holders = list(
        Sponsorship.objects.filter(state="active", payments__status="verified")
        .values_list("recipient_id", flat=True)
        .distinct()
        .order_by("recipient_id")
    )
    handovers = min(int(HANDOVERS * scale), len(holders))
    cards = BpjsCard.objects.bulk_create(
        [
            BpjsCard(
                recipient_id=rid,
                participant_number=f"{i + 1:011d}",
                issued_on=day - dt.timedelta(days=rng.randint(30, 1000)),
                recorded_by=staff,
            )
            for i, rid in enumerate(holders[: handovers + handovers // 5])
        ],
        batch_size=BATCH,
    )
    made = CardHandover.objects.bulk_create(
        [
            handover_row(
                card,
                day - dt.timedelta(days=rng.randint(0, 1000)),
                staff,
                "Banjar Bench",
                documentation_sent_at=now if rng.random() < 0.8 else None,
            )
            for card in cards[:handovers]
        ],
        batch_size=BATCH,
    )
    HandoverPhoto.objects.bulk_create(
        [photo_row(h, "bench", "Bench", public_consent=rng.random() < 0.5) for h in made],
        batch_size=BATCH,
    )
    return {"payments": len(payments), "cards": len(cards), "handovers": len(made)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, data: dict | None = None, cookie: str = "") -> tuple[int, dict, str]:
    """One request, redirects not followed: (status, headers, body)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.headers, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8", "replace")


def cookies_from(headers, wanted=("sessionid", "csrftoken")) -> dict:
    found = {}
    for header in headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        if name.strip() in wanted:
            found[name.strip()] = rest.split(";")[0]
    return found


def staff_cookie(base: str) -> str:
    """Log in through the admin's login form, as a person would."""
    status, headers, body = fetch(base + "/admin/login/")
    csrf = cookies_from(headers)["csrftoken"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    status, headers, _ = fetch(
        base + "/admin/login/?next=/admin/",
        {"csrfmiddlewaretoken": token, "username": STAFF_USER, "password": STAFF_PASSWORD},
        cookie=f"csrftoken={csrf}",
    )
    after = cookies_from(headers)
    session = after.get("sessionid")
    if status != 302 or not session:
        sys.exit(f"staff login failed ({status})")
    # Logging in rotates the CSRF cookie; a browser sends the new one from then on.
    return f"sessionid={session}; csrftoken={after.get('csrftoken', csrf)}"


def donor_cookie(base: str, raw_token: str) -> str:
    """Open the private link (a redirect and the donor session), then the page once, as a
    browser does: its forms set the CSRF cookie, which the browser sends from then on."""
    status, headers, _ = fetch(f"{base}/en/donor/{raw_token}/")
    session = cookies_from(headers).get("sessionid")
    if status != 302 or not session:
        sys.exit(f"opening the private link failed ({status})")
    status, headers, _ = fetch(f"{base}/en/donor/", cookie=f"sessionid={session}")
    csrf = cookies_from(headers).get("csrftoken")
    if status != 200 or not csrf:
        sys.exit(f"the private page failed ({status})")
    return f"sessionid={session}; csrftoken={csrf}"


def worker_peak_rss_mb(master_pid: int) -> float:
    """The highest VmHWM among the gunicorn master's children (its workers)."""
    peak = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master_pid}$", text, re.M):
            match = re.search(r"^VmHWM:\s+(\d+) kB", text, re.M)
            peak = max(peak, int(match.group(1)) if match else 0)
    return peak / 1024


def wrk(url: str, cookie: str, seconds: int, connections: int, script: str) -> dict:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "30s"]
    command += ["-s", script, *(["-H", f"Cookie: {cookie}"] if cookie else []), url]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60).stdout
    match = re.search(r"^RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", out, re.M)
    if not match:
        sys.exit(f"wrk printed no result for {url}:\n{out}")
    requests, duration_us, p50, p95, p99, errors = map(int, match.groups())
    return {
        "rps": requests / (duration_us / 1e6),
        "p50": p50 / 1000,
        "p95": p95 / 1000,
        "p99": p99 / 1000,
        "errors": errors,
        "requests": requests,
    }


def count_queries(path: str, cookie: str) -> int:
    """Queries one request for `path` makes, served in this process by the test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1")
    for pair in filter(None, cookie.split("; ")):
        name, _, value = pair.partition("=")
        client.cookies[name] = value
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    if response.status_code != 200:
        return -response.status_code
    return len(queries)


def main(argv=None):
    args = parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("Set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/bcc_bench")
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk (or run `make bench`)")
    gunicorn = Path(sys.executable).parent / "gunicorn"
    if not gunicorn.exists():
        sys.exit(f"{gunicorn} is missing: {sys.executable} -m pip install gunicorn")
    name = ensure_database(url)
    workdir = Path(tempfile.mkdtemp(prefix="bcc_bench_"))
    (workdir / "static").mkdir()
    environment = server_environment(url, workdir / "static")
    os.environ.update(environment)

    import django

    django.setup()

    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from donations.models import Donor, needing_sponsor

    day = timezone.localdate()
    rng = random.Random(args.seed)
    sizes = {key: max(1, int(value * args.scale)) for key, value in SIZES.items()}
    if not args.keep_data:
        start = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("flush", interactive=False, verbosity=0)
        counts = load(sizes["sponsorships"], day, rng, sizes["recipients"], sizes["donors"])
        counts.update(load_payments_and_handovers(args.scale, day, rng))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would have, on a real database
        counts.pop("donors")
        print(
            f"loaded into {name} in {time.perf_counter() - start:.1f} s: {sizes['recipients']:,} "
            f"recipients, {sizes['donors']:,} donors, {sizes['sponsorships']:,} sponsorships ("
            + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
            + ")"
        )
    cache.clear()  # Redis db 5 is the benchmark's: no page cached from an earlier dataset

    # The donor with the most sponsorships in force, and a person still waiting.
    donor = (
        Donor.objects.filter(sponsorships__state="active")
        .annotate(n=django.db.models.Count("sponsorships"))
        .order_by("-n", "pk")
        .first()
    )
    raw_token = donor.issue_link()
    waiting = needing_sponsor(day).order_by("pk")
    deep_page = max(1, (waiting.count() + 11) // 12 // 2)  # halfway through, 12 a page
    recipient = waiting.first()
    connection.close()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(gunicorn), "bcc_sponsor.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"]
        + ["--log-level", "warning"],
        env={**os.environ, **environment},
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            time.sleep(0.2)
            try:
                if fetch(base + "/bench/floor")[0] == 200:
                    break
            except OSError:
                pass
        else:
            sys.exit("gunicorn did not answer within 20 s")
        staff, private = staff_cookie(base), donor_cookie(base, raw_token)
        pages = [
            ("floor", "/bench/floor", ""),
            ("home", "/en/", ""),
            ("recipients", "/en/recipients/", ""),
            ("recipients deep", f"/en/recipients/?page={deep_page}", ""),
            ("recipient", f"/en/recipients/{recipient.pk}/", ""),
            ("donors", "/en/donors/", ""),
            ("help provided", "/en/help-provided/", ""),
            ("donor private page", "/en/donor/", private),
            ("staff dashboard", "/staff/", staff),
            ("payments admin", "/admin/premiums/premiumpayment/", staff),
        ]
        script = workdir / "report.lua"
        script.write_text(WRK_SCRIPT)
        print(
            f"gunicorn 2 workers on {base}; wrk {args.connections} connections, "
            f"{args.seconds} s a page (after 2 s of warm-up); donor {donor.pk} has {donor.n} "
            f"sponsorships; recipients deep page {deep_page}"
        )
        print()
        header = (
            f"{'page':<20} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
            f"{'ratio':>6} {'errors':>6} {'queries':>7} {'worker RSS MB':>13}"
        )
        print(header)
        print("-" * len(header))
        results = {}
        for label, path, cookie in pages:
            status = fetch(base + path, cookie=cookie)[0]
            if status != 200:
                sys.exit(f"{label}: {path} answered {status}, not 200")
            wrk(base + path, cookie, 2, args.connections, str(script))
            result = results[label] = wrk(
                base + path, cookie, args.seconds, args.connections, str(script)
            )
            ratio = result["rps"] / results["floor"]["rps"]
            queries = count_queries(path, cookie)
            print(
                f"{label:<20} {result['rps']:>8.1f} {result['p50']:>8.1f} {result['p95']:>8.1f} "
                f"{result['p99']:>8.1f} {ratio:>6.2f} {result['errors']:>6} {queries:>7} "
                f"{worker_peak_rss_mb(server.pid):>13.0f}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)

    floor = results["floor"]
    public_min = min(results[label]["rps"] for label in PUBLIC) / floor["rps"]
    private_ratio = results["donor private page"]["p95"] / floor["p95"]
    dashboard_p95 = results["staff dashboard"]["p95"]
    admin_p95 = results["payments admin"]["p95"]
    print()
    # Unrounded, so that a 0.497 printed as 0.50 in the table does not pass for a target met.
    for text, value, met in [
        ("public pages at least 0.5 x the floor's req/s", f"{public_min:.3f}", public_min >= 0.5),
        ("donor's page p95 at most 4 x the floor's", f"{private_ratio:.2f}", private_ratio <= 4),
        ("staff dashboard p95 at most 150 ms", f"{dashboard_p95:.1f} ms", dashboard_p95 <= 150),
        ("payments admin p95 at most 300 ms", f"{admin_p95:.1f} ms", admin_p95 <= 300),
    ]:
        print(f"target {'met' if met else 'MISSED'}: {text}: {value}")
    print(
        f"summary: public_min_ratio={public_min:.2f} "
        f"private_p95_ratio={private_ratio:.1f} "
        f"dashboard_p95_ms={dashboard_p95:.0f} "
        f"admin_p95_ms={admin_p95:.0f}"
    )


if __name__ == "__main__":
    main()
