"""The PDF's own signature (PAdES B-B): a signature field on the page and the CMS that fills it.

The signature goes into the document's last revision, written by ``incremental.Update``: a
signature dictionary whose ``/Contents`` is a hole of zeros sized for the signer's CMS (``hole``)
and whose ``/ByteRange`` is a placeholder of fixed width, the widget annotation that shows it
(its rectangle is the printed "Digitally signed by" block) and the catalog's ``/AcroForm``. Once
the file's bytes are final the byte ranges (everything but the hole) are hashed, the CMS
SignedData is made over that digest (``keys.cms``) and written into the hole: no PDF library
reads the file again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from issuer.delivery.incremental import Update, ref, text_string
from keys.cms import CmsSigner
from schemas.credential import INDIA
from schemas.errors import ConfigurationError


def hole(signer: DocumentSigner) -> bytes:
    """The ``/Contents`` placeholder: as many zero bytes (in hex) as the signer's CMS can take,
    rounded up to 512 (with a demo chain about 1.7 KB; a licensed CA's longer chain gets room
    by itself, where a fixed 8 KB hole would have added 13 KB of zeros to every PDF)."""
    size = -(-signer.cms.max_size // 512) * 512
    return b"/Contents <" + b"0" * (2 * size) + b">"

_RANGE_WIDTH = 36
_RANGE = b"/ByteRange [" + b" " * _RANGE_WIDTH + b"]"

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class DocumentSigner:
    """Who signs a council's PDFs and when: the CMS signer (the council's key and certificate),
    the names printed in the signature block, and the signing time (the injected clock)."""

    cms: CmsSigner
    registrar: str
    designation: str
    council: str
    location: str
    signed_at: datetime

    def __repr__(self) -> str:
        return f"DocumentSigner({self.registrar!r}, {self.council!r})"


def pdf_date(moment: datetime) -> bytes:
    """``D:YYYYMMDDHHmmSS+05'30'`` (ISO 32000-1 §7.9.4), in India time."""
    india = moment.astimezone(INDIA)
    return f"(D:{india:%Y%m%d%H%M%S}+05'30')".encode("ascii")


def add_signature_field(update: Update, signer: DocumentSigner, *, page: int, rect: Box
                        ) -> tuple[int, bytes]:
    """The signature dictionary and its widget; returns the widget's object number and the
    ``/AcroForm`` entry the catalog must carry."""
    sig, widget, appearance = update.new(), update.new(), update.new()
    update.put(sig, b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached "
               b"%b %b /M %b /Name %b /Reason %b /Location %b >>" % (
                   _RANGE, hole(signer), pdf_date(signer.signed_at), text_string(signer.registrar),
                   text_string(f"Certificate issued by {signer.council}"),
                   text_string(signer.location)))
    x0, y0, x1, y1 = rect
    update.put_stream(appearance, b"/Type /XObject /Subtype /Form /BBox [0 0 %.2f %.2f]" % (
        x1 - x0, y1 - y0), b"")
    update.put(widget, b"<< /Type /Annot /Subtype /Widget /FT /Sig /T %b /V %b /F 132 "
               b"/Rect [%.2f %.2f %.2f %.2f] /P %b /AP << /N %b >> >>" % (
                   text_string("Council signature"), ref(sig), x0, y0, x1, y1, ref(page),
                   ref(appearance)))
    return widget, b"/AcroForm << /Fields [ %b ] /SigFlags 3 >>" % ref(widget)


def sign(data: bytes, signer: DocumentSigner, *, search_from: int = 0) -> bytes:
    """Fill the last signature hole of ``data`` (found after ``search_from``): byte ranges around
    it, SHA-256 of those, the CMS written into the hole."""
    placeholder = hole(signer)
    start = data.rfind(placeholder, search_from)
    marker = data.rfind(_RANGE, search_from, start)
    if start < 0 or marker < 0:
        raise ConfigurationError("the PDF has no signature placeholder to fill")
    hole_start = start + len(b"/Contents ")
    hole_end = start + len(placeholder)
    ranges = b"0 %d %d %d" % (hole_start, hole_end, len(data) - hole_end)
    if len(ranges) > _RANGE_WIDTH:
        raise ConfigurationError("the PDF is too large for the signature's byte range")
    out = bytearray(data)
    at = marker + len(b"/ByteRange [")
    out[at:at + _RANGE_WIDTH] = ranges.ljust(_RANGE_WIDTH)
    view = memoryview(out)
    digest = hashlib.sha256(view[:hole_start])
    digest.update(view[hole_end:])
    blob = signer.cms.sign(digest.digest())
    if 2 * len(blob) > len(placeholder) - len(b"/Contents <>"):
        raise ConfigurationError(f"the PDF signature ({len(blob)} bytes) does not fit the "
                                 "room reserved for it")
    encoded = blob.hex().encode("ascii")
    view.release()
    out[hole_start + 1:hole_start + 1 + len(encoded)] = encoded
    return bytes(out)
