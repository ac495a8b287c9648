"""Where uploaded files go, and how private ones are served.

Private files (evidence, recipients' photos, handover photos) live in the "private" storage,
which has no public URL: views that check who is asking stream them. Names are random so that
nothing about a person or the original file name is in a path.
"""

import mimetypes
import secrets
from pathlib import PurePosixPath

from django.core.files.storage import storages
from django.http import FileResponse, Http404
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
        return ("core.storage.RandomPath", (self.folder,), {})

    def __eq__(self, other):
        return isinstance(other, RandomPath) and other.folder == self.folder


def serve_private_file(field_file, *, public=False, filename="file", content_type=None):
    """Stream a file from private storage with headers that stop sniffing and caching.

    Images are shown inline; anything else (PDF) is offered as a download, so that a
    document is never rendered by the browser in the site's origin.
    """
    if not field_file:
        raise Http404  # the file was deleted (a donor's data erased), the row kept
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    content_type = (
        content_type or mimetypes.guess_type(field_file.name)[0] or "application/octet-stream"
    )
    response = FileResponse(
        handle,
        as_attachment=not content_type.startswith("image/"),
        filename=filename + (mimetypes.guess_extension(content_type) or ""),
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return response
