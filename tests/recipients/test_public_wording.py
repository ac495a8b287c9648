"""The public recipient pages in the visitor's language, and when nobody is waiting."""

import pytest

from tests.factories import RecipientFactory

pytestmark = pytest.mark.django_db


def test_with_nobody_waiting_it_says_so_and_what_to_do(client):
    body = client.get("/en/recipients/").content.decode()
    assert "Nobody is waiting for a sponsor right now" in body
    assert 'href="/en/help-provided/"' in body and 'href="/en/donors/"' in body
    assert "Nobody matches these filters" not in body


def test_with_filters_that_match_nobody_it_offers_everyone(client):
    RecipientFactory(occupation="farmer")
    body = client.get("/en/recipients/?occupation=fisher").content.decode()
    assert "Nobody matches these filters right now." in body
    assert "Show everyone waiting" in body
    assert "Nobody is waiting for a sponsor" not in body


def test_an_empty_filter_form_is_not_a_filter(client):
    body = client.get("/en/recipients/?occupation=&regency=").content.decode()
    assert "Nobody is waiting for a sponsor right now" in body


@pytest.mark.parametrize(
    "language, shown, hidden",
    [
        ("en", "(Collects plastic for recycling)", "Pemulung"),
        ("id", "(Pemulung: mengumpulkan plastik)", "Collects plastic"),
    ],
)
def test_the_occupation_detail_is_in_the_pages_language(client, language, shown, hidden):
    recipient = RecipientFactory(
        occupation_detail="Collects plastic for recycling",
        occupation_detail_id="Pemulung: mengumpulkan plastik",
    )
    body = client.get(f"/{language}/recipients/{recipient.pk}/").content.decode()
    assert shown in body
    assert hidden not in body


def test_an_untranslated_occupation_detail_is_still_shown(client):
    recipient = RecipientFactory(occupation_detail="Stonemason")
    assert "(Stonemason)" in client.get(f"/id/recipients/{recipient.pk}/").content.decode()
