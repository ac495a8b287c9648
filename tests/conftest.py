import pytest

from tests.factories import PremiumRateFactory, StaffFactory


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
