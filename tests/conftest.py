import datetime as dt
import importlib
import os

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.test import Client
from hypothesis import settings as hypothesis_settings
from time_machine import travel

from donations.models import Sponsorship
from tests.factories import PremiumRateFactory, SponsorshipFactory, StaffFactory, UserFactory
from tests.helpers import at, pay

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


@pytest.fixture
def frozen(time_machine):
    """The clock stopped by a `frozen_at` mark (tests/helpers.py), to move on within a test:
    `frozen.shift(timedelta)`, `frozen.move_to(moment)`."""
    return time_machine


# --- staff -----------------------------------------------------------------------------------


def signed_in(user) -> Client:
    # A client of its own, as pytest-django's admin_client: a test may hold several sessions.
    client = Client()
    client.force_login(user)  # two-factor login is off in the test settings
    return client


@pytest.fixture
def staff_client(staff):
    """The coordinator (`staff`, a superuser), logged in."""
    return signed_in(staff)


@pytest.fixture
def staff_groups(db):
    """The Coordinator and Volunteer groups the data migration makes. A test that empties the
    database (the browser tests do) takes them away with everything else: they are made again
    the same way."""
    if Group.objects.filter(name__in=["Coordinator", "Volunteer"]).count() < 2:
        migration = importlib.import_module("premiums.migrations.0006_staff_groups")
        migration.create_staff_groups(django_apps, None)
        claims = importlib.import_module("claims.migrations.0002_staff_permissions")
        claims.grant(django_apps, None)
        contact_details_migration().add_details(django_apps, None)


def contact_details_migration():
    return importlib.import_module("core.migrations.0002_published_contact_details")


@pytest.fixture
def contact_details(db):
    """BCC's contact details as core's data migration writes them (the coordinators' right to
    edit them included): a test that empties the database takes them away too."""
    contact_details_migration().add_details(django_apps, None)


def member_of(group_name, username):
    user = UserFactory(username=username, is_staff=True, is_superuser=False)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def volunteer(staff_groups):
    return member_of("Volunteer", "volunteer")


@pytest.fixture
def coordinator(staff_groups):
    return member_of("Coordinator", "coordinator")


@pytest.fixture
def volunteer_client(volunteer):
    return signed_in(volunteer)


@pytest.fixture
def coordinator_client(coordinator):
    return signed_in(coordinator)


# --- sponsorships ----------------------------------------------------------------------------


@pytest.fixture
def paid_through_august(db, standard_rate, staff):
    """The program's own example: a year from September 2025, verified by staff in August 2025,
    so paid through August 2026: due in September, overdue in October and November, lapsed
    from 1 December 2026."""
    with travel(at(2025, 8, 20, 10, 0), tick=False):
        sponsorship = SponsorshipFactory(
            first_month=dt.date(2025, 9, 1), months_pledged=12, recipient__nickname="Wayan"
        )
        pay(sponsorship, by=staff)
    assert sponsorship.state == Sponsorship.State.ACTIVE
    assert sponsorship.covered_through == dt.date(2026, 8, 1)
    assert sponsorship.lapses_on == dt.date(2026, 12, 1)
    return sponsorship


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request to an /id/ page activates
    Indonesian for the thread, and a later test must not inherit it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
