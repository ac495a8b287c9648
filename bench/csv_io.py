"""Time the admin's CSV export of premium payments and its CSV import, and measure the export's
memory at two sizes.

    .venv/bin/python -m bench.csv_io [--payments 100000] [--import-rows 10000]

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/bcc_bench_io (its own database: the
name must contain "bench", as it is EMPTIED). Creates the database if it is missing, migrates
it, empties it and bulk-loads the data of `bench.web` scaled to --payments (at 100,000: 5,000
recipients, 20,000 donors, 30,000 sponsorships, 100,000 payments each with an evidence row),
plus the sponsorships, without payments, that the import file pays for.

Each measurement then runs in a fresh process, as a superuser through the test client, with
production settings (DEBUG off; HTTPS, 2FA and rate limits off; the cache in Redis db 6):

- export: the payments admin's export (POST to /admin/premiums/premiumpayment/export/, every
  column of "Payments, for the accounts"), of a tenth of the payments (`?id__lte=`) and of all
  of them. The streamed response is read chunk by chunk and thrown away; rows, bytes, seconds,
  the RSS high-water mark's growth (VmHWM, reset before the request) and, in a second run, the
  peak of Python's allocations (tracemalloc, which slows the run: its time is not shown).
- import: a file of --import-rows payments as BCC's records give them (donor by email,
  recipient by NIK, a verified year then a pending one per sponsorship), through the admin's
  two steps: the upload with its dry run and preview, then the confirmation that writes.

Prints a table with the targets; nothing is asserted.
"""

import argparse
import datetime as dt
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bcc_bench_io"
EXPORT_TARGET_MB = 150
IMPORT_TARGET_SECONDS = 60
IMPORT_FIRST_MONTH = "2025-01"
PRICE = 12 * 16_800  # a year at the rate the load creates (bench.web)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=int, default=100_000, help="payments to load")
    parser.add_argument("--import-rows", type=int, default=10_000, help="rows of the import file")
    parser.add_argument("--seed", type=int, default=2026)
    # Internal: one measurement, in a process of its own.
    parser.add_argument("--child", choices=["export", "import"], help=argparse.SUPPRESS)
    parser.add_argument("--id-lte", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def environment() -> None:
    """Production settings minus HTTPS, 2FA and rate limits (as bench.web's server). The cache
    (where an upload waits for its confirmation, and the data versions that saves bump) is
    Redis, as in production, in a database of its own: db 6 (bench.web's is 5)."""
    for key, value in {
        "DATABASE_URL": DEFAULT_URL,
        "DJANGO_SETTINGS_MODULE": "bcc_sponsor.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-not-a-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "STATICFILES_MANIFEST": "false",
        "RATELIMIT_ENABLED": "false",
        "STAFF_2FA_REQUIRED": "false",
        "LOG_LEVEL": "WARNING",
        "EMAIL_URL": "consolemail://",
        "CACHE_URL": "redis://127.0.0.1:6379/6",
    }.items():
        os.environ.setdefault(key, value)


# --- memory -----------------------------------------------------------------------------------


def status_kb(key: str) -> int:
    with open("/proc/self/status") as status:
        return int(re.search(rf"^{key}:\s+(\d+) kB", status.read(), re.MULTILINE).group(1))


def reset_high_water_mark() -> None:
    """VmHWM back to the current RSS (Linux 4.0+), so that what follows sets its own peak."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        pass  # then the growth shown is at most the real one


class Measure:
    """Seconds, queries, RSS high-water growth and (with trace) tracemalloc peak of a block."""

    def __init__(self, trace=False):
        self.trace = trace

    def __enter__(self):
        import gc
        import tracemalloc

        from django.db import connection

        self.queries = 0

        def count(execute, sql, params, many, context):
            self.queries += 1
            return execute(sql, params, many, context)

        self._wrapper = connection.execute_wrapper(count)
        self._wrapper.__enter__()
        gc.collect()
        reset_high_water_mark()
        self.rss_before = status_kb("VmRSS")
        if self.trace:
            tracemalloc.start()
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        import tracemalloc

        self.seconds = time.perf_counter() - self.start
        self.traced_mb = None
        if self.trace:
            self.traced_mb = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        self.rss_growth_mb = (status_kb("VmHWM") - self.rss_before) / 1024
        self.peak_rss_mb = status_kb("VmHWM") / 1024
        self._wrapper.__exit__(*exc)


# --- the measurements, each in a fresh process ----------------------------------------------


def staff_client():
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench.web import STAFF_USER

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=STAFF_USER))
    return client


def export_child(args) -> dict:
    """One export through the admin; the response is read chunk by chunk and not kept."""
    from django.contrib import admin
    from django.urls import reverse

    from premiums.models import PremiumPayment

    client = staff_client()
    model_admin = admin.site._registry[PremiumPayment]
    url = reverse("admin:premiums_premiumpayment_export")
    form = model_admin.get_export_form_class()(
        model_admin.get_export_formats(), model_admin.get_export_resource_classes(None)
    )
    data = {"format": "0", "resource": "0"}
    data.update(
        {name: "on" for name, f in form.fields.items() if getattr(f, "resource_index", None) == 0}
    )

    def export(query):
        response = client.post(f"{url}?{query}", data)
        assert response.status_code == 200, response.status_code
        rows = size = chunks = 0
        for chunk in response.streaming_content if response.streaming else [response.content]:
            chunks += 1
            size += len(chunk)
            rows += chunk.count(b"\n")
        response.close()
        return response.streaming, rows - 1, size, chunks

    export("id__lte=0")  # warm-up: code, templates and translations loaded, an empty file
    with Measure(trace=args.trace) as m:
        streaming, rows, size, chunks = export(f"id__lte={args.id_lte}")
    return {
        "rows": rows,
        "bytes": size,
        "chunks": chunks,
        "streaming": streaming,
        "seconds": m.seconds,
        "queries": m.queries,
        "traced_mb": m.traced_mb,
        "rss_growth_mb": m.rss_growth_mb,
        "peak_rss_mb": m.peak_rss_mb,
    }


def import_child(args) -> dict:
    """The admin's two steps: upload (dry run and preview), then confirm (the rows written)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from premiums.models import PremiumPayment

    client = staff_client()
    content = Path(args.file).read_bytes()
    before = PremiumPayment.objects.count()
    assert client.get(reverse("admin:premiums_premiumpayment_import")).status_code == 200
    result = {"rows": content.count(b"\n") - 1}
    with Measure() as preview:
        upload = SimpleUploadedFile("payments.csv", content, content_type="text/csv")
        response = client.post(
            reverse("admin:premiums_premiumpayment_import"),
            {"import_file": upload, "format": "0", "resource": "0"},
        )
        page = response.content.decode()
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    result["preview"] = vars_of(preview)
    result["preview_status"] = response.status_code
    if "import_file_name" not in hidden:
        # Refused: the preview shows errors and offers no confirmation. Which ones (dry run):
        import tablib

        from premiums.resources import PaymentImportResource

        dataset = tablib.Dataset().load(content.decode("utf-8-sig"), format="csv")
        refused = PaymentImportResource().import_data(dataset, dry_run=True)
        invalid, failed = refused.invalid_rows, refused.row_errors()
        result["error_count"] = len(invalid) + len(failed)
        result["errors"] = [f"row {row.number}: {row.error_dict}" for row in invalid[:3]]
        result["errors"] += [f"row {n}: {errors[0].error!r}" for n, errors in failed[:3]]
        return result
    data = {k: hidden.get(k, "") for k in ("import_file_name", "original_file_name", "format")}
    data["resource"] = hidden.get("resource", "")
    with Measure() as confirm:
        response = client.post(reverse("admin:premiums_premiumpayment_process_import"), data)
    result["confirm"] = vars_of(confirm)
    result["confirm_status"] = response.status_code
    result["created"] = PremiumPayment.objects.count() - before
    return result


def vars_of(m: Measure) -> dict:
    return {k: getattr(m, k) for k in ("seconds", "queries", "rss_growth_mb", "peak_rss_mb")}


def run_child(*options) -> dict:
    command = [sys.executable, "-m", "bench.csv_io", "--child", *map(str, options)]
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ)
    if done.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the data ---------------------------------------------------------------------------------


def load_import_sponsorships(rows: int, day, rng: random.Random) -> Path:
    """Sponsorships without payments, and the import file that pays for them: for each, a
    verified year and then a pending one, naming the donor by email and the recipient by NIK."""
    from bench.commands import BATCH
    from bench.data import sponsorship_row
    from donations import standing
    from donations.models import Donor, Sponsorship
    from recipients.models import Occupation, Recipient, Regency

    count = (rows + 1) // 2
    first = dt_month(IMPORT_FIRST_MONTH)
    recipients = Recipient.objects.bulk_create(
        [
            Recipient(
                nickname=f"Made {i}",
                full_name=f"Ni Made Import {i}",
                occupation=rng.choice(Occupation.values),
                regency=rng.choice(Regency.values),
                story="Bench data.",
                waiting_since=day.replace(year=day.year - 2),
                nik=f"5108{i:012d}",
                kk=f"5108{i:012d}",
                sex=rng.choice("MF"),
            )
            for i in range(count)
        ],
        batch_size=BATCH,
    )
    donors = Donor.objects.bulk_create(
        [
            Donor(
                full_name=f"Importer Bench {i}",
                display_name=f"I.B. {i}",
                email=f"import{i}@bench.example.org",
                country="ID",
                language="id",
            )
            for i in range(count)
        ],
        batch_size=BATCH,
    )
    never_paid = {
        "state": "pledged",
        "months_pledged": 24,
        "lapses_on": standing.lapse_date(first, None),
    }
    sponsorships = [
        sponsorship_row(donor, recipient, first, **never_paid)
        for donor, recipient in zip(donors, recipients, strict=True)
    ]
    Sponsorship.objects.bulk_create(sponsorships, batch_size=BATCH)
    Sponsorship.history.bulk_history_create(sponsorships, batch_size=BATCH)

    lines = ["donor,recipient,first_month,months,amount,status,verified_at"]
    for i in range(rows):
        donor, recipient = donors[i // 2], recipients[i // 2]
        if i % 2 == 0:
            cells = [IMPORT_FIRST_MONTH, "12", "Rp 201.600", "verified", "2025-01-20 09:30"]
        else:
            cells = ["2026-01", "12", str(PRICE), "pending", ""]
        lines.append(",".join([donor.email, recipient.nik, *cells]))
    path = Path(tempfile.mkdtemp(prefix="bcc_bench_io_")) / "payments.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def dt_month(text: str) -> dt.date:
    return dt.date.fromisoformat(f"{text}-01")


def main(argv=None):
    args = parse_args(argv)
    environment()
    if args.child:
        import django

        django.setup()
        result = export_child(args) if args.child == "export" else import_child(args)
        print(json.dumps(result))
        return

    from bench.commands import ensure_database

    name = ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from bench.commands import load
    from bench.web import SIZES, load_payments_and_handovers
    from premiums.models import PremiumPayment

    day = timezone.localdate()
    rng = random.Random(args.seed)
    scale = args.payments / 100_000
    sizes = {key: max(1, int(value * scale)) for key, value in SIZES.items()}

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    load(sizes["sponsorships"], day, rng, sizes["recipients"], sizes["donors"])
    counts = load_payments_and_handovers(scale, day, rng)
    csv_file = load_import_sponsorships(args.import_rows, day, rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would have, on a real database
    payments = PremiumPayment.objects.order_by("pk").values_list("pk", flat=True)
    total = payments.count()
    small = max(1, total // 10)
    small_pk, last_pk = payments[small - 1], payments[total - 1]
    version = getattr(connection, "pg_version", "")
    connection.close()
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load average "
        + " ".join(f"{load:.2f}" for load in os.getloadavg())
        + f" on {os.cpu_count()} CPUs; database {name} ({connection.vendor} {version})"
    )
    print(
        f"loaded in {time.perf_counter() - start:.1f} s: {sizes['recipients']:,} recipients, "
        f"{sizes['donors']:,} donors, {sizes['sponsorships']:,} sponsorships, "
        f"{counts['payments']:,} payments with evidence; for the import, "
        f"{(args.import_rows + 1) // 2:,} sponsorships without payments"
    )

    table = []
    for limit in (small_pk, last_pk):
        timed = run_child("export", "--id-lte", limit)
        traced = run_child("export", "--id-lte", limit, "--trace")
        print(
            f"export of {timed['rows']:,} rows: {timed['bytes'] / 2**20:.1f} MB of CSV in "
            f"{timed['chunks']:,} chunks, "
            + ("streamed" if timed["streaming"] else "NOT streamed (built whole)")
        )
        peak = timed["peak_rss_mb"]
        verdict = "met" if peak < EXPORT_TARGET_MB else "MISSED"
        table.append(
            (
                "export (admin, streamed)",
                timed["rows"],
                timed["seconds"],
                timed["queries"],
                traced["traced_mb"],
                timed["rss_growth_mb"],
                peak,
                f"RSS peak < {EXPORT_TARGET_MB} MB: {verdict}",
            )
        )
    imported = run_child("import", "--file", csv_file)
    shutil.rmtree(csv_file.parent)
    rows, p = imported["rows"], imported["preview"]
    table.append(
        (
            "import: upload, dry run, preview",
            rows,
            p["seconds"],
            p["queries"],
            None,
            p["rss_growth_mb"],
            p["peak_rss_mb"],
            "",
        )
    )
    if "confirm" in imported:
        c = imported["confirm"]
        seconds = p["seconds"] + c["seconds"]
        verdict = "met" if seconds < IMPORT_TARGET_SECONDS else "MISSED"
        table += [
            (
                "import: confirm (writes)",
                rows,
                c["seconds"],
                c["queries"],
                None,
                c["rss_growth_mb"],
                c["peak_rss_mb"],
                "",
            ),
            (
                "import: both steps",
                rows,
                seconds,
                p["queries"] + c["queries"],
                None,
                None,
                None,
                f"< {IMPORT_TARGET_SECONDS} s: {verdict}",
            ),
        ]
        print(
            f"import: {imported['created']:,} payments created, no errors (preview HTTP "
            f"{imported['preview_status']}, confirm HTTP {imported['confirm_status']})"
        )
    else:
        print(
            f"import REFUSED: {imported['error_count']} rows with errors, e.g. "
            + " | ".join(imported["errors"])
        )

    def mb(value):
        return "-" if value is None else f"{value:.1f}"

    print()
    print(
        f"{'what':<33} {'rows':>7} {'seconds':>8} {'queries':>8} {'traced MB':>9} "
        f"{'RSS +MB':>7} {'RSS MB':>6}  target"
    )
    print(f"{'-' * 33} {'-' * 7} {'-' * 8} {'-' * 8} {'-' * 9} {'-' * 7} {'-' * 6}  {'-' * 24}")
    for what, n, seconds, queries, traced_mb, growth_mb, peak_mb, target in table:
        print(
            f"{what:<33} {n:>7,} {seconds:>8.2f} {queries:>8,} {mb(traced_mb):>9} "
            f"{mb(growth_mb):>7} {mb(peak_mb):>6}  {target}"
        )


if __name__ == "__main__":
    main()
