"""Compare the stored files with the rows that point to them.

Three kinds of problem:

- missing: a row names a file that is not in its storage (evidence, recipients' photos,
  handover photos and their thumbnails);
- orphan: a file in the private or the public storage that no row names (left by a write that
  failed half-way, a replaced photo, or a restore that mixed two backups);
- altered: an evidence file whose SHA-256 is no longer the one recorded when it was received.

Exit status 1 when any problem is found, 0 when all is clean, so that a backup rehearsal or a
monitoring job can act on it. `--delete-orphans` deletes the orphans, except those written in
the last hour (an upload writes its file just before its row commits). Rows and files are read a
batch at a time; the only thing held in memory is the set of stored names, a few dozen bytes
per file.
"""

import datetime as dt
import hashlib
import posixpath

from django.apps import apps
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.history import recorded_as_command

#: Rows read per database round trip.
CHUNK = 2000
#: Bytes read at a time when hashing a file.
READ_SIZE = 1024 * 1024
#: --delete-orphans leaves files younger than this alone.
DELETE_GRACE = dt.timedelta(hours=1)


def file_fields():
    """(model, field) for every file field of every installed model.

    The history tables are not among them: django-simple-history stores file names there as
    plain text, and an old name in the history does not keep a file alive.
    """
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                yield model, field


def storages_to_walk(fields):
    """The storages the rows use, and the public one: (label, storage), each storage once."""
    found = {}
    for _model, field in fields:
        found.setdefault(id(field.storage), field.storage)
    public = storages["default"]
    found.setdefault(id(public), public)
    labels = []
    for storage in found.values():
        label = _("public") if storage is public else _("private")
        labels.append((label, storage))
    return labels


def walk(storage, folder=""):
    """Every file name in `storage` under `folder`, depth first, a folder at a time."""
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:
        return  # a storage nothing was ever written to
    for name in sorted(files):
        yield posixpath.join(folder, name) if folder else name
    for directory in sorted(directories):
        yield from walk(storage, posixpath.join(folder, directory) if folder else directory)


def sha256_of(storage, name) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        while chunk := handle.read(READ_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


class Command(BaseCommand):
    # Command-line help stays in English, as for the other commands.
    help = (
        "Report rows whose file is missing, stored files no row points to, and evidence files "
        "whose SHA-256 changed. Exit status 1 if anything is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--delete-orphans",
            action="store_true",
            help="delete the files that no row points to (after reporting them)",
        )

    @recorded_as_command
    def handle(self, *args, delete_orphans=False, **options):
        fields = list(file_fields())
        problems = {"missing": 0, "orphan": 0, "altered": 0}
        checked_rows = checked_files = deleted = 0
        known = {}  # id(storage) -> the names rows point to

        for model, field in fields:
            storage = field.storage
            names = known.setdefault(id(storage), set())
            hashed = field.name == "file" and any(f.name == "sha256" for f in model._meta.fields)
            columns = ["pk", field.attname, *(["sha256"] if hashed else [])]
            rows = (
                model._default_manager.exclude(**{field.attname: ""})
                .exclude(**{f"{field.attname}__isnull": True})
                .order_by("pk")
                .values_list(*columns)
                .iterator(chunk_size=CHUNK)
            )
            for pk, name, *sha256 in rows:
                checked_rows += 1
                names.add(name)
                where = f"{model._meta.label} {pk} {field.name}"
                if not storage.exists(name):
                    problems["missing"] += 1
                    self.stdout.write(
                        _("missing: %(row)s: %(name)s") % {"row": where, "name": name}
                    )
                elif sha256 and sha256_of(storage, name) != sha256[0]:
                    problems["altered"] += 1
                    self.stdout.write(
                        _("altered: %(row)s: %(name)s (SHA-256 differs from the recorded one)")
                        % {"row": where, "name": name}
                    )

        for label, storage in storages_to_walk(fields):
            names = known.get(id(storage), set())
            for name in walk(storage):
                checked_files += 1
                if name in names:
                    continue
                problems["orphan"] += 1
                self.stdout.write(
                    _("orphan: %(storage)s storage: %(name)s (no row points to it)")
                    % {"storage": label, "name": name}
                )
                if delete_orphans:
                    if storage.get_modified_time(name) > timezone.now() - DELETE_GRACE:
                        # An upload writes its file before its row commits: this one may be
                        # an upload still in progress on a live site.
                        self.stdout.write(
                            _("  kept: written less than an hour ago, may be an upload in progress")
                        )
                        continue
                    storage.delete(name)
                    deleted += 1

        summary = _(
            "%(rows)d files named in the database, %(files)d files in storage: "
            "%(missing)d missing, %(orphan)d orphan, %(altered)d altered."
        ) % {"rows": checked_rows, "files": checked_files, **problems}
        if delete_orphans:
            summary += " " + ngettext(
                "%(count)d orphan file deleted.", "%(count)d orphan files deleted.", deleted
            ) % {"count": deleted}
        self.stdout.write(summary)
        # Orphans just deleted are no longer a problem; missing and altered files remain one.
        remaining = sum(problems.values()) - deleted
        if remaining:
            raise CommandError(
                ngettext(
                    "%(count)d file problem found.", "%(count)d file problems found.", remaining
                )
                % {"count": remaining},
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(_("All files are in order.")))
