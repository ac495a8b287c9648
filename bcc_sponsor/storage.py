"""Where uploaded files go.

Private files (evidence, recipients' photos, handover photos) live in the "private" storage,
which has no public URL: views that check who is asking stream them. Names are random so that
nothing about a person or the original file name is in a path.
"""

import secrets
from pathlib import PurePosixPath

from django.core.files.storage import storages
from django.utils import timezone


def private_storage():
    return storages["private"]


def random_name(folder: str, filename: str) -> str:
    suffix = PurePosixPath(filename or "").suffix.lower()[:5]
    if not suffix.lstrip(".").isalnum():
        suffix = ""
    return f"{folder}/{timezone.now():%Y/%m}/{secrets.token_hex(16)}{suffix}"


class RandomPath:
    """A serialisable upload_to that stores a file under `folder` with a random name."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename):
        return random_name(self.folder, filename)

    def deconstruct(self):
        return ("bcc_sponsor.storage.RandomPath", (self.folder,), {})

    def __eq__(self, other):
        return isinstance(other, RandomPath) and other.folder == self.folder
