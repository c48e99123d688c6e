"""Print a certificate credential on one A4 page, with the signed vc+jwt attached.

The fonts are parsed and embedded once, into a template PDF built when the renderer is loaded
(performance.md §6 "Alternative": about 3 ms a document, against about 100 ms for per-document font
subsetting). Each document opens the template, adds its content stream and the QR image, attaches
the vc+jwt (``credential.jwt``, ``application/vc+jwt``; associated with the document as its
``/Source``, ISO 32000-2 §14.13) and writes XMP metadata naming the credential.

The page is a view of the credential: everything printed comes from it (and from the registry's
certificate titles), so a PDF can be rendered again at any time from the stored credential and
token. Only the QR, which carries the signed credential, is authoritative; the page says so.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Mapping
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

import pikepdf
from pikepdf import AttachedFileSpec, Dictionary, Name

from issuer.delivery.fonts import FontSet
from issuer.delivery.layout import PAGE_HEIGHT, PAGE_WIDTH, Composer
from issuer.delivery.qr import qr_image
from issuer.delivery.typeset import Typesetter
from schemas.errors import InvalidData
from schemas.registry import Registry

ATTACHMENT_NAME = "credential.jwt"
ATTACHMENT_TYPE = "application/vc+jwt"
XMP_NAMESPACE = "urn:pramaan:xmp:1.0:"
XMP_PREFIX = "pramaan"


PLACEHOLDERS = {"title": "@@TITLE@@", "id": "@@IDENTIFIER@@", "keywords": "@@KEYWORDS@@",
                "creator": "@@CREATOR@@"}


def _template(fonts: FontSet) -> bytes:
    """The page with its fonts, and an XMP packet written by pikepdf whose per-document values
    are placeholders (pikepdf's XMP editing costs ~2 ms a document; substituting costs µs)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(PAGE_WIDTH, PAGE_HEIGHT))
    page = pdf.pages[0].obj
    page.Resources = Dictionary(Font=Dictionary({f"/{face.resource}": face.embed(pdf)
                                                 for face in fonts.faces()}))
    pdf.Root.Lang = pikepdf.String("en-IN")
    pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["dc:title"] = PLACEHOLDERS["title"]
        meta["dc:identifier"] = PLACEHOLDERS["id"]
        meta["dc:creator"] = [PLACEHOLDERS["creator"]]
        meta["dc:language"] = ["en-IN", "hi-IN"]
        meta["pdf:Keywords"] = PLACEHOLDERS["keywords"]
        meta[f"{{{XMP_NAMESPACE}}}credentialAttachment"] = ATTACHMENT_NAME
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


class CertificatePdfRenderer:
    """Renders certificate PDFs; load once per process, then ``render`` per document."""

    def __init__(self, fonts: FontSet, template: bytes) -> None:
        self._template = template
        self._composer = Composer(Typesetter(fonts))
        with pikepdf.open(io.BytesIO(template)) as pdf:
            self._xmp = pdf.Root.Metadata.read_bytes().decode("utf-8")

    @classmethod
    def load(cls) -> CertificatePdfRenderer:
        """Parse the vendored fonts and build the template (about 0.2 s; once per process)."""
        pikepdf.models.metadata.PdfMetadata.register_xml_namespace(XMP_NAMESPACE, XMP_PREFIX)
        fonts = FontSet.load()
        return cls(fonts, _template(fonts))

    def render(self, credential: Mapping[str, Any], *, token: str, qr_text: str,
               registry: Registry, issued_on: date | None = None) -> bytes:
        """One A4 page printing ``credential``, its QR drawn from ``qr_text`` and ``token``
        attached. ``issued_on`` is the printed date of issue; by default the date of ``iat`` in
        India."""
        cert_type = registry.certificate_type_by_vc_type(credential.get("type") or [])
        if cert_type is None:
            raise InvalidData("the credential's type names no certificate type in the registry",
                              field="type")
        qr = qr_image(qr_text)
        page = self._composer.compose(credential, cert_type=cert_type, registry=registry,
                                      qr_modules=qr.width, issued_on=issued_on)
        x0, y0, x1, y1 = page.qr
        page.canvas.image("QR", x0, y0, x1 - x0, y1 - y0)

        pdf = pikepdf.open(io.BytesIO(self._template))
        page_obj = pdf.pages[0].obj
        page_obj.Contents = pdf.make_stream(zlib.compress(page.canvas.content(), 1),
                                            Filter=Name.FlateDecode)
        fonts = page_obj.Resources.Font
        for face, used in page.canvas.used().items():
            fonts[f"/{face.resource}"].DescendantFonts[0].W = face.widths_array(used)
        page_obj.Resources.XObject = Dictionary(QR=pdf.make_stream(
            zlib.compress(qr.tobytes(), 6), Type=Name.XObject, Subtype=Name.Image,
            Width=qr.width, Height=qr.height, ColorSpace=Name.DeviceGray, BitsPerComponent=1,
            Interpolate=False, Filter=Name.FlateDecode))
        spec = AttachedFileSpec(pdf, token.encode("ascii"), filename=ATTACHMENT_NAME,
                                mime_type=ATTACHMENT_TYPE, relationship=Name.Source,
                                description="The signed certificate (W3C VC 2.0, vc+jwt)")
        pdf.attachments[ATTACHMENT_NAME] = spec
        pdf.Root.AF = pikepdf.Array([spec.obj])
        self._describe(pdf, credential, cert_type.title)
        out = io.BytesIO()
        pdf.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none,
                 fix_metadata_version=False, deterministic_id=True, min_version="1.7")
        return out.getvalue()

    def _describe(self, pdf: pikepdf.Pdf, credential: Mapping[str, Any], title: str) -> None:
        """XMP (dc:title, dc:identifier, pdf:Keywords, the attachment's name) and DocInfo."""
        subject = credential["credentialSubject"]
        values = {
            "title": f"{title} – {subject['name']}",
            "id": str(credential["id"]),
            "creator": str(subject["council"]),
            "keywords": "; ".join((title, str(subject["council"]),
                                   str(subject["registrationNumber"]),
                                   "W3C Verifiable Credential", "vc+jwt")),
        }
        xmp = self._xmp
        for key, placeholder in PLACEHOLDERS.items():
            xmp = xmp.replace(placeholder, escape(values[key]))
        pdf.Root.Metadata = pdf.make_stream(xmp.encode("utf-8"), Type=Name.Metadata,
                                            Subtype=Name.XML)
        pdf.docinfo = pdf.make_indirect(Dictionary(
            Title=pikepdf.String(values["title"]), Author=pikepdf.String(values["creator"]),
            Keywords=pikepdf.String(values["keywords"])))
