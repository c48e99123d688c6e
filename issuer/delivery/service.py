"""Documents made from a stored credential: the PDF and the QR text. Both are views, re-made on
demand from the signed token, so a certificate can be downloaded again at any time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from issuer.credentials.models import IssuedCredential
from issuer.credentials.service import credential_of
from schemas.qr_payload import encode_qr_text
from schemas.registry import Registry

if TYPE_CHECKING:
    from issuer.delivery.pdf import CertificatePdfRenderer


def qr_text(row: IssuedCredential, *, page_url: str) -> str:
    return encode_qr_text(row.token, page_url=page_url)


def certificate_pdf(row: IssuedCredential, *, renderer: CertificatePdfRenderer,
                    registry: Registry, page_url: str) -> bytes:
    return renderer.render(credential_of(row), token=row.token,
                           qr_text=qr_text(row, page_url=page_url), registry=registry)
