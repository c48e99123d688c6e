"""A council's seal, drawn by the project with PDF operators: two rings with the council's name
and town in capitals between them, the register prefix and "SEAL / मुहर" in the middle. It is no
emblem of the State (the national emblem's use is restricted by law): only text and circles.

Letters on the ring are shaped one by one (Latin letters need no shaping across each other); the
Devanagari word in the middle is one horizontal line, shaped as a whole so its conjuncts hold.
A seal depends only on the council, so it is drawn once per council and reused.
"""

from __future__ import annotations

import math

from issuer.delivery.typeset import Canvas, Color, Typesetter
from schemas.registry import Council

SEAL_COLOR: Color = (0.55, 0.1, 0.12)
RING_SIZE = 6.4


def draw_seal(ts: Typesetter, council: Council, cx: float, cy: float, radius: float) -> Canvas:
    """The seal centred at (cx, cy): outer ring ``radius``, inner ring 0.72 of it."""
    canvas = Canvas()
    inner = radius * 0.72
    canvas.circle(cx, cy, radius, width=1.6, color=SEAL_COLOR)
    canvas.circle(cx, cy, radius - 2.6, width=0.5, color=SEAL_COLOR)
    canvas.circle(cx, cy, inner, width=0.8, color=SEAL_COLOR)
    text = f"{council.name.upper()} • {(council.locality or 'HARYANA').upper()} • "
    _ring(canvas, ts, text, cx, cy, (radius + inner) / 2 - RING_SIZE * 0.33)
    prefix = ts.fit(council.registration_prefix, size=inner * 0.62, width=inner * 1.5,
                    max_lines=1, min_size=6, bold=True)[0]
    canvas.text(prefix, cx - prefix.width / 2, cy + 1, SEAL_COLOR)
    for words, baseline in (("SEAL", cy - 8), ("मुहर", cy - 8 - inner * 0.36)):
        line = ts.lines(words, size=inner * 0.3, width=inner * 2, bold=True)[0]
        canvas.text(line, cx - line.width / 2, baseline, SEAL_COLOR)
    return canvas


def _ring(canvas: Canvas, ts: Typesetter, text: str, cx: float, cy: float, r: float) -> None:
    """``text`` clockwise around the whole ring from the top, shrunk to fit one turn."""
    size = RING_SIZE
    letters = [ts.lines(ch, size=size, width=1000)[0] if ch != " " else None for ch in text]
    space = size * 0.28
    total = sum(line.width if line else space for line in letters)
    scale = min(1.0, 2 * math.pi * r * 0.98 / total)
    angle = math.pi / 2 + (total * scale / r) / 2  # centred on the top
    for line in letters:
        advance = (line.width if line else space) * scale
        if line is not None:
            if scale < 1.0:
                line = ts.lines(line.text, size=size * scale, width=1000)[0]
            middle = angle - advance / (2 * r)
            # the letter's baseline is tangent to the ring, its top towards the outside
            x = cx + r * math.cos(middle) - (advance / 2) * math.sin(middle)
            y = cy + r * math.sin(middle) + (advance / 2) * math.cos(middle)
            canvas.text_turned(line, x, y, middle - math.pi / 2, SEAL_COLOR)
        angle -= advance / r
