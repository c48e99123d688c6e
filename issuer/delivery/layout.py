"""The certificate page: what is printed where, in English and Hindi, read from the credential.

The page is a view of the credential (docs/credential.md) and of the registry's titles: it can be
drawn again at any time from the stored credential. Long values wrap or shrink; if the field table
still does not fit above the QR block, the whole table is scaled down, and a credential too long
even for that is refused rather than drawn over the QR.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from issuer.delivery.seal import draw_seal
from issuer.delivery.typeset import BLACK, Canvas, Color, Line, Typesetter
from schemas.credential import INDIA, time_for_people
from schemas.credential_view import CredentialView
from schemas.errors import InvalidData
from schemas.registry import CertificateType, Council, Registry

PAGE_WIDTH, PAGE_HEIGHT = 595.276, 841.89  # A4 in points (210 x 297 mm)
MM = 72 / 25.4
LEFT, RIGHT = 48.0, PAGE_WIDTH - 48.0
QR_MODULE, QR_MIN_MODULE, QR_MAX_SIDE = 0.5 * MM, 0.4 * MM, 64 * MM
QR_BOTTOM = 56.0
LABEL_WIDTH = 150.0
VALUE_X = LEFT + LABEL_WIDTH + 12
SCALES = (1.0, 0.92, 0.85, 0.78, 0.72, 0.66, 0.6, 0.55, 0.5, 0.45, 0.4)
BLUE: Color = (0.08, 0.2, 0.4)
GREY: Color = (0.33, 0.33, 0.33)
LIGHT: Color = (0.78, 0.8, 0.84)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
REGISTRATION_TYPES = {"permanent": "Permanent / स्थायी", "provisional": "Provisional / अनंतिम"}
VERIFY = ("Scan the QR code or visit the URL above to verify this certificate.",
          "इस प्रमाणपत्र का सत्यापन करने के लिए QR कोड स्कैन करें या ऊपर दिए गए URL पर जाएँ।")
AUTHORITY = (("The signed QR code is authoritative: the printed text alone does not prove this "
              "certificate."),
             "हस्ताक्षरित QR कोड ही प्रामाणिक है; केवल मुद्रित पाठ इस प्रमाणपत्र का प्रमाण नहीं है।")
ATTACHED = (("Issued as a W3C Verifiable Credential; the signed credential is attached to this "
             "PDF as credential.jwt."),
            ("W3C सत्यापन-योग्य क्रेडेंशियल के रूप में जारी; हस्ताक्षरित क्रेडेंशियल इस PDF में "
             "credential.jwt के रूप में संलग्न है।"))

SIGNED_BY = "Digitally signed by / डिजिटल हस्ताक्षरकर्ता"
SEAL_RADIUS = 31.0
BAND_HEIGHT = 2 * SEAL_RADIUS + 8
"""The seal and signature block, under the verification text beside the QR."""

Box = tuple[float, float, float, float]
T = TypeVar("T")


@dataclass(frozen=True)
class Field:
    label: str
    label_hi: str
    values: Sequence[tuple[str, bool]]  # (text, bold), one paragraph each
    size: float = 11.0
    max_lines: int = 2  # shrink (down to min_size) to fit in this many lines, then wrap
    min_size: float = 8.0


@dataclass
class Page:
    """The drawn page, with every text line's box (for tests that check nothing overlaps)."""

    canvas: Canvas = field(default_factory=Canvas)
    boxes: list[Box] = field(default_factory=list)
    qr: Box = (0.0, 0.0, 0.0, 0.0)
    signature: Box = (0.0, 0.0, 0.0, 0.0)
    """The "Digitally signed by" block: the signature field's widget rectangle."""


def format_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def qr_module_size(modules: int) -> float:
    """0.5 mm a module, down to 0.4 mm for a symbol too large for the QR block."""
    return max(QR_MIN_MODULE, min(QR_MODULE, QR_MAX_SIDE / modules))


def _printed(value: T | None, name: str) -> T:
    """``value``, which the certificate prints; ``name`` is its JSON name, for the error."""
    if value is None:
        raise InvalidData(f"the credential lacks {name!r}, which the certificate prints",
                          field=name)
    return value


def local_date(moment: datetime | None, name: str) -> date:
    return _printed(moment, name).astimezone(INDIA).date()


def fields(credential: CredentialView, registry: Registry) -> list[Field]:
    subject = credential.subject
    names = [(_printed(subject.name, "name"), True)]
    if subject.name_hi:
        names.append((subject.name_hi, True))
    profession_id = _printed(subject.profession, "profession")
    profession = registry.professions.get(profession_id)
    start = format_date(local_date(credential.valid_from, "validFrom"))
    end = format_date(local_date(credential.valid_until, "validUntil"))
    quals: list[tuple[str, bool]] = []
    for q in subject.qualifications:
        quals += [(f"{_printed(q.degree, 'degree')}, {_printed(q.year, 'year')}", True),
                  (_printed(q.university, "university"), False)]
    registration_type = _printed(subject.registration_type, "registrationType")
    rows = [
        Field("Name", "नाम", names, size=14.0, max_lines=1, min_size=11.0),
        Field("Father's name", "पिता का नाम",
              [(_printed(subject.father_name, "fatherName"), False)]),
        Field("Registration number", "पंजीकरण संख्या",
              [(_printed(subject.registration_number, "registrationNumber"), True)]),
        Field("Date of registration", "पंजीकरण की तिथि",
              [(format_date(_printed(subject.registration_date, "registrationDate")), False)]),
        Field("Registration type", "पंजीकरण का प्रकार",
              [(REGISTRATION_TYPES.get(registration_type, registration_type), False)]),
        Field("Profession", "व्यवसाय",
              [(f"{profession.name} / {profession.name_hi}" if profession
                else profession_id, False)]),
        Field("Qualifications", "योग्यताएँ", quals, size=10.5, max_lines=3),
        Field("Validity", "वैधता अवधि", [(f"{start} – {end}", False)]),
    ]
    extras = ((subject.addressee, "Addressed to", "प्राप्तकर्ता"),
              (subject.purpose, "Purpose", "प्रयोजन"),
              (subject.destination, "Destination", "गंतव्य"))
    for value, label, label_hi in extras:
        if value:
            rows.append(Field(label, label_hi, [(value, False)], max_lines=3))
    return rows


def council_of(credential: CredentialView, registry: Registry) -> Council | None:
    """The registry's council that issued ``credential``: the last segment of its issuer URL
    (``…/councils/hmc``), else the council of that printed name."""
    if credential.issuer:
        found = registry.councils.get(credential.issuer.rstrip("/").rsplit("/", 1)[-1])
        if found is not None:
            return found
    return next((c for c in registry.councils.values()
                 if c.name == credential.subject.council), None)


class Composer:
    def __init__(self, typesetter: Typesetter) -> None:
        self.ts = typesetter
        self._seals: dict[tuple[str, float], Canvas] = {}

    def compose(self, credential: CredentialView, *, cert_type: CertificateType,
                registry: Registry, qr_modules: int, issued_on: date | None,
                signed_at: datetime | None = None) -> Page:
        """The page; ``signed_at``, when the PDF will be signed, dates the signature block."""
        if issued_on is None:
            if credential.issued_at is None:
                raise InvalidData("the credential has no iat to date the certificate by",
                                  hint="pass issued_on", field="iat")
            issued_on = credential.issued_at.astimezone(INDIA).date()
        return self._page(credential, cert_type, registry, qr_modules, issued_on, signed_at)

    def _page(self, credential: CredentialView, cert_type: CertificateType,
              registry: Registry, qr_modules: int, issued_on: date,
              signed_at: datetime | None) -> Page:
        subject = credential.subject
        council = council_of(credential, registry)
        page = Page()
        page.canvas.frame(22, 22, PAGE_WIDTH - 44, PAGE_HEIGHT - 44, width=1.6, color=BLUE)
        page.canvas.frame(26, 26, PAGE_WIDTH - 52, PAGE_HEIGHT - 52, width=0.5, color=BLUE)
        width = RIGHT - LEFT
        y = PAGE_HEIGHT - 50
        y = self._stack(page, self.ts.fit(_printed(subject.council, "council"), size=17,
                                          width=width, max_lines=2, min_size=12, bold=True),
                        LEFT, y, width, BLUE, center=True)
        if subject.council_hi:
            y = self._stack(page, self.ts.fit(subject.council_hi, size=15, width=width,
                                              max_lines=2, min_size=11, bold=True),
                            LEFT, y, width, BLUE, center=True)
        if council is not None and council.address:
            address = " / ".join(a for a in (council.address, council.address_hi) if a)
            y = self._stack(page, self.ts.fit(address, size=8.5, width=width, max_lines=2,
                                              min_size=6.5), LEFT, y - 2, width, GREY,
                            center=True)
        page.canvas.rule(LEFT, y - 6, RIGHT, y - 6, width=0.8, color=BLUE)
        y = self._stack(page, self.ts.lines(cert_type.title, size=21, width=width, bold=True),
                        LEFT, y - 16, width, BLACK, center=True)
        y = self._stack(page, self.ts.lines(cert_type.title_hi, size=17, width=width, bold=True),
                        LEFT, y, width, BLACK, center=True)
        half = width / 2
        credential_id = _printed(credential.id, "id")
        number = credential_id.rstrip("/").rsplit("/", 1)[-1]
        left = self._meta(page, "Certificate number / प्रमाणपत्र संख्या", number, LEFT, y - 12,
                          half - 10)
        right = self._meta(page, "Date of issue / जारी करने की तिथि", format_date(issued_on),
                           LEFT + half, y - 12, half)
        y = min(left, right) - 8
        page.canvas.rule(LEFT, y, RIGHT, y, width=0.5, color=LIGHT)
        block_top = self._verification(page, credential_id, qr_modules,
                                       band=BAND_HEIGHT if council is not None else 0.0)
        if council is not None:
            self._signature_band(page, council, signed_at, x=page.qr[2] + 16, bottom=QR_BOTTOM)
        self._table(page, cert_type, fields(credential, registry), top=y - 8,
                    bottom=block_top + 14)
        return page

    def _signature_band(self, page: Page, council: Council, signed_at: datetime | None, *,
                        x: float, bottom: float) -> None:
        """Beside the QR, under its text: the seal and the signature block (who signs for the
        council and, when the PDF is signed, when)."""
        top = bottom + BAND_HEIGHT - 4
        seal = self._seals.get((council.id, x))
        if seal is None:
            seal = draw_seal(self.ts, council, x + SEAL_RADIUS + 2, bottom + SEAL_RADIUS + 2,
                             SEAL_RADIUS)
            self._seals[council.id, x] = seal
        page.canvas.extend(seal)
        x += 2 * SEAL_RADIUS + 14
        width = RIGHT - x
        column: list[tuple[str, float, bool, Color]] = []
        if signed_at is not None:
            column.append((SIGNED_BY, 7.5, False, GREY))
        if council.registrar:
            column.append((council.registrar, 10.5, True, BLACK))
        column += [(f"{council.registrar_designation} / {council.registrar_designation_hi}",
                    8.5, False, BLACK), (council.name, 8.5, False, BLACK)]
        if signed_at is not None:
            column.append((time_for_people(signed_at), 8.5, False, BLUE))
        y = top - 4
        for text, size, bold, color in column:
            y = self._stack(page, self.ts.fit(text, size=size, width=width - 8,
                                              max_lines=1, min_size=5.5, bold=bold),
                            x + 4, y, width - 8, color)
        page.signature = (x, min(y - 4, bottom), RIGHT, top)
        if signed_at is not None:
            page.canvas.frame(x, page.signature[1], width, top - page.signature[1],
                              width=0.5, color=LIGHT)

    def _statement(self, page: Page, cert_type: CertificateType, *, top: float, scale: float
                   ) -> float:
        """The council's attestation for this type of certificate, English then Hindi; it
        shrinks with the particulars' table when a long credential needs the room."""
        width = RIGHT - LEFT
        for text in (cert_type.statement, cert_type.statement_hi):
            if text:
                top = self._stack(page, self.ts.fit(text, size=9.5 * scale, width=width,
                                                    max_lines=3, min_size=5),
                                  LEFT, top, width, BLACK) - 2 * scale
        return top

    def _stack(self, page: Page, lines: list[Line], x: float, top: float, width: float,
               color: Color, *, center: bool = False) -> float:
        for line in lines:
            left = x + (width - line.width) / 2 if center else x
            page.canvas.text(line, left, top - line.ascent, color)
            page.boxes.append((left, top - line.height, left + line.width, top))
            top -= line.height
        return top

    def _meta(self, page: Page, label: str, value: str, x: float, top: float, width: float
              ) -> float:
        top = self._stack(page, self.ts.fit(label, size=8.5, width=width, max_lines=1,
                                            min_size=6), x, top, width, GREY)
        return self._stack(page, self.ts.fit(value, size=11.5, width=width, max_lines=1,
                                             min_size=7, bold=True), x, top, width, BLACK)

    def _table(self, page: Page, cert_type: CertificateType, rows: list[Field], *, top: float,
               bottom: float) -> None:
        for scale in SCALES:
            trial = Page()
            rows_top = self._statement(trial, cert_type, top=top, scale=scale) - 2
            if self._rows(trial, rows, rows_top, scale) >= bottom:
                page.canvas.extend(trial.canvas)
                page.boxes += trial.boxes
                return
        raise InvalidData("the credential's fields are too long to print on one A4 page",
                          field="credentialSubject")

    def _rows(self, page: Page, rows: list[Field], top: float, scale: float) -> float:
        value_width = RIGHT - VALUE_X
        for i, row in enumerate(rows):
            if i:
                page.canvas.rule(LEFT, top + 4 * scale, RIGHT, top + 4 * scale, width=0.3,
                                 color=LIGHT)
            label_bottom = top
            for text in (row.label, row.label_hi):
                label_bottom = self._stack(page, self.ts.fit(
                    text, size=9 * scale, width=LABEL_WIDTH, max_lines=1, min_size=6),
                    LEFT, label_bottom, LABEL_WIDTH, GREY)
            value_bottom = top
            for text, bold in row.values:
                size = (row.size if bold or len(row.values) == 1 else row.size - 0.5) * scale
                value_bottom = self._stack(page, self.ts.fit(
                    text, size=size, width=value_width, max_lines=row.max_lines,
                    min_size=row.min_size * scale, bold=bold),
                    VALUE_X, value_bottom, value_width, BLACK)
            top = min(label_bottom, value_bottom) - 8 * scale
        return top + 8 * scale

    def _verification(self, page: Page, credential_id: str, qr_modules: int, *, band: float
                      ) -> float:
        """The QR block at the foot of the page, text to the right of the QR with ``band``
        points left free under it; returns its top."""
        side = qr_modules * qr_module_size(qr_modules)
        x = LEFT + side + 16
        width = RIGHT - x
        column: list[tuple[list[Line], Color, float]] = [
            (self.ts.lines("Verification URL / सत्यापन URL", size=8.5, width=width), GREY, 0),
            (self.ts.fit(credential_id, size=11.5, width=width, max_lines=2, min_size=7,
                         bold=True), BLUE, 0),
            (self.ts.lines(VERIFY[0], size=9.5, width=width), BLACK, 8),
            (self.ts.lines(VERIFY[1], size=9.5, width=width), BLACK, 1),
            (self.ts.lines(AUTHORITY[0], size=8.5, width=width), GREY, 10),
            (self.ts.lines(AUTHORITY[1], size=8.5, width=width), GREY, 1),
        ]
        height = sum(gap + sum(line.height for line in lines) for lines, _, gap in column) + band
        top = QR_BOTTOM + max(side, height)
        page.qr = (LEFT, top - side, LEFT + side, top)
        y = top
        for lines, color, gap in column:
            y = self._stack(page, lines, x, y - gap, width, color)
        y = 50.0
        for text in ATTACHED:
            y = self._stack(page, self.ts.lines(text, size=7, width=RIGHT - LEFT), LEFT, y,
                            RIGHT - LEFT, GREY, center=True)
        return top
