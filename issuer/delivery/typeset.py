"""Lines of shaped text, wrapped or shrunk to a width, and the PDF content stream that draws them.

Shaping does not depend on the font size, so text is shaped once and wrapped at any size by
scaling advances. Glyphs are written as Identity-H codes (= glyph IDs) in ``TJ`` arrays; where
HarfBuzz's positions differ from the ``W`` widths (kerning, mark offsets) the array carries the
adjustment, and vertical mark offsets use the text rise ``Ts`` (ISO 32000-1 §9.4.3). A line whose
glyphs do not map one-to-one to its characters (Devanagari reordering and conjuncts, ligatures) is
wrapped in an ``ActualText`` span (§14.9.4), so copying and searching give the real text.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field
from functools import cached_property

from issuer.delivery.fonts import Face, FontSet, Glyph, Run

Color = tuple[float, float, float]
BLACK: Color = (0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Line:
    """One line of shaped text at one size; its drawing operators are computed once."""

    runs: tuple[Run, ...]
    text: str
    size: float

    @cached_property
    def width(self) -> float:
        return sum(run.width for run in self.runs) * self.size / 1000

    @cached_property
    def ascent(self) -> float:
        return max(run.face.ascent for run in self.runs) * self.size / 1000

    @cached_property
    def height(self) -> float:
        return max(run.face.ascent - run.face.descent for run in self.runs) * self.size / 1000

    @cached_property
    def glyph_ids(self) -> dict[Face, frozenset[int]]:
        ids: dict[Face, set[int]] = {}
        for run in self.runs:
            ids.setdefault(run.face, set()).update(g[0] for g in run.glyphs)
        return {face: frozenset(gids) for face, gids in ids.items()}

    @cached_property
    def actual_text(self) -> str | None:
        """An ``ActualText`` entry when the glyphs alone would not extract as ``text``."""
        drawn = "".join(run.face.to_unicode.get(g[0], "\0") for run in self.runs
                        for g in run.glyphs)
        if drawn == self.text:
            return None
        return f"/Span <</ActualText <feff{self.text.encode('utf-16-be').hex()}>>> BDC"

    @cached_property
    def operators(self) -> str:
        """Font selections and ``Tj``/``TJ`` operators, from the current text position."""
        ops: list[str] = []
        pending = 0  # thousandths of an em still to move right before the next glyph
        size = _num(self.size)
        for run in self.runs:
            ops.append(f"/{run.face.resource} {size} Tf")
            pending = _glyph_operators(ops, run, self.size, pending)
        return " ".join(ops)


def _glyph_operators(ops: list[str], run: Run, size: float, pending: int) -> int:
    widths = run.face.widths
    parts: list[str] = []
    codes: list[int] = []
    rise = 0
    for gid, _, advance, dx, dy in run.glyphs:
        if dy != rise:
            _flush(ops, parts, codes)
            ops.append(f"{_num(dy * size / 1000)} Ts")
            rise = dy
        shift = pending + dx
        if shift:
            if codes:
                parts.append(_hex(codes))
                codes.clear()
            parts.append(str(-shift))
        codes.append(gid)
        pending = advance - dx - widths[gid]
    _flush(ops, parts, codes)
    if rise:
        ops.append("0 Ts")
    return pending


def _flush(ops: list[str], parts: list[str], codes: list[int]) -> None:
    if codes:
        parts.append(_hex(codes))
        codes.clear()
    if len(parts) == 1 and parts[0].startswith("<"):
        ops.append(f"{parts[0]} Tj")
    elif parts:
        ops.append(f"[{' '.join(parts)}] TJ")
    parts.clear()


@dataclass
class Typesetter:
    """Shapes and wraps text, remembering what it did: labels are the same on every page."""

    fonts: FontSet
    limit: int = 2048
    _shaped: dict[tuple[str, bool], tuple[Run, ...]] = field(default_factory=dict)
    _wrapped: dict[tuple[str, bool, float, float], list[Line]] = field(default_factory=dict)

    def shape(self, text: str, bold: bool) -> tuple[Run, ...]:
        runs = self._shaped.get((text, bold))
        if runs is None:
            runs = self.fonts.shape(text, bold=bold)
            if len(self._shaped) >= self.limit:
                self._shaped.clear()
            self._shaped[text, bold] = runs
        return runs

    def lines(self, text: str, *, size: float, width: float, bold: bool = False) -> list[Line]:
        """Greedy wrapping at spaces; a word wider than the line breaks between clusters."""
        key = (text, bold, size, width)
        lines = self._wrapped.get(key)
        if lines is None:
            lines = [Line(runs, line_text, size) for runs, line_text
                     in _wrap(self.shape(text, bold), text, width * 1000 / size)]
            if len(self._wrapped) >= self.limit:
                self._wrapped.clear()
            self._wrapped[key] = lines
        return lines

    def fit(self, text: str, *, size: float, width: float, max_lines: int, min_size: float,
            bold: bool = False) -> list[Line]:
        """The largest size down to ``min_size`` at which the text takes at most ``max_lines``
        lines; at ``min_size`` it takes as many lines as it needs."""
        while True:
            lines = self.lines(text, size=size, width=width, bold=bold)
            if len(lines) <= max_lines or size <= min_size:
                return lines
            size = max(min_size, size * 0.92)


def _wrap(runs: tuple[Run, ...], text: str, limit: float) -> list[tuple[tuple[Run, ...], str]]:
    items = [(run.face, g) for run in runs for g in run.glyphs]
    spans: list[tuple[int, int]] = []
    start, x, last_space = 0, 0.0, -1
    for i, (_, glyph) in enumerate(items):
        if text[glyph[1]] == " ":
            last_space = i
            x += glyph[2]
            continue
        x += glyph[2]
        if x <= limit or i == start:
            continue
        if last_space > start:
            spans.append((start, last_space))
            start = last_space + 1
        else:
            cut = i
            while cut > start + 1 and items[cut][1][1] == items[cut - 1][1][1]:
                cut -= 1
            spans.append((start, cut))
            start = cut
        x = sum(g[2] for _, g in items[start:i + 1])
    spans.append((start, len(items)))
    return [_line(items, text, a, b) for a, b in spans if b > a]


def _line(items: list[tuple[Face, Glyph]], text: str, a: int, b: int
          ) -> tuple[tuple[Run, ...], str]:
    end = items[b][1][1] if b < len(items) else len(text)
    runs: list[Run] = []
    i = a
    while i < b:
        face = items[i][0]
        j = i
        while j < b and items[j][0] is face:
            j += 1
        stop = items[j][1][1] if j < len(items) else len(text)
        runs.append(Run(face, text[items[i][1][1]:min(stop, end)].rstrip(" "),
                        tuple(g for _, g in items[i:j])))
        i = j
    return tuple(runs), text[items[a][1][1]:end].rstrip(" ")


def _hex(codes: list[int]) -> str:
    return f"<{struct.pack(f'>{len(codes)}H', *codes).hex()}>"


def _num(value: float) -> str:
    return f"{value:.2f}"


@dataclass
class Canvas:
    """A page content stream under construction (ISO 32000-1 §8, §9)."""

    ops: list[str] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)

    def used(self) -> dict[Face, set[int]]:
        """The glyph IDs drawn, per face (for the fonts' ``W`` arrays)."""
        used: dict[Face, set[int]] = {}
        for line in {id(line): line for line in self.lines}.values():
            for face, gids in line.glyph_ids.items():
                used.setdefault(face, set()).update(gids)
        return used

    def text(self, line: Line, x: float, baseline: float, color: Color = BLACK) -> None:
        self.lines.append(line)
        span = line.actual_text
        if span:
            self.ops.append(span)
        self.ops.append(f"BT {_num(color[0])} {_num(color[1])} {_num(color[2])} rg "
                        f"1 0 0 1 {_num(x)} {_num(baseline)} Tm {line.operators} ET")
        if span:
            self.ops.append("EMC")

    def text_turned(self, line: Line, x: float, y: float, angle: float,
                    color: Color = BLACK) -> None:
        """``line`` with its baseline origin at (x, y), turned ``angle`` radians anticlockwise:
        a seal's letters around its ring."""
        self.lines.append(line)
        cos, sin = math.cos(angle), math.sin(angle)
        self.ops.append(f"BT {_num(color[0])} {_num(color[1])} {_num(color[2])} rg "
                        f"{cos:.4f} {sin:.4f} {-sin:.4f} {cos:.4f} {_num(x)} {_num(y)} Tm "
                        f"{line.operators} ET")

    def circle(self, cx: float, cy: float, r: float, *, width: float, color: Color = BLACK
               ) -> None:
        """A circle stroked as four Bézier arcs (k = 0.5523: the usual quarter-circle fit)."""
        k = 0.5523 * r
        arcs = ((r, k, k, r, 0, r), (-k, r, -r, k, -r, 0), (-r, -k, -k, -r, 0, -r),
                (k, -r, r, -k, r, 0))
        path = " ".join(" ".join(f"{_num(cx + a)} {_num(cy + b)}" for a, b in
                                 (arc[0:2], arc[2:4], arc[4:6])) + " c" for arc in arcs)
        self.ops.append(f"{_num(color[0])} {_num(color[1])} {_num(color[2])} RG {_num(width)} w "
                        f"{_num(cx + r)} {_num(cy)} m {path} S")

    def extend(self, other: Canvas) -> None:
        self.ops += other.ops
        self.lines += other.lines

    def rule(self, x1: float, y1: float, x2: float, y2: float, *, width: float = 0.5,
             color: Color = BLACK) -> None:
        self.ops.append(f"{_num(color[0])} {_num(color[1])} {_num(color[2])} RG {_num(width)} w "
                        f"{_num(x1)} {_num(y1)} m {_num(x2)} {_num(y2)} l S")

    def frame(self, x: float, y: float, w: float, h: float, *, width: float,
              color: Color = BLACK) -> None:
        self.ops.append(f"{_num(color[0])} {_num(color[1])} {_num(color[2])} RG {_num(width)} w "
                        f"{_num(x)} {_num(y)} {_num(w)} {_num(h)} re S")

    def image(self, name: str, x: float, y: float, w: float, h: float) -> None:
        self.ops.append(f"q {w:.4f} 0 0 {h:.4f} {x:.4f} {y:.4f} cm /{name} Do Q")

    def content(self) -> bytes:
        return "\n".join(self.ops).encode("latin-1")
