"""Judging an uploaded evidence file or photo by its content.

Nothing the browser says is trusted: neither the file name nor the content type it sends. A file
is judged by its first bytes, then, for images, by Pillow actually decoding it. Images are stored
re-encoded, never as uploaded, so that what we keep is exactly the pixels we decoded: the EXIF
block (with the GPS position of a phone photo), comments and any bytes hidden after the image
(a JPEG that is also an HTML page) are left behind. PDFs cannot be re-encoded without a PDF
library, so they get a few structural checks and are stored as they are.
"""

import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from PIL import Image, ImageOps
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

# Room for a 24-megapixel phone photo or an A4 page scanned at 600 dpi (35 million pixels), and
# small enough that one decoded RGBA image stays around 160 MB of memory.
MAX_PIXELS = 40_000_000
MAX_SIDE = 12_000
JPEG_QUALITY = 88

# How far from each end of a PDF we look, in bytes.
PDF_WINDOW = 1024

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PDF_MAGIC = b"%PDF-"

JPEG = "image/jpeg"
PNG = "image/png"
PDF = "application/pdf"

EXTENSIONS = {JPEG: ".jpg", PNG: ".png", PDF: ".pdf"}
# The Pillow decoder for each kind of first bytes, and the formats it may report. MPO is what
# Pillow calls a JPEG with further frames after the first, as some cameras write; the JPEG decoder
# opens it, and only the first frame is kept.
PILLOW_DECODERS = {JPEG: "JPEG", PNG: "PNG"}
PILLOW_FORMATS = {JPEG: ("JPEG", "MPO"), PNG: ("PNG",)}


@dataclass(frozen=True)
class CleanFile:
    """A file that passed the checks: `content` is what to store, never the upload itself."""

    content: bytes
    content_type: str
    extension: str
    size: int
    sha256: str

    @classmethod
    def of(cls, content: bytes, content_type: str) -> "CleanFile":
        return cls(
            content=content,
            content_type=content_type,
            extension=EXTENSIONS[content_type],
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
        )


def clean_evidence(upload) -> CleanFile:
    """Accept a JPG, PNG or PDF of at most EVIDENCE_MAX_BYTES, judged by its content.

    Images come back re-encoded (JPEG stays JPEG, PNG stays PNG) without their metadata; a PDF
    comes back as uploaded.
    """
    content = _read(upload)
    content_type = _sniff(content)
    if content_type is None:
        raise ValidationError(
            gettext("Only JPG, PNG or PDF files are accepted."), code="unsupported_type"
        )
    if content_type == PDF:
        _check_pdf(content)
        return CleanFile.of(content, PDF)

    image = _decode(content, content_type)
    if content_type == JPEG:
        return CleanFile.of(_encode_jpeg(_for_jpeg(image)), JPEG)
    return CleanFile.of(_encode_png(_for_png(image)), PNG)


def clean_photo(upload, *, max_side=1600, thumb_side=400) -> tuple[CleanFile, CleanFile]:
    """Accept a JPG or PNG photo and return it as two JPEGs: one for the web and a thumbnail.

    The same size and image checks as for evidence. The web JPEG's longest side is at most
    `max_side` pixels, the thumbnail's at most `thumb_side`; neither is ever enlarged.
    """
    content = _read(upload)
    content_type = _sniff(content)
    if content_type not in (JPEG, PNG):
        raise ValidationError(
            gettext("Only JPG or PNG images are accepted."), code="unsupported_type"
        )
    web = _for_jpeg(_decode(content, content_type, draft_side=max_side))
    web.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    # From the web size rather than the original: much faster, and the same result at this scale.
    thumb = web.copy()
    thumb.thumbnail((thumb_side, thumb_side), Image.Resampling.LANCZOS)
    return CleanFile.of(_encode_jpeg(web), JPEG), CleanFile.of(_encode_jpeg(thumb), JPEG)


def _read(upload) -> bytes:
    max_bytes = settings.EVIDENCE_MAX_BYTES
    too_large = ValidationError(
        gettext("This file is larger than %(limit)s."),
        code="too_large",
        params={"limit": _megabytes(max_bytes)},
    )
    # The size Django counted while receiving the upload: refuse before reading a single byte.
    if upload.size is not None and upload.size > max_bytes:
        raise too_large

    chunks = []
    received = 0
    for chunk in upload.chunks():
        chunks.append(chunk)
        received += len(chunk)
        # In case the declared size was wrong (a hand-made UploadedFile): stop reading anyway.
        if received > max_bytes:
            raise too_large
    if received == 0:
        raise ValidationError(gettext("This file is empty."), code="empty")
    return b"".join(chunks)


def _megabytes(n: int) -> str:
    megabytes = n / (1024 * 1024)
    if megabytes == int(megabytes):
        return f"{int(megabytes)} MB"
    return f"{megabytes:.1f} MB"


def _sniff(content: bytes) -> str | None:
    if content.startswith(JPEG_MAGIC):
        return JPEG
    if content.startswith(PNG_MAGIC):
        return PNG
    if content.startswith(PDF_MAGIC):
        return PDF
    return None


def _check_pdf(content: bytes) -> None:
    if not content.startswith((b"%PDF-1.", b"%PDF-2.")):
        raise ValidationError(gettext("This file is not a valid PDF."), code="not_a_pdf")
    # A browser that sniffs content could render a "PDF" that is really a web page.
    head = content[:PDF_WINDOW].lower()
    if b"<script" in head or b"<html" in head:
        raise ValidationError(gettext("This file is not a valid PDF."), code="not_a_pdf")
    # Every complete PDF ends with %%EOF; its absence means a cut-off upload or download.
    if b"%%EOF" not in content[-PDF_WINDOW:]:
        raise ValidationError(gettext("This PDF is damaged or incomplete."), code="damaged")
    if _pdf_active_content(content):
        raise ValidationError(
            gettext(
                "This PDF contains scripts, actions or attached files, which are not accepted. "
                "Please send a photo or a plain PDF of the receipt."
            ),
            code="active_pdf",
        )


#: PDF names that run something, open something, send something or carry a file: a receipt
#: needs none of them. Their presence anywhere in the file refuses it. /OpenAction and /AA are
#: not here themselves: most PDF writers use /OpenAction only to set the opening view (a page
#: and a zoom); what makes one dangerous is the action it names (JavaScript, Launch,
#: SubmitForm…), and those names are here.
ACTIVE_PDF_NAMES = frozenset(
    {
        "JavaScript",
        "JS",
        "Launch",
        "EmbeddedFile",
        "EmbeddedFiles",
        "FileAttachment",
        "RichMedia",
        "XFA",
        "SubmitForm",
        "ImportData",
        "GoToR",
        "GoToE",
    }
)
_PDF_NAME = re.compile(rb"/((?:[A-Za-z0-9_.+-]|#[0-9A-Fa-f]{2})+)")
# Stream data (images, compressed content) is binary: names found there mean nothing.
_PDF_STREAM = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)


def _pdf_active_content(content: bytes) -> bool:
    """Whether the PDF carries active content, read twice, two ways.

    - The bytes as written outside stream data, every revision included (an incremental update
      appends objects after the first %%EOF, and an object no table lists is still read by
      some viewers): names are compared after decoding #xx escapes (/J#61vaScript).
    - The objects as a PDF reader sees them (pypdf), object streams included: every indirect
      object's dictionaries and arrays are walked, so a name compressed inside an object
      stream is found too. A file pypdf cannot read is refused as damaged.
    """
    for match in _PDF_NAME.finditer(_PDF_STREAM.sub(b"stream endstream", content)):
        name = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), match[1])
        if name.decode("latin-1") in ACTIVE_PDF_NAMES:
            return True
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise ValidationError(
                gettext("Password-protected PDFs are not accepted."), code="encrypted_pdf"
            )
        return any(_pdf_object_is_active(reader, ref) for ref in _pdf_object_refs(reader))
    except ValidationError:
        raise
    except Exception as exc:  # pypdf raises many kinds on a broken file
        raise ValidationError(
            gettext("This PDF is damaged or incomplete."), code="damaged"
        ) from exc


def _pdf_object_refs(reader):
    """Every indirect object the file declares: in its xref tables and in object streams."""
    for generation, objects in reader.xref.items():
        for number in objects:
            yield number, generation
    for number in reader.xref_objStm:
        yield number, 0


def _pdf_object_is_active(reader, ref) -> bool:
    try:
        obj = reader.get_object(IndirectObject(ref[0], ref[1], reader))
    except Exception:
        return False  # a free or missing entry: nothing there to run
    seen = set()
    stack = [obj]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, NameObject) and item[1:] in ACTIVE_PDF_NAMES:
            return True
        if isinstance(item, DictionaryObject):
            for key, value in item.items():
                if key[1:] in ACTIVE_PDF_NAMES:
                    return True
                if not isinstance(value, IndirectObject):
                    stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(v for v in item if not isinstance(v, IndirectObject))
    return False


def _decode(content: bytes, content_type: str, draft_side: int | None = None) -> Image.Image:
    """Decode the whole image, upright, refusing anything too big, damaged or not what it says."""
    decoders = [PILLOW_DECODERS[content_type]]
    try:
        # Pillow only warns below twice its own limit; a warning here is a refusal.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Opening reads the header only, so the size can be checked before any decoding.
            with Image.open(io.BytesIO(content), formats=decoders) as probe:
                _check_dimensions(probe)
                probe.verify()
            # verify() leaves the image unusable: decode from a fresh start.
            image = Image.open(io.BytesIO(content), formats=decoders)
            _check_dimensions(image)
            if draft_side and image.format in ("JPEG", "MPO"):
                _draft(image, draft_side)
            # A truncated image fails here (ImageFile.LOAD_TRUNCATED_IMAGES is left off).
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except Image.UnidentifiedImageError:
        raise _not_an_image() from None
    except Exception:
        # Pillow reports broken files with many exception types (OSError, SyntaxError,
        # ValueError, struct.error...): whatever the decoder trips on is a broken image.
        raise _damaged() from None

    if image.format not in PILLOW_FORMATS[content_type]:
        raise _not_an_image()
    try:
        upright = ImageOps.exif_transpose(image)
    except Exception:
        # The rotation is a nicety; an unreadable EXIF block is no reason to refuse a photo.
        upright = image.copy()
    return upright


def _draft(image: Image.Image, longest_side: int) -> None:
    """Let libjpeg decode a big photo at 1/2, 1/4 or 1/8 scale when it will be shrunk anyway."""
    width, height = image.size
    scale = longest_side / max(width, height)
    if scale < 1:
        # Twice the final size, as Image.thumbnail() does, so that the resampling stays sharp.
        image.draft(None, (int(width * scale * 2), int(height * scale * 2)))


def _check_dimensions(image: Image.Image) -> None:
    width, height = image.size
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise _too_many_pixels()


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        gettext(
            "This image is too large: at most %(side)s pixels wide or high "
            "and %(millions)s million pixels in all."
        ),
        code="too_many_pixels",
        params={"side": f"{MAX_SIDE:,}", "millions": MAX_PIXELS // 1_000_000},
    )


def _not_an_image() -> ValidationError:
    return ValidationError(
        gettext("This file is not a valid JPG or PNG image."), code="not_an_image"
    )


def _damaged() -> ValidationError:
    return ValidationError(gettext("This image is damaged or incomplete."), code="damaged")


def _for_jpeg(image: Image.Image) -> Image.Image:
    """The image in a mode JPEG stores and every browser shows: L or RGB."""
    if image.mode.startswith("I"):
        return _sixteen_bit_to_l(image)
    if _has_transparency(image):
        # JPEG has no transparency: transparent parts become white, as on paper.
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode in ("L", "RGB"):
        return image
    return image.convert("L" if image.mode == "1" else "RGB")


def _for_png(image: Image.Image) -> Image.Image:
    """The image in a plain PNG mode: 1, L, RGB or RGBA."""
    if image.mode.startswith("I"):
        return _sixteen_bit_to_l(image)
    if _has_transparency(image):
        # Also a palette or a colour key made transparent: RGBA keeps it once info is dropped.
        return image if image.mode == "RGBA" else image.convert("RGBA")
    if image.mode in ("1", "L", "RGB"):
        return image
    return image.convert("RGB")


def _has_transparency(image: Image.Image) -> bool:
    return "A" in image.getbands() or "transparency" in image.info


def _sixteen_bit_to_l(image: Image.Image) -> Image.Image:
    # 16-bit greyscale (a few scanners): scale to 8 bits rather than clip at 255.
    return image.convert("I").point(lambda value: value / 256).convert("L")


def _encode_jpeg(image: Image.Image) -> bytes:
    # Nothing read from the file (EXIF, ICC profile, comments, text chunks) goes to the encoder.
    image.info = {}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def _encode_png(image: Image.Image) -> bytes:
    image.info = {}
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
