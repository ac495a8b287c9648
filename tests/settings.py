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
STORAGES = {
    **STORAGES,
    "default": {**STORAGES["default"], "OPTIONS": {"location": MEDIA_ROOT, "base_url": "/media/"}},
    "private": {
        **STORAGES["private"],
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
}
