"""Pictures drawn with Pillow, so that the demo needs no files: portraits, handover photos and
BPJS receipts (a phone photo, or a PDF written by hand).

Each picture is drawn from a seed, so the same demo row always gets the same picture.
"""

import io
import random

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from program.demo.people import Person


def _font(size: int):
    return ImageFont.load_default(size=size)


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def portrait(person: Person, seed: int) -> bytes:
    """A simple painted head-and-shoulders portrait with the person's initials."""
    rng = random.Random(seed)
    background = rng.choice([(230, 196, 140), (150, 196, 170), (170, 190, 225), (225, 170, 160)])
    shirt = rng.choice([(180, 40, 50), (40, 90, 160), (60, 120, 70), (120, 70, 140)])
    skin = rng.choice([(176, 124, 88), (160, 110, 75), (190, 140, 100)])
    hair, dark = (35, 28, 24), (45, 35, 30)
    image = Image.new("RGB", (300, 360), background)
    draw = ImageDraw.Draw(image)
    draw.ellipse((30, 250, 270, 480), fill=shirt)
    draw.rectangle((128, 200, 172, 265), fill=skin)
    if person.sex == "F":
        draw.ellipse((82, 70, 218, 250), fill=hair)
        draw.ellipse((120, 52, 180, 96), fill=hair)  # the bun
    draw.ellipse((95, 85, 205, 222), fill=skin)
    if person.sex == "M":
        # An udeng, the Balinese head cloth, with its knot in front.
        draw.chord((90, 70, 210, 150), 180, 360, fill=(240, 238, 230))
        draw.polygon([(140, 95), (150, 62), (160, 95)], fill=(240, 238, 230))
    draw.ellipse((122, 140, 134, 152), fill=dark)
    draw.ellipse((166, 140, 178, 152), fill=dark)
    draw.arc((125, 160, 175, 198), 20, 160, fill=dark, width=3)
    initials = "".join(part[0] for part in person.full_name.split()[1:3])
    draw.rectangle((0, 318, 300, 360), fill=tuple(c // 2 for c in background))
    draw.text((150, 339), initials, fill="white", font=_font(26), anchor="mm")
    return _jpeg(image)


def handover_picture(caption: str, seed: int) -> bytes:
    """BCC staff handing the BPJS card over in the village, as a naive painting."""
    rng = random.Random(seed)
    image = Image.new("RGB", (640, 420), (150, 200, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 250, 640, 420), fill=rng.choice([(90, 160, 70), (120, 150, 80)]))
    # A split temple gate (candi bentar) behind the people.
    for left in (40, 150):
        for step in range(4):
            box = (left + 8 * step, 220 - 30 * step, left + 90 - 8 * step, 250 - 30 * step)
            draw.rectangle(box, fill=(150, 90, 70))
    for x, shirt in ((330, (30, 90, 170)), (450, rng.choice([(200, 60, 60), (230, 180, 60)]))):
        draw.ellipse((x - 40, 200, x + 40, 380), fill=shirt)
        draw.ellipse((x - 25, 140, x + 25, 200), fill=(170, 118, 82))
    # The card between their hands.
    draw.rectangle((372, 262, 412, 288), fill="white", outline=(0, 120, 60), width=2)
    draw.rectangle((372, 262, 412, 270), fill=(0, 150, 70))
    draw.rectangle((0, 385, 640, 420), fill=(30, 30, 30))
    draw.text((12, 402), caption[:70], fill="white", font=_font(18), anchor="lm")
    return _jpeg(image)


def receipt_png(lines: list[str], *, blurred: bool = False) -> bytes:
    """A BPJS Ketenagakerjaan payment receipt as a phone photo would show it."""
    image = Image.new("RGB", (560, 600), (252, 252, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 560, 70), fill=(0, 132, 64))
    draw.text((24, 35), "BPJS Ketenagakerjaan", fill="white", font=_font(28), anchor="lm")
    y = 100
    for line in lines:
        draw.text((24, y), line, fill=(35, 35, 35), font=_font(18))
        y += 36
    draw.line((24, y + 4, 536, y + 4), fill=(180, 180, 180), width=1)
    draw.ellipse((380, y + 30, 520, y + 130), outline=(0, 132, 64), width=4)
    draw.text((450, y + 80), "LUNAS", fill=(0, 132, 64), font=_font(30), anchor="mm")
    if blurred:
        image = image.filter(ImageFilter.GaussianBlur(6))
    return _png(image)


def receipt_pdf(lines: list[str]) -> bytes:
    """A one-page PDF receipt, written by hand: header, five objects, cross-reference table."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text = ["BT", "/F1 16 Tf", "18 TL", "50 780 Td", "(BPJS Ketenagakerjaan) Tj", "/F1 11 Tf"]
    text += ["T*", "T*"] + [f"({escape(line)}) Tj T*" for line in lines] + ["ET"]
    stream = "\n".join(text).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
