import pytest

from tests.factories import PremiumRateFactory, StaffFactory


@pytest.fixture
def standard_rate(db):
    """The standard BPU rate: JKK Rp 10,000 + JKM Rp 6,800 a month, open-ended."""
    return PremiumRateFactory()


@pytest.fixture
def staff(db):
    return StaffFactory(username="coordinator")
