"""The verifier runs on its own machine: it must never import the issuer (no database, no keys)."""

from __future__ import annotations

import ast
from pathlib import Path

import verifier

FORBIDDEN = ("issuer",)


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_verifier_never_imports_issuer() -> None:
    sources = sorted(Path(verifier.__file__).parent.rglob("*.py"))
    assert len(sources) >= 7
    offenders = {str(path.name): sorted(name for name in imported_modules(path)
                                        if name.split(".")[0] in FORBIDDEN)
                 for path in sources}
    assert {k: v for k, v in offenders.items() if v} == {}
