"""Version numbers of the data, kept in the shared cache, for caches that must not go stale.

Whatever is expensive to build (a public page, the staff dashboard's figures, a donor's page)
is cached under a key that includes the version of the data it was built from. A change bumps
the version once its transaction commits, so the next request builds afresh: nothing cached
this way is older than the last commit that could change it.

Two versions:

- PUBLIC_PAGES: the rows that public pages show (connected in bcc_sponsor.apps);
- PROGRAM_DATA: any row of the program's three apps, for the staff dashboard and the donors'
  pages. Saving or deleting a row bumps it through the model signals; code that writes with
  QuerySet.update() or bulk_create(), which send none, calls PROGRAM_DATA.bump() itself.

A version starts from the clock, not from 1, so that if the cache loses it (a restart, an
eviction) it never comes back to a number that entries built from older data still carry.
"""

import time

from django.core.cache import cache
from django.db import transaction

#: The apps whose every row counts as program data.
PROGRAM_APPS = ("recipients", "donations", "premiums")


def _fresh_start() -> int:
    return time.time_ns() // 1000


class Version:
    def __init__(self, key: str):
        self.key = key

    def current(self) -> int:
        version = cache.get(self.key)
        if version is None:
            cache.add(self.key, _fresh_start(), timeout=None)
            version = cache.get(self.key) or _fresh_start()
        return version

    def bump(self, *args, **kwargs) -> None:
        """Make whatever was cached under this version stale, once the current transaction
        commits (at once outside one); takes any arguments, so it can be a signal receiver."""
        transaction.on_commit(self._increment)

    def _increment(self) -> None:
        try:
            cache.incr(self.key)
        except ValueError:  # lost from the cache: start again from the clock
            cache.set(self.key, _fresh_start(), timeout=None)


PUBLIC_PAGES = Version("public-pages:version")
PROGRAM_DATA = Version("program-data:version")
