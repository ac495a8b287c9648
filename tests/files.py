"""File stores of one's own for a test that counts or checks every stored file.

The suite's uploads share one temporary folder for the whole run; a test that asks "which files
are there?" points the storages at empty folders of its own first.
"""

from pathlib import Path

from django.core.files.storage import storages

from premiums.models import PaymentEvidence


def private_storage():
    # The instance the file fields hold (Django calls the field's storage callable once).
    return PaymentEvidence._meta.get_field("file").storage


def isolate_storages(monkeypatch, tmp_path: Path) -> dict[str, Path]:
    """Point the private and the public storage at empty folders under `tmp_path`."""
    folders = {}
    for alias, storage in [("private", private_storage()), ("default", storages["default"])]:
        folder = tmp_path / alias
        folder.mkdir()
        # `location` and `base_location` are cached properties: instance attributes win.
        monkeypatch.setattr(storage, "base_location", str(folder), raising=False)
        monkeypatch.setattr(storage, "location", str(folder), raising=False)
        folders[alias] = folder
    return folders


def stored_files(folder: Path) -> list[str]:
    """Every file under `folder`, as paths relative to it."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
