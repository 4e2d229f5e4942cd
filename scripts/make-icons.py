#!/usr/bin/env python3
"""Render icons/source.svg into every icon the app and its tray need.

Needs `rsvg-convert` (Debian/Ubuntu: apt-get install librsvg2-bin) for the
SVG -> PNG step, and Pillow (pip install pillow) for .ico, .icns and the
tray template. Every PNG is written as RGBA: Tauri's build fails otherwise.

Usage: python3 scripts/make-icons.py   (from anywhere; paths are repo-relative)
"""
from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "icons"
SOURCE = ICONS / "source.svg"
UI_LOGO = ROOT / "ui" / "img" / "logo.svg"

try:
    from PIL import Image, ImageChops
except ImportError:  # pragma: no cover - message for people without Pillow
    sys.exit("make-icons: Pillow is missing. Install it with: pip install pillow")

if shutil.which("rsvg-convert") is None:
    sys.exit("make-icons: rsvg-convert is missing. Install it with: apt-get install librsvg2-bin")

# name -> pixel size, rendered straight from the SVG at that size.
PNGS = {
    "32x32.png": 32,
    "64x64.png": 64,
    "128x128.png": 128,
    "128x128@2x.png": 256,
    "icon.png": 512,
    "tray.png": 32,
    "tray@2x.png": 64,
}
ICO_SIZES = [16, 24, 32, 48, 64, 256]
ICNS_SIZES = [16, 32, 64, 128, 256, 512, 1024]
TEMPLATE_SIZES = {"tray-template.png": 32, "tray-template@2x.png": 64}


def render(size: int) -> Image.Image:
    """SVG -> RGBA image of size x size, rendered by rsvg-convert at that size."""
    png = subprocess.run(
        ["rsvg-convert", "--format=png", f"--width={size}", f"--height={size}", str(SOURCE)],
        check=True,
        capture_output=True,
    ).stdout
    image = Image.open(io.BytesIO(png))
    image.load()
    image = image.convert("RGBA")
    if image.size != (size, size):
        image = image.resize((size, size), Image.LANCZOS)
    return image


def template(size: int) -> Image.Image:
    """Monochrome tray template: the white glyph as black with alpha, the rest clear.

    macOS tints template images itself; other platforms can use tray.png.
    """
    r, g, b, a = render(size).split()
    whiteness = ImageChops.darker(ImageChops.darker(r, g), b)
    glyph = whiteness.point(lambda v: max(0, min(255, round((v - 70) * 255 / (255 - 70)))))
    out = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    out.putalpha(ImageChops.multiply(glyph, a))
    return out


BADGE_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
# The tray's count badge: 1..9 and "9+", at the tray's two sizes.
BADGES = [str(n) for n in range(1, 10)] + ["9+"]


def badge(base: Image.Image, text: str) -> Image.Image:
    """The tray icon with a red count badge in its upper-right corner."""
    from PIL import ImageDraw, ImageFont

    size = base.size[0]
    scale = 4  # draw large, then shrink, for smooth edges
    big = base.resize((size * scale, size * scale), Image.LANCZOS)
    draw = ImageDraw.Draw(big)
    d = round(size * 0.62) * scale
    w = d if len(text) == 1 else round(d * 1.35)
    x1, y0 = size * scale, 0
    box = (x1 - w, y0, x1 - 1, y0 + d - 1)
    draw.rounded_rectangle(box, radius=d // 2, fill=(196, 43, 28, 255), outline=(255, 255, 255, 255), width=scale * max(1, size // 32))
    font = ImageFont.truetype(BADGE_FONT, round(d * (0.72 if len(text) == 1 else 0.6)))
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    draw.text((cx, cy), text, fill=(255, 255, 255, 255), font=font, anchor="mm")
    return big.resize((size, size), Image.LANCZOS)


def save_png(image: Image.Image, name: str) -> None:
    assert image.mode == "RGBA", name
    image.save(ICONS / name, format="PNG", optimize=True)


def main() -> int:
    if not SOURCE.is_file():
        sys.exit(f"make-icons: {SOURCE} not found")
    cache: dict[int, Image.Image] = {}

    def at(size: int) -> Image.Image:
        if size not in cache:
            cache[size] = render(size)
        return cache[size]

    for name, size in PNGS.items():
        save_png(at(size), name)

    ico = [at(s) for s in ICO_SIZES]
    ico[-1].save(
        ICONS / "icon.ico",
        format="ICO",
        sizes=[(s, s) for s in ICO_SIZES],
        append_images=ico[:-1],
    )

    icns = [at(s) for s in ICNS_SIZES]
    icns[-1].save(ICONS / "icon.icns", format="ICNS", append_images=icns[:-1])

    for name, size in TEMPLATE_SIZES.items():
        save_png(template(size), name)

    for text in BADGES:
        slug = text.replace("+", "plus")
        save_png(badge(at(32), text), f"tray-{slug}.png")
        save_png(badge(at(64), text), f"tray-{slug}@2x.png")

    # The web UI's header logo is the same drawing.
    UI_LOGO.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SOURCE, UI_LOGO)

    for path in sorted(ICONS.iterdir()):
        if path.suffix == ".png":
            with Image.open(path) as image:
                print(f"{path.relative_to(ROOT)}: {image.size[0]}x{image.size[1]} {image.mode}")
        elif path.suffix in (".ico", ".icns"):
            print(f"{path.relative_to(ROOT)}: {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
