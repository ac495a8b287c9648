"""Real files made for the tests: images made with Pillow, a small well-formed PDF, and the
upload a browser sends with one of them."""

import io
import mimetypes

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image


def png_bytes(size=(40, 30), color=(30, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(size=(40, 30), color=(200, 120, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="JPEG")
    return buffer.getvalue()


def image_bytes(image: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def pdf_bytes(size: int | None = None) -> bytes:
    """A small well-formed PDF (cross-reference table included, as a PDF reader needs it);
    padded with a comment to exactly `size` bytes if given."""

    def build(padding: int) -> bytes:
        out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
        if padding:
            out += b"%" + b"x" * padding + b"\n"
        offsets = []
        for obj in (
            b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n",
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n",
        ):
            offsets.append(len(out))
            out += obj
        xref = len(out)
        out += b"xref\n0 3\n0000000000 65535 f \n"
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        return out + b"trailer << /Size 3 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref

    if size is None:
        return build(0)
    padding = 1
    while len(content := build(padding)) != size:
        padding += size - len(content)
    return content


def gps_exif() -> Image.Exif:
    """EXIF as a phone writes it: the camera, and where the photo was taken (Denpasar)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SnoopPhone"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "S",
        ExifTags.GPS.GPSLatitude: (8.0, 39.0, 0.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (115.0, 13.0, 0.0),
    }
    return exif


def jpeg_with_gps(size=(40, 30), orientation=None) -> bytes:
    exif = gps_exif()
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    image = Image.new("RGB", size, (200, 120, 30))
    return image_bytes(image, "JPEG", exif=exif.tobytes())


def upload(content: bytes | None = None, name="receipt.png", content_type=None):
    """A chosen file as a browser sends it: `content` (a small PNG unless given) under `name`,
    with the type the browser declares (guessed from the name unless given). The app judges a
    file by its bytes alone, so a name or a type that lies changes nothing."""
    content_type = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return SimpleUploadedFile(
        name, png_bytes() if content is None else content, content_type=content_type
    )
