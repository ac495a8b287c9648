"""Where the emails to donors can be read: the staff outbox, and, in development, a note on the
page that mentions an email."""

import pytest

from donations.models import Message
from tests.factories import DonorFactory, MessageFactory, RecipientFactory
from tests.helpers import at, frozen_at, pledge_form

NOW = at(2026, 11, 22, 10, 0)
pytestmark = [pytest.mark.django_db, frozen_at(NOW)]


@pytest.fixture
def pledged(client, standard_rate):
    recipient = RecipientFactory(nickname="Komang")
    response = client.post(
        f"/en/recipients/{recipient.pk}/sponsor/", pledge_form(language="id"), follow=True
    )
    return response


def test_it_shows_a_coordinator_the_emails_as_the_donor_reads_them(pledged, coordinator_client):
    message = Message.objects.get(kind="pledge_received")

    body = coordinator_client.get("/staff/outbox/").content.decode()

    assert "ayu@example.org" in body
    assert "Queued" in body  # its status, in the staff member's language
    assert "Terima kasih telah mensponsori Komang: mohon bayar Rp 201.600" in body  # Indonesian
    assert "[private link]" in body  # no real link is issued for the outbox
    assert message.donor.access_tokens.count() == 1  # the pledge's own, no other
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED  # looking sends nothing


def test_it_renders_each_email_in_its_donors_language(coordinator_client):
    MessageFactory(donor=DonorFactory(language="id"), kind="link")
    MessageFactory(donor=DonorFactory(language="en"), kind="link")

    body = coordinator_client.get("/staff/outbox/").content.decode()

    assert "Tautan ke halaman BCC Sponsor Anda" in body
    assert "Your link to your BCC Sponsor page" in body


def test_it_is_for_coordinators_only(client, volunteer_client, pledged):
    assert volunteer_client.get("/staff/outbox/").status_code == 403
    anonymous = client.get("/staff/outbox/")
    assert anonymous.status_code == 302
    assert "ayu@example.org" not in anonymous.content.decode()


def test_in_development_the_thank_you_page_says_where_the_email_is(client, settings, standard_rate):
    settings.DEBUG = True
    recipient = RecipientFactory()

    body = client.post(
        f"/en/recipients/{recipient.pk}/sponsor/", pledge_form(), follow=True
    ).content.decode()

    assert 'href="/staff/outbox/"' in body
    assert "DEBUG=true .venv/bin/python manage.py send_messages" in body


def test_in_production_it_says_nothing_of_the_kind(pledged):
    assert "/staff/outbox/" not in pledged.content.decode()


def test_the_dashboard_links_it_for_coordinators(coordinator_client):
    body = coordinator_client.get("/staff/").content.decode()

    assert '<a id="outbox-link" href="/staff/outbox/">Emails to donors</a>' in body
    assert coordinator_client.get("/staff/outbox/").status_code == 200


def test_a_volunteer_sees_no_link_that_would_answer_403(volunteer_client):
    body = volunteer_client.get("/staff/").content.decode()

    assert "Staff dashboard" in body
    assert "/staff/outbox/" not in body
    assert "Emails to donors" not in body
