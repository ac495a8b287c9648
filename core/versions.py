"""Version numbers of the data, kept in the shared cache, for caches that must not go stale.

Whatever is expensive to build (a public page, the staff dashboard's figures, a donor's page)
is cached under a key that includes the version of the data it was built from. A change bumps
the version once its transaction commits, so the next request builds afresh: nothing cached
this way is older than the last commit that could change it.

Two versions:

- PUBLIC_PAGES: the rows that public pages show (models with `shown_publicly = True`);
- PROGRAM_DATA: any row of the program, for the staff dashboard and the donors' pages.

This module is the one place that bumps them: every model of the program inherits
`VersionedModel`, whose save() and delete() bump, and its managers build on `VersionedQuerySet`,
whose update(), bulk_create(), bulk_update() and delete() bump too. So no caller has to remember
to, whatever way it writes.

A version starts from the clock, not from 1, so that if the cache loses it (a restart, an
eviction) it never comes back to a number that entries built from older data still carry.
"""

import time

from django.core.cache import cache
from django.db import models, transaction


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
        # Robust: a cache that is down must never turn a committed change into an error page.
        transaction.on_commit(self._increment, robust=True)

    def _increment(self) -> None:
        try:
            cache.incr(self.key)
        except ValueError:  # lost from the cache: start again from the clock
            cache.set(self.key, _fresh_start(), timeout=None)


PUBLIC_PAGES = Version("public-pages:version")
PROGRAM_DATA = Version("program-data:version")
#: How long figures cached under PROGRAM_DATA are reused (the staff dashboard, its claims part).
#: Every write of the program's models bumps the version, so this only bounds what a write
#: behind the ORM's back (raw SQL, another program) could leave stale.
PROGRAM_DATA_SECONDS = 5 * 60


def bump_for(model) -> None:
    """Make stale what was cached from rows of `model`."""
    if getattr(model, "shown_publicly", False):
        PUBLIC_PAGES.bump()
    PROGRAM_DATA.bump()


class VersionedQuerySet(models.QuerySet):
    """Writes in bulk send no model signals; these bump the versions themselves."""

    def update(self, **kwargs):
        changed = super().update(**kwargs)
        if changed:
            bump_for(self.model)
        return changed

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        if created:
            bump_for(self.model)
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        changed = super().bulk_update(objs, fields, *args, **kwargs)
        if changed:
            bump_for(self.model)
        return changed

    def delete(self):
        deleted = super().delete()
        if deleted[0]:
            bump_for(self.model)
        return deleted

    delete.alters_data = True
    delete.queryset_only = True


class VersionedModel(models.Model):
    """A row of the program: saving or deleting it makes the cached pages built from it stale."""

    #: Whether public pages show rows of this model (bumps PUBLIC_PAGES as well).
    shown_publicly = False

    objects = VersionedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        bump_for(type(self))

    def delete(self, *args, **kwargs):
        deleted = super().delete(*args, **kwargs)
        bump_for(type(self))
        return deleted
