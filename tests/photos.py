"""Phone-like photos of a printed certificate, made deterministically from its PDF.

A clerk photographs the paper on a desk: the page sits at an angle, in perspective, somewhat out
of focus, under dim or uneven light, and the phone saves a JPEG with sensor noise. ``photograph``
applies each of those to page 1 of a certificate PDF, driven by a seeded ``random.Random`` so a
failing photo can be made again. Used by the browser tests and ``scripts/bench_decode.py``.
"""

from __future__ import annotations

import io
import random
import subprocess
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter


@dataclass(frozen=True)
class Conditions:
    """How one photo was taken; ``severity`` 0 (careful) to 1 (careless) scaled the ranges."""

    rotation: float
    """Degrees the page is turned in the frame."""
    tilt: float
    """Perspective: how much the far edge shrinks, 0 for a photo taken straight down."""
    blur: float
    """Gaussian blur radius in pixels of the final photo."""
    light: float
    """Overall brightness, 1 for daylight."""
    shadow: float
    """Depth of a light gradient across the page, 0 for even light."""
    noise: float
    """Standard deviation of sensor noise, in grey levels."""
    quality: int
    """JPEG quality."""
    width: int
    """The photo's width in pixels."""


def render_page(pdf: bytes, *, dpi: int = 200) -> Image.Image:
    """Page 1 of ``pdf`` as an RGB image (pdftoppm, as the printer would see it)."""
    done = subprocess.run(["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-"], input=pdf,
                          capture_output=True, timeout=30, check=True)
    return Image.open(io.BytesIO(done.stdout)).convert("RGB")


def conditions(rng: random.Random, severity: float) -> Conditions:
    s = max(0.0, min(1.0, severity))
    return Conditions(
        rotation=rng.uniform(-1, 1) * (4 + 36 * s) + rng.choice((0, 0, 90, 180, 270)) * s,
        tilt=rng.uniform(0, 0.04 + 0.22 * s),
        blur=rng.uniform(0.2, 0.5 + 1.5 * s),
        light=rng.uniform(1.0 - 0.6 * s, 1.0),
        shadow=rng.uniform(0, 0.15 + 0.5 * s),
        noise=rng.uniform(1, 3 + 10 * s),
        quality=rng.randint(int(85 - 40 * s), 90),
        width=rng.choice((1600, 2000, 2400, 3000)),
    )


def photograph(page: Image.Image, how: Conditions, rng: random.Random) -> bytes:
    """A JPEG of ``page`` lying on a desk, taken under ``how``."""
    desk = (rng.randint(90, 150), rng.randint(80, 130), rng.randint(60, 110))
    shot = _perspective(page, how, desk)
    if how.blur > 0:
        shot = shot.filter(ImageFilter.GaussianBlur(how.blur))
    pixels = np.asarray(shot, dtype=np.float32)
    pixels *= (how.light * _light_field(pixels.shape[:2], how.shadow, rng))[..., None]
    noise = np.random.default_rng(rng.getrandbits(32)).standard_normal(pixels.shape[:2],
                                                                        dtype=np.float32)
    pixels += (how.noise * noise)[..., None]  # luminance noise, the kind that hurts
    out = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(out, "JPEG",
                                                                    quality=how.quality)
    return out.getvalue()


def _perspective(page: Image.Image, how: Conditions, desk: tuple[int, int, int]
                 ) -> Image.Image:
    """The page turned by ``rotation`` and foreshortened by ``tilt``, on a desk-coloured square
    frame ``how.width`` pixels wide."""
    side = how.width
    margin = 0.1 * side
    cx = cy = side / 2
    theta = np.radians(how.rotation)
    cos, sin = float(np.cos(theta)), float(np.sin(theta))
    w, h = page.size
    scale = (side - 2 * margin) / max(abs(w * cos) + abs(h * sin), abs(w * sin) + abs(h * cos))
    if scale < 1:  # shrink first, smoothly, as a lens would; the transform then only turns it
        page = page.resize((round(w * scale), round(h * scale)), Image.Resampling.LANCZOS)
        w, h = page.size
        scale = (side - 2 * margin) / max(abs(w * cos) + abs(h * sin),
                                          abs(w * sin) + abs(h * cos))
    shrink = how.tilt * w / 2
    # the page's corners after tilting (top edge further away, so narrower) ...
    corners = [(-w / 2 + shrink, -h / 2), (w / 2 - shrink, -h / 2), (w / 2, h / 2),
               (-w / 2, h / 2)]
    # ... then turned and placed in the frame
    placed = [(cx + scale * (x * cos - y * sin), cy + scale * (x * sin + y * cos))
              for x, y in corners]
    source = [(0.0, 0.0), (float(w), 0.0), (float(w), float(h)), (0.0, float(h))]
    coefficients = _perspective_coefficients(placed, source)
    return page.transform((side, side), Image.Transform.PERSPECTIVE, coefficients,
                          Image.Resampling.BICUBIC, fillcolor=desk)


def _perspective_coefficients(target: list[tuple[float, float]],
                              source: list[tuple[float, float]]) -> tuple[float, ...]:
    """PIL's eight coefficients mapping each output point in ``target`` to ``source``."""
    rows = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    solution = np.linalg.solve(np.array(rows, dtype=np.float64),
                               np.array([c for point in source for c in point], dtype=np.float64))
    return tuple(float(c) for c in solution)


def _light_field(shape: tuple[int, ...], depth: float, rng: random.Random) -> np.ndarray:
    """1 where the light is full, down to ``1 - depth`` on the shadowed side."""
    h, w = shape
    angle = rng.uniform(0, 2 * np.pi)
    ys, xs = np.ogrid[0:h, 0:w]
    ramp = (xs / w).astype(np.float32) * np.cos(angle) + (ys / h).astype(np.float32) * np.sin(angle)
    ramp = (ramp - ramp.min()) / max(float(ramp.max() - ramp.min()), 1e-6)
    return np.asarray(1.0 - depth * ramp, dtype=np.float32)
