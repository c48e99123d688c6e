"""Check many certificate files at once (``verifier check FOLDER``) and report a verdict for each.

HR staff checking a staff list drop every certificate PDF or photo into a folder; each file gets
one row (file, verdict, reason, name, registration number, council, valid until), with the words
of ``verifier.verdict``, written as CSV or JSON. A file that holds no readable certificate gets the
row ``Unreadable`` with the reason, so nothing silently drops out of the report.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from schemas.errors import PramaanError
from verifier import inputs
from verifier.verdict import VALID, WORDS, judge
from verifier.verify import Verifier

SUFFIXES = frozenset({".pdf", ".png", ".jpg", ".jpeg", ".jwt", ".txt"})
"""Files taken from a folder; files named on the command line are read whatever their name."""
UNREADABLE = "unreadable"


@dataclass(frozen=True)
class Row:
    file: str
    verdict: str
    state: str
    reason: str
    name: str | None = None
    registration_number: str | None = None
    council: str | None = None
    valid_until: str | None = None
    certificate: str | None = None
    code: str | None = None
    pdf_signature: str | None = None
    """For a PDF, its own signature's state (``verifier.pdf_signature``): anything but valid
    means the page may not be what the council signed."""

    @property
    def valid(self) -> bool:
        return self.state == VALID


def collect(paths: Iterable[Path]) -> list[Path]:
    """The files named, and the certificate files under each folder named, in a stable order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*")
                                if p.is_file() and p.suffix.lower() in SUFFIXES))
        else:
            files.append(path)
    return files


def check_files(files: Iterable[Path], *, verifier: Verifier, clock: Callable[[], datetime],
                max_bytes: int) -> Iterator[Row]:
    """One row per file, as each is checked (so the caller can show progress)."""
    for path in files:
        yield check_file(path, verifier=verifier, now=clock(), max_bytes=max_bytes)


def check_file(path: Path, *, verifier: Verifier, now: datetime, max_bytes: int) -> Row:
    try:
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)
        token = inputs.token_from_upload(data, max_bytes=max_bytes)
    except OSError as err:
        return Row(str(path), "Unreadable", UNREADABLE, f"the file cannot be read: {err.strerror}")
    except PramaanError as err:
        return Row(str(path), "Unreadable", UNREADABLE, err.detail, code=err.code)
    result = verifier.verify(token, now=now, pdf=data if inputs.is_pdf(data) else None)
    verdict = judge(result, verifier.registry, checked_at=now)
    holder = verdict.holder
    return Row(str(path), WORDS[verdict.state], verdict.state, verdict.text,
               name=holder.name if holder else None,
               registration_number=holder.registration_number if holder else None,
               council=holder.council if holder else None,
               valid_until=holder.valid_until[:10] if holder and holder.valid_until else None,
               certificate=holder.certificate_id if holder else None, code=verdict.code,
               pdf_signature=result.pdf_signature.state if result.pdf_signature else None)


FIELDS = tuple(Row.__dataclass_fields__)


def write_csv(rows: Iterable[Row], out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    writer.writeheader()
    for row in rows:
        writer.writerow(asdict(row))


def write_json(rows: Iterable[Row], out: TextIO) -> None:
    json.dump([asdict(row) for row in rows], out, ensure_ascii=False, indent=1)
    out.write("\n")
