"""The certificate's fonts: loaded once, shaped with HarfBuzz, embedded as CID fonts.

NotoSans has no Devanagari and NotoSansDevanagari no Latin letters, so text is cut into runs by
script and each run is shaped with its own font (Latin runs with NotoSans, Devanagari runs with
NotoSansDevanagari). HarfBuzz does the Indic shaping (matra reordering, conjuncts, reph): the PDF
receives glyph IDs and positions only. The fonts are embedded as Type0 / CIDFontType2 with
Identity-H (so a glyph's code *is* its ID) and a ``ToUnicode`` map (ISO 32000-1 §9.7.4, §9.10.3),
built once per process (performance.md §6 "Alternative"); the ``W`` widths array is written per
document and lists only the glyphs that document draws.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import uharfbuzz as hb
from fontTools.ttLib import TTFont
from pikepdf import Array, Dictionary, Name

FONT_DIR = Path(__file__).parent / "fonts"
SUBSET_TAG = "PRMAAN"  # the six-letter subset prefix ISO 32000-1 §9.6.4 asks of a subset font
LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF")  # needed to shape, not to draw shaped glyph IDs
ZWNJ, ZWJ, DOTTED_CIRCLE = 0x200C, 0x200D, 0x25CC

Glyph = tuple[int, int, int, int, int]
"""One shaped glyph: (glyph id, cluster = index of its first character, advance, x offset,
y offset); lengths in thousandths of the font size."""


def is_devanagari(cp: int) -> bool:
    return 0x0900 <= cp <= 0x097F or 0xA8E0 <= cp <= 0xA8FF or 0x1CD0 <= cp <= 0x1CFF


def _is_strong(char: str) -> bool:
    return char.isalpha() or is_devanagari(ord(char))


@dataclass(frozen=True, eq=False)
class Face:
    """One font file: HarfBuzz for shaping, metrics and glyph maps for the PDF."""

    resource: str
    script: str  # "Latn" or "Deva", for HarfBuzz
    language: str
    hb_font: hb.Font
    widths: tuple[int, ...]  # advance per glyph id, thousandths of an em
    to_unicode: dict[int, str]  # glyph id -> the text it stands for when it maps 1:1
    covers: frozenset[int]
    ascent: int
    descent: int
    embedded: bytes  # the font program to embed (layout tables dropped)
    descriptor: dict[str, object]

    @classmethod
    def load(cls, file_name: str, *, resource: str, script: str, language: str) -> Face:
        data = (FONT_DIR / file_name).read_bytes()
        ttf = TTFont(io.BytesIO(data), recalcTimestamp=False)  # the same bytes every run
        scale = 1000 / ttf["head"].unitsPerEm
        order = ttf.getGlyphOrder()
        widths = tuple(round(ttf["hmtx"][name][0] * scale) for name in order)
        ids = {name: gid for gid, name in enumerate(order)}
        to_unicode: dict[int, str] = {}
        cmap = ttf.getBestCmap()
        for cp in sorted(cmap, reverse=True):  # the lowest code point wins (U+0020 over U+00A0)
            to_unicode[ids[cmap[cp]]] = chr(cp)
        hb_face = hb.Face(hb.Blob(data))
        hhea, os2, head = ttf["hhea"], ttf["OS/2"], ttf["head"]
        descriptor: dict[str, object] = {
            "FontBBox": [round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)],
            "ItalicAngle": float(ttf["post"].italicAngle),
            "Ascent": round(hhea.ascent * scale),
            "Descent": round(hhea.descent * scale),
            "CapHeight": round(getattr(os2, "sCapHeight", hhea.ascent) * scale),
            "StemV": round(50 + (os2.usWeightClass / 65) ** 2),  # the usual estimate
            "FontName": f"{SUBSET_TAG}+{ttf['name'].getDebugName(6)}",
        }
        for tag in LAYOUT_TABLES:
            if tag in ttf:
                del ttf[tag]
        program = io.BytesIO()
        ttf.save(program)
        return cls(resource, script, language, hb.Font(hb_face), widths, to_unicode,
                   frozenset(cmap), round(hhea.ascent * scale), round(hhea.descent * scale),
                   program.getvalue(), descriptor)

    def shape(self, text: str, start: int) -> tuple[Glyph, ...]:
        buf = hb.Buffer()
        buf.add_str(text)
        buf.direction = "ltr"
        buf.script = self.script
        buf.language = self.language
        hb.shape(self.hb_font, buf)
        upem = self.hb_font.face.upem
        glyphs = [(info.codepoint, start + info.cluster, pos.x_advance, pos.x_offset, pos.y_offset)
                  for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True)]
        if upem != 1000:
            glyphs = [(gid, cluster, *(round(v * 1000 / upem) for v in (adv, dx, dy)))
                      for gid, cluster, adv, dx, dy in glyphs]
        return tuple(glyphs)

    def widths_array(self, used: set[int]) -> bytes:
        """The CIDFont's ``W`` entry for the glyphs a page uses, serialised, as ``c [w1 w2 …]``
        groups of consecutive IDs. Listing only those keeps ``W`` short: a whole-font array is
        ~2,600 numbers, which every document would carry."""
        parts = [b"["]
        previous = -2
        for gid in sorted(used):
            if gid != previous + 1:
                if previous >= 0:
                    parts.append(b"]")
                parts.append(b"%d [" % gid)
            parts.append(b"%d" % self.widths[gid])
            previous = gid
        if previous >= 0:
            parts.append(b"]")
        parts.append(b"]")
        return b" ".join(parts)

    def embed(self, pdf: pikepdf.Pdf) -> Dictionary:
        """The Type0 font dictionary, with its CIDFontType2, descriptor and ToUnicode map; the
        ``W`` widths are added per document (``widths_array``)."""
        base_font = Name("/" + str(self.descriptor["FontName"]))
        program = pdf.make_stream(zlib.compress(self.embedded, 9), Filter=Name.FlateDecode,
                                  Length1=len(self.embedded))
        descriptor = Dictionary({f"/{key}": value for key, value in self.descriptor.items()})
        descriptor.Type = Name.FontDescriptor
        descriptor.FontName = base_font
        descriptor.Flags = 4  # symbolic: glyphs outside the standard Latin set (§9.8.2)
        descriptor.FontFile2 = program
        cid_font = Dictionary(
            Type=Name.Font, Subtype=Name.CIDFontType2, BaseFont=base_font,
            CIDSystemInfo=Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
            FontDescriptor=pdf.make_indirect(descriptor), CIDToGIDMap=Name.Identity, DW=1000)
        to_unicode = pdf.make_stream(zlib.compress(_to_unicode_cmap(self.to_unicode), 9),
                                     Filter=Name.FlateDecode)
        return pdf.make_indirect(Dictionary(
            Type=Name.Font, Subtype=Name.Type0, BaseFont=base_font, Encoding=Name("/Identity-H"),
            DescendantFonts=Array([pdf.make_indirect(cid_font)]), ToUnicode=to_unicode))


def _to_unicode_cmap(mapping: dict[int, str]) -> bytes:
    entries = [f"<{gid:04X}> <{text.encode('utf-16-be').hex().upper()}>"
               for gid, text in sorted(mapping.items())]
    blocks = []
    for i in range(0, len(entries), 100):
        chunk = entries[i:i + 100]
        blocks.append(f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar")
    return ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            + "\n".join(blocks)
            + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n").encode()


@dataclass(frozen=True)
class Run:
    """Consecutive glyphs of one face; ``text`` is the characters they were shaped from."""

    face: Face
    text: str
    glyphs: tuple[Glyph, ...]

    @property
    def width(self) -> int:
        return sum(g[2] for g in self.glyphs)


@dataclass(frozen=True, eq=False)
class FontSet:
    latin: Face
    latin_bold: Face
    devanagari: Face
    devanagari_bold: Face

    @classmethod
    def load(cls) -> FontSet:
        return cls(
            Face.load("NotoSans-Regular.ttf", resource="FL", script="Latn", language="en"),
            Face.load("NotoSans-Bold.ttf", resource="FLB", script="Latn", language="en"),
            Face.load("NotoSansDevanagari-Regular.ttf", resource="FD", script="Deva",
                      language="hi"),
            Face.load("NotoSansDevanagari-Bold.ttf", resource="FDB", script="Deva",
                      language="hi"))

    def faces(self) -> tuple[Face, ...]:
        return (self.latin, self.latin_bold, self.devanagari, self.devanagari_bold)

    def shape(self, text: str, *, bold: bool = False) -> tuple[Run, ...]:
        """Shape mixed English/Hindi text: one HarfBuzz call per script run."""
        latin, deva = (self.latin_bold, self.devanagari_bold) if bold else (self.latin,
                                                                           self.devanagari)
        if text.isascii():
            return (Run(latin, text, latin.shape(text, 0)),)
        return tuple(Run(face, text[start:end], face.shape(text[start:end], start))
                     for face, start, end in _runs(text, latin, deva))


def _runs(text: str, latin: Face, deva: Face) -> Iterator[tuple[Face, int, int]]:
    """Split text by script (UAX #24 in small): letters decide, everything else (spaces, digits,
    punctuation, joiners) stays with the run it is in, if that run's font has it."""
    faces: list[Face | None] = []
    for char in text:
        cp = ord(char)
        faces.append(deva if is_devanagari(cp) or cp == DOTTED_CIRCLE
                     else latin if _is_strong(char) else None)
    current = next((face for face in faces if face is not None), latin)  # leading neutrals
    resolved: list[Face] = []
    for char, face in zip(text, faces, strict=True):
        cp = ord(char)
        if face is None:
            face = current if cp in current.covers or cp in (ZWJ, ZWNJ) else latin
        resolved.append(face)
        current = face
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or resolved[i] is not resolved[start]:
            yield resolved[start], start, i
            start = i
