"""The data versions that keep cached pages and figures from going stale."""

import datetime as dt

import pytest
from django.core.cache import cache

from core.versions import PROGRAM_DATA, PUBLIC_PAGES, Version
from tests.factories import DonorRequestFactory, MessageFactory, SponsorshipFactory

pytestmark = pytest.mark.django_db


def test_a_change_bumps_the_version_once_committed(django_capture_on_commit_callbacks):
    before = PROGRAM_DATA.current()
    with django_capture_on_commit_callbacks(execute=False) as pending:
        MessageFactory()
    assert PROGRAM_DATA.current() == before  # not yet: the transaction may still roll back
    for callback in pending:
        callback()
    assert PROGRAM_DATA.current() > before


@pytest.mark.parametrize("factory", [MessageFactory, DonorRequestFactory])
def test_rows_public_pages_never_show_leave_their_version_alone(
    factory, django_capture_on_commit_callbacks
):
    sponsorship = SponsorshipFactory()
    public, program = PUBLIC_PAGES.current(), PROGRAM_DATA.current()
    with django_capture_on_commit_callbacks(execute=True):
        if factory is MessageFactory:
            factory(donor=sponsorship.donor, sponsorship=sponsorship)
        else:
            factory(sponsorship=sponsorship)
    assert PUBLIC_PAGES.current() == public
    assert PROGRAM_DATA.current() > program


def test_a_version_lost_from_the_cache_never_comes_back_to_an_older_number():
    version = Version("tests:version")
    first = version.current()
    version._increment()
    seen = version.current()
    assert seen == first + 1
    cache.delete(version.key)  # a restart or an eviction
    assert version.current() > seen
    cache.delete(version.key)
    version._increment()  # bumped while lost: starts again from the clock
    assert version.current() > seen


def test_recording_lapses_with_an_update_bumps_the_version(django_capture_on_commit_callbacks):
    from donations.reminders import record_lapses

    day = dt.date(2026, 11, 22)
    sponsorship = SponsorshipFactory(
        state="active", first_month=dt.date(2026, 1, 1), lapses_on=dt.date(2026, 11, 1)
    )
    before = PROGRAM_DATA.current()
    with django_capture_on_commit_callbacks(execute=True):
        assert record_lapses(day) == 1
    sponsorship.refresh_from_db()
    assert sponsorship.state == "lapsed"
    assert PROGRAM_DATA.current() > before

    # A run with nothing to do writes nothing and bumps nothing.
    before = PROGRAM_DATA.current()
    with django_capture_on_commit_callbacks(execute=True):
        assert record_lapses(day) == 0
    assert PROGRAM_DATA.current() == before


def test_queueing_reminders_in_bulk_bumps_the_version(django_capture_on_commit_callbacks):
    from donations.models import Message
    from donations.reminders import queue_reminders

    day = dt.date(2026, 11, 22)
    SponsorshipFactory(
        state="active",
        first_month=dt.date(2025, 12, 1),
        covered_through=dt.date(2026, 11, 1),  # ends on 30 November: within 30 days
        lapses_on=dt.date(2027, 3, 1),
    )
    before = PROGRAM_DATA.current()
    with django_capture_on_commit_callbacks(execute=True):
        queue_reminders(day)
    assert Message.objects.filter(kind=Message.Kind.COVERAGE_ENDING).count() == 1
    assert PROGRAM_DATA.current() > before
