"""The certificate PDF: one A4 page, fonts embedded, text extractable, QR readable at 150 dpi,
the vc+jwt attached, XMP naming the credential, and no text overflowing or overlapping."""

from __future__ import annotations

import base64
import copy
import io
import itertools
import json
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pikepdf
import pytest
import zxingcpp
from fontTools.ttLib import TTFont
from PIL import Image

from issuer.delivery.fonts import FONT_DIR, FontSet
from issuer.delivery.layout import PAGE_HEIGHT, PAGE_WIDTH, Page
from issuer.delivery.pdf import ATTACHMENT_NAME, ATTACHMENT_TYPE, CertificatePdfRenderer
from issuer.delivery.qr import QUIET_ZONE, qr_image, qr_version
from schemas import credential as vc
from schemas.credential_view import CredentialView
from schemas.errors import InvalidData
from schemas.registry import Registry, default_registry
from tests.conftest import REFERENCE, reference_record
from tests.issuer.delivery.conftest import assert_valid_pdf

QR_TEXT = "https://verify.pramaan.hr.gov.in/v#" + "".join(str(i * 7919 % 10) for i in range(1200))
ISSUED_AT = datetime(2024, 11, 26, 20, 0, tzinfo=UTC)  # 27 November in India
EXTRA = {
    "registration": {},
    "good-standing": {"addressee": "General Medical Council, United Kingdom",
                      "purpose": "Registration for postgraduate training in the United Kingdom"},
    "noc": {"purpose": "Transfer of registration",
            "destination": "Karnataka Medical Council, Bengaluru"},
}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return default_registry()


@pytest.fixture(scope="module")
def renderer() -> CertificatePdfRenderer:
    return CertificatePdfRenderer.load()


def make_credential(registry: Registry, type_id: str = "registration") -> dict[str, Any]:
    ref = json.loads(REFERENCE.read_text("utf-8"))
    reg = ref["registration"]
    cert_type = registry.certificate_type(type_id)
    draft = vc.CredentialDraft(
        cert_type, registry.council(ref["council"]["id"]), reference_record(),
        f"HMC-{cert_type.code}-7K3M-Q9PX",
        vc.start_of_day(date.fromisoformat(reg["valid_from"])),
        vc.end_of_day(date.fromisoformat(reg["valid_until"])), EXTRA[type_id])
    credential = vc.build_credential(draft, public_base="https://pramaan.hr.gov.in",
                                     issued_at=ISSUED_AT)
    vc.validate_against_schema(credential, registry)
    return credential


def fake_token(credential: dict[str, Any]) -> str:
    """Well-formed compact JWS shape; the PDF neither checks nor needs a real signature."""
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    header = json.dumps({"alg": "ES256", "typ": "vc+jwt", "cty": "vc", "kid": "test"}).encode()
    return ".".join((b64(header), b64(vc.encode_payload(credential)), b64(bytes(range(64)))))


@pytest.fixture(scope="module")
def rendered(renderer: CertificatePdfRenderer, registry: Registry
             ) -> dict[str, tuple[dict[str, Any], str, bytes]]:
    out = {}
    for type_id in EXTRA:
        credential = make_credential(registry, type_id)
        token = fake_token(credential)
        out[type_id] = (credential, token, renderer.render(credential, token=token,
                                                           qr_text=QR_TEXT, registry=registry))
    return out


@pytest.fixture(params=list(EXTRA))
def document(request: pytest.FixtureRequest,
             rendered: dict[str, tuple[dict[str, Any], str, bytes]]
             ) -> tuple[dict[str, Any], str, bytes]:
    return rendered[request.param]


@pytest.fixture
def pdf(document: tuple[dict[str, Any], str, bytes]) -> Iterator[pikepdf.Pdf]:
    with pikepdf.open(io.BytesIO(document[2])) as opened:
        yield opened


def pdftotext(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data,
                          capture_output=True, check=True).stdout.decode("utf-8")


def fonts_of(pdf: pikepdf.Pdf) -> dict[str, pikepdf.Object]:
    return {str(name): font for name, font in pdf.pages[0].Resources.Font.items()}


def instructions(pdf: pikepdf.Pdf) -> Iterator[tuple[list[Any], str]]:
    for item in pikepdf.parse_content_stream(pdf.pages[0]):
        if isinstance(item, pikepdf.ContentStreamInstruction):
            yield list(item.operands), str(item.operator)


def test_is_a_valid_pdf(document: tuple[dict[str, Any], str, bytes], tmp_path: Path) -> None:
    assert_valid_pdf(document[2], tmp_path)


def test_one_a4_page(pdf: pikepdf.Pdf) -> None:
    assert len(pdf.pages) == 1
    box = [float(v) for v in pdf.pages[0].MediaBox]
    assert box == pytest.approx([0, 0, 595.276, 841.89], abs=0.01)  # 210 x 297 mm
    assert str(pdf.Root.Lang) == "en-IN"


def test_fonts_are_embedded_cid_fonts_with_tounicode(pdf: pikepdf.Pdf) -> None:
    fonts = fonts_of(pdf)
    assert len(fonts) == 4
    for font in fonts.values():
        assert font.Subtype == "/Type0" and font.Encoding == "/Identity-H"
        assert "/ToUnicode" in font
        cid = font.DescendantFonts[0]
        assert cid.Subtype == "/CIDFontType2" and cid.CIDToGIDMap == "/Identity"
        assert "/W" in cid
        assert len(cid.FontDescriptor.FontFile2.read_bytes()) > 10_000
    names = sorted(str(f.BaseFont).split("+")[1] for f in fonts.values())
    assert names == ["NotoSans-Bold", "NotoSans-Regular", "NotoSansDevanagari-Bold",
                     "NotoSansDevanagari-Regular"]


def _widths(w: pikepdf.Object) -> dict[int, float]:
    items, out, i = list(w), dict[int, float](), 0
    while i < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], pikepdf.Array):
            out |= {first + k: float(v) for k, v in enumerate(items[i + 1])}
            i += 2
        else:
            out |= {c: float(items[i + 2]) for c in range(first, int(items[i + 1]) + 1)}
            i += 3
    return out


def test_widths_cover_every_glyph_drawn(pdf: pikepdf.Pdf) -> None:
    """W lists only the glyphs a page uses; a glyph missing from it would be spaced at 1 em."""
    fonts = fonts_of(pdf)
    widths = {name: _widths(font.DescendantFonts[0].W) for name, font in fonts.items()}
    current, drawn = "", 0
    for operands, operator in instructions(pdf):
        if operator == "Tf":
            current = str(operands[0])
        elif operator in ("Tj", "TJ"):
            strings = operands[0] if operator == "TJ" else [operands[0]]
            for item in strings:
                if isinstance(item, pikepdf.String):
                    raw = bytes(item)
                    gids = [int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw), 2)]
                    assert set(gids) <= widths[current].keys(), current
                    drawn += len(gids)
    assert drawn > 500


def test_attachment_is_the_token(pdf: pikepdf.Pdf, document: tuple[dict[str, Any], str, bytes]
                                 ) -> None:
    spec = pdf.attachments[ATTACHMENT_NAME]
    assert spec.filename == ATTACHMENT_NAME
    stream = spec.get_file()
    assert stream.read_bytes() == document[1].encode("ascii")
    assert stream.mime_type == ATTACHMENT_TYPE == "application/vc+jwt"
    assert spec.obj.AFRelationship == "/Source"
    assert pdf.Root.AF[0].objgen == spec.obj.objgen


def test_xmp_names_the_credential(pdf: pikepdf.Pdf, document: tuple[dict[str, Any], str, bytes],
                                  registry: Registry) -> None:
    credential = document[0]
    cert_type = registry.certificate_type_by_vc_type(credential["type"])
    assert cert_type is not None
    meta = pdf.open_metadata()
    assert meta["dc:identifier"] == credential["id"]
    assert meta["dc:title"] == f"{cert_type.title} – {credential['credentialSubject']['name']}"
    assert credential["credentialSubject"]["registrationNumber"] in meta["pdf:Keywords"]
    assert meta["{urn:pramaan:xmp:1.0:}credentialAttachment"] == ATTACHMENT_NAME
    assert str(pdf.docinfo.Title) == meta["dc:title"]


def _qr_placement(pdf: pikepdf.Pdf) -> tuple[float, float]:
    matrix: list[float] = []
    for operands, operator in instructions(pdf):
        if operator == "cm":
            matrix = [float(v) for v in operands]
        if operator == "Do" and operands[0] == "/QR":
            return matrix[0], matrix[3]
    raise AssertionError("no QR drawn")


def test_qr_image_is_one_bit_and_at_least_0_4_mm_a_module(pdf: pikepdf.Pdf) -> None:
    image = pdf.pages[0].Resources.XObject.QR
    assert image.BitsPerComponent == 1 and bool(image.Interpolate) is False
    symbol = qr_image(QR_TEXT)
    assert qr_version(symbol) in range(20, 25)
    assert (int(image.Width), int(image.Height)) == symbol.size
    width, height = _qr_placement(pdf)
    assert width == pytest.approx(height)
    module_mm = width / int(image.Width) * 25.4 / 72
    assert 0.4 <= module_mm <= 0.5 + 1e-6


def test_qr_image_has_a_white_four_module_quiet_zone() -> None:
    symbol = qr_image(QR_TEXT)
    side = symbol.width
    assert symbol.mode == "1" and symbol.height == side
    ring = [symbol.getpixel((x, y)) for x in range(side) for y in range(side)
            if min(x, y, side - 1 - x, side - 1 - y) < QUIET_ZONE]
    assert set(ring) == {255}
    far = side - QUIET_ZONE - 7
    for x, y in ((QUIET_ZONE, QUIET_ZONE), (far, QUIET_ZONE), (QUIET_ZONE, far)):
        assert symbol.getpixel((x, y)) == 0  # a finder pattern's dark corner, inside the zone


def test_qr_reads_back_at_150_dpi(document: tuple[dict[str, Any], str, bytes]) -> None:
    png = subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", "-"], input=document[2],
                         capture_output=True, check=True).stdout
    page = Image.open(io.BytesIO(png))
    found = zxingcpp.read_barcodes(
        page, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    assert [barcode.text for barcode in found] == [QR_TEXT]


def test_text_is_extractable(document: tuple[dict[str, Any], str, bytes]) -> None:
    """ToUnicode covers glyphs that map one-to-one; shaped Devanagari lines carry ActualText."""
    credential, _, data = document
    subject = credential["credentialSubject"]
    text = pdftotext(data)
    for value in (subject["name"], subject["nameHi"], subject["registrationNumber"],
                  subject["fatherName"], subject["council"], subject["councilHi"],
                  credential["id"], "पंजीकरण संख्या", "14 July 2016",
                  "14 July 2024 – 13 July 2029", "Permanent / स्थायी", "MBBS, 2015",
                  "Scan the QR code or visit the URL above to verify this certificate.",
                  "इस प्रमाणपत्र का सत्यापन करने के लिए QR कोड स्कैन करें या ऊपर दिए गए URL पर जाएँ।"):
        assert value in text
    assert credential["id"].rsplit("/", 1)[1] in text
    assert "27 November 2024" in text  # iat 20:00 UTC is the next day in India
    for key in ("addressee", "purpose", "destination"):
        if key in subject:
            assert subject[key] in text


def test_titles_come_from_the_certificate_type(
        rendered: dict[str, tuple[dict[str, Any], str, bytes]]) -> None:
    expected = {"registration": ("Registration Certificate", "पंजीकरण प्रमाणपत्र"),
                "good-standing": ("Good Standing Certificate", "सुस्थिति प्रमाणपत्र"),
                "noc": ("No-Objection Certificate", "अनापत्ति प्रमाणपत्र")}
    for type_id, (_, _, data) in rendered.items():
        text = pdftotext(data)
        assert all(title in text for title in expected[type_id])


def test_each_certificate_prints_its_councils_attestation(
        rendered: dict[str, tuple[dict[str, Any], str, bytes]], registry: Registry) -> None:
    """The Good Standing wording ("no disciplinary proceedings…"), the no-objection statement
    and the registration statement come from the certificate type, in both languages."""
    for type_id, (_, _, data) in rendered.items():
        cert_type = registry.certificate_type(type_id)
        assert cert_type.statement and cert_type.statement_hi
        text = " ".join(pdftotext(data).split())  # the statement wraps over lines
        assert cert_type.statement in text, type_id
    good_standing = " ".join(pdftotext(rendered["good-standing"][2]).split())
    assert "no disciplinary proceedings had been taken or were in progress" in good_standing


def test_issued_on_overrides_the_printed_date(renderer: CertificatePdfRenderer,
                                              registry: Registry) -> None:
    credential = make_credential(registry)
    data = renderer.render(credential, token=fake_token(credential), qr_text="x",
                           registry=registry, issued_on=date(2025, 1, 2))
    assert "2 January 2025" in pdftotext(data)


def test_rendering_is_repeatable(renderer: CertificatePdfRenderer, registry: Registry,
                                 rendered: dict[str, tuple[dict[str, Any], str, bytes]]) -> None:
    credential, token, data = rendered["registration"]
    again = renderer.render(copy.deepcopy(credential), token=token, qr_text=QR_TEXT,
                            registry=registry)
    assert again == data


def test_unknown_certificate_type_is_refused(renderer: CertificatePdfRenderer,
                                             registry: Registry) -> None:
    credential = make_credential(registry)
    credential["type"] = ["VerifiableCredential", "LibraryCard"]
    with pytest.raises(InvalidData) as caught:
        renderer.render(credential, token="a.b.c", qr_text="x", registry=registry)
    assert caught.value.code == "data.invalid"


@pytest.mark.parametrize(("remove", "field"), [
    (lambda c: c["credentialSubject"].pop("fatherName"), "fatherName"),
    (lambda c: c["credentialSubject"]["qualifications"][0].pop("year"), "year"),
    (lambda c: c.pop("validUntil"), "validUntil"),
    (lambda c: c.pop("id"), "id"),
])
def test_missing_printed_field_is_refused(renderer: CertificatePdfRenderer, registry: Registry,
                                          remove: Callable[[dict[str, Any]], object],
                                          field: str) -> None:
    credential = make_credential(registry)
    remove(credential)
    with pytest.raises(InvalidData) as caught:
        renderer.render(credential, token="a.b.c", qr_text="x", registry=registry)
    assert caught.value.code == "data.invalid" and caught.value.facts["field"] == field


# -- layout -------------------------------------------------------------------------------------
def _long(limit: int, words: str) -> str:
    out = ""
    for word in itertools.cycle(words.split()):
        if len(out) + len(word) + 1 > limit:
            return out
        out = f"{out} {word}".strip()
    raise AssertionError


def longest_credential(registry: Registry) -> dict[str, Any]:
    """Every text at the schema's 200-character cap, eight qualifications, a 40-character
    registration number without spaces."""
    credential = make_credential(registry, "good-standing")
    subject = credential["credentialSubject"]
    hindi = "वेंकट लक्ष्मी नरसिम्हा राव भागवतुला सुब्रह्मण्य शास्त्री"
    subject |= {
        "name": _long(200, "Venkata Lakshmi Narasimha Rao Bhagavatula Subrahmanya"),
        "nameHi": _long(200, hindi), "councilHi": _long(200, hindi),
        "fatherName": _long(200, "Sri Rama Chandra Murthy Bhagavatula"),
        "council": _long(200, "Board of Ayurvedic and Unani Systems of Medicine Haryana"),
        "registrationNumber": "HMC/" + "0123456789" * 3 + "012345",
        "qualifications": [{"degree": _long(200, "Doctor of Medicine General Internal"),
                            "university": _long(200, "Pt. Bhagwat Dayal Sharma University"),
                            "year": 2015}] * 8,
        "addressee": _long(200, "General Medical Council United Kingdom"),
        "purpose": _long(200, "Registration for postgraduate training"),
    }
    vc.validate_against_schema(credential, registry)
    return credential


def _overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    eps = 0.01
    return a[0] < b[2] - eps and b[0] < a[2] - eps and a[1] < b[3] - eps and b[1] < a[3] - eps


@pytest.mark.parametrize("build", [make_credential, longest_credential])
def test_nothing_overflows_or_overlaps(renderer: CertificatePdfRenderer, registry: Registry,
                                       build: Callable[[Registry], dict[str, Any]]) -> None:
    credential = build(registry)
    cert_type = registry.certificate_type_by_vc_type(credential["type"])
    assert cert_type is not None
    page: Page = renderer._composer.compose(CredentialView.from_payload(credential),
                                            cert_type=cert_type, registry=registry,
                                            qr_modules=qr_image(QR_TEXT).width, issued_on=None)
    boxes = [*page.boxes, page.qr]
    inside = 26.0  # the inner frame
    for box in boxes:
        assert inside <= box[0] and box[2] <= PAGE_WIDTH - inside, box
        assert inside <= box[1] and box[3] <= PAGE_HEIGHT - inside, box
    assert not [(a, b) for a, b in itertools.combinations(boxes, 2) if _overlaps(a, b)]
    data = renderer.render(credential, token=fake_token(credential), qr_text=QR_TEXT,
                           registry=registry)
    assert credential["credentialSubject"]["registrationNumber"] in pdftotext(data)


def test_a_word_wider_than_the_line_breaks_between_clusters(renderer: CertificatePdfRenderer
                                                           ) -> None:
    typesetter = renderer._composer.ts
    for word in ("https://pramaan.hr.gov.in/c/" + "HMC-RC-7K3M-Q9PX" * 8, "क्षत्रिय" * 25):
        lines = typesetter.lines(word, size=11, width=150)
        assert len(lines) > 2
        assert all(line.width <= 150 for line in lines)
        assert "".join(line.text for line in lines) == word


def test_text_wraps_at_spaces(renderer: CertificatePdfRenderer) -> None:
    text = "इस प्रमाणपत्र का सत्यापन करने के लिए QR कोड स्कैन करें या ऊपर दिए गए URL पर जाएँ।"
    lines = renderer._composer.ts.lines(text, size=10, width=120)
    assert len(lines) > 2 and all(line.width <= 120 for line in lines)
    assert " ".join(line.text for line in lines) == text


# -- shaping ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fonts() -> FontSet:
    return FontSet.load()


def _drawn(fonts: FontSet, text: str) -> list[str]:
    (run,) = fonts.shape(text)
    return [run.face.to_unicode.get(g[0], "?") for g in run.glyphs]


def test_i_matra_is_drawn_before_its_consonant(fonts: FontSet) -> None:
    """Typed क + ि; drawn (a contextual width variant of) ि first, then क."""
    first, second = _drawn(fonts, "कि")
    assert second == "क" and first != "क"
    (run,) = fonts.shape("ि")  # alone, with a dotted circle to sit on
    assert run.glyphs[0][0] != fonts.devanagari.hb_font.get_nominal_glyph(ord("क"))


def test_conjuncts_and_reph_use_their_own_glyphs(fonts: FontSet) -> None:
    assert "्" not in _drawn(fonts, "क्ष")  # one conjunct glyph, no visible virama
    assert len(_drawn(fonts, "क्ष")) == 1
    assert _drawn(fonts, "र्क")[0] == "क"  # the reph is drawn over the following consonant


def test_mixed_text_is_split_into_script_runs(fonts: FontSet) -> None:
    runs = fonts.shape("Registration number / पंजीकरण संख्या")
    assert [(run.face.resource, run.text) for run in runs] == [
        ("FL", "Registration number / "), ("FD", "पंजीकरण संख्या")]
    runs = fonts.shape("डॉ. राव (MBBS)", bold=True)
    assert [(run.face.resource, run.text) for run in runs] == [
        ("FDB", "डॉ. राव ("), ("FLB", "MBBS)")]


def test_embedded_fonts_keep_their_timestamp(fonts: FontSet) -> None:
    """fontTools stamps a saved font with the time unless told not to; the template, and so
    every PDF, would then differ from one process start to the next."""
    vendored = {TTFont(path)["head"].modified for path in FONT_DIR.glob("*.ttf")}
    for face in fonts.faces():
        assert TTFont(io.BytesIO(face.embedded))["head"].modified in vendored
