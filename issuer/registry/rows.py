"""Reading a council's existing register from a file: CSV or JSON lines, one registrant a row.

The columns are data (``PROFESSIONAL_COLUMNS``, ``REGISTRATION_COLUMNS``): a new register field
(for example a registration ``state``) is one more name in a tuple and one more field in
``issuer.registry.inputs``, not a new parser. Every row is validated by the same models as
``issuer register`` and the staff API (``RegistrantIn``), plus the check that the council's
certificates can print its text (``issuer.registry.service.normalised``); a row that fails
becomes a ``Rejected`` naming its line and the reason, never an exception (``docs/import.md``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from issuer.registry.inputs import RegistrantIn
from issuer.registry.service import normalised
from schemas.errors import InvalidData, PramaanError, UnreadableInput
from schemas.registry import Council

PROFESSIONAL_COLUMNS = ("name", "name_hi", "father_name", "date_of_birth", "gender", "email",
                        "phone", "digilocker_id")
REGISTRATION_COLUMNS = ("registration_number", "registration_date", "registration_type",
                        "valid_from", "valid_until")
QUALIFICATION_COLUMNS = ("degree", "university", "college", "year")
MAX_QUALIFICATIONS = 8
"""Qualification ``n`` (2..8) is the columns ``degree_n``, ``university_n``, ``college_n``,
``year_n``; the first has no suffix."""
FORMATS = ("csv", "jsonl")


@dataclass(frozen=True)
class Accepted:
    line: int
    registrant: RegistrantIn


@dataclass(frozen=True)
class Rejected:
    line: int
    registration_number: str
    reason: str


Row = Accepted | Rejected


def known_columns() -> frozenset[str]:
    numbered = {f"{name}_{n}" for name in QUALIFICATION_COLUMNS
                for n in range(2, MAX_QUALIFICATIONS + 1)}
    return frozenset({*PROFESSIONAL_COLUMNS, *REGISTRATION_COLUMNS, *QUALIFICATION_COLUMNS,
                      "council_id", *numbered})


def format_of(path: Path, given: str | None) -> str:
    if given is not None:
        return given
    return "jsonl" if path.suffix.lower() in (".jsonl", ".ndjson") else "csv"


def count_rows(path: Path) -> int:
    """Data rows in the file (lines, less a CSV's header), for the progress line's estimate."""
    with _open(path) as handle:
        return sum(1 for line in handle if line.strip())


def read_rows(path: Path, *, council: Council, fmt: str) -> Iterator[Row]:
    """Each row of the file, validated, in file order, with its line number (1 = first line)."""
    with _open(path) as handle:
        raw = _csv_rows(handle) if fmt == "csv" else _jsonl_rows(handle)
        for line, data in raw:
            yield _validate(line, data, council)


def _open(path: Path) -> TextIO:
    try:
        return path.open(encoding="utf-8-sig", newline="")
    except OSError as err:
        raise UnreadableInput(f"{path} cannot be read: {err.strerror}") from err


def _csv_rows(handle: TextIO) -> Iterator[tuple[int, dict[str, Any] | str]]:
    reader = csv.DictReader(handle)
    header = reader.fieldnames or []
    unknown = sorted(set(header) - known_columns())
    if unknown:
        raise InvalidData(f"unknown column(s) {', '.join(unknown)} in the header",
                          hint="docs/import.md lists the columns; rename or drop these")
    missing = sorted({"registration_number", "name", "father_name", "registration_date",
                      "registration_type", "valid_from", "valid_until", "degree", "university",
                      "year"} - set(header))
    if missing:
        raise InvalidData(f"required column(s) {', '.join(missing)} missing from the header")
    try:
        for record in reader:
            if None in record:
                yield reader.line_num, "more values than the header has columns"
            else:
                yield reader.line_num, _nested({k: v for k, v in record.items() if k})
    except UnicodeDecodeError as err:
        raise UnreadableInput(f"the file is not UTF-8 text (after line {reader.line_num})"
                              ) from err
    except csv.Error as err:
        raise InvalidData(f"line {reader.line_num} is not valid CSV: {err}") from err


def _nested(flat: dict[str, str]) -> dict[str, Any]:
    """A CSV row in the shape of ``RegistrantIn``; an empty cell is an absent value."""
    value = {k: v.strip() for k, v in flat.items() if v is not None and v.strip()}
    qualifications = []
    for n in range(1, MAX_QUALIFICATIONS + 1):
        suffix = "" if n == 1 else f"_{n}"
        q = {c: value[c + suffix] for c in QUALIFICATION_COLUMNS if c + suffix in value}
        if q:
            qualifications.append(q)
    registration: dict[str, Any] = {c: value[c] for c in REGISTRATION_COLUMNS if c in value}
    registration["qualifications"] = qualifications
    if "council_id" in value:
        registration["council_id"] = value["council_id"]
    return {"professional": {c: value[c] for c in PROFESSIONAL_COLUMNS if c in value},
            "registration": registration}


def _jsonl_rows(handle: TextIO) -> Iterator[tuple[int, dict[str, Any] | str]]:
    line = 0
    try:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                data = json.loads(text)
            except json.JSONDecodeError as err:
                yield line, f"not JSON: {err.msg} at column {err.colno}"
                continue
            yield line, data if isinstance(data, dict) else "not a JSON object"
    except UnicodeDecodeError as err:
        raise UnreadableInput(f"the file is not UTF-8 text (after line {line})") from err


def _validate(line: int, data: dict[str, Any] | str, council: Council) -> Row:
    if isinstance(data, str):
        return Rejected(line, "", data)
    registration = data.get("registration")
    number = str(registration.get("registration_number", "")) \
        if isinstance(registration, dict) else ""
    if isinstance(registration, dict):
        given = registration.setdefault("council_id", council.id)
        if given != council.id:
            return Rejected(line, number, f"council_id is {given!r}, this import is for "
                                          f"{council.id!r}")
    try:
        registrant = RegistrantIn.model_validate(data)
        return Accepted(line, normalised(registrant, council))
    except ValidationError as err:
        return Rejected(line, number, _problems(err))
    except PramaanError as err:
        return Rejected(line, number, err.detail)


def _problems(err: ValidationError) -> str:
    """Each offending field and what is wrong with it, on one line."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:] or e['loc'])}: "
                     f"{e['msg'].removeprefix('Value error, ')}" for e in err.errors())
