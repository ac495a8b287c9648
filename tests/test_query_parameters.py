"""Public query parameters are read through form fields: hostile values get a page, not a 500.

PostgreSQL refuses a NUL byte in text; these run on both databases, and the fuzz test sends
what a scanner would to every public list that reads parameters.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import PremiumRateFactory

PUBLIC_LISTS = ["/en/donors/", "/en/recipients/", "/en/help-provided/", "/id/donors/"]
PARAMETERS = ["q", "page", "occupation", "regency"]


@pytest.fixture(autouse=True)
def rate(db):
    PremiumRateFactory()


@pytest.mark.parametrize("path", PUBLIC_LISTS)
@pytest.mark.parametrize("value", ["\x00", "a\x00b", "x" * 5000, "-1", "99999999999", "%00"])
def test_it_answers_hostile_values_with_a_page(client, path, value):
    response = client.get(path, {"q": value, "page": value, "occupation": value})
    assert response.status_code == 200
    assert b"\x00" not in response.content


def test_it_says_why_a_search_was_refused(client):
    response = client.get("/en/donors/", {"q": "a\x00b"})
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    too_long = client.get("/en/donors/", {"q": "x" * 81}).content.decode()
    assert "Ensure this value has at most 80 characters (it has 81)." in too_long


def test_it_says_it_in_indonesian(client):
    body = client.get("/id/donors/", {"q": "a\x00b"}).content.decode()
    assert "Karakter null tidak diizinkan." in body


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(PUBLIC_LISTS),
    params=st.dictionaries(st.sampled_from(PARAMETERS), st.text(max_size=200), max_size=4),
)
def test_it_never_fails_on_any_text(client, path, params):
    assert client.get(path, params).status_code == 200
