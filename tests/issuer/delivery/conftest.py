"""Checks shared by the PDF tests."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pikepdf


def assert_valid_pdf(data: bytes, tmp_path: Path) -> None:
    """pikepdf (qpdf's library) reads ``data`` without repairing it, and, where the qpdf tool is
    installed, ``qpdf --check`` finds no errors."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdf.get_warnings() == []  # qpdf reports every repair of a damaged file
        assert pdf.check_pdf_syntax() == []
    if shutil.which("qpdf") is None:
        return
    path = tmp_path / "checked.pdf"
    path.write_bytes(data)
    done = subprocess.run(["qpdf", "--check", str(path)], check=False, capture_output=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert b"No syntax or stream encoding errors" in done.stdout
