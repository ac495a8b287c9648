"""The demo's past emails count as sent: a developer's first send_messages sends none of them,
only what they do themselves."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from donations.models import Message
from program.demo import seed

NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("Asia/Makassar"))


@pytest.mark.django_db
def test_it_marks_the_demos_messages_sent_when_they_were_written():
    with time_machine.travel(NOW, tick=False):
        seed()
        out = io.StringIO()
        call_command("send_messages", stdout=out)

    # Those of the demo walk, the claim paid to Rentin's family among them.
    assert Message.objects.count() == 29
    assert not Message.objects.exclude(status=Message.Status.SENT).exists()
    assert all(m.sent_at == m.created_at for m in Message.objects.all())
    assert out.getvalue() == "sent 0, retry later 0, failed 0\n"
    assert mail.outbox == []
