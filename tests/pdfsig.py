"""Independent readers of a PDF's signature, for the tests: poppler's ``pdfsig`` and pyHanko's
validator. Neither shares code with the issuer's signer or the verifier's check."""

from __future__ import annotations

import io
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from asn1crypto import x509
from sqlalchemy.orm import Session

with warnings.catch_warnings():
    # pyHanko imports cryptography's DSA types, which warn on import; the suite makes warnings
    # errors, and DSA is used nowhere here.
    warnings.simplefilter("ignore")
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

from issuer.delivery.incremental import Base, Update
from issuer.delivery.models import DocumentAuthority


def pdfsig(data: bytes, tmp_path: Path) -> str:
    """``pdfsig``'s report of the file (the ``-nocert`` option: no system trust store needed)."""
    path = tmp_path / "signed.pdf"
    path.write_bytes(data)
    done = subprocess.run(["pdfsig", "-nocert", str(path)], check=False, capture_output=True,
                          text=True, timeout=60)
    return done.stdout + done.stderr


@dataclass(frozen=True)
class HankoVerdict:
    intact: bool
    """The signed bytes' digest matches the signed one."""
    valid: bool
    """The signature over the signed attributes verifies (says nothing of the bytes)."""
    bottom_line: bool
    """pyHanko's overall judgement: intact, valid and trusted."""
    trusted: bool
    whole_file: bool
    signer: str


def hanko(data: bytes, root: bytes) -> HankoVerdict:
    """pyHanko's validation of the first signature, trusting ``root`` (DER) alone."""
    reader = PdfFileReader(io.BytesIO(data))
    signature = reader.embedded_signatures[0]
    status = validate_pdf_signature(
        signature, ValidationContext(trust_roots=[x509.Certificate.load(root)]))
    return HankoVerdict(status.intact, status.valid, status.bottom_line, status.trusted,
                        status.coverage is not None and status.coverage.name == "ENTIRE_FILE",
                        status.signing_cert.subject.human_friendly)


def demo_root(session: Session) -> bytes:
    authority = session.get(DocumentAuthority, "demo")
    assert authority is not None
    return authority.certificate


def edit_bytes(data: bytes, old: bytes, new: bytes) -> bytes:
    """``data`` with its last ``old`` replaced by ``new`` of the same length: offsets stay right,
    so only the signature can tell."""
    assert len(old) == len(new) and old in data
    at = data.rindex(old)
    return data[:at] + new + data[at + len(old):]


def edit_printed_glyph(data: bytes) -> bytes:
    """The page with one printed glyph changed (the first glyph of the first ``Tj``, to the next
    glyph of the font), saved again as a PDF library saves an edited file."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        content = page.Contents.read_bytes()
        at = content.index(b"> Tj") - 4  # the last glyph code of the first Tj: 4 hex digits
        glyph = int(content[at:at + 4], 16)
        page.Contents.write(content[:at] + b"%04x" % (glyph + 1) + content[at + 4:])
        out = io.BytesIO()
        pdf.save(out, preserve_pdfa=False, static_id=True)
        return out.getvalue()


def append_update(data: bytes) -> bytes:
    """An incremental update after the signed revision: a new Info dictionary saying something
    else, appended as any PDF editor appends one."""
    update = Update(Base.read(data))
    info = update.new()
    update.put(info, b"<< /Title (Altered after signing) >>")
    return update.to_bytes(info=info)
