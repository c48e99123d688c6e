"""What a certificate prints faithfully: the check text passes before the register or an
application stores it, so nothing is signed that the PDF would draw differently.

A character is refused when it is a control character (NUL, tab, newline), an invisible format
character, a bidirectional control (the PDF draws left to right, so a RIGHT-TO-LEFT OVERRIDE
prints "Dr. Evil eoJ nhoJ" where a browser shows "Dr. Evil John Joe"), outside the fonts of the
council's scripts (it would print as an empty box), or one combining mark too many on a letter
(180 of them made the name's line shrink every other detail into unreadability).

The printable set is data: the cmap of the fonts each script prints with (``SCRIPT_FONTS``, read
once). ZWJ and ZWNJ are kept where a font shapes with them (Devanagari conjuncts such as क्‍ष), and
a combining mark must belong to a font that also has the letter it sits on.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont

from schemas.errors import ConfigurationError, InvalidData

FONT_DIR = Path(__file__).parent / "fonts"
SCRIPT_FONTS: dict[str, tuple[str, ...]] = {
    # ISO 15924 code: the fonts text of that script is printed with (regular and bold)
    "Latn": ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    "Deva": ("NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Bold.ttf"),
}
MAX_MARKS = 4
"""Combining marks on one letter: Devanagari needs up to three (nukta, virama or vowel sign,
candrabindu); more only stack up and shrink the line."""
JOINERS = frozenset({0x200C, 0x200D})  # ZWNJ, ZWJ
BIDI_CONTROLS = frozenset({0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F),
                           *range(0x2066, 0x206A)})


@cache
def script_coverage(script: str) -> frozenset[int]:
    """The code points every font of ``script`` maps (a name may be printed bold or not)."""
    files = SCRIPT_FONTS.get(script)
    if files is None:
        raise ConfigurationError(f"no certificate font prints the script {script!r}",
                                 hint=f"add its fonts to SCRIPT_FONTS; known: "
                                      f"{', '.join(SCRIPT_FONTS)}")
    maps = [frozenset(TTFont(FONT_DIR / name, lazy=True).getBestCmap()) for name in files]
    return frozenset.intersection(*maps)


def printable(value: str, *, field: str, scripts: Iterable[str]) -> str:
    """``value`` in NFC, if the certificate prints every character of it as stored; otherwise
    ``InvalidData`` naming ``field`` and the first character it cannot print."""
    scripts = tuple(scripts)
    if value.isascii() and value.isprintable() and _ascii_printed(scripts).issuperset(value):
        return value  # the common case, decided in C: no controls, marks or joiners in ASCII
    text = unicodedata.normalize("NFC", value)
    fonts = [script_coverage(script) for script in scripts]
    base: str | None = None  # the letter the following combining marks sit on
    marks = 0
    for position, char in enumerate(text, start=1):
        problem = _control(char)
        if problem is None and not any(ord(char) in font for font in fonts):
            problem = (f"is not in the certificate's fonts ({', '.join(scripts)}) and would "
                       "print as an empty box")
        if problem is None and ord(char) in JOINERS:
            if position == 1 or not any({ord(char), ord(text[position - 2])} <= font
                                        for font in fonts):
                problem = "joins nothing here: it only shapes letters of a script that uses it"
        elif problem is None and unicodedata.category(char).startswith("M"):
            marks += 1
            if base is None or not any({ord(char), ord(base)} <= font for font in fonts):
                problem = "is a combining mark with no letter of its script to sit on"
            elif marks > MAX_MARKS:
                problem = f"is combining mark {marks} on one letter; at most {MAX_MARKS} print"
        elif problem is None:
            base, marks = (char if unicodedata.category(char)[0] in "LN" else None), 0
        if problem is not None:
            raise InvalidData(f"{field}: {describe(char)} (character {position}) {problem}",
                              hint="remove or replace that character; certificates print "
                                   f"{' and '.join(scripts)} text only",
                              field=field, character=f"U+{ord(char):04X}")
    return text


@cache
def _ascii_printed(scripts: tuple[str, ...]) -> frozenset[str]:
    """The printable ASCII characters some font of ``scripts`` has (the bulk import checks
    hundreds of thousands of names, mostly ASCII, with this one set operation)."""
    covered = frozenset().union(*(script_coverage(s) for s in scripts))
    return frozenset(chr(c) for c in range(0x20, 0x7F) if c in covered)


def plain(value: str, *, field: str) -> str:
    """``value`` in NFC if it has no control, format or bidirectional control character: for
    register text that is stored but not printed (a phone number, a DigiLocker id)."""
    if value.isascii() and value.isprintable():
        return value  # in ASCII only the C0 controls and DEL are refused: not isprintable()
    text = unicodedata.normalize("NFC", value)
    for position, char in enumerate(text, start=1):
        problem = _control(char) if ord(char) not in JOINERS else "is an invisible joiner"
        if problem is not None:
            raise InvalidData(f"{field}: {describe(char)} (character {position}) {problem}",
                              hint="remove that character", field=field,
                              character=f"U+{ord(char):04X}")
    return text


def describe(char: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``: how an error names a character."""
    category = unicodedata.category(char)
    name = unicodedata.name(char, "") or ("<control>" if category == "Cc" else f"<{category}>")
    return f"U+{ord(char):04X} {name}"


def _control(char: str) -> str | None:
    category = unicodedata.category(char)
    if ord(char) in BIDI_CONTROLS:
        return ("is a bidirectional control: the certificate would print the text in another "
                "order than a browser shows it")
    if category == "Cc":
        return "is a control character"
    if category in ("Cf", "Zl", "Zp", "Cs", "Co", "Cn") and ord(char) not in JOINERS:
        return "is an invisible or unassigned character the certificate cannot print"
    return None
