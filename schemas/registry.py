"""Councils, professions and certificate types, loaded from data files.

A new council or profession (nursing, physiotherapy) is a JSON file, not code: the built-in files in
``schemas/data`` are merged with any extra files a deployment lists in its settings, and every file
is validated against ``registry.schema.json`` before use.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema

from schemas.errors import ConfigurationError, NotFound

DATA_DIR = Path(__file__).parent / "data"
BUILTIN_FILES = ("professions.json", "councils.json", "certificate_types.json")
DEFAULT_SCRIPTS = ("Latn", "Deva")
"""The scripts (ISO 15924) a council's certificates print when its data names none."""


@dataclass(frozen=True)
class Profession:
    id: str
    name: str
    name_hi: str
    practitioner: str
    renewal: str | None = None
    """ISO 8601 period (``P5Y``) after which a registration must be renewed; None: never."""


@dataclass(frozen=True)
class Council:
    id: str
    name: str
    name_hi: str
    profession: str
    registration_prefix: str
    act: str = ""
    registrar: str = ""
    """The Registrar, who signs the council's PDFs (the signature block and the certificate)."""
    registrar_designation: str = "Registrar"
    registrar_designation_hi: str = "रजिस्ट्रार"
    address: str = ""
    address_hi: str = ""
    locality: str = ""
    scripts: tuple[str, ...] = DEFAULT_SCRIPTS
    """The scripts its certificates print; register text outside their fonts is refused."""


@dataclass(frozen=True)
class CertificateType:
    id: str
    vc_type: str
    code: str
    title: str
    title_hi: str
    schema: str
    validity: str
    extra_fields: tuple[str, ...]
    statement: str = ""
    """The council's attestation printed on the certificate (e.g. the Good Standing wording)."""
    statement_hi: str = ""
    documents: tuple[tuple[str, str], ...] = ()
    """What an applicant uploads with an online application: (English, Hindi) pairs."""


@dataclass(frozen=True)
class Registry:
    professions: dict[str, Profession]
    councils: dict[str, Council]
    certificate_types: dict[str, CertificateType]

    def council(self, council_id: str) -> Council:
        try:
            return self.councils[council_id]
        except KeyError:
            raise NotFound(f"council {council_id!r} is not in the registry",
                           hint=f"known councils: {', '.join(sorted(self.councils))}") from None

    def certificate_type(self, type_id: str) -> CertificateType:
        try:
            return self.certificate_types[type_id]
        except KeyError:
            known = ", ".join(sorted(self.certificate_types))
            raise NotFound(f"certificate type {type_id!r} is not known",
                           hint=f"use one of: {known}") from None

    def certificate_type_by_vc_type(self, vc_types: Iterable[str]) -> CertificateType | None:
        wanted = set(vc_types)
        return next((t for t in self.certificate_types.values() if t.vc_type in wanted), None)


@cache
def _file_validator() -> Callable[[Any], Any]:
    schema = json.loads((DATA_DIR / "registry.schema.json").read_text("utf-8"))
    return fastjsonschema.compile(schema)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
        _file_validator()(data)
    except fastjsonschema.JsonSchemaValueException as err:
        where = "/".join(str(p) for p in err.path[1:]) or "(top)"
        raise ConfigurationError(f"registry file {path}: {where}: {err.message}") from err
    except (OSError, ValueError) as err:
        raise ConfigurationError(f"registry file {path} cannot be read: {err}") from err
    return data  # type: ignore[no-any-return]


def load_registry(extra_files: Iterable[Path] = ()) -> Registry:
    """Merge the built-in data with a deployment's extra files; later files add or override by
    id."""
    professions: dict[str, Profession] = {}
    councils: dict[str, Council] = {}
    types: dict[str, CertificateType] = {}
    for path in [DATA_DIR / name for name in BUILTIN_FILES] + [Path(p) for p in extra_files]:
        data = _read(path)
        for p in data.get("professions", []):
            professions[p["id"]] = Profession(**p)
        for c in data.get("councils", []):
            councils[c["id"]] = Council(**{**c, "scripts": tuple(c.get("scripts",
                                                                          DEFAULT_SCRIPTS))})
        for t in data.get("certificate_types", []):
            types[t["id"]] = CertificateType(**{
                **t, "extra_fields": tuple(t["extra_fields"]),
                "documents": tuple((d["en"], d["hi"]) for d in t.get("documents", []))})
    for council in councils.values():
        if council.profession not in professions:
            raise ConfigurationError(
                f"council {council.id!r} names profession {council.profession!r}, which no file "
                "defines")
    return Registry(professions, councils, types)


@cache
def default_registry() -> Registry:
    return load_registry()


def add_period(start: date, period: str) -> date:
    """Add an ISO 8601 period of one unit (``P6M``, ``P1Y``, ``P90D``), clamping month ends."""
    amount, unit = int(period[1:-1]), period[-1]
    if unit == "D":
        return start + timedelta(days=amount)
    months = amount * (12 if unit == "Y" else 1)
    year, month = divmod(start.month - 1 + months, 12)
    day = start.day
    while True:
        try:
            return start.replace(year=start.year + year, month=month + 1, day=day)
        except ValueError:
            day -= 1
