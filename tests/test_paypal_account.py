"""The PayPal account overseas donors pay to is one of BCC's contact details: coordinators change
it in the admin, and the pages and emails show the new one at once."""

import importlib

import pytest
from django.apps import apps as django_apps

from core.models import ContactDetails
from donations.mail import send_queued
from donations.models import Donor
from tests.factories import RecipientFactory
from tests.helpers import at, client_of, frozen_at, pledge_form
from tests.test_contact import edit

pytestmark = [
    pytest.mark.django_db,
    frozen_at(at(2026, 11, 22, 10, 0)),
    pytest.mark.usefixtures("contact_details", "standard_rate"),
]

OLD, NEW = "donate@balicaringcommunity.org", "treasurer@balicaringcommunity.org"


def paypal_pledge(client, language, email):
    recipient = RecipientFactory()
    form = pledge_form(
        country="AU", route="paypal", phone="+61 412 345 678", language=language, email=email
    )
    response = client.post(f"/{language}/recipients/{recipient.pk}/sponsor/", form, follow=True)
    assert response.redirect_chain[-1][0].endswith("/thanks/")
    return response.content.decode()


def test_it_starts_as_bccs_published_account():
    assert ContactDetails.objects.get().paypal_account == OLD


def test_a_coordinator_changes_it_and_pages_and_emails_show_it_at_once(
    client, coordinator_client, django_capture_on_commit_callbacks, mailoutbox
):
    assert OLD in paypal_pledge(client, "en", "early@example.org")
    early = client_of(Donor.objects.get(email="early@example.org"))
    assert OLD in early.get("/en/donor/").content.decode()  # the contact details now cached
    assert OLD in client.get("/en/contact/").content.decode()  # and the public page

    with django_capture_on_commit_callbacks(execute=True):
        response = edit(coordinator_client, paypal_account=NEW)

    assert response.status_code == 302
    assert ContactDetails.history.first().paypal_account == NEW
    for body in [
        early.get("/en/donor/").content.decode(),
        early.get("/id/donor/").content.decode(),
        client.get("/en/contact/").content.decode(),
        client.get("/id/contact/").content.decode(),
        paypal_pledge(client, "id", "later@example.org"),
    ]:
        assert NEW in body
        assert OLD not in body
    # The emails, the one queued before the change among them, leave with the new account.
    assert send_queued()["sent"] == 2
    assert {m.to[0] for m in mailoutbox} == {"early@example.org", "later@example.org"}
    for message in mailoutbox:
        html = message.alternatives[0][0]
        assert NEW in message.body and NEW in html
        assert OLD not in message.body and OLD not in html


def test_a_volunteer_cannot_change_it(volunteer_client):
    assert edit(volunteer_client, paypal_account=NEW).status_code == 403
    assert ContactDetails.objects.get().paypal_account == OLD


def test_an_account_that_is_no_email_address_is_refused(coordinator_client):
    response = edit(coordinator_client, paypal_account="paypal.me/bcc")

    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert ContactDetails.objects.get().paypal_account == OLD


def migrate_account():
    migration = importlib.import_module("core.migrations.0003_contact_details_paypal_account")
    migration.account_configured_before(django_apps, None)


def test_the_migration_keeps_the_account_a_site_had_configured(monkeypatch):
    monkeypatch.setenv("BCC_PAYPAL_ACCOUNT", "pay@bcc.example")
    migrate_account()
    assert ContactDetails.objects.get().paypal_account == "pay@bcc.example"


def test_without_one_the_migration_keeps_bccs_published_account(monkeypatch):
    monkeypatch.delenv("BCC_PAYPAL_ACCOUNT", raising=False)
    migrate_account()
    assert ContactDetails.objects.get().paypal_account == OLD
