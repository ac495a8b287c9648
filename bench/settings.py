"""The project's settings with the benchmark's URLs (bench/urls.py adds the floor view)."""

from bcc_sponsor.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
