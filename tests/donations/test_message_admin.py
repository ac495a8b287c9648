"""The message log shows each email as the donor reads it: subject and text, rendered by the
code that sends them, in the donor's language, escaped, read-only."""

import pytest
from django.core import mail

from donations.mail import render_message, send_queued
from donations.models import Message
from tests.factories import DonorFactory, MessageFactory, SponsorshipFactory
from tests.helpers import admin_url

pytestmark = pytest.mark.django_db


def rejected(language, reason="The photo is <b>too dark</b> & blurred"):
    sponsorship = SponsorshipFactory(
        donor=DonorFactory(language=language), recipient__nickname="Made"
    )
    return MessageFactory(
        donor=sponsorship.donor,
        sponsorship=sponsorship,
        kind=Message.Kind.EVIDENCE_REJECTED,
        context={"reason": reason},
    )


def test_it_shows_the_email_in_the_donors_language(coordinator_client):
    message = rejected("id")
    page = coordinator_client.get(admin_url(Message, "change", message.pk)).content.decode()
    subject, text, _ = render_message(message, "x")
    assert "<strong>Bukti pembayaran Anda untuk Made tidak dapat diterima</strong>" in page
    assert subject == "Bukti pembayaran Anda untuk Made tidak dapat diterima"
    assert text.splitlines()[0] in page
    # The staff's words escaped, never markup of the admin page.
    assert "<b>too dark</b>" not in page
    assert "&lt;b&gt;too dark&lt;/b&gt; &amp; blurred" in page


def test_it_is_what_the_sending_sends(staff_client):
    message = rejected("en", reason="Blurred")
    page = staff_client.get(admin_url(Message, "change", message.pk)).content.decode()
    send_queued()
    [email] = mail.outbox
    assert f"<strong>{email.subject}</strong>" in page
    # The body as sent, but for the private link, which is made only when sending.
    body = email.body.split("http://")[0]  # up to the private link
    assert f'<pre class="rendered-email">{body}' in page.replace("&#x27;", "'")


def test_it_is_read_only_and_needs_no_link(staff_client):
    message = rejected("en")
    page = staff_client.get(admin_url(Message, "change", message.pk)).content.decode()
    assert 'name="rendered_email"' not in page
    assert message.donor.access_tokens.count() == 0


def test_a_message_that_no_longer_renders_says_so(staff_client, monkeypatch):
    message = rejected("en")

    def broken(*args):
        raise ValueError("gone")

    monkeypatch.setattr("donations.admin.render_message", broken)
    response = staff_client.get(admin_url(Message, "change", message.pk))
    assert response.status_code == 200
    assert "This email cannot be shown" in response.content.decode()
