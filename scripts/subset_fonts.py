"""Regenerate the verifier page's WOFF2 fonts from the Noto Sans Devanagari TTFs beside them.

The page served the TTFs (140 KB each): WOFF2 with hinting dropped is 39 KB and keeps every
shaping feature (conjuncts, matras), so any Hindi name still renders. The English page needs
Devanagari for one word only, the language button's "हिन्दी": a 3 KB font of those glyphs
(``PramaanLabel``) spares it the full face. Run after changing the TTFs or the label:

    pip install -e ".[fonts]" && python scripts/subset_fonts.py

The generated files are committed (the service needs no fonttools at run time); ``tests/verifier/
test_web.py`` checks they are WOFF2 and that the label font covers the label.
"""

from __future__ import annotations

from pathlib import Path

from fontTools import subset  # type: ignore[import-untyped, import-not-found, unused-ignore]

FONTS = Path(__file__).resolve().parents[1] / "verifier" / "static" / "fonts"
DEVANAGARI = "U+0900-097F,U+1CD0-1CFF,U+200C-200D,U+25CC,U+A8E0-A8FF"
"""The unicode-range of app.css's "Pramaan Devanagari" faces: the block and its helpers."""
LABEL = "हिन्दी"
"""The English page's only Devanagari: ``lang.switch`` in ``strings.json``."""


def _subset(source: Path, target: Path, *, unicodes: str | None = None,
            text: str | None = None) -> None:
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.hinting = False
    options.name_IDs = ["*"]  # keep the copyright and licence names the OFL asks for
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=subset.parse_unicodes(unicodes) if unicodes else [],
                       text=text or "")
    subsetter.subset(font)
    subset.save_font(font, str(target), options)


def main() -> None:
    for weight in ("Regular", "Bold"):
        _subset(FONTS / f"NotoSansDevanagari-{weight}.ttf",
                FONTS / f"NotoSansDevanagari-{weight}.woff2", unicodes=DEVANAGARI)
    _subset(FONTS / "NotoSansDevanagari-Bold.ttf", FONTS / "PramaanLabel-Bold.woff2", text=LABEL)
    for path in sorted(FONTS.glob("*.woff2")):
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
