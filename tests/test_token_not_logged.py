"""A donor's private-link token never reaches the log, whatever request carries it.

Mail scanners and link previews send HEAD; a stale form posts without its CSRF token; a mistyped
address under the token gives a 404. Django logs each with its path: the filter on every handler
masks the token. These tests read what the configured console handler really writes.
"""

import io
import logging

import pytest
from django.test import Client

from core.log_filters import MaskDonorTokens, mask_tokens
from donations.views import DONOR_SESSION_KEY
from tests.factories import DonorFactory


@pytest.fixture
def token(db):
    return DonorFactory().issue_link(days=90)


@pytest.fixture
def console():
    """What the LOGGING setting's console handler writes, read back as text."""
    handler = next(h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


def test_every_configured_handler_masks_tokens():
    handlers = logging.getLogger().handlers
    configured = [h for h in handlers if type(h) is logging.StreamHandler]
    assert configured, "the LOGGING setting's console handler"
    for handler in configured:
        assert any(isinstance(f, MaskDonorTokens) for f in handler.filters)


def test_it_answers_head_like_get_without_signing_in(client, token, console):
    response = client.head(f"/en/donor/{token}/")
    assert response.status_code == 302 and response["Location"] == "/en/donor/"
    assert DONOR_SESSION_KEY not in client.session
    # The page it points to is still closed: the HEAD opened nothing.
    assert client.get("/en/donor/").status_code != 200
    assert token not in console.getvalue()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "/en/donor/{token}/"),  # 405, logged by Django with the path
        ("get", "/en/donor/{token}/extra/"),  # 404
        ("post", "/en/donor/{token}/"),  # CSRF failure (403) or 405
    ],
)
def test_it_keeps_the_token_out_of_the_log(token, console, method, path):
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(path.format(token=token))
    assert response.status_code in (403, 404, 405)
    logged = console.getvalue()
    assert token not in logged
    assert "/donor/[token]/" in logged


def test_it_masks_tokens_but_not_the_donor_pages():
    assert mask_tokens("Not Found: /id/donor/abcDEF_123-xyzXYZ987654321abcd/x/") == (
        "Not Found: /id/donor/[token]/x/"
    )
    for page in ("/en/donor/link/", "/en/donor/statement/", "/en/donor/photos/12/"):
        assert mask_tokens(page) == page


def test_it_keeps_the_other_donor_paths_readable():
    for path in ("/en/donor/payments/12/evidence/", "/en/donor/sponsorships/3/request/"):
        assert mask_tokens(f"Forbidden: {path}") == f"Forbidden: {path}"
