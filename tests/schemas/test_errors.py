"""The error catalogue: one class per code, codes named only in ``schemas/errors.py``, every code in
``docs/errors.md``."""

from __future__ import annotations

import ast
import inspect
import re
from collections import Counter
from pathlib import Path

import pytest

from schemas import errors
from schemas.errors import NotFound, PramaanError

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("issuer", "verifier", "keys", "schemas")
CATALOGUE = ROOT / "schemas" / "errors.py"
DOCS = ROOT / "docs" / "errors.md"

CLASSES = [cls for _, cls in inspect.getmembers(errors, inspect.isclass)
           if issubclass(cls, PramaanError) and cls.__module__ == errors.__name__]
CODED = [cls for cls in CLASSES if "code" in vars(cls)]
CODES = {cls.code: cls for cls in CODED}

# A string equal to a code that is not that code (reviewed; each says what it is instead).
NOT_CODES = {
    # audit actions, which happen to read like the verdict codes
    ("issuer/status/service.py", "credential.revoked"),
    ("issuer/status/service.py", "credential.suspended"),
    # VC Data Model 2.0 §7.1 problem types VCALM answers per failed check (PROBLEM_OF_CHECK);
    # the status-list spec reuses two of their names for its own errors
    ("verifier/vcalm.py", "RANGE_ERROR"),
    ("verifier/vcalm.py", "MALFORMED_VALUE_ERROR"),
}
PASSED = "ok"
"""The code of a check that passed (``verifier/verify.py``): not an error, so not catalogued."""


def test_every_code_is_unique() -> None:
    assert [c for c, n in Counter(cls.code for cls in CODED).items() if n > 1] == []


def test_every_class_has_a_code_of_its_own() -> None:
    """Only ``StatusError`` groups its subclasses without a code: it is never raised itself."""
    assert [cls.__name__ for cls in CLASSES if cls not in CODED] == ["StatusError"]


def test_a_code_is_not_overridden_per_error() -> None:
    with pytest.raises(TypeError, match="raise a subclass"):
        NotFound("no such thing", code="thing.missing")
    with pytest.raises(TypeError):
        NotFound("no such thing", http_status=410)


def test_the_body_always_has_the_three_keys() -> None:
    assert NotFound("no such thing").to_dict() == {
        "error": "not_found", "detail": "no such thing", "hint": None}
    assert NotFound("x", hint="look elsewhere", where="here").to_dict()["hint"] == "look elsewhere"


def _modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py")
                  if p != CATALOGUE)


def _strings(node: ast.AST) -> list[str]:
    """The string constants of ``node``: itself, or the items of a literal tuple, list or set."""
    items = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
    return [i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)]


def _is_code(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "code") or (
        isinstance(node, ast.Name) and node.id == "code")


def code_literals(source: str, relative: str) -> list[str]:
    """Where the module ``relative`` spells a code as a string: a known code anywhere, or any
    string passed as ``code=``, assigned to ``code`` in a class body, or compared with a
    ``.code``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        strings: list[str] = []
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and node.value in CODES and (relative, node.value) not in NOT_CODES:
            strings = [node.value]
        elif isinstance(node, ast.keyword) and node.arg == "code":
            strings = _strings(node.value)
        elif isinstance(node, ast.ClassDef):
            for statement in node.body:
                if isinstance(statement, ast.Assign) and any(map(_is_code, statement.targets)):
                    strings += _strings(statement.value)
        elif isinstance(node, ast.Compare) and any(map(_is_code, [node.left, *node.comparators])):
            for side in (node.left, *node.comparators):
                strings += [s for s in _strings(side) if s != PASSED]
        found += [f"{relative}:{getattr(node, 'lineno', '?')}: {s!r}" for s in strings]
    return found


def test_no_module_but_the_catalogue_spells_a_code() -> None:
    assert [hit for path in _modules() for hit in code_literals(
        path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())] == []


def test_the_literal_check_finds_what_it_is_for() -> None:
    probe = ('raise Conflict("x", code="thing.taken")\n'
             'class E(Exception):\n    code = "e.e"\n'
             'if status.code in ("a.b", X.code) or c.code == "ok": pass\n'
             'REVOKED = "credential.revoked"\n'
             'audit.record(action="credential.issued", kind="mail.link")\n')
    assert sorted(code_literals(probe, "issuer/probe.py")) == [
        "issuer/probe.py:1: 'thing.taken'", "issuer/probe.py:2: 'e.e'",
        "issuer/probe.py:4: 'a.b'", "issuer/probe.py:5: 'credential.revoked'"]


def _documented() -> dict[str, tuple[str, str]]:
    """``docs/errors.md``'s table: code -> (HTTP status, class)."""
    rows = re.findall(r"^\| `([^`]+)` \| (\d{3}) \| `(\w+)` \|", DOCS.read_text(), re.MULTILINE)
    assert len(rows) == len({code for code, _, _ in rows}), "a code is listed twice"
    return {code: (status, name) for code, status, name in rows}


def test_every_code_is_documented_with_its_status_and_class() -> None:
    assert _documented() == {code: (str(cls.http_status), cls.__name__)
                             for code, cls in CODES.items()}
