"""The mail server fails: no message is lost, none is sent twice, nothing hangs.

Real SMTP peers on the loopback, spoken to by Django's SMTP backend: one that accepts the
connection and never says a word, one that refuses service, and a working sink that records
what it receives. send_messages runs against each in turn, as cron would.
"""

import datetime as dt
import io
import socket
import socketserver
import threading
import time
from email import message_from_bytes

import pytest
import time_machine
from django.core.management import call_command

from donations.models import Message
from tests.factories import MessageFactory
from tests.helpers import WITA

NOW = dt.datetime(2026, 11, 20, 9, tzinfo=WITA)


class _Sink(socketserver.StreamRequestHandler):
    """Just enough SMTP to take a mail: greeting, EHLO/HELO, MAIL, RCPT, DATA, QUIT."""

    def handle(self):
        self.wfile.write(b"220 sink ready\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                self.server.received.append(data)
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            elif verb == b"EHLO":
                self.wfile.write(b"250 sink\r\n")
            else:
                self.wfile.write(b"250 ok\r\n")


class _Refuse(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"554 5.3.2 service not available\r\n")


def _serve(handler):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def smtp(settings):
    """Point Django's SMTP backend at a port; returns a function that sets the port."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 1

    def use(port):
        settings.EMAIL_PORT = port

    return use


@pytest.fixture
def messages(db):
    with time_machine.travel(NOW, tick=False):
        return [MessageFactory(kind=Message.Kind.LINK) for _ in range(3)]


def _run_at(moment):
    with time_machine.travel(moment, tick=False):
        call_command("send_messages", stdout=io.StringIO())


def test_a_silent_server_times_out_and_loses_nothing(smtp, messages):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # the kernel accepts; nobody ever answers
    smtp(silent.getsockname()[1])
    started = time.monotonic()
    try:
        _run_at(NOW)
    finally:
        silent.close()
    # Three messages, each given up on after EMAIL_TIMEOUT (1 s): the run ends, locks freed.
    assert time.monotonic() - started < 10
    rows = list(Message.objects.order_by("pk"))
    assert [m.status for m in rows] == ["queued"] * 3
    assert [m.attempts for m in rows] == [1, 1, 1]
    assert all("timed out" in m.last_error.lower() for m in rows)


def test_a_refusing_server_then_a_working_one_delivers_each_once(smtp, messages):
    refusing = _serve(_Refuse)
    smtp(refusing.server_address[1])
    _run_at(NOW)
    refusing.shutdown()
    assert Message.objects.filter(status="queued", attempts=1).count() == 3

    sink = _serve(_Sink)
    smtp(sink.server_address[1])
    _run_at(NOW + dt.timedelta(minutes=1))  # too early: the back-off is two minutes
    assert sink.received == []
    _run_at(NOW + dt.timedelta(minutes=3))
    _run_at(NOW + dt.timedelta(minutes=10))  # a second run finds nothing left to send
    sink.shutdown()

    assert Message.objects.filter(status="sent").count() == 3
    ids = sorted(message_from_bytes(mail)["Message-ID"] for mail in sink.received)
    assert ids == sorted(m.message_id() for m in Message.objects.all())  # each once
