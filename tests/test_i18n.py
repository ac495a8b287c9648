import pytest

pytestmark = pytest.mark.django_db


def test_it_redirects_a_printed_address_to_the_visitors_language(client):
    response = client.get("/recipients/", HTTP_ACCEPT_LANGUAGE="id")
    assert response.status_code == 302
    assert response["Location"] == "/id/recipients/"
    response = client.get("/recipients/", HTTP_ACCEPT_LANGUAGE="en-AU")
    assert response["Location"] == "/en/recipients/"


def test_it_shows_the_admin_in_indonesian_to_an_indonesian_browser(admin_client):
    body = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Administrasi" in body or "Situs administrasi" in body
    body = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Site administration" in body


def test_the_language_switch_links_to_the_same_page(client):
    body = client.get("/en/recipients/?occupation=fisher").content.decode()
    assert 'href="/id/recipients/?occupation=fisher"' in body
    body = client.get("/id/recipients/").content.decode()
    assert 'href="/en/recipients/"' in body
