"""Does the person DigiLocker asks about match the register? Date of birth exactly, and the
name after normalisation: case, spacing and punctuation, honorifics (Dr., Shri, Smt., …) and
initials (``V. L. N. Rao`` matches ``Venkata Lakshmi Narasimha Rao``)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

HONORIFICS = frozenset({"dr", "doctor", "prof", "professor", "mr", "mrs", "ms", "miss", "shri",
                        "sri", "smt", "shrimati", "kumari", "km", "kum", "late", "er", "adv"})


def name_tokens(name: str) -> list[str]:
    text = unicodedata.normalize("NFKC", name).casefold()
    words = [w for w in re.split(r"[\s.,'’\-]+", text) if w]
    while words and words[0] in HONORIFICS:
        words = words[1:]
    return words


def names_match(asked: str, registered: str) -> bool:
    a, b = name_tokens(asked), name_tokens(registered)
    if not a or not b:
        return False
    if "".join(a) == "".join(b):  # "Asharani" / "Asha Rani"
        return True
    return len(a) == len(b) and all(
        x == y or (len(x) == 1 and y.startswith(x)) or (len(y) == 1 and x.startswith(y))
        for x, y in zip(a, b, strict=True)) and a[-1] == b[-1]


def parse_dob(text: str | None) -> date | None:
    """DigiLocker sends ``DD-MM-YYYY``; ``DD/MM/YYYY`` and ISO are accepted too."""
    for pattern in ("%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime((text or "").strip(), pattern).date()
        except ValueError:
            continue
    return None
