"""`manage.py check_files`: rows without their file, files without a row, altered evidence."""

import hashlib
import io
import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError

from recipients.models import Recipient
from tests.factories import HandoverPhotoFactory, PaymentEvidenceFactory, RecipientFactory
from tests.files import isolate_storages, stored_files
from tests.images import jpeg_bytes, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def folders(monkeypatch, tmp_path):
    return isolate_storages(monkeypatch, tmp_path)


def check_files(*args) -> tuple[int, str]:
    """(exit status, output) of the command."""
    out = io.StringIO()
    try:
        call_command("check_files", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


def evidence(content=None):
    content = content or png_bytes()
    return PaymentEvidenceFactory(
        file=ContentFile(content, name="receipt.png"),
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
    )


@pytest.fixture
def stored(folders):
    """One of each kind of stored file, all in order."""
    photo = HandoverPhotoFactory()
    return {
        "evidence": evidence(),
        "recipient": RecipientFactory(photo=ContentFile(jpeg_bytes(), name="face.jpg")),
        "handover": photo,
    }


def test_it_passes_when_every_file_is_in_order(stored, folders):
    status, output = check_files()

    assert status == 0
    assert len(stored_files(folders["private"])) == 4
    assert (
        "4 files named in the database, 4 files in storage: 0 missing, 0 orphan, 0 altered."
        in output
    )
    assert "All files are in order." in output


def test_it_passes_on_empty_stores(folders):
    assert check_files() == (
        0,
        "0 files named in the database, 0 files in storage: 0 missing, 0 orphan, 0 altered.\n"
        "All files are in order.\n",
    )


def test_it_passes_when_the_public_folder_was_never_made(folders):
    folders["default"].rmdir()

    assert check_files()[0] == 0


@pytest.mark.parametrize(
    "kind, field",
    [
        ("evidence", "file"),
        ("recipient", "photo"),
        ("handover", "image"),
        ("handover", "thumbnail"),
    ],
)
def test_it_reports_a_row_whose_file_is_missing(stored, folders, kind, field):
    row = stored[kind]
    name = getattr(row, field).name
    (folders["private"] / name).unlink()

    status, output = check_files()

    assert status == 1
    assert f"missing: {row._meta.label} {row.pk} {field}: {name}" in output
    assert "1 missing, 0 orphan, 0 altered." in output
    assert "1 file problem found." in output


def test_it_ignores_a_row_without_a_file(folders):
    RecipientFactory(photo="")

    assert check_files()[0] == 0


def test_it_reports_a_file_no_row_points_to(stored, folders):
    orphan = folders["private"] / "evidence" / "2026" / "06" / "left-behind.png"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(png_bytes())

    status, output = check_files()

    assert status == 1
    assert "orphan: private storage: evidence/2026/06/left-behind.png (no row points to it)" in (
        output
    )
    assert "0 missing, 1 orphan, 0 altered." in output


def test_it_reports_an_orphan_in_the_public_storage(stored, folders):
    (folders["default"] / "stray.jpg").write_bytes(jpeg_bytes())

    status, output = check_files()

    assert status == 1
    assert "orphan: public storage: stray.jpg (no row points to it)" in output


def test_it_reports_the_file_of_a_deleted_row(stored, folders):
    recipient = stored["recipient"]
    name = recipient.photo.name
    Recipient.objects.filter(pk=recipient.pk).update(photo="")

    status, output = check_files()

    assert status == 1
    assert f"orphan: private storage: {name}" in output


def test_it_reports_evidence_whose_content_changed(stored, folders):
    row = stored["evidence"]
    (folders["private"] / row.file.name).write_bytes(png_bytes(color=(0, 0, 0)))

    status, output = check_files()

    assert status == 1
    assert (
        f"altered: premiums.PaymentEvidence {row.pk} file: {row.file.name} "
        "(SHA-256 differs from the recorded one)"
    ) in output
    assert "0 missing, 0 orphan, 1 altered." in output


def test_it_reports_every_problem_in_one_run(stored, folders):
    (folders["private"] / stored["recipient"].photo.name).unlink()
    (folders["private"] / "orphan.pdf").write_bytes(b"%PDF-1.4\n%%EOF")
    (folders["private"] / stored["evidence"].file.name).write_bytes(b"edited")

    status, output = check_files()

    assert status == 1
    assert "1 missing, 1 orphan, 1 altered." in output
    assert "3 file problems found." in output


def write_old(path, content=b"%PDF-1.4\n%%EOF"):
    """A file last written two hours ago."""
    path.write_bytes(content)
    two_hours_ago = time.time() - 2 * 3600
    os.utime(path, (two_hours_ago, two_hours_ago))
    return path


def test_it_deletes_the_orphans_when_asked(stored, folders):
    orphan = write_old(folders["private"] / "orphan.pdf")

    status, output = check_files("--delete-orphans")

    assert status == 0
    assert "1 orphan file deleted." in output
    assert not orphan.exists()
    assert len(stored_files(folders["private"])) == 4  # the others are untouched
    assert check_files()[0] == 0


def test_it_keeps_an_orphan_that_may_be_an_upload_in_progress(stored, folders):
    fresh = folders["private"] / "evidence" / "just-written.png"
    fresh.parent.mkdir(exist_ok=True)
    fresh.write_bytes(png_bytes())

    status, output = check_files("--delete-orphans")

    assert status == 1
    assert "kept: written less than an hour ago" in output
    assert "0 orphan files deleted." in output
    assert fresh.exists()


def test_deleting_orphans_leaves_the_other_problems_reported(stored, folders):
    (folders["private"] / stored["recipient"].photo.name).unlink()
    write_old(folders["private"] / "orphan.pdf")

    status, output = check_files("--delete-orphans")

    assert status == 1
    assert "1 file problem found." in output
