"""Turn what a person hands the verifier into a token: a pasted token or QR text, a PDF, a photo.

Every input is capped before it is parsed, recognised by its content (magic bytes), never by its
name, and every failure is a ``PramaanError`` with a 4xx status: no upload can cause a 500 or a
hang. A certificate PDF carries the signed token as an attachment (``application/vc+jwt``), which
is read first; failing that, page 1 is rasterised at 150 dpi and its QR code read
(reference/performance.md §5: enough for a 0.4 mm module, and 8x faster with QR-only decoding).

A file under the size cap can still be a bomb (550,000 empty pages, a stream that inflates to
gigabytes, a 30000x30000 image): a PDF is measured (``schemas.file_bounds``: declared objects
before qpdf opens it, pages, object streams, and before rendering every stream and image) and
refused with ``InputTooComplex`` before the heavy work, and pdftoppm runs under hard memory and
CPU limits as well as a timeout.
"""

from __future__ import annotations

import io
import re
import resource
import subprocess
import time
import zlib
from collections.abc import Iterator, Mapping

import pikepdf
import zxingcpp
from PIL import Image, ImageFilter

from keys.signing import MAX_TOKEN_LENGTH
from schemas.errors import (
    ConfigurationError,
    InputTooLarge,
    InvalidRequest,
    MalformedQr,
    NoCredentialFound,
    UnreadableInput,
    UnsupportedInput,
)
from schemas.file_bounds import PdfBounds, check_pdf_streams, open_pdf
from schemas.qr_payload import decode_qr_text

MAX_IMAGE_PIXELS = 40_000_000
"""A 40-megapixel photo at most; Pillow refuses twice this outright (decompression bombs)."""
MAX_RASTER_SIDE = 4000
"""Longest side, in pixels, of a rasterised PDF page (an A4 page at 150 dpi is 1754)."""
RASTER_DPI = 150
RASTER_TIMEOUT_SECONDS = 10
RASTER_CPU_SECONDS = 5
"""pdftoppm's hard CPU limit (a certificate page renders in about 0.1 s)."""
RASTER_MEMORY_BYTES = 512 * 1024 * 1024
"""pdftoppm's hard address-space limit (a page at 150 dpi needs well under 100 MB)."""
PDF_BOUNDS = PdfBounds(max_pages=20, max_objects=5_000, max_stream_bytes=16 * 1024 * 1024,
                       max_decoded_bytes=48 * 1024 * 1024, max_image_pixels=MAX_IMAGE_PIXELS)
"""A certificate PDF has one page and some hundred objects; a scan or print of it a few pages."""
MAX_TEXT_BYTES = 64 * 1024
DECODE_BUDGET_SECONDS = 4.0
"""No new decoding attempt on an image starts after this long (each takes well under a second)."""
UPSCALE = 1.6
MAX_UPSCALED_PIXELS = 30_000_000
MEDIA_TYPE = "application/vc+jwt"

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")

_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)

Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS  # bounds every Image.open in this process


def token_from_text(text: str) -> str:
    """A compact JWS as is (whitespace removed), else QR text (``page#digits`` or digits)."""
    if len(text) > MAX_TEXT_BYTES:
        raise InputTooLarge(f"the text has {len(text)} characters; a credential has at most "
                            f"{MAX_TOKEN_LENGTH}")
    compact = "".join(text.split())
    if _COMPACT_JWS.fullmatch(compact):
        return compact
    return decode_qr_text(text.strip())


def token_from_json(body: object) -> str:
    """``{"token": "<vc+jwt>"}`` or ``{"qr": "<scanned QR text>"}``."""
    if isinstance(body, Mapping):
        for field in ("token", "qr"):
            if isinstance(body.get(field), str) and not str(body[field]).strip():
                raise InvalidRequest(f"the field '{field}' is empty: it holds no credential",
                                     field=field, hint="paste the whole token or QR text")
        if isinstance(body.get("token"), str):
            return "".join(str(body["token"]).split())  # a JWS has no whitespace; wrapped paste
        if isinstance(body.get("qr"), str):
            return decode_qr_text(str(body["qr"]).strip())
    raise InvalidRequest('send {"token": "<vc+jwt>"}, {"qr": "<QR text>"} or {"number": '
                         '"<certificate number>"} as JSON, or upload a PDF or photo as the '
                         "multipart field 'file'", field="body")


def number_from_json(body: object) -> str | None:
    """The printed certificate number or verification URL of ``{"number": "HMC-GS-…"}``, if the
    body is that; the lookup itself is ``verifier.lookup``."""
    if not isinstance(body, Mapping) or "number" not in body:
        return None
    number = body["number"]
    if not isinstance(number, str) or not number.strip():
        raise InvalidRequest("the field 'number' must hold a certificate number",
                             field="number", hint="type it as printed, e.g. HMC-GS-3TXE-5408")
    return number


def token_from_upload(data: bytes, *, max_bytes: int) -> str:
    """The token in an uploaded PDF, PNG/JPEG image or text file, told apart by content."""
    if len(data) > max_bytes:
        raise InputTooLarge(f"the file has {len(data)} bytes; at most {max_bytes} are accepted")
    if not data.strip():
        raise InvalidRequest("the file is empty", field="file")
    if is_pdf(data):
        return token_from_pdf(data)
    if data.startswith((_PNG, _JPEG)):
        return token_from_image(data)
    return token_from_text(_as_text(data))


def is_pdf(data: bytes) -> bool:
    return b"%PDF-" in data[:1024]


def token_from_pdf(data: bytes) -> str:
    """The attached vc+jwt if there is one, else the QR code on page 1."""
    try:
        with open_pdf(data, PDF_BOUNDS) as pdf:
            attached = _attached_token(pdf)
            if attached is not None:
                return attached
            check_pdf_streams(pdf, PDF_BOUNDS)  # what pdftoppm would decode
            dpi = _raster_dpi(pdf)
    except (pikepdf.PdfError, pikepdf.PasswordError) as err:
        raise UnreadableInput("the file is not a readable PDF (damaged or encrypted)",
                              hint="upload the certificate PDF as it was issued") from err
    return token_from_image(_rasterise_first_page(data, dpi))


def token_from_image(data: bytes, *, budget_seconds: float = DECODE_BUDGET_SECONDS) -> str:
    """The credential in the first QR code of the image that decodes as one.

    A phone photo of a printed certificate is often dim, soft and small in the frame; when the
    image as it is yields no QR code, sharpened and enlarged copies are tried (``_attempts``),
    for at most ``budget_seconds`` in all (each attempt is short; none starts after that).
    """
    image = _open_image(data)
    barcodes: list[zxingcpp.Barcode] = []
    deadline = time.monotonic() + budget_seconds
    for attempt in _attempts(image):
        barcodes = zxingcpp.read_barcodes(attempt, formats=_QR_ONLY, try_rotate=True,
                                          try_downscale=attempt.width <= image.width,
                                          try_invert=True)
        if barcodes or time.monotonic() > deadline:
            break
    if not barcodes:
        raise NoCredentialFound("no QR code could be read in the image",
                                hint="photograph the whole QR code, flat, sharp and well lit")
    first_error: MalformedQr | None = None
    for barcode in barcodes:
        try:
            return decode_qr_text(barcode.text)
        except MalformedQr as err:
            first_error = first_error or err
    assert first_error is not None
    raise first_error


def _attempts(image: Image.Image) -> Iterator[Image.Image]:
    """The image as it is, then copies that recover what a phone camera loses.

    Measured on generated photos (``scripts/bench_decode.py``): an unsharp mask recovers soft,
    blurred modules; enlarging by 1.6 (Lanczos) recovers a QR code that is small in the frame,
    below about 3 pixels a module, where zxing's detector misses the finder patterns; both
    together recover the rest it can. Contrast stretching and adaptive thresholds added nothing
    that these did not (zxing's local binarizer already copes with dim and uneven light).
    """
    yield image
    sharp = image.filter(ImageFilter.UnsharpMask(radius=2, percent=150, threshold=2))
    yield sharp
    if image.width * image.height * UPSCALE**2 <= MAX_UPSCALED_PIXELS:
        size = (round(image.width * UPSCALE), round(image.height * UPSCALE))
        yield image.resize(size, Image.Resampling.LANCZOS)
        yield sharp.resize(size, Image.Resampling.LANCZOS)


def _as_text(data: bytes) -> str:
    if len(data) > MAX_TEXT_BYTES:
        raise UnsupportedInput("the file is not a PDF, PNG or JPEG, and too long to be a token")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise UnsupportedInput("the file is not a PDF, a PNG or JPEG image, or text",
                               hint="upload the certificate PDF, a photo of its QR code, or "
                                    "paste the token") from err


def _attached_token(pdf: pikepdf.Pdf) -> str | None:
    """The first attachment typed ``application/vc+jwt`` (or named ``*.jwt``) holding a JWS."""
    try:
        for name, spec in list(pdf.attachments.items()):
            attached = spec.get_file()
            if attached.mime_type != MEDIA_TYPE and not name.lower().endswith(".jwt"):
                continue
            data = _bounded_stream(attached.obj)
            compact = "".join(data.decode("utf-8", errors="replace").split()) if data else ""
            if _COMPACT_JWS.fullmatch(compact):
                return compact
    except (pikepdf.PdfError, AttributeError, KeyError, TypeError, ValueError):
        return None  # a broken attachment: fall back to the QR code
    return None


def _bounded_stream(stream: pikepdf.Object) -> bytes | None:
    """The stream's bytes if it is plain or Flate-only and inflates to a token's size at most."""
    if not isinstance(stream, pikepdf.Stream):
        return None
    filters = stream.get("/Filter")
    raw = stream.read_raw_bytes()
    if filters is None:
        return raw if len(raw) <= MAX_TOKEN_LENGTH else None
    if filters not in (pikepdf.Name.FlateDecode, pikepdf.Array([pikepdf.Name.FlateDecode])) \
            or "/DecodeParms" in stream:
        return None
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(raw, MAX_TOKEN_LENGTH + 1)
    except zlib.error:
        return None
    return data if len(data) <= MAX_TOKEN_LENGTH else None


def _raster_dpi(pdf: pikepdf.Pdf) -> int:
    """150 dpi, lowered for an oversized page so the raster stays within ``MAX_RASTER_SIDE``."""
    if len(pdf.pages) == 0:
        raise NoCredentialFound("the PDF has no pages and no attached credential")
    try:
        box = [float(v) for v in pdf.pages[0].mediabox]
        longest = max(abs(box[2] - box[0]), abs(box[3] - box[1]))
    except (pikepdf.PdfError, TypeError, ValueError, IndexError):
        return RASTER_DPI
    return max(1, min(RASTER_DPI, int(MAX_RASTER_SIDE * 72 / max(longest, 1.0))))


def _rasterise_first_page(data: bytes, dpi: int) -> bytes:
    command = ["pdftoppm", "-r", str(dpi), "-gray", "-f", "1", "-l", "1", "-"]
    try:
        done = subprocess.run(command, input=data, capture_output=True,  # noqa: S603 (fixed argv)
                              timeout=RASTER_TIMEOUT_SECONDS, check=False,
                              preexec_fn=_raster_limits)
    except FileNotFoundError as err:
        raise ConfigurationError("pdftoppm (poppler-utils) is not installed") from err
    except subprocess.TimeoutExpired as err:
        raise UnreadableInput(f"the PDF took more than {RASTER_TIMEOUT_SECONDS} s to render",
                              hint="upload the certificate PDF as it was issued") from err
    if done.returncode != 0 or not done.stdout:
        raise UnreadableInput("the file is not a readable PDF: its first page cannot be drawn",
                              hint="upload the certificate PDF as it was issued")
    return done.stdout


def _raster_limits() -> None:
    """In the pdftoppm child before exec: hard limits the kernel enforces (no lock, no import)."""
    resource.setrlimit(resource.RLIMIT_AS, (RASTER_MEMORY_BYTES, RASTER_MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (RASTER_CPU_SECONDS, RASTER_CPU_SECONDS))


def _open_image(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data), formats=["PNG", "JPEG", "PPM"])
        if image.width * image.height > MAX_IMAGE_PIXELS:
            raise InputTooLarge(f"the image is {image.width}x{image.height} pixels; at most "
                                f"{MAX_IMAGE_PIXELS} pixels are read")
        image.draft("L", image.size)
        return image.convert("L")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise InputTooLarge(f"the image has more than {MAX_IMAGE_PIXELS} pixels",
                            hint="send a smaller photo of the QR code") from err
    except (OSError, SyntaxError, ValueError) as err:
        raise UnreadableInput("the image cannot be read (damaged or not a PNG/JPEG)",
                              hint="send a PNG or JPEG photo of the QR code") from err
