"""Evidence files and photos judged by their content (premiums/uploads.py).

Every file here is made in the test, with Pillow or by hand, so that each hostile case shows
exactly which bytes it is.
"""

import hashlib
import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import TemporaryUploadedFile
from PIL import ExifTags, Image

from core.uploads import CleanFile, clean_evidence, clean_photo
from tests.images import (
    gps_exif,
    image_bytes,
    jpeg_bytes,
    jpeg_with_gps,
    pdf_bytes,
    png_bytes,
    upload,
)

SIX_MB = 6 * 1024 * 1024
SCRIPT = b"<html><script>alert(document.cookie)</script></html>"


# --- Files made for the tests ------------------------------------------------------------------


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def crafted_png(width: int, height: int, *, bit_depth=8, colour_type=2, rows=None) -> bytes:
    """A PNG whose header declares width x height, without ever holding that many pixels.

    `rows` is one raw scanline (filter byte included), compressed `height` times over: the
    decompression bomb. Without it, the image data is a token few bytes.
    """
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    if rows is None:
        data = zlib.compress(b"\0" * 16)
    else:
        compressor = zlib.compressobj(9)
        data = b"".join(compressor.compress(rows) for _ in range(height)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )


def bomb_png(side: int) -> bytes:
    """A black side x side image in 1-bit mode: side**2 pixels in a few kilobytes."""
    return crafted_png(side, side, bit_depth=1, colour_type=0, rows=b"\0" * (1 + side // 8))


def noisy_png(size=(120, 120)) -> bytes:
    # Noise does not compress, so cutting the file off really cuts the image data.
    return image_bytes(Image.effect_noise(size, 60), "PNG")


def noisy_jpeg(size=(120, 120)) -> bytes:
    return image_bytes(Image.effect_noise(size, 60).convert("RGB"), "JPEG")


def refusal(clean, file) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        clean(file)
    return caught.value


def reopen(clean_file: CleanFile) -> Image.Image:
    image = Image.open(io.BytesIO(clean_file.content))
    image.load()
    return image


# --- Accepted files ----------------------------------------------------------------------------


def test_it_accepts_a_png_and_stores_it_re_encoded():
    original = png_bytes(size=(40, 30))

    clean = clean_evidence(upload(original, "receipt.png", "image/png"))

    assert clean.content_type == "image/png"
    assert clean.extension == ".png"
    assert clean.size == len(clean.content)
    assert clean.sha256 == hashlib.sha256(clean.content).hexdigest()
    image = reopen(clean)
    assert (image.format, image.size) == ("PNG", (40, 30))
    assert image.getpixel((0, 0)) == (30, 120, 200)


def test_it_accepts_a_jpeg_and_drops_its_exif_and_gps():
    original = jpeg_with_gps()
    # The test file really carries the position, or the assertions below would prove nothing.
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"SnoopPhone" in original

    clean = clean_evidence(upload(original, "IMG_0001.JPG"))

    assert (clean.content_type, clean.extension) == ("image/jpeg", ".jpg")
    image = reopen(clean)
    assert (image.format, image.size) == ("JPEG", (40, 30))
    assert "exif" not in image.info
    assert len(image.getexif()) == 0
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"Exif" not in clean.content
    assert b"SnoopPhone" not in clean.content


def test_it_turns_a_jpeg_upright_before_dropping_its_orientation():
    # Orientation 6: the camera was held on its side; the pixels need a quarter turn.
    clean = clean_evidence(upload(jpeg_with_gps(size=(40, 30), orientation=6)))

    assert reopen(clean).size == (30, 40)


def test_it_stores_a_pdf_as_uploaded():
    original = pdf_bytes()

    clean = clean_evidence(upload(original, "kwitansi.pdf", "application/pdf"))

    assert clean == CleanFile(
        content=original,
        content_type="application/pdf",
        extension=".pdf",
        size=len(original),
        sha256=hashlib.sha256(original).hexdigest(),
    )


def test_it_accepts_a_pdf_2_0():
    original = pdf_bytes().replace(b"%PDF-1.4", b"%PDF-2.0")

    assert clean_evidence(upload(original, "receipt.pdf")).content == original


def test_it_gives_the_same_file_the_same_sha256():
    # Duplicate evidence is found by SHA-256 of the stored bytes, so re-encoding must be stable.
    original = jpeg_with_gps()

    first = clean_evidence(upload(original))
    second = clean_evidence(upload(original, "other-name.jpg"))

    assert first.sha256 == second.sha256
    assert first.sha256 != clean_evidence(upload(jpeg_bytes(color=(1, 2, 3)))).sha256


def test_it_reads_a_temporary_uploaded_file():
    # Uploads over FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) arrive on disk, not in memory.
    original = png_bytes()
    file = TemporaryUploadedFile("receipt.png", "image/png", len(original), None)
    try:
        file.write(original)
        file.seek(0)
        clean = clean_evidence(file)
    finally:
        file.close()

    assert clean.content_type == "image/png"


@pytest.mark.parametrize(
    "name",
    [
        "../../../etc/passwd.png",
        "..\\..\\windows\\system32\\receipt.png",
        "receipt\x00.exe",
        "receipt.png\x00.html",
        "a" * 300 + ".png",
        "收据.png",
        "кви.jpg",
        "بيان.pdf",
        "receipt.exe",
        "no-extension",
        ".htaccess",
    ],
    ids=lambda name: repr(name[:30]),
)
def test_it_judges_a_valid_file_by_content_whatever_its_name(name):
    clean = clean_evidence(upload(png_bytes(), name, "application/x-msdownload"))

    assert (clean.content_type, clean.extension) == ("image/png", ".png")


def test_it_believes_the_content_over_the_extension_and_the_browser():
    # A JPEG called .png and sent as a PDF is a JPEG.
    clean = clean_evidence(upload(jpeg_bytes(), "receipt.png", "application/pdf"))

    assert (clean.content_type, clean.extension) == ("image/jpeg", ".jpg")


def test_it_stores_a_jpeg_html_polyglot_without_its_html():
    # A valid JPEG with a web page after its end is still a valid JPEG, and phones and editors
    # do leave junk after the image. Refusing it would gain nothing: re-encoding keeps only the
    # decoded pixels, so the stored file cannot be read as HTML whatever a browser sniffs.
    polyglot = jpeg_bytes() + SCRIPT
    assert Image.open(io.BytesIO(polyglot)).format == "JPEG"

    clean = clean_evidence(upload(polyglot, "receipt.html", "text/html"))

    assert clean.content_type == "image/jpeg"
    assert b"<script" not in clean.content
    assert b"<html" not in clean.content


def test_it_stores_a_png_html_polyglot_without_its_html():
    clean = clean_evidence(upload(png_bytes() + SCRIPT, "receipt.png", "image/png"))

    assert clean.content_type == "image/png"
    assert b"<script" not in clean.content


def test_it_drops_html_hidden_in_a_jpeg_comment():
    original = image_bytes(Image.new("RGB", (20, 20)), "JPEG", comment=SCRIPT)
    assert SCRIPT in original

    clean = clean_evidence(upload(original))

    assert b"<script" not in clean.content


def test_it_drops_html_hidden_in_a_png_text_chunk():
    original = png_bytes()
    # A tEXt chunk slipped in just before IEND.
    original = original[:-12] + png_chunk(b"tEXt", b"Comment\0" + SCRIPT) + original[-12:]
    assert SCRIPT in original
    assert Image.open(io.BytesIO(original)).text == {"Comment": SCRIPT.decode()}

    clean = clean_evidence(upload(original, "receipt.png", "image/png"))

    assert b"<script" not in clean.content


def test_it_stores_the_first_frame_of_a_multi_frame_jpeg():
    # MPO: some cameras add a second frame (a preview or a stereo view) after the first.
    first, second = Image.new("RGB", (40, 30), (255, 0, 0)), Image.new("RGB", (40, 30))
    original = image_bytes(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(original)).format == "MPO"

    clean = clean_evidence(upload(original))

    image = reopen(clean)
    assert (clean.content_type, image.format, image.size) == ("image/jpeg", "JPEG", (40, 30))
    assert getattr(image, "n_frames", 1) == 1
    red, green, blue = image.getpixel((20, 15))
    assert red > 240 and green < 15 and blue < 15


# --- Image modes -------------------------------------------------------------------------------


def test_it_stores_a_cmyk_jpeg_as_rgb():
    original = image_bytes(Image.new("CMYK", (20, 20), (0, 255, 255, 0)), "JPEG")

    image = reopen(clean_evidence(upload(original)))

    assert image.mode == "RGB"
    red, green, blue = image.getpixel((10, 10))
    assert red > 200 and green < 60 and blue < 60


def test_it_keeps_the_transparency_of_a_palette_png():
    palette_image = Image.new("P", (20, 20), 0)
    palette_image.putpalette([255, 0, 0, 0, 0, 255])
    palette_image.putpixel((0, 0), 1)
    original = image_bytes(palette_image, "PNG", transparency=0)

    image = reopen(clean_evidence(upload(original, "receipt.png")))

    assert image.mode == "RGBA"
    assert image.getpixel((5, 5))[3] == 0
    assert image.getpixel((0, 0)) == (0, 0, 255, 255)


def test_it_stores_a_greyscale_png_with_alpha_as_rgba():
    original = image_bytes(Image.new("LA", (20, 20), (128, 64)), "PNG")

    image = reopen(clean_evidence(upload(original, "receipt.png")))

    assert image.mode == "RGBA"
    assert image.getpixel((0, 0)) == (128, 128, 128, 64)


def test_it_scales_a_sixteen_bit_png_down_to_eight_bits():
    original = image_bytes(Image.new("I;16", (20, 20), 40_000), "PNG")

    image = reopen(clean_evidence(upload(original, "scan.png")))

    assert image.mode == "L"
    assert image.getpixel((0, 0)) == 40_000 // 256


def test_it_keeps_a_one_bit_png_one_bit():
    original = image_bytes(Image.new("1", (64, 64), 1), "PNG")

    assert reopen(clean_evidence(upload(original, "scan.png"))).mode == "1"


# --- Refused files -----------------------------------------------------------------------------

# A truncated file keeps its first bytes, so it still looks like the format it claims to be.
TRUNCATED_JPEG = noisy_jpeg()[:-400]
TRUNCATED_PNG = noisy_png()[:3000]

HOSTILE = [
    # Programs, whatever they are called.
    ("elf renamed .jpg", b"\x7fELF\x02\x01\x01\x00" + b"\0" * 120, "photo.jpg", "unsupported_type"),
    (
        "windows exe renamed .jpg",
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 120,
        "photo.jpg",
        "unsupported_type",
    ),
    ("shell script renamed .pdf", b"#!/bin/sh\nrm -rf ~\n", "receipt.pdf", "unsupported_type"),
    # Web pages that a browser would run if they were served back.
    ("html renamed .jpg", b"<!DOCTYPE html>" + SCRIPT, "photo.jpg", "unsupported_type"),
    ("html with a bom renamed .png", b"\xef\xbb\xbf" + SCRIPT, "photo.png", "unsupported_type"),
    (
        "svg with script renamed .png",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "photo.png",
        "unsupported_type",
    ),
    (
        "svg with xml declaration",
        b'<?xml version="1.0"?>\n<svg><script>alert(1)</script></svg>',
        "receipt.svg.png",
        "unsupported_type",
    ),
    # PDFs that are not quite PDFs.
    ("pdf with an html header", SCRIPT + b"\n" + pdf_bytes(), "receipt.pdf", "unsupported_type"),
    ("pdf with a leading space", b" " + pdf_bytes(), "receipt.pdf", "unsupported_type"),
    (
        "pdf with script in its first kilobyte",
        pdf_bytes().replace(b"%\xe2\xe3\xcf\xd3", SCRIPT),
        "receipt.pdf",
        "not_a_pdf",
    ),
    (
        "pdf with an upper-case html tag",
        pdf_bytes().replace(b"%\xe2\xe3\xcf\xd3", b"<HTML><BODY>"),
        "receipt.pdf",
        "not_a_pdf",
    ),
    (
        "pdf of an unknown version",
        pdf_bytes().replace(b"%PDF-1.4", b"%PDF-9.9"),
        "receipt.pdf",
        "not_a_pdf",
    ),
    ("pdf without %%EOF", pdf_bytes().replace(b"%%EOF", b""), "receipt.pdf", "damaged"),
    ("pdf cut off after its first kilobyte", pdf_bytes(size=4096)[:2048], "receipt.pdf", "damaged"),
    # Images that are not whole.
    ("truncated jpeg", TRUNCATED_JPEG, "photo.jpg", "damaged"),
    ("truncated png", TRUNCATED_PNG, "photo.png", "damaged"),
    # The header's checksum is read on opening: Pillow does not even recognise the file.
    (
        "png with a bad header checksum",
        png_bytes()[:29] + b"\0\0\0\0" + png_bytes()[33:],
        "photo.png",
        "not_an_image",
    ),
    # The image data's checksum is checked by verify().
    (
        "png with a bad data checksum",
        png_bytes()[:-16] + b"\0\0\0\0" + png_bytes()[-12:],
        "photo.png",
        "damaged",
    ),
    ("jpeg magic then html", b"\xff\xd8\xff" + SCRIPT, "photo.jpg", "not_an_image"),
    ("png magic then html", b"\x89PNG\r\n\x1a\n" + SCRIPT, "photo.png", "not_an_image"),
    # Images too big to decode safely.
    ("decompression bomb 20000 x 20000", bomb_png(20_000), "photo.png", "too_many_pixels"),
    (
        "decompression bomb 8000 x 8000, under Pillow's own limit",
        bomb_png(8_000),
        "photo.png",
        "too_many_pixels",
    ),
    ("header declaring 30000 x 30000", crafted_png(30_000, 30_000), "photo.png", "too_many_pixels"),
    ("header declaring 7000 x 7000", crafted_png(7_000, 7_000), "photo.png", "too_many_pixels"),
    (
        "image 12001 pixels wide",
        image_bytes(Image.new("L", (12_001, 1)), "PNG"),
        "photo.png",
        "too_many_pixels",
    ),
    (
        "image 12001 pixels high",
        image_bytes(Image.new("L", (1, 12_001)), "JPEG"),
        "photo.jpg",
        "too_many_pixels",
    ),
    # Other formats, however harmless.
    ("gif", image_bytes(Image.new("P", (10, 10)), "GIF"), "photo.gif.jpg", "unsupported_type"),
    ("bmp", image_bytes(Image.new("RGB", (10, 10)), "BMP"), "photo.jpg", "unsupported_type"),
    ("tiff", image_bytes(Image.new("RGB", (10, 10)), "TIFF"), "photo.jpg", "unsupported_type"),
    ("webp", image_bytes(Image.new("RGB", (10, 10)), "WEBP"), "photo.jpg", "unsupported_type"),
    (
        "heic from an iphone",
        b"\0\0\0\x18ftypheic\0\0\0\0mif1heic",
        "IMG_0001.jpg",
        "unsupported_type",
    ),
    ("zip", b"PK\x03\x04\x14\x00\x00\x00" + b"\0" * 60, "receipt.pdf", "unsupported_type"),
    ("plain text", b"I paid, trust me.\n", "receipt.jpg", "unsupported_type"),
    ("empty file", b"", "receipt.jpg", "empty"),
]


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [pytest.param(content, name, code, id=label) for label, content, name, code in HOSTILE],
)
def test_it_refuses_a_hostile_evidence_file(content, name, code):
    # Sent with the content type the name suggests, as a browser would.
    error = refusal(clean_evidence, upload(content, name, "image/jpeg"))

    assert error.code == code


def test_it_refuses_a_hostile_photo():
    assert refusal(clean_photo, upload(TRUNCATED_JPEG)).code == "damaged"
    assert refusal(clean_photo, upload(bomb_png(20_000))).code == "too_many_pixels"
    assert refusal(clean_photo, upload(b"<svg><script/></svg>")).code == "unsupported_type"


def test_it_makes_pillows_own_bomb_warning_a_refusal(monkeypatch):
    # Pillow warns between MAX_IMAGE_PIXELS and twice that. Our own limit is lower than
    # Pillow's default, but a deployment may lower Pillow's: the warning must not let it pass.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    original = png_bytes(size=(40, 30))  # 1,200 pixels: a warning, not yet Pillow's error

    assert refusal(clean_evidence, upload(original)).code == "too_many_pixels"


def test_it_says_what_is_wrong():
    messages = {
        code: refusal(clean_evidence, upload(content)).messages
        for code, content in [
            ("unsupported_type", b"GIF89a"),
            ("damaged", TRUNCATED_JPEG),
            ("empty", b""),
        ]
    }

    assert messages == {
        "unsupported_type": ["Only JPG, PNG or PDF files are accepted."],
        "damaged": ["This image is damaged or incomplete."],
        "empty": ["This file is empty."],
    }


def test_it_refuses_a_pdf_as_a_photo():
    error = refusal(clean_photo, upload(pdf_bytes(), "photo.jpg"))

    assert error.code == "unsupported_type"
    assert error.messages == ["Only JPG or PNG images are accepted."]


# --- Size --------------------------------------------------------------------------------------


def test_it_accepts_exactly_6_mb_and_refuses_one_byte_more(settings):
    assert settings.EVIDENCE_MAX_BYTES == SIX_MB
    exactly = pdf_bytes(size=SIX_MB)
    assert len(exactly) == SIX_MB

    assert clean_evidence(upload(exactly, "receipt.pdf")).size == SIX_MB

    one_more = pdf_bytes(size=SIX_MB + 1)
    error = refusal(clean_evidence, upload(one_more, "receipt.pdf"))
    assert error.code == "too_large"
    assert error.messages == ["This file is larger than 6 MB."]


def test_it_refuses_by_size_before_reading_anything(settings):
    class Unreadable:
        """An upload that Django has counted as too large; reading it would fail the test."""

        name = "receipt.pdf"
        content_type = "application/pdf"
        size = SIX_MB + 1

        def chunks(self, chunk_size=None):
            raise AssertionError("read before the size was checked")

        read = open = __iter__ = chunks

    assert refusal(clean_evidence, Unreadable()).code == "too_large"
    assert refusal(clean_photo, Unreadable()).code == "too_large"


def test_it_stops_reading_when_the_declared_size_is_wrong(settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    file = upload(pdf_bytes(size=4096), "receipt.pdf")
    file.size = 100

    assert refusal(clean_evidence, file).code == "too_large"


def test_it_computes_the_limit_in_the_message_from_the_setting(settings):
    settings.EVIDENCE_MAX_BYTES = 2 * 1024 * 1024
    half = 512 * 1024

    error = refusal(clean_evidence, upload(b"%PDF-1.4" + b"\0" * (2 * 1024 * 1024), "a.pdf"))
    assert error.messages == ["This file is larger than 2 MB."]

    settings.EVIDENCE_MAX_BYTES = half
    error = refusal(clean_evidence, upload(b"%PDF-1.4" + b"\0" * half, "a.pdf"))
    assert error.messages == ["This file is larger than 0.5 MB."]


def test_it_applies_the_size_limit_to_photos(settings):
    settings.EVIDENCE_MAX_BYTES = 100

    assert refusal(clean_photo, upload(jpeg_bytes())).code == "too_large"


# --- Photos ------------------------------------------------------------------------------------


def big_photo_with_gps(size=(3000, 2000), orientation=None) -> bytes:
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    exif = gps_exif()
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    return image_bytes(image, "JPEG", exif=exif.tobytes(), quality=80)


def test_it_makes_a_web_photo_and_a_thumbnail_without_metadata():
    original = big_photo_with_gps(size=(3000, 2000))
    assert b"SnoopPhone" in original

    web, thumb = clean_photo(upload(original, "IMG_0001.JPG"))

    assert (web.content_type, web.extension) == ("image/jpeg", ".jpg")
    assert (thumb.content_type, thumb.extension) == ("image/jpeg", ".jpg")
    assert reopen(web).size == (1600, 1067)
    assert reopen(thumb).size == (400, 267)
    for clean in (web, thumb):
        image = reopen(clean)
        assert image.format == "JPEG"
        assert len(image.getexif()) == 0
        assert b"SnoopPhone" not in clean.content
        assert clean.sha256 == hashlib.sha256(clean.content).hexdigest()


def test_it_takes_the_sizes_of_the_photos_as_arguments():
    web, thumb = clean_photo(
        upload(big_photo_with_gps(size=(2000, 3000))), max_side=800, thumb_side=100
    )

    assert max(reopen(web).size) == 800
    assert max(reopen(thumb).size) == 100


def test_it_turns_a_photo_upright():
    web, thumb = clean_photo(upload(big_photo_with_gps(size=(3000, 2000), orientation=6)))

    assert reopen(web).size == (1067, 1600)
    assert reopen(thumb).size == (267, 400)


def test_it_does_not_enlarge_a_small_photo():
    web, thumb = clean_photo(upload(jpeg_bytes(size=(300, 200))))

    assert reopen(web).size == (300, 200)
    assert reopen(thumb).size == (300, 200)


def test_it_makes_a_jpeg_photo_of_a_transparent_png_on_white():
    original = image_bytes(Image.new("RGBA", (50, 50), (255, 0, 0, 0)), "PNG")

    web, _ = clean_photo(upload(original, "photo.png", "image/png"))

    image = reopen(web)
    assert (image.format, image.mode) == ("JPEG", "RGB")
    assert all(channel > 245 for channel in image.getpixel((25, 25)))


def test_it_drops_the_html_tail_of_a_polyglot_photo():
    web, thumb = clean_photo(upload(jpeg_bytes() + SCRIPT))

    assert b"<script" not in web.content
    assert b"<script" not in thumb.content
