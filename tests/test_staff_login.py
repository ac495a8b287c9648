"""Staff login: failed logins locked out (django-axes), two-factor codes (django-otp)."""

import datetime as dt
import os
import subprocess
import sys
from binascii import unhexlify
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import login_limits, otp
from core.otp_views import SETUP_KEY
from tests.factories import PaymentEvidenceFactory, StaffFactory, UserFactory

LOGIN = "/admin/login/"
SETUP = "/staff/2fa/setup/"
BACKUP_CODES = "/staff/2fa/backup-codes/"
MORNING = dt.datetime(2026, 10, 15, 9, tzinfo=ZoneInfo("Asia/Makassar"))


def log_in(client, username="coordinator", password="password", code=None, **extra):
    data = {"username": username, "password": password, "next": "/admin/"}
    if code is not None:
        data["otp_token"] = code
    return client.post(LOGIN, data, **extra)


def logged_in(client):
    return "_auth_user_id" in client.session


def app_code(key):
    """What the app shows now for this secret: six digits, leading zeros included."""
    return f"{totp(key):06d}"


def wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture
def two_factor(settings):
    settings.STAFF_2FA_REQUIRED = True


@pytest.fixture
def app(staff):
    """The coordinator's authenticator app, set up, with ten backup codes."""
    device = TOTPDevice.objects.create(user=staff, name="Authenticator app", confirmed=True)
    device.backup_codes = otp.new_backup_codes(staff)
    return device


def verified_client(user, device):
    """A session that passed the password and a code, as the login form leaves it."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


# --- failed logins (django-axes) -------------------------------------------------------------


def test_it_locks_out_after_five_wrong_passwords(client, staff):
    refused = [log_in(client, password="guess") for _ in range(4)]
    assert [r.status_code for r in refused] == [200] * 4
    assert "Please enter the correct username and password" in refused[-1].text
    log_in(client, password="guess")

    response = log_in(client)  # the right password, too late

    assert response.status_code == 429
    assert "Too many failed login attempts for this account" in response.text
    assert "Try again in 1\xa0hour" in response.text
    assert not logged_in(client)


def test_it_shows_the_lockout_page_in_the_staff_members_language(client, staff):
    for _ in range(5):
        log_in(client, password="guess", HTTP_ACCEPT_LANGUAGE="id")

    response = log_in(client, HTTP_ACCEPT_LANGUAGE="id")

    assert response.status_code == 429
    assert '<html lang="id"' in response.text
    assert "1\xa0jam" in response.text  # the wait, in Indonesian


def test_it_locks_only_that_username_from_that_address(client, staff):
    StaffFactory(username="volunteer")
    for _ in range(5):
        log_in(client, password="guess")

    assert log_in(Client(), username="volunteer").status_code == 302
    assert log_in(Client(REMOTE_ADDR="10.0.0.2")).status_code == 302
    assert log_in(Client()).status_code == 429


def test_it_ignores_a_forwarded_address_the_visitor_made_up(client, staff):
    for n in range(5):
        log_in(client, password="guess", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")

    assert log_in(client, HTTP_X_FORWARDED_FOR="10.0.0.99").status_code == 429


def test_it_takes_the_address_our_proxy_saw(settings, rf):
    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="127.0.0.1")
    assert login_limits.client_ip(request) == "203.0.113.7"

    settings.TRUSTED_PROXY_COUNT = 0
    assert login_limits.client_ip(request) == "127.0.0.1"


def test_it_lets_the_staff_member_in_after_the_cool_off(client, staff):
    with time_machine.travel(MORNING, tick=False) as traveller:
        for _ in range(5):
            log_in(client, password="guess")
        traveller.shift(dt.timedelta(minutes=59))
        assert log_in(client).status_code == 429  # and the hour starts again

        traveller.shift(dt.timedelta(minutes=61))
        response = log_in(client)

    assert response.status_code == 302
    assert logged_in(client)


def test_it_forgets_earlier_failures_after_a_login(client, staff):
    for _ in range(4):
        log_in(client, password="guess")
    assert log_in(client).status_code == 302
    client.logout()

    for _ in range(4):
        log_in(client, password="guess")
    assert log_in(client).status_code == 302


# --- two-factor login off (the demo, development) --------------------------------------------

SETTING = "import bcc_sponsor.settings as s; print(s.STAFF_2FA_REQUIRED)"


def two_factor_setting(**env):
    cleared = ("DEBUG", "SECRET_KEY", "STAFF_2FA_REQUIRED")
    environment = {k: v for k, v in os.environ.items() if k not in cleared} | env
    result = subprocess.run(
        [sys.executable, "-c", SETTING],
        cwd=Path(__file__).resolve().parent.parent,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_it_requires_two_factor_in_production_and_not_in_the_demo():
    production = {"DEBUG": "false", "SECRET_KEY": "x" * 50}
    assert two_factor_setting(**production) == "True"
    assert two_factor_setting(**production, STAFF_2FA_REQUIRED="no") == "False"
    assert two_factor_setting(DEBUG="true") == "False"


def test_it_logs_staff_in_with_the_password_alone_when_two_factor_is_off(client, staff, app):
    assert 'name="otp_token"' not in client.get(LOGIN).text

    response = log_in(client)

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/staff/").status_code == 200


# --- two-factor login on ---------------------------------------------------------------------

#: The one answer to any failed login with two-factor on: it never tells that the password was
#: right and only the code wrong.
GENERIC = "Please enter the correct username, password and code for a staff account."


def test_it_asks_for_a_code_on_the_login_page(client, two_factor):
    assert 'name="otp_token"' in client.get(LOGIN).text


def test_it_refuses_the_password_alone_to_staff_with_an_app(client, two_factor, staff, app):
    response = log_in(client)

    assert response.status_code == 200
    assert GENERIC in response.text
    assert not logged_in(client)


def test_it_keeps_a_password_only_session_out_of_staff_pages(client, two_factor, staff, app):
    client.force_login(staff)  # the password, no code
    evidence = PaymentEvidenceFactory()

    assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"
    assert client.get("/admin/premiums/premiumpayment/").status_code == 302
    assert client.get("/staff/")["Location"] == "/admin/login/?next=/staff/"
    assert client.get(f"/en/staff/evidence/{evidence.pk}/").status_code == 302
    page = client.get("/admin/login/?next=/admin/")
    assert "Log in again with your password and a code" in page.text


def test_it_lets_staff_in_with_a_code_from_the_app(client, two_factor, staff, app):
    response = log_in(client, code=app_code(app.bin_key))

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/staff/").status_code == 200


def test_it_refuses_a_wrong_code(client, two_factor, staff, app):
    response = log_in(client, code=wrong(app_code(app.bin_key)))

    assert response.status_code == 200
    assert GENERIC in response.text
    assert not logged_in(client)
    assert client.get("/admin/").status_code == 302


def test_it_gives_one_answer_for_a_wrong_password_and_a_wrong_code(two_factor, staff, app):
    code = app_code(app.bin_key)
    wrong_password = log_in(Client(), password="not-the-password", code=code)
    wrong_code = log_in(Client(), code=wrong(code))
    no_code = log_in(Client())

    def error(response):
        return response.text.split('class="errornote"')[1].split("</p>")[0]

    assert error(wrong_password) == error(wrong_code) == error(no_code)
    assert GENERIC in error(wrong_code)


def test_it_counts_wrong_codes_toward_the_lockout(two_factor, staff, app, settings):
    settings.AXES_FAILURE_LIMIT = 3
    with time_machine.travel(MORNING, tick=False):
        for _attempt in range(3):
            log_in(Client(), code=wrong(app_code(app.bin_key)))
        # The right password and the right code, from the same address: locked out.
        locked = log_in(Client(), code=app_code(app.bin_key))
    assert locked.status_code == 429
    # The three wrong codes, and the refused try itself.
    assert AccessAttempt.objects.get(username="coordinator").failures_since_start == 4


def test_it_takes_each_code_from_the_app_once(two_factor, staff, app):
    with time_machine.travel(MORNING, tick=False):
        code = app_code(app.bin_key)
        assert log_in(Client(), code=code).status_code == 302

        # Someone who saw the code over the shoulder, in the same 30 seconds.
        replay = log_in(Client(), code=code)

    assert replay.status_code == 200 and GENERIC in replay.text


def test_it_slows_down_guessing_codes(two_factor, staff, app):
    with time_machine.travel(MORNING, tick=False):
        log_in(Client(), code=wrong(app_code(app.bin_key)))
        response = log_in(Client(), code=app_code(app.bin_key))

    assert GENERIC in response.text


def test_it_takes_a_backup_code_once(two_factor, staff, app):
    code = app.backup_codes[0]

    first = Client()
    assert log_in(first, code=code.upper()).status_code == 302
    assert first.get("/admin/").status_code == 200

    again = log_in(Client(), code=code)
    assert again.status_code == 200 and GENERIC in again.text
    assert StaticToken.objects.filter(device__user=staff).count() == 9


def test_it_does_not_take_another_staff_members_code(two_factor, staff, app):
    TOTPDevice.objects.create(user=StaffFactory(username="treasurer"), confirmed=True)

    for code in [app_code(app.bin_key), app.backup_codes[0]]:
        response = log_in(Client(), username="treasurer", code=code)
        assert response.status_code == 200 and GENERIC in response.text


# --- setting up the app ----------------------------------------------------------------------


def test_it_sends_staff_without_an_app_to_the_setup_page(client, two_factor, staff):
    assert log_in(client).status_code == 302  # the password alone, this once

    to_login = client.get("/staff/")
    assert to_login["Location"] == "/admin/login/?next=/staff/"
    assert client.get(to_login["Location"])["Location"] == f"{SETUP}?next=%2Fstaff%2F"
    to_login = client.get("/admin/")
    assert client.get(to_login["Location"])["Location"] == f"{SETUP}?next=%2Fadmin%2F"


def test_it_sets_up_the_app_and_shows_ten_backup_codes_once(client, two_factor, staff):
    client.force_login(staff)

    page = client.get(f"{SETUP}?next=/staff/")
    key = client.session[SETUP_KEY]
    assert page.status_code == 200
    assert "otpauth://totp/BCC%20Sponsor%3Acoordinator?secret=" in page.text
    assert 'id="totp-secret"' in page.text
    qr = client.get("/staff/2fa/setup/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content

    response = client.post(SETUP, {"code": app_code(unhexlify(key)), "next": "/staff/"})

    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10 and all(code in response.text for code in codes)
    assert otp.authenticator(staff).key == key
    assert client.get("/staff/").status_code == 200  # this session passed a code
    assert client.get("/admin/").status_code == 200
    # Shown once: the page now only counts them.
    assert client.get(SETUP)["Location"] == BACKUP_CODES
    again = client.get(BACKUP_CODES)
    assert "You have 10 backup codes left" in again.text
    assert not any(code in again.text for code in codes)


def test_it_keeps_the_same_secret_until_the_app_confirms_it(client, two_factor, staff):
    client.force_login(staff)
    client.get(SETUP)
    key = client.session[SETUP_KEY]

    response = client.post(SETUP, {"code": wrong(app_code(unhexlify(key)))})

    assert response.status_code == 200
    assert "That code is not right" in response.text
    assert client.session[SETUP_KEY] == key
    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert client.get("/admin/").status_code == 302


def test_it_does_not_let_a_password_alone_replace_the_app(client, two_factor, staff, app):
    client.force_login(staff)

    assert client.get(SETUP)["Location"] == BACKUP_CODES
    assert client.get(BACKUP_CODES)["Location"].startswith(LOGIN)
    assert client.post(BACKUP_CODES).status_code == 302
    assert TOTPDevice.objects.filter(user=staff).count() == 1
    assert StaticToken.objects.filter(device__user=staff).count() == 10


def test_it_makes_new_backup_codes_for_a_verified_session(two_factor, staff, app):
    client = verified_client(staff, app)

    response = client.post(BACKUP_CODES)

    codes = response.context["codes"]
    assert len(codes) == 10 and set(codes).isdisjoint(app.backup_codes)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(codes)


@pytest.mark.parametrize("url", [SETUP, f"{SETUP}qr.svg", BACKUP_CODES])
def test_it_sends_anonymous_visitors_and_donors_to_the_login(client, db, url):
    assert client.get(url)["Location"].startswith(LOGIN)
    client.force_login(UserFactory(is_staff=False))
    assert client.get(url)["Location"].startswith(LOGIN)


def test_it_has_no_qr_code_without_a_setup_under_way(client, staff):
    client.force_login(staff)
    assert client.get(f"{SETUP}qr.svg").status_code == 404
