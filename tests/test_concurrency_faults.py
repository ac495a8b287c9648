"""Real concurrency and real connection faults on PostgreSQL.

- the nightly lapse command run twice at once, in two processes, while donors pledge for the very
  people whose sponsorships are lapsing (the deadlock the program's lock order prevents);
- twenty "send me my link" posts for one email at the same moment;
- a database connection killed under the app (pg_terminate_backend, as a restart does).

SQLite lets one writer in at a time and has no backends to kill: these run on PostgreSQL only.
"""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from django.db import close_old_connections, connection, connections
from django.test import Client
from django.utils import timezone

from core.months import add_months
from donations import standing
from donations.models import Donor, Message, Sponsorship
from premiums import services
from premiums.models import PremiumPayment
from tests.factories import DonorFactory, PremiumRateFactory, RecipientFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL's row locks and backends"
    ),
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parent.parent
LAPSING = 600  # sponsorships whose lapse day has come
PLEDGES = 30  # donors pledging for some of those people meanwhile


def _in_threads(work, count):
    errors = []

    def run(i):
        try:
            work(i)
        except Exception as exc:  # collected, so the test shows every failure
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def _lapse_command():
    """`manage.py lapse_sponsorships` in a process of its own, on the test database."""
    settings = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bcc_sponsor.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/"
        f"{settings['NAME']}",
        "CACHE_URL": "locmemcache://",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "lapse_sponsorships"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_lapse_commands_and_pledges_at_once_lose_and_double_nothing():
    PremiumRateFactory()
    today = timezone.localdate()
    lapse_day = today.replace(day=1)  # paid through four months ago: lapsed from the 1st
    covered = add_months(lapse_day, -4)
    first = add_months(covered, -11)
    donor = DonorFactory()
    recipients = RecipientFactory.create_batch(LAPSING)
    Sponsorship.objects.bulk_create(
        Sponsorship(
            donor=donor,
            recipient=recipient,
            first_month=first,
            months_pledged=12,
            route="direct",
            state="active",
            covered_through=covered,
            lapses_on=standing.lapse_date(first, covered),
        )
        for recipient in recipients
    )
    assert Sponsorship.objects.lapsed_unrecorded_on(today).count() == LAPSING
    next_month = add_months(lapse_day, 1)
    wanted = recipients[::20][:PLEDGES]

    commands = [_lapse_command(), _lapse_command()]

    def pledge(i):
        # Spread over three seconds, so that pledges land before, during and after the
        # commands' batches (a command takes about a second to start).
        time.sleep(0.1 * i)
        services.create_pledge(
            recipient_id=wanted[i].pk,
            donor=Donor(full_name=f"Donor {i}", email=f"donor{i}@example.org", country="ID"),
            first_month=next_month,
            months=12,
            route="direct",
        )

    errors = _in_threads(pledge, len(wanted))
    outputs = [command.communicate(timeout=180) for command in commands]

    assert errors == []
    for command, (_out, err) in zip(commands, outputs, strict=True):
        assert command.returncode == 0, err
        assert "deadlock" not in err.lower()
    old = Sponsorship.objects.filter(donor=donor)
    assert old.filter(state="lapsed").count() == LAPSING  # every lapse recorded
    assert Message.objects.filter(kind="lapsed").count() == LAPSING  # each donor told once
    new = Sponsorship.objects.exclude(donor=donor)
    assert new.count() == len(wanted)  # every pledge went through
    assert set(new.values_list("recipient_id", flat=True)) == {r.pk for r in wanted}
    assert PremiumPayment.objects.count() == len(wanted)


def test_twenty_link_requests_at_once_queue_one_email(settings):
    settings.RATELIMIT_ENABLED = False
    donor = DonorFactory(email="ayu@example.org")
    statuses = []

    def ask(_i):
        statuses.append(Client().post("/en/donor/link/", {"email": "Ayu@Example.org"}).status_code)

    assert _in_threads(ask, 20) == []
    assert statuses == [200] * 20
    assert Message.objects.filter(donor=donor, kind="link").count() == 1


def test_a_killed_database_connection_is_replaced_before_a_request_uses_it(client):
    connection.settings_dict["CONN_MAX_AGE"] = 60
    connection.settings_dict["CONN_HEALTH_CHECKS"] = True
    try:
        connection.ensure_connection()
        victim = connection.connection.info.backend_pid
        settings = connection.settings_dict
        with psycopg.connect(
            host=settings["HOST"], port=settings["PORT"], user=settings["USER"], dbname="postgres"
        ) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [victim])
        # What Django does at the start of every request (request_started): with health
        # checks on, the dead connection is found and replaced before any query uses it.
        close_old_connections()
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.content.startswith(b"ok\ndatabase: ok")
        assert connection.connection.info.backend_pid != victim
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = 0
        connection.close()
