"""Load test: 50 donors at once pledging and uploading evidence for 60 s, then a database check.

Start the app yourself first (this script starts nothing), against a scratch PostgreSQL
database, with the rate limits off (50 clients share one address):

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bcc_load
    export SECRET_KEY=load-test-only RATELIMIT_ENABLED=false SECURE_SSL_REDIRECT=false
    export BEHIND_HTTPS_PROXY=true SITE_URL=https://127.0.0.1:8000
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py createcachetable
    .venv/bin/python manage.py seed_demo
    .venv/bin/python -m bench.load_pledges --create-recipients 3000   # people to sponsor
    .venv/bin/gunicorn bcc_sponsor.wsgi -w 2 -b 127.0.0.1:8000 &
    .venv/bin/python -m bench.load_pledges http://127.0.0.1:8000 --https-proxy

Each client, in a loop until the time is up: opens a recipient's pledge form (which sets the
CSRF cookie), posts a pledge, reads the private link on the thank-you page, opens it (following
redirects and keeping cookies, so it works whether the link shows the page or exchanges itself
for a donor session), and uploads a small PNG as evidence. A few pledges (--conflicts) go to a
person someone else has just sponsored, to exercise the row lock; those are refused with 409.

Then it reads the database (DATABASE_URL, the one the server uses) and checks that every
pledge the server accepted (302) is there with its payment, and every accepted upload has its
evidence row. Prints, e.g.:

    requests 4100, 2xx/3xx 4080, 4xx 20, 5xx 0, accepted pledges in database 580/580, ...

Only http://127.0.0.1 or localhost: this is not a tool to point at someone else's server.
`--https-proxy` plays the HTTPS proxy of production (X-Forwarded-Proto: https) so the app can
run with DEBUG off and its production cookie and CSRF settings.
"""

import argparse
import http.client
import os
import random
import re
import struct
import sys
import threading
import time
import uuid
import zlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urljoin, urlsplit

ALLOWED_HOSTS = {"127.0.0.1", "localhost", "::1"}
#: Hard limits, whatever the arguments say.
MAX_CLIENTS = 200
MAX_SECONDS = 600
MAX_ROUNDS_PER_CLIENT = 100_000
MAX_REDIRECTS = 5
TIMEOUT = 60

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PRIVATE_LINK = re.compile(r'id="private-link">\s*([^<\s]+)\s*<')
UPLOAD_FORM = re.compile(r'<form[^>]+action="([^"]*/evidence/)"')
FIRST_MONTH = re.compile(r'name="first_month"[^>]*>.*?<option value="(\d{4}-\d{2}-\d{2})"', re.S)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", nargs="?", help="e.g. http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--language", default="en", help="URL prefix (en or id)")
    parser.add_argument(
        "--conflicts", type=float, default=0.05, help="share of pledges for a taken person"
    )
    parser.add_argument(
        "--https-proxy",
        action="store_true",
        help="send X-Forwarded-Proto: https (app run with BEHIND_HTTPS_PROXY=true)",
    )
    parser.add_argument(
        "--create-recipients",
        type=int,
        metavar="N",
        help="only add N eligible recipients to the database (named *load* or *bench*) and stop",
    )
    args = parser.parse_args(argv)
    if args.create_recipients is None and not args.base_url:
        parser.error("give the base URL of the running app")
    return args


# --- the database (the app's own models, through DATABASE_URL) --------------------------------


def setup_django():
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bcc_sponsor.settings")
    # Only the database is used here; the settings want a key all the same.
    os.environ.setdefault("SECRET_KEY", "load-test-database-check-only")
    import django

    django.setup()


def create_recipients(n: int) -> None:
    from django.db import connection

    from recipients.models import Occupation, Recipient, Regency

    name = connection.settings_dict["NAME"]
    if "load" not in str(name) and "bench" not in str(name):
        sys.exit(f"Refusing to add test people to {name!r}: its name must contain load or bench.")
    rng = random.Random(2026)
    Recipient.objects.bulk_create(
        [
            Recipient(
                nickname=f"Load {i}",
                full_name=f"I Made Load {i}",
                occupation=rng.choice(Occupation.values),
                regency=rng.choice(Regency.values),
                story="Load test.",
            )
            for i in range(n)
        ],
        batch_size=1000,
    )
    print(f"added {n} recipients to {name}")


def waiting_recipients() -> list[int]:
    from donations.models import needing_sponsor

    return list(needing_sponsor().order_by("pk").values_list("pk", flat=True))


def check_database(pledges: list[tuple[str, int]], uploads: list[str]) -> tuple[int, int]:
    """How many of the accepted pledges and uploads the database holds."""
    from donations.models import Sponsorship
    from premiums.models import PaymentEvidence

    found = set(
        Sponsorship.objects.filter(
            donor__email__in=[email for email, _ in pledges], payments__isnull=False
        ).values_list("donor__email", "recipient_id")
    )
    pledges_found = sum(1 for pledge in pledges if pledge in found)
    with_evidence = set(
        PaymentEvidence.objects.filter(payment__sponsorship__donor__email__in=uploads).values_list(
            "payment__sponsorship__donor__email", flat=True
        )
    )
    return pledges_found, sum(1 for email in uploads if email in with_evidence)


# --- HTTP -------------------------------------------------------------------------------------


def small_png() -> bytes:
    """A 24 × 24 PNG made with the standard library."""
    width = height = 24
    raw = b"".join(b"\x00" + bytes([200, 120, 30]) * width for _ in range(height))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = Counter()
        self.latencies = []
        self.pledges = []  # (email, recipient id) accepted with a 302
        self.uploads = []  # emails whose upload was accepted
        self.refused_pledges = 0
        self.errors = Counter()

    def record(self, status, seconds):
        with self.lock:
            self.statuses[status] += 1
            self.latencies.append(seconds)


class Browser:
    """One donor's browser: cookies kept, redirects followed, every response counted."""

    def __init__(self, base_url, stats, https_proxy):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.netloc = parts.netloc
        self.stats = stats
        self.https_proxy = https_proxy
        self.cookies = {}

    def request(self, method, path, body=None, content_type=None, follow=True):
        """(status, headers, text) of the last response."""
        for _ in range(MAX_REDIRECTS + 1):
            status, headers, text = self._once(method, path, body, content_type)
            location = headers.get("location")
            if not (follow and status in (301, 302, 303, 307, 308) and location):
                return status, headers, text
            path = urlsplit(urljoin(path, location))._replace(scheme="", netloc="").geturl()
            method, body, content_type = "GET", None, None
        return status, headers, text

    def _once(self, method, path, body, content_type):
        headers = {"Host": self.netloc, "User-Agent": "bcc-load-test"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        if self.https_proxy:
            # What the proxy would add; the CSRF check then wants an HTTPS origin.
            headers["X-Forwarded-Proto"] = "https"
            if method == "POST":
                headers["Origin"] = f"https://{self.netloc}"
                headers["Referer"] = f"https://{self.netloc}{path}"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
        started = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            status = response.status
            for value in response.headers.get_all("Set-Cookie") or []:
                # Secure cookies too: behind the pretend proxy the app marks them Secure.
                for name, morsel in SimpleCookie(value).items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            headers_out = {k.lower(): v for k, v in response.getheaders()}
        finally:
            connection.close()
        self.stats.record(status, time.monotonic() - started)
        return status, headers_out, text


def multipart(fields: dict, file_field: str, filename: str, content: bytes, mime: str):
    boundary = uuid.uuid4().hex
    lines = []
    for name, value in fields.items():
        part = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        lines.append(part.encode())
    lines.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
            f'filename="{filename}"\r\nContent-Type: {mime}\r\n\r\n'
        ).encode()
        + content
        + b"\r\n"
    )
    lines.append(f"--{boundary}--\r\n".encode())
    return b"".join(lines), f"multipart/form-data; boundary={boundary}"


def one_donor(browser, recipient_id, language, stats, png):
    """Pledge for `recipient_id` and upload the evidence; returns nothing, records in stats."""
    form_path = f"/{language}/recipients/{recipient_id}/sponsor/"
    status, _, page = browser.request("GET", form_path)
    token = CSRF_FIELD.search(page)
    month = FIRST_MONTH.search(page)
    if status == 200 and not month:
        # The person was sponsored meanwhile: the page says so and offers others.
        with stats.lock:
            stats.refused_pledges += 1
        return
    if status != 200 or not token:
        with stats.lock:
            stats.errors[f"pledge form answered {status}"] += 1
        return
    email = f"load-{uuid.uuid4().hex[:16]}@example.org"
    fields = {
        "csrfmiddlewaretoken": token.group(1),
        "full_name": "Load Test Donor",
        "display_name": "L.T.",
        "listed_publicly": "on",
        "email": email,
        "phone": "0813 3800 1234",
        "country": "ID",
        "language": language,
        "first_month": month.group(1),
        "years": "1",
        "route": "direct",
    }
    status, headers, _ = browser.request(
        "POST",
        form_path,
        urlencode(fields),
        "application/x-www-form-urlencoded",
        follow=False,
    )
    if status != 302:
        with stats.lock:
            stats.refused_pledges += 1
        return
    with stats.lock:
        stats.pledges.append((email, recipient_id))

    status, _, thanks = browser.request("GET", urlsplit(headers["location"]).path)
    link = PRIVATE_LINK.search(thanks)
    if status != 200 or not link:
        with stats.lock:
            stats.errors["no private link on the thank-you page"] += 1
        return
    status, _, private = browser.request("GET", urlsplit(link.group(1)).path)
    upload = UPLOAD_FORM.search(private)
    token = CSRF_FIELD.search(private)
    if status != 200 or not upload or not token:
        with stats.lock:
            stats.errors["no upload form on the private page"] += 1
        return
    body, content_type = multipart(
        {"csrfmiddlewaretoken": token.group(1)}, "file", "receipt.png", png, "image/png"
    )
    status, headers, _ = browser.request("POST", upload.group(1), body, content_type, follow=False)
    # Accepted: back to the page; refused: back to the payment with a message (#payment-N).
    if status == 302 and "#payment-" not in headers.get("location", ""):
        with stats.lock:
            stats.uploads.append(email)
        browser.request("GET", urlsplit(headers["location"]).path)
    else:
        with stats.lock:
            stats.errors[f"upload answered {status}"] += 1


def run_client(number, args, queue, taken, stats, deadline, png):
    rng = random.Random(number)
    for _ in range(MAX_ROUNDS_PER_CLIENT):
        if time.monotonic() >= deadline:
            return
        browser = Browser(args.base_url, stats, args.https_proxy)  # a new donor each round
        with stats.lock:
            if taken and rng.random() < args.conflicts:
                recipient_id = rng.choice(taken)  # someone else's: must be refused
            elif queue:
                recipient_id = queue.pop()
                taken.append(recipient_id)
            else:
                return  # everyone is sponsored
        try:
            one_donor(browser, recipient_id, args.language, stats, png)
        except Exception as exc:  # a refused connection, a page not as expected: counted
            with stats.lock:
                stats.errors[type(exc).__name__] += 1


def percentile(values, p):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def main(argv=None):
    args = parse_args(argv)
    setup_django()
    if args.create_recipients is not None:
        create_recipients(min(args.create_recipients, 100_000))
        return 0

    parts = urlsplit(args.base_url)
    if parts.scheme != "http" or parts.hostname not in ALLOWED_HOSTS:
        sys.exit("Only http://127.0.0.1:<port> (or localhost): run the app on this machine.")
    clients = max(1, min(args.clients, MAX_CLIENTS))
    seconds = max(1.0, min(args.seconds, MAX_SECONDS))

    queue = waiting_recipients()
    queue.reverse()  # pop() takes the longest-waiting first
    print(f"{len(queue)} recipients waiting; {clients} clients for {seconds:.0f} s")
    stats, taken, png = Stats(), [], small_png()
    started = time.monotonic()
    deadline = started + seconds
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for number in range(clients):
            pool.submit(run_client, number, args, queue, taken, stats, deadline, png)
    elapsed = time.monotonic() - started

    total = sum(stats.statuses.values())
    ok = sum(n for s, n in stats.statuses.items() if 200 <= s < 400)
    client_errors = sum(n for s, n in stats.statuses.items() if 400 <= s < 500)
    server_errors = sum(n for s, n in stats.statuses.items() if s >= 500)
    pledges_found, uploads_found = check_database(stats.pledges, stats.uploads)
    print(
        f"requests {total}, 2xx/3xx {ok}, 4xx {client_errors}, 5xx {server_errors}, "
        f"accepted pledges in database {pledges_found}/{len(stats.pledges)}, "
        f"accepted uploads in database {uploads_found}/{len(stats.uploads)}"
    )
    print(
        f"{elapsed:.1f} s, {total / elapsed:.1f} requests/s; latency p50 "
        f"{percentile(stats.latencies, 0.5) * 1000:.0f} ms, p95 "
        f"{percentile(stats.latencies, 0.95) * 1000:.0f} ms, max "
        f"{max(stats.latencies, default=0) * 1000:.0f} ms"
    )
    print(f"statuses {dict(sorted(stats.statuses.items()))}")
    print(f"pledges refused or not offered (person already sponsored) {stats.refused_pledges}")
    if stats.errors:
        print(f"client-side problems {dict(stats.errors)}")
    lost = len(stats.pledges) - pledges_found + len(stats.uploads) - uploads_found
    return 1 if server_errors or lost else 0


if __name__ == "__main__":
    sys.exit(main())
