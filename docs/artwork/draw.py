"""Draws the site's own pictures (no stock photos): the home page's hero and the link-preview
image, an illustration of Bali: Mount Agung at dawn, rice terraces, coconut palms and a
climber on one of them.

    .venv/bin/python docs/artwork/draw.py     # writes static/img/hero.jpg and og-image.png
"""

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

STATIC = Path(__file__).resolve().parents[2] / "static" / "img"
SCALE = 2  # drawn twice as large, then reduced: smooth edges


def lerp(a, b, t):
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def sky(draw, w, h):
    top, middle, low = (52, 94, 158), (246, 170, 120), (255, 222, 160)
    for y in range(h):
        t = y / h
        color = lerp(top, middle, t / 0.55) if t < 0.55 else lerp(middle, low, (t - 0.55) / 0.45)
        draw.line([(0, y), (w, y)], fill=color)


def mountain(draw, w, h):
    base = h * 0.62
    peak = (w * 0.66, h * 0.17)
    points = [(w * 0.30, base), (peak[0] - w * 0.025, peak[1] + h * 0.01)]
    points += [(peak[0], peak[1]), (peak[0] + w * 0.03, peak[1] + h * 0.015), (w * 1.02, base)]
    draw.polygon(points, fill=(96, 104, 150))
    far = [(w * -0.05, base), (w * 0.18, h * 0.42), (w * 0.42, base)]
    draw.polygon(far, fill=(128, 130, 170))


def terraces(draw, w, h):
    greens = [(120, 170, 70), (98, 156, 62), (80, 140, 56), (66, 124, 50), (52, 108, 44)]
    top = h * 0.58
    bands = 9
    for i in range(bands):
        y0 = top + (h - top) * (i / bands) ** 1.15
        color = greens[i % len(greens)]
        points = [(0, h)]
        for x in range(0, w + 20, 20):
            wave = math.sin(x / w * math.pi * 2.2 + i * 0.9) * h * 0.018
            points.append((x, y0 + wave))
        points.append((w, h))
        draw.polygon(points, fill=color)
        # the water's edge of each terrace catches the light
        draw.line(points[1:-1], fill=(196, 222, 140), width=max(2, SCALE * 2))


def palm(draw, x, ground, height, lean, climber=False):
    trunk = (104, 78, 52)
    steps = 40
    points = []
    for i in range(steps + 1):
        t = i / steps
        points.append((x + lean * t * t, ground - height * t))
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        draw.line([(x0, y0), (x1, y1)], fill=trunk, width=round(height * 0.035))
    top = points[-1]
    for angle in range(-170, 10, 22):
        a = math.radians(angle)
        length = height * 0.42
        tip = (top[0] + math.cos(a) * length, top[1] + math.sin(a) * length * 0.55 + length * 0.35)
        middle = ((top[0] + tip[0]) / 2, min(top[1], tip[1]) - height * 0.06)
        draw.line([top, middle, tip], fill=(34, 92, 48), width=round(height * 0.03), joint="curve")
    r = height * 0.04
    draw.ellipse([top[0] - r, top[1], top[0] + r, top[1] + r * 1.75], fill=(86, 120, 40))
    if climber:
        t = 0.62
        cx, cy = x + lean * t * t, ground - height * t
        body = (40, 36, 40)
        s = height * 0.05

        def limb(a, b, width):
            draw.line(
                [(cx + a[0] * s, cy + a[1] * s), (cx + b[0] * s, cy + b[1] * s)],
                fill=body,
                width=round(s * width),
            )

        draw.ellipse([cx - s * 1.6, cy - s * 2.6, cx - s * 0.4, cy - s * 1.4], fill=body)  # head
        limb((-1, -1.4), (-1.1, 0.8), 0.9)  # body
        limb((-1, -1.0), (0.3, -1.8), 0.5)  # arm round the trunk
        limb((-1.1, 0.8), (0.2, 1.6), 0.55)  # legs
        limb((-1.1, 0.8), (-0.2, 2.4), 0.55)
        # the udeng, a Balinese head cloth
        draw.rectangle(
            [cx - s * 1.6, cy - s * 2.7, cx - s * 0.4, cy - s * 2.35], fill=(240, 240, 235)
        )


def landscape(w, h) -> Image.Image:
    image = Image.new("RGB", (w * SCALE, h * SCALE))
    draw = ImageDraw.Draw(image)
    W, H = w * SCALE, h * SCALE
    sky(draw, W, H)
    draw.ellipse([W * 0.46, H * 0.30, W * 0.54, H * 0.30 + W * 0.08], fill=(255, 236, 190))
    mountain(draw, W, H)
    terraces(draw, W, H)
    palm(draw, W * 0.80, H * 1.02, H * 0.78, -W * 0.06, climber=True)
    palm(draw, W * 0.90, H * 1.04, H * 0.62, W * 0.03)
    palm(draw, W * 0.08, H * 1.03, H * 0.55, W * 0.04)
    image = image.filter(ImageFilter.GaussianBlur(SCALE * 0.4))
    return image.resize((w, h), Image.LANCZOS)


def main():
    STATIC.mkdir(parents=True, exist_ok=True)
    landscape(1600, 700).save(STATIC / "hero.jpg", quality=82, optimize=True, progressive=True)
    preview = landscape(1200, 630)
    draw = ImageDraw.Draw(preview, "RGBA")
    draw.rounded_rectangle([48, 400, 760, 582], radius=18, fill=(255, 255, 255, 230))
    font_dir = Path("/usr/share/fonts/truetype/dejavu")
    bold = ImageFont.truetype(str(font_dir / "DejaVuSans-Bold.ttf"), 46)
    regular = ImageFont.truetype(str(font_dir / "DejaVuSans.ttf"), 28)
    draw.text((76, 424), "BCC Sponsor", font=bold, fill=(20, 108, 67))
    draw.text((76, 488), "BPJS insurance for Bali's workers", font=regular, fill=(33, 37, 41))
    draw.text((76, 528), "Asuransi BPJS untuk pekerja Bali", font=regular, fill=(73, 80, 87))
    preview.save(STATIC / "og-image.png", optimize=True)


if __name__ == "__main__":
    main()
