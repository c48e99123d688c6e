"""Vendor the Noto fonts the certificate PDF embeds, subset once, into issuer/delivery/fonts/.

Run from the repository root after installing Debian's ``fonts-noto-core`` (SIL OFL 1.1):

    .venv/bin/python scripts/vendor_fonts.py [--source /usr/share/fonts/truetype/noto]

The PDF renderer embeds these files whole, once per process (performance.md §6 "Alternative"), so
every byte here is a byte in every certificate: the fonts are unhinted (printing and on-screen
viewers at certificate sizes do not need TrueType hints) and cut to the characters a certificate
can contain. Glyphs reachable through GSUB from the kept characters (Devanagari conjuncts, half
forms, reph, reordered matras; Latin ligatures) are kept by fontTools' layout closure over its
default feature list (which includes every Indic shaping feature), so HarfBuzz shapes the subset as
it shapes the original font. The renderer drops GSUB/GPOS/GDEF from the copy it embeds in the PDF
(glyphs there are addressed by ID, already shaped), which saves about a third of the Devanagari
font.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

TARGET = Path(__file__).resolve().parent.parent / "issuer" / "delivery" / "fonts"

PUNCTUATION = [*range(0x2010, 0x2028), *range(0x2030, 0x203B), 0x20B9, 0x25CC]  # … ‰ ‹› ₹ ◌
# Basic Latin, Latin-1, Latin Extended-A (ā ī ū ś …), the IAST letters of Latin Extended
# Additional (ḍ ḥ ḷ ṁ ṃ ṅ ṇ ṛ ṝ ṣ ṭ), general punctuation, the rupee sign, the dotted circle.
IAST = [0x1E0C, 0x1E0D, 0x1E24, 0x1E25, 0x1E36, 0x1E37, 0x1E40, 0x1E41, 0x1E42, 0x1E43, 0x1E44,
        0x1E45, 0x1E46, 0x1E47, 0x1E5A, 0x1E5B, 0x1E5C, 0x1E5D, 0x1E62, 0x1E63, 0x1E6C, 0x1E6D]
LATIN = [*range(0x20, 0x7F), *range(0xA0, 0x180), *IAST, *PUNCTUATION]
# The Devanagari block, ZWNJ/ZWJ, and the ASCII punctuation and digits the font itself carries (so a
# Hindi run does not switch fonts at every space or comma).
DEVANAGARI = [*range(0x900, 0x980), 0x200C, 0x200D, *range(0x20, 0x7F), 0xA0, *PUNCTUATION]

FONTS = {
    "NotoSans-Regular.ttf": LATIN,
    "NotoSans-Bold.ttf": LATIN,
    "NotoSansDevanagari-Regular.ttf": DEVANAGARI,
    "NotoSansDevanagari-Bold.ttf": DEVANAGARI,
}


def subset_font(source: Path, target: Path, unicodes: list[int]) -> None:
    options = subset.Options()
    options.hinting = False
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # keep the copyright and licence strings
    options.name_languages = [0x409]
    options.drop_tables += ["DSIG"]
    options.notdef_outline = True
    font = TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    font.save(target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("/usr/share/fonts/truetype/noto"))
    args = parser.parse_args()
    TARGET.mkdir(parents=True, exist_ok=True)
    for name, unicodes in FONTS.items():
        subset_font(args.source / name, TARGET / name, unicodes)
        print(f"{name}: {(TARGET / name).stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
