"""The production profile: what `check --deploy` says, and what the environment selects.

The subprocesses start from the real settings module (not tests.settings) with an environment
of their own, so the developer's environment or .env file cannot change the answer.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "bcc_sponsor.settings",
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "sponsor.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://sponsor.example.org",
    "SITE_URL": "https://sponsor.example.org",
    "BEHIND_HTTPS_PROXY": "true",
    "DATABASE_URL": "sqlite:///:memory:",
    "EMAIL_URL": "smtp+tls://sponsor:secret@smtp.example.org:587",
}
# Variables of the settings that a developer may have set; the production profile decides them.
CLEARED = (
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "STAFF_SESSION_SECONDS",
    "STATICFILES_MANIFEST",
    "FILE_STORAGE",
    "CACHE_URL",
    "EMAIL_URL",
)


def run(args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in CLEARED}
    environment.update(PRODUCTION)
    environment.update(env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_settings(*names, **env):
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {list(names)!r}}}))"
    )
    result = run(["-c", code], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_it_passes_the_deploy_check_with_the_production_profile():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("email_url", ["consolemail://", "dummymail://"])
def test_the_deploy_check_fails_when_emails_would_not_be_delivered(email_url):
    result = run(["manage.py", "check", "--deploy"], EMAIL_URL=email_url)
    assert result.returncode != 0
    assert "bcc.E001" in result.stderr


def test_the_deploy_check_fails_with_debug_on():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], DEBUG="true")
    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG is on


def test_it_hardens_https_and_cookies_in_production():
    values = production_settings(
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_HTTPONLY",
        "X_FRAME_OPTIONS",
        "SECURE_REFERRER_POLICY",
        "SESSION_COOKIE_AGE",
    )
    assert values == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_REFERRER_POLICY": "same-origin",
        # A working day, well under Django's two weeks.
        "SESSION_COOKIE_AGE": 8 * 60 * 60,
    }


def test_it_trusts_x_forwarded_proto_only_when_told_it_is_behind_a_proxy():
    values = production_settings("SECURE_PROXY_SSL_HEADER", BEHIND_HTTPS_PROXY="false")
    assert values == {"SECURE_PROXY_SSL_HEADER": None}


def test_it_serves_hashed_compressed_static_files_in_production():
    storages = production_settings("STORAGES")["STORAGES"]
    assert storages["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    plain = production_settings("STORAGES", STATICFILES_MANIFEST="false")["STORAGES"]
    assert (
        plain["staticfiles"]["BACKEND"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
    )


def test_it_keeps_uploads_on_the_local_disk_by_default():
    storages = production_settings("STORAGES")["STORAGES"]
    assert storages["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert storages["private"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


S3 = {
    "FILE_STORAGE": "s3",
    "AWS_STORAGE_BUCKET_NAME": "bcc-uploads",
    "AWS_S3_ENDPOINT_URL": "https://s3.example.org",
    "AWS_S3_REGION_NAME": "ap-southeast-1",
    "AWS_ACCESS_KEY_ID": "key-id",
    "AWS_SECRET_ACCESS_KEY": "key-secret",
}


def test_it_puts_uploads_on_s3_when_told():
    storages = production_settings("STORAGES", **S3)["STORAGES"]
    common = {
        "endpoint_url": "https://s3.example.org",
        "region_name": "ap-southeast-1",
        "access_key": "key-id",
        "secret_key": "key-secret",
        "querystring_auth": True,
    }
    assert storages["default"] == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**common, "bucket_name": "bcc-uploads"},
    }
    # The private files sit under their own prefix of the one bucket, never readable unsigned.
    assert storages["private"] == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **common,
            "bucket_name": "bcc-uploads",
            "location": "private",
            "default_acl": "private",
        },
    }


def test_it_puts_private_files_in_their_own_bucket_when_there_is_one():
    storages = production_settings("STORAGES", AWS_PRIVATE_BUCKET_NAME="bcc-private", **S3)
    private = storages["STORAGES"]["private"]["OPTIONS"]
    assert (private["bucket_name"], private["location"]) == ("bcc-private", "")


def test_the_s3_storages_load_without_touching_the_network():
    code = (
        "import django; django.setup(); from django.core.files.storage import storages; "
        "print(type(storages['private']).__name__, storages['private'].location, "
        "storages['private'].default_acl)"
    )
    result = run(["-c", code], **S3)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["S3Storage", "private", "private"]


def test_it_refuses_to_start_without_a_bucket_for_s3():
    result = run(["-c", "import bcc_sponsor.settings"], FILE_STORAGE="s3")
    assert result.returncode != 0
    assert "AWS_STORAGE_BUCKET_NAME" in result.stderr


def test_it_refuses_an_unknown_file_storage():
    result = run(["-c", "import bcc_sponsor.settings"], FILE_STORAGE="ftp")
    assert result.returncode != 0
    assert "FILE_STORAGE must be local or s3" in result.stderr


# The request-level behaviour, in this process (tests.settings: the production settings over
# plain HTTP, SECURE_SSL_REDIRECT turned back on here).


@pytest.fixture
def https_redirect(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.mark.django_db
def test_it_redirects_plain_http_to_https(client, https_redirect):
    response = client.get("/en/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/en/"


@pytest.mark.django_db
def test_it_answers_the_load_balancer_on_plain_http(client, https_redirect):
    response = client.get("/healthz")
    assert response.status_code == 200


@pytest.mark.django_db
def test_it_sends_hsts_and_the_policy_behind_the_proxy(client, https_redirect, standard_rate):
    response = client.get("/en/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    # django-csp writes the directives in no fixed order.
    assert sorted(response["Content-Security-Policy"].split("; ")) == [
        "base-uri 'self'",
        "default-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "img-src 'self' data:",
        "object-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
    ]


def test_it_shares_the_cache_through_redis_when_told():
    code = (
        "import django; django.setup(); from django.core.cache import caches; "
        "cache = caches['default']; cache.client; "  # builds the client: imports redis
        "print(type(cache).__module__, cache._server)"
    )
    result = run(["-c", code], CACHE_URL="redis://127.0.0.1:6379/1")
    assert result.returncode == 0, result.stderr
    # django-redis: one client per server for the life of the process.
    assert result.stdout.split() == ["django_redis.cache", "redis://127.0.0.1:6379/1"]


def test_redis_gives_up_quickly_and_never_raises_into_a_request():
    options = production_settings("CACHES", CACHE_URL="redis://127.0.0.1:6379/1")["CACHES"][
        "default"
    ]["OPTIONS"]
    assert options["IGNORE_EXCEPTIONS"] is True
    assert options["SOCKET_CONNECT_TIMEOUT"] == options["SOCKET_TIMEOUT"] == 0.5
    tuned = production_settings(
        "CACHES", CACHE_URL="redis://127.0.0.1:6379/1", CACHE_TIMEOUT_SECONDS="2"
    )
    assert tuned["CACHES"]["default"]["OPTIONS"]["SOCKET_TIMEOUT"] == 2.0


def test_mail_and_database_connections_fail_fast():
    found = production_settings("EMAIL_TIMEOUT", "DATABASES")
    assert found["EMAIL_TIMEOUT"] == 30
    assert found["DATABASES"]["default"]["CONN_HEALTH_CHECKS"] is True


@pytest.mark.parametrize("path", ["/en/", "/en/donors/", "/healthz", "/admin/login/"])
def test_every_response_carries_a_permissions_policy(client, standard_rate, path):
    policy = client.get(path)["Permissions-Policy"]
    assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy
