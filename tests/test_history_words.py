"""The history in words: choice labels, Rupiah, and who made each change, staff or not
("system (lapse_sponsorships)", "the donor", "system"), in both languages."""

import datetime as dt
import io
import re

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from donations.models import Sponsorship
from recipients.models import Recipient
from tests.factories import PremiumPaymentFactory, RecipientFactory
from tests.helpers import admin_url, at, pledge_form
from tests.test_history import recipient_form

pytestmark = pytest.mark.django_db


def history_rows(client, obj, language="en") -> list[str]:
    """The history table's rows as visible text, newest first."""
    url = admin_url(type(obj), "history", obj.pk)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    start = page.index('id="change-history"')
    table = page[start : page.index("</table>", start)]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    return [
        " ".join(re.sub(r"<[^>]+>|&nbsp;", " ", row).replace("&rarr;", "→").split()) for row in rows
    ]


def test_it_shows_choices_by_their_labels_and_the_staff_member(admin_client):
    recipient = RecipientFactory(occupation="construction_worker")
    admin_client.post(
        admin_url(Recipient, "change", recipient.pk), recipient_form(recipient, occupation="fisher")
    )
    [changed, created] = history_rows(admin_client, recipient, "id")
    assert "Pekerjaan: Pekerja bangunan → Nelayan" in changed
    assert "admin" in changed
    assert "construction_worker" not in changed


def test_its_headings_are_indonesian(admin_client):
    recipient = RecipientFactory()
    page = admin_client.get(
        admin_url(Recipient, "history", recipient.pk), HTTP_ACCEPT_LANGUAGE="id"
    ).content.decode()
    assert '<th scope="col">Perubahan</th>' in page
    assert "Changes" not in page
    assert "None" not in page


def test_it_shows_rupiah_grouped(admin_client):
    payment = PremiumPaymentFactory(amount=201_600)
    payment.rupiah_received = 1_234_567
    payment.save()
    [changed, _] = history_rows(admin_client, payment)
    assert "Rp 201.600" not in changed  # unchanged fields are not listed
    assert "— → Rp 1.234.567" in changed


def test_a_row_without_user_or_command_says_system(admin_client):
    recipient = RecipientFactory()
    [created] = history_rows(admin_client, recipient)
    assert "Created system" in created
    [created] = history_rows(admin_client, recipient, "id")
    assert "Dibuat sistem" in created


def test_a_command_is_named_as_the_one_who_changed(admin_client, paid_through_august):
    with time_machine.travel(at(2026, 12, 1, 9, 0), tick=False):
        call_command("lapse_sponsorships", stdout=io.StringIO())
    sponsorship = Sponsorship.objects.get(pk=paid_through_august.pk)
    assert sponsorship.state == Sponsorship.State.LAPSED
    newest = history_rows(admin_client, sponsorship)[0]
    assert "system (lapse_sponsorships)" in newest
    assert "lapse_sponsorships:" not in newest  # the reason without the marker


def test_a_decorated_command_names_itself_for_each_save(admin_client):
    from core.history import recorded_as_command

    class Command:
        __module__ = "donations.management.commands.send_reminders"

        @recorded_as_command
        def handle(self):
            return RecipientFactory()

    recipient = Command().handle()
    [created] = history_rows(admin_client, recipient)
    assert "system (send_reminders)" in created
    recipient.save()  # outside the command: no name
    assert "system (send_reminders)" not in history_rows(admin_client, recipient)[0]


def test_a_donors_pledge_says_the_donor(admin_client, standard_rate):
    recipient = RecipientFactory()
    with time_machine.travel(at(2026, 11, 22, 10, 0), tick=False):
        response = Client().post(
            f"/en/recipients/{recipient.pk}/sponsor/", pledge_form(first_month="2026-12-01")
        )
    assert response.status_code == 302
    sponsorship = Sponsorship.objects.get(recipient=recipient)
    assert "the donor" in history_rows(admin_client, sponsorship)[0]
    assert "donatur" in history_rows(admin_client, sponsorship, "id")[0]


def test_it_writes_dates_times_and_yes_or_no_as_the_admin_does(admin_client):
    recipient = RecipientFactory(photo_consent=False)
    recipient.photo_consent = True
    recipient.deceased_on = dt.date(2026, 3, 5)
    recipient.status = Recipient.Status.DECEASED
    recipient.save()
    changed = history_rows(admin_client, recipient, "id")[0]
    assert "Tidak → Ya" in changed
    assert "— → 5 Maret 2026" in changed
    payment = PremiumPaymentFactory()
    payment.verified_at = dt.datetime(2026, 3, 5, 2, 30, tzinfo=dt.UTC)
    payment.save()
    changed = history_rows(admin_client, payment, "id")[0]
    assert "— → 5 Maret 2026, 10.30" in changed  # 10:30 WITA
    assert "+00:00" not in changed
