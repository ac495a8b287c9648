"""The admin's header: a way back to the staff dashboard, and a language switch on every page."""

import pytest
from django.test import Client
from django.urls import reverse

from recipients.models import CardHandover, Recipient
from tests.helpers import admin_url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [reverse("admin:index"), admin_url(Recipient, "changelist"), admin_url(CardHandover, "add")],
)
def test_it_links_every_admin_page_to_the_dashboard(volunteer_client, url):
    page = volunteer_client.get(url).content.decode()
    assert f'<a id="staff-dashboard-nav" href="{reverse("staff_dashboard")}">' in page
    assert f'action="{reverse("set_language")}"' in page


def test_the_switch_puts_the_admin_in_indonesian_and_back(volunteer_client):
    url = admin_url(Recipient, "changelist")
    response = volunteer_client.post(reverse("set_language"), {"language": "id", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    page = volunteer_client.get(url).content.decode()
    assert '<html lang="id"' in page
    assert "Penerima" in page
    assert '<button type="submit" name="language" value="id" lang="id" aria-current="true"' in page
    volunteer_client.post(reverse("set_language"), {"language": "en", "next": url})
    assert '<html lang="en"' in volunteer_client.get(url).content.decode()


def test_the_login_page_has_the_switch_but_no_dashboard_link():
    page = Client().get(reverse("admin:login")).content.decode()
    assert 'id="admin-language-switch"' in page
    assert "staff-dashboard-nav" not in page
