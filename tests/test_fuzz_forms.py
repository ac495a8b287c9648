"""Hostile and random input to the public forms never makes the server fail (no 5xx).

Hypothesis writes the input: any Unicode text (NUL bytes and other control characters
included), strings of hundreds of thousands of characters, impossible dates, numbers written
every which way, and files of random bytes under random names. The forms may refuse it
(200 with errors, 400, 404, 409, a redirect): they must never answer 500. The rate limits are
switched off here; they have tests of their own.
"""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.factories import (
    DonorFactory,
    PremiumPaymentFactory,
    RecipientFactory,
    SponsorshipFactory,
)

pytestmark = pytest.mark.django_db

FUZZ = hypothesis_settings(
    max_examples=40,
    deadline=None,
    # The database and settings fixtures are shared by all the examples of a test, on purpose:
    # what one example leaves behind (a pledge, a file) is part of the next one's world.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: Any text: control characters and NUL included (Hypothesis leaves out only surrogates).
any_text = st.text(max_size=60)
huge = st.text(min_size=1, max_size=3).map(lambda s: s * 100_000)
text = st.one_of(any_text, huge, st.just("\x00"), st.just(" " * 10))
numbers = st.one_of(
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(
        ["1e9", "0x10", "１２", "٣", "-0", "1_000", " 3 ", "12.5", "", "99999999999999999999"]
    ),
)
dates = st.one_of(
    st.dates().map(str),
    st.sampled_from(["2026-02-30", "0000-01-01", "2026-13-01", "2026/12/01", "12/2026", ""]),
    st.datetimes().map(lambda d: d.isoformat()),
    any_text,
)


def choice_or_junk(*choices):
    return st.one_of(st.sampled_from(choices), any_text)


file_names = st.one_of(
    st.text(min_size=1, max_size=40),
    st.sampled_from(
        ["../../etc/passwd.png", "a\x00b.jpg", "x" * 500 + ".pdf", "квитанция.pdf", "領収書.png"]
    ),
)
file_contents = st.one_of(
    st.binary(max_size=2048),
    st.sampled_from(
        [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"%PDF-1.4\n", b"<svg onload=alert(1)>"]
    ),
)


@pytest.fixture
def no_limits(settings):
    settings.RATELIMIT_ENABLED = False


def fine(response):
    assert response.status_code < 500, response.status_code


@FUZZ
@given(
    data=st.fixed_dictionaries(
        {},
        optional={
            "full_name": text,
            "display_name": text,
            "listed_publicly": choice_or_junk("on", "true", "0"),
            "email": st.one_of(st.emails(), text),
            "phone": st.one_of(st.from_regex(r"\+?[0-9 ()-]{0,30}", fullmatch=True), text),
            "country": choice_or_junk("ID", "NL", "AU", "XX", "id"),
            "language": choice_or_junk("en", "id", "fr"),
            "first_month": dates,
            "years": numbers,
            "route": choice_or_junk("direct", "paypal"),
        },
    ),
    language=st.sampled_from(["en", "id"]),
)
def test_the_pledge_form(no_limits, standard_rate, data, language):
    recipient = RecipientFactory()
    fine(Client().post(f"/{language}/recipients/{recipient.pk}/sponsor/", data))


@FUZZ
@given(email=st.one_of(st.emails(), text), extra=st.dictionaries(any_text, any_text, max_size=3))
def test_send_me_my_link(no_limits, email, extra):
    DonorFactory(email="made@example.org")
    fine(Client().post("/en/donor/link/", {**extra, "email": email}))


@pytest.fixture
def donor_session(db, standard_rate):
    payment = PremiumPaymentFactory(sponsorship=SponsorshipFactory())
    client = Client()
    client.get(f"/en/donor/{payment.sponsorship.donor.issue_link()}/")
    return client, payment


@FUZZ
@given(name=file_names, content=file_contents, field=st.sampled_from(["file", "file", "other"]))
def test_the_evidence_upload(no_limits, donor_session, name, content, field):
    client, payment = donor_session
    # Names the test client itself cannot send ("/", ".."): a browser cannot either.
    assume(os.path.basename(name) not in {"", ".", ".."})
    upload = SimpleUploadedFile(name, content)
    fine(client.post(f"/en/donor/payments/{payment.pk}/evidence/", {field: upload}))


@FUZZ
@given(months=numbers, kind=choice_or_junk("stop", "change_recipient"), message=text)
def test_the_donors_other_forms(no_limits, donor_session, months, kind, message):
    client, payment = donor_session
    sponsorship = payment.sponsorship
    fine(client.post(f"/en/donor/sponsorships/{sponsorship.pk}/next-payment/", {"months": months}))
    fine(
        client.post(
            f"/en/donor/sponsorships/{sponsorship.pk}/request/",
            {"kind": kind, "new_recipient": months, "message": message},
        )
    )
