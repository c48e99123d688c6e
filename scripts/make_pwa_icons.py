"""Draw the verifier app's icons (192 and 512 px PNG) into verifier/static/icons/.

A plain mark (a tick in a circle on the page's colour) drawn with Pillow, so the icons are
reproducible from this script and carry no third-party artwork:
``python scripts/make_pwa_icons.py``.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "verifier" / "static" / "icons"
BACKGROUND = (11, 79, 108)
MARK = (255, 255, 255)


def icon(size: int) -> Image.Image:
    image = Image.new("RGB", (size, size), BACKGROUND)
    draw = ImageDraw.Draw(image)
    inset, width = size * 0.22, max(2, round(size * 0.06))
    draw.ellipse((inset, inset, size - inset, size - inset), outline=MARK, width=width)
    tick = [(size * 0.36, size * 0.52), (size * 0.46, size * 0.62), (size * 0.65, size * 0.41)]
    draw.line(tick, fill=MARK, width=width, joint="curve")
    return image


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        icon(size).save(OUT / f"icon-{size}.png", optimize=True)


if __name__ == "__main__":
    main()
