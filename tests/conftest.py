import os

import pytest
from hypothesis import settings as hypothesis_settings

from tests.factories import PremiumRateFactory, StaffFactory

# The same examples on every run and machine: a red CI run can be reproduced exactly, and a
# green one is not luck. (Run with HYPOTHESIS_PROFILE=explore to search afresh.)
hypothesis_settings.register_profile("repeatable", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("explore", max_examples=500)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture
def standard_rate(db):
    """The standard BPU rate: JKK Rp 10,000 + JKM Rp 6,800 a month, open-ended."""
    return PremiumRateFactory()


@pytest.fixture
def staff(db):
    return StaffFactory(username="coordinator")


@pytest.fixture
def no_page_cache(settings):
    """Pages computed afresh on every request: for counting a view's own queries."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
