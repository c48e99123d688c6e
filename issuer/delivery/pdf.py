"""Print a certificate credential on one A4 page, with the signed vc+jwt attached.

The fonts are parsed and embedded once, into a template PDF built when the renderer is loaded
(performance.md §6 "Alternative": about 3 ms a document, against about 100 ms for per-document font
subsetting). Each document is the template plus an incremental update (``incremental``): its
content stream, the fonts' widths for the glyphs it draws, the QR image, the vc+jwt attached
(``credential.jwt``, ``application/vc+jwt``; associated with the document as its ``/Source``,
ISO 32000-2 §14.13), XMP metadata naming the credential, and DocInfo. Writing those few objects
by hand after a copy of the template's bytes takes about 1 ms a document, where opening the
template with pikepdf, editing it and saving it took 2.6 ms.

The page is a view of the credential: everything printed comes from it (and from the registry's
certificate titles), so a PDF can be rendered again at any time from the stored credential and
token. Only the QR, which carries the signed credential, is authoritative; the page says so.
"""

from __future__ import annotations

import hashlib
import io
import zlib
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

import pikepdf
from pikepdf import Dictionary
from PIL import Image

from issuer.delivery.fonts import FontSet
from issuer.delivery.incremental import Base, Update, name, ref, text_string
from issuer.delivery.layout import PAGE_HEIGHT, PAGE_WIDTH, Composer, Page, council_of
from issuer.delivery.qr import qr_image
from issuer.delivery.signature import DocumentSigner, add_signature_field, sign
from issuer.delivery.typeset import Typesetter
from schemas.credential_view import CredentialView
from schemas.errors import InvalidData
from schemas.registry import Council, Registry

SignerSource = Callable[[Council], DocumentSigner | None]
"""Who signs a council's PDFs now, or None to leave them unsigned (``issuer.delivery.signers``)."""

ATTACHMENT_NAME = "credential.jwt"
ATTACHMENT_TYPE = "application/vc+jwt"
ATTACHMENT_DESCRIPTION = "The signed certificate (W3C VC 2.0, vc+jwt)"
XMP_NAMESPACE = "urn:pramaan:xmp:1.0:"
XMP_PREFIX = "pramaan"


PLACEHOLDERS = {"title": "@@TITLE@@", "id": "@@IDENTIFIER@@", "keywords": "@@KEYWORDS@@",
                "creator": "@@CREATOR@@"}


def _template(fonts: FontSet) -> bytes:
    """The page with its fonts, and the catalog entries every certificate shares. The page's
    resources are an indirect object, so that a document's update can add its QR to them."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(PAGE_WIDTH, PAGE_HEIGHT))
    page = pdf.pages[0].obj
    page.Resources = pdf.make_indirect(Dictionary(Font=Dictionary(
        {f"/{face.resource}": face.embed(pdf) for face in fonts.faces()})))
    pdf.Root.Lang = pikepdf.String("en-IN")
    pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, deterministic_id=True, min_version="1.7",
             object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


def _xmp_packet() -> str:
    """An XMP packet written by pikepdf whose per-document values are placeholders (pikepdf's
    XMP editing costs ~2 ms a document; substituting costs µs)."""
    with pikepdf.new() as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["dc:title"] = PLACEHOLDERS["title"]
            meta["dc:identifier"] = PLACEHOLDERS["id"]
            meta["dc:creator"] = [PLACEHOLDERS["creator"]]
            meta["dc:language"] = ["en-IN", "hi-IN"]
            meta["pdf:Keywords"] = PLACEHOLDERS["keywords"]
            meta[f"{{{XMP_NAMESPACE}}}credentialAttachment"] = ATTACHMENT_NAME
        return pdf.Root.Metadata.read_bytes().decode("utf-8")


class CertificatePdfRenderer:
    """Renders certificate PDFs; load once per process, then ``render`` per document."""

    def __init__(self, fonts: FontSet, template: bytes, xmp: str,
                 signers: SignerSource | None = None) -> None:
        self._composer = Composer(Typesetter(fonts))
        self._base = Base.read(template)
        self._xmp = xmp
        self.signers = signers
        with pikepdf.open(io.BytesIO(template)) as pdf:
            page = pdf.pages[0].obj
            self._page = page.objgen[0]
            self._contents = page.Contents.objgen[0]
            self._resources = page.Resources.objgen[0]
            self._cid_fonts = {face: page.Resources.Font[f"/{face.resource}"]
                               .DescendantFonts[0].objgen[0] for face in fonts.faces()}

    @classmethod
    def load(cls, signers: SignerSource | None = None) -> CertificatePdfRenderer:
        """Parse the vendored fonts and build the template (about 0.2 s; once per process).
        With ``signers``, every document is signed for its council (PAdES B-B)."""
        pikepdf.models.metadata.PdfMetadata.register_xml_namespace(XMP_NAMESPACE, XMP_PREFIX)
        fonts = FontSet.load()
        return cls(fonts, _template(fonts), _xmp_packet(), signers)

    def render(self, credential: Mapping[str, Any], *, token: str, qr_text: str,
               registry: Registry, issued_on: date | None = None,
               signer: DocumentSigner | None = None) -> bytes:
        """One A4 page printing ``credential``, its QR drawn from ``qr_text`` and ``token``
        attached, signed by ``signer`` (by default the renderer's signer for the council).
        ``issued_on`` is the printed date of issue; by default the date of ``iat`` in India."""
        view = CredentialView.from_payload(credential)
        cert_type = registry.certificate_type_by_vc_type(view.types)
        if cert_type is None:
            raise InvalidData("the credential's type names no certificate type in the registry",
                              field="type")
        if signer is None and self.signers is not None:
            council = council_of(view, registry)
            signer = self.signers(council) if council is not None else None
        qr = qr_image(qr_text)
        page = self._composer.compose(view, cert_type=cert_type, registry=registry,
                                      qr_modules=qr.width, issued_on=issued_on,
                                      signed_at=signer.signed_at if signer else None)
        x0, y0, x1, y1 = page.qr
        page.canvas.image("QR", x0, y0, x1 - x0, y1 - y0)

        return self._document(page, qr, token.encode("ascii"),
                              _metadata(view, cert_type.title), signer)

    def _document(self, page: Page, qr: Image.Image, token: bytes,
                  values: dict[str, str], signer: DocumentSigner | None) -> bytes:
        """The template plus this document's revision, signed last when there is a signer: the
        signature covers every byte of the file but its own hole."""
        canvas = page.canvas
        update = Update(self._base)
        update.put_stream(self._contents, b"/Filter /FlateDecode",
                          zlib.compress(canvas.content(), 1))
        for face, used in canvas.used().items():
            update.amend(self._cid_fonts[face], b"/W " + face.widths_array(used))
        update.amend(self._resources, b"/XObject << /QR %b >>" % ref(_put_image(update, qr)))
        spec = _attach(update, token)
        metadata = update.new()
        update.put_stream(metadata, b"/Type /Metadata /Subtype /XML", self._xmp_for(values))
        form = b""
        if signer is not None:
            widget, form = add_signature_field(update, signer, page=self._page,
                                               rect=page.signature)
            update.amend(self._page, b"/Annots [ %b ]" % ref(widget))
        update.amend(self._base.root, b"/Metadata %b /Names << /EmbeddedFiles << /Names [ %b %b ] "
                     b">> >> /AF [ %b ] %b" % (ref(metadata), text_string(ATTACHMENT_NAME),
                                               ref(spec), ref(spec), form))
        info = update.new()
        update.put(info, b"<< /Title %b /Author %b /Keywords %b >>" % (
            text_string(values["title"]), text_string(values["creator"]),
            text_string(values["keywords"])))
        data = update.to_bytes(info=info)
        if signer is None:
            return data
        return sign(data, signer, search_from=len(self._base.data))

    def _xmp_for(self, values: dict[str, str]) -> bytes:
        xmp = self._xmp
        for key, placeholder in PLACEHOLDERS.items():
            xmp = xmp.replace(placeholder, escape(values[key]))
        return xmp.encode("utf-8")


def _put_image(update: Update, qr: Image.Image) -> int:
    """The QR as a 1-bit image XObject, one pixel per module, drawn unsmoothed."""
    image = update.new()
    update.put_stream(image, b"/Type /XObject /Subtype /Image /Width %d /Height %d "
                      b"/ColorSpace /DeviceGray /BitsPerComponent 1 /Interpolate false "
                      b"/Filter /FlateDecode" % qr.size, zlib.compress(qr.tobytes(), 6))
    return image


def _attach(update: Update, data: bytes) -> int:
    """The embedded file and its file specification (ISO 32000-1 §7.11.3-4); returns the
    specification's object number."""
    stream = update.new()
    update.put_stream(stream, b"/Type /EmbeddedFile /Subtype %b /Params << /Size %d "
                      b"/CheckSum <%b> >>" % (name(ATTACHMENT_TYPE), len(data),
                                              hashlib.md5(data, usedforsecurity=False)
                                              .hexdigest().encode("ascii")), data)
    spec = update.new()
    file_name = text_string(ATTACHMENT_NAME)
    update.put(spec, b"<< /Type /Filespec /F %b /UF %b /Desc %b /EF << /F %b /UF %b >> "
               b"/AFRelationship /Source >>" % (file_name, file_name,
                                                 text_string(ATTACHMENT_DESCRIPTION),
                                                 ref(stream), ref(stream)))
    return spec


def _metadata(credential: CredentialView, title: str) -> dict[str, str]:
    """The document's title, identifier, creator and keywords, for XMP and DocInfo."""
    subject = credential.subject
    return {
        "title": f"{title} – {subject.name}",
        "id": str(credential.id),
        "creator": str(subject.council),
        "keywords": "; ".join((title, str(subject.council), str(subject.registration_number),
                               "W3C Verifiable Credential", "vc+jwt")),
    }
