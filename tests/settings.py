"""Settings for the test suite: the real settings with test-only speed-ups."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-used-anywhere-else")

from bcc_sponsor.settings import *  # noqa: E402,F403
from bcc_sponsor.settings import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Uploads of the tests go to a throw-away folder, never the developer's files.
_files = tempfile.mkdtemp(prefix="bcc-sponsor-tests-")
MEDIA_ROOT = os.path.join(_files, "media")
PRIVATE_MEDIA_ROOT = os.path.join(_files, "private")
_LOCAL = "django.core.files.storage.FileSystemStorage"
STORAGES = {
    **STORAGES,
    # Local files even when the environment says FILE_STORAGE=s3.
    "default": {"BACKEND": _LOCAL, "OPTIONS": {"location": MEDIA_ROOT, "base_url": "/media/"}},
    "private": {"BACKEND": _LOCAL, "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None}},
    # The manifest storage of production needs `collectstatic`; pages under test are rendered
    # without it. tests/test_deploy.py checks the production choice.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The settings are production's (DEBUG off), but the test client and the live server speak
# plain HTTP. The secure cookies stay on: the test client and Chromium (for localhost) send them.
SECURE_SSL_REDIRECT = False
# Tests travel in time (time_machine) weeks past the moment their client signed in; production's
# working-day sessions would have expired there. tests/test_deploy.py checks production's length.
SESSION_COOKIE_AGE = 60 * 24 * 60 * 60

# The suite runs with production's settings, where two-factor login is on: most tests log staff
# in with force_login, which passes no second factor. tests/test_staff_login.py turns it on.
# django-axes stays on: tests that call client.login() pass a request (axes needs one).
STAFF_2FA_REQUIRED = False
# WhiteNoise finds the static files where `runserver` does, as there is no `collectstatic` here.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
