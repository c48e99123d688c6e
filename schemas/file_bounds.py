"""Bounds on what an untrusted PDF or image may hold, checked before anything heavy parses it.

A file under the 5 MB cap can still ask for gigabytes: 550,000 empty pages, a Flate stream of
zeros that inflates to hundreds of megabytes, an image header claiming 30000x30000 pixels. Both
services read such files (the verifier's uploads, the issuer's supporting documents), so the
bounds live here, in the contract, and are checked cheapest first:

1. ``pdf_declared_objects``: a scan of the raw bytes, before qpdf opens the file (opening costs
   about 2 KB of memory per object, whatever the object is): the largest ``/Size`` of a trailer
   or cross-reference stream, and the objects written at the top level or declared (``/N``) in
   object streams. Nothing is decoded except the names' ``#xx`` escapes.
2. ``open_pdf``: the raw bounds, then pikepdf, then the page count and every object stream's
   inflated size (qpdf inflates a whole object stream to read one object of it).
3. ``check_pdf_streams``: every stream's decoded size, by a bounded inflate (never more than the
   bound plus one byte is produced) or the filter's worst ratio, and every image's pixels.
4. ``image_pixels``: an image's width and height from its header, before Pillow decodes it;
   ``image_end``: where a PNG or JPEG really ends (a zip or a page may follow it).

Every refusal is an ``InputTooComplex`` (413) naming what was counted and the bound.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import pikepdf

from schemas.errors import InputTooComplex, UnreadableInput


@dataclass(frozen=True)
class PdfBounds:
    max_pages: int
    max_objects: int = 10_000
    max_stream_bytes: int = 32 * 1024 * 1024
    """Decoded size of any one stream (a page's content is well under a megabyte)."""
    max_decoded_bytes: int = 64 * 1024 * 1024
    """Decoded size of all the streams of the file together (images counted by pixels)."""
    max_image_pixels: int = 40_000_000


_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_TOP_LEVEL_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")
_SIZE = re.compile(rb"/Size\s*(\d{1,12})")
_IN_OBJECT_STREAM = re.compile(rb"/N\s*(\d{1,12})")

# Worst decoded/encoded ratio of the filters whose output is not measured (Flate's is):
# ASCIIHex halves, ASCII85 'z' is 4 bytes, RunLength 2 bytes -> 128, LZW a 9-bit code -> 4096.
_WORST_RATIO = {"/ASCIIHexDecode": 1.0, "/AHx": 1.0, "/ASCII85Decode": 4.0, "/A85": 4.0,
                "/RunLengthDecode": 64.0, "/RL": 64.0, "/LZWDecode": 3641.0, "/LZW": 3641.0}
_FLATE = ("/FlateDecode", "/Fl")
_INFLATE_CHUNK = 1024 * 1024


def pdf_declared_objects(data: bytes) -> int:
    """How many objects the raw file declares, read without parsing it (untrusted, an upper
    bound for an honest file; qpdf builds its object table from the same declarations)."""
    names = _NAME_ESCAPE.sub(lambda m: bytes.fromhex(m.group(1).decode()), data) \
        if b"#" in data else data
    declared_size = max((int(m) for m in _SIZE.findall(names)), default=0)
    written = sum(1 for _ in _TOP_LEVEL_OBJECT.finditer(names))
    in_streams = sum(int(m) for m in _IN_OBJECT_STREAM.findall(names))
    return max(declared_size, written + in_streams)


def open_pdf(data: bytes, bounds: PdfBounds) -> pikepdf.Pdf:
    """The PDF opened by pikepdf once its declared objects, its pages and its object streams are
    within ``bounds``; the caller closes it. ``pikepdf.PdfError`` and ``PasswordError`` pass."""
    objects = pdf_declared_objects(data)
    if objects > bounds.max_objects:
        raise _too_complex(f"the PDF declares {objects} objects; at most {bounds.max_objects} "
                           "are read")
    pdf = pikepdf.open(io.BytesIO(data))
    try:
        _check_object_streams(pdf, bounds)
        pages = len(pdf.pages)
        if pages > bounds.max_pages:
            raise _too_complex(f"the PDF has {pages} pages; at most {bounds.max_pages} are read")
    except BaseException:
        pdf.close()
        raise
    return pdf


def check_pdf_streams(pdf: pikepdf.Pdf, bounds: PdfBounds) -> None:
    """Every stream decodes within ``bounds`` and every image within the pixel cap, measured
    without decoding more than the bound (a renderer would decode them all). Attached files are
    left out: no renderer decodes them, and a caller that reads one bounds its own read."""
    total = 0
    for stream in _streams(pdf):
        if stream.get("/Type") == pikepdf.Name.EmbeddedFile:
            continue
        if stream.get("/Subtype") == pikepdf.Name.Image:
            _check_image_stream(stream, bounds)
            continue
        size = decoded_size(stream, limit=bounds.max_stream_bytes)
        if size > bounds.max_stream_bytes:
            raise _too_complex(f"a stream of the PDF (object {stream.objgen[0]}) decodes to "
                               f"more than {bounds.max_stream_bytes} bytes")
        total += size
        if total > bounds.max_decoded_bytes:
            raise _too_complex(f"the PDF's streams decode to more than "
                               f"{bounds.max_decoded_bytes} bytes in all")


def decoded_size(stream: pikepdf.Stream, *, limit: int) -> int:
    """The stream's decoded size, or an upper bound of it; never more than ``limit + 1`` bytes
    are inflated to learn it (a bound past ``limit`` means: too big)."""
    filters = _filter_names(stream.get("/Filter"))
    raw = stream.read_raw_bytes()
    size = float(len(raw))
    if filters and filters[0] in _FLATE:
        size = _inflated_size(raw, limit)
        filters = filters[1:]
    for name in filters:
        if name in _FLATE:
            size *= 1032  # Flate's own worst ratio, for a chain that inflates twice
        else:
            size *= _WORST_RATIO.get(name, 1.0)
    return int(min(size, limit + 1))


def image_pixels(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR or a JPEG's frame header, read without decoding (and
    without Pillow, whose own bomb check only warns below twice its limit)."""
    if data.startswith(PNG_SIGNATURE) and data[12:16] == b"IHDR":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data.startswith(JPEG_SIGNATURE):
        for marker, at, length in _jpeg_segments(data):
            if marker in _JPEG_FRAMES and length >= 7:
                return (int.from_bytes(data[at + 5:at + 7], "big"),
                        int.from_bytes(data[at + 3:at + 5], "big"))
    raise UnreadableInput("the image's header cannot be read (damaged or not a PNG/JPEG)",
                          hint="send an undamaged PNG or JPEG")


def check_image_pixels(data: bytes, max_pixels: int) -> None:
    width, height = image_pixels(data)
    if width * height > max_pixels:
        raise _too_complex(f"the image is {width}x{height} pixels; at most {max_pixels} pixels "
                           "are read", hint="send a smaller scan or photo")


def image_end(data: bytes) -> int | None:
    """Where a PNG (after IEND) or a JPEG (after EOI) ends, or None if it never does; bytes past
    it are not part of the image (a zip, a script) and no viewer shows them."""
    if data.startswith(PNG_SIGNATURE):
        at = len(PNG_SIGNATURE)
        while at + 8 <= len(data):
            length = int.from_bytes(data[at:at + 4], "big")
            kind = data[at + 4:at + 8]
            at += 12 + length
            if kind == b"IEND":
                return at if at <= len(data) else None
        return None
    if data.startswith(JPEG_SIGNATURE):
        for marker, at, _length in _jpeg_segments(data):
            if marker == _JPEG_EOI:
                return at
    return None


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_EOI = 0xD9
_JPEG_SOS = 0xDA
_JPEG_NO_LENGTH = frozenset(range(0xD0, 0xD8)) | {0x01}


def _jpeg_segments(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(marker, offset of its payload or of the byte after EOI, payload length) in order,
    stepping over entropy-coded data after each SOS (where 0xFF00 and RSTn are data)."""
    at = 2
    while at + 1 < len(data):
        if data[at] != 0xFF:
            return  # not a marker where one must be: damaged
        marker = data[at + 1]
        at += 2
        if marker == 0xFF:
            at -= 1  # fill byte
            continue
        if marker == _JPEG_EOI:
            yield marker, at, 0
            return
        if marker in _JPEG_NO_LENGTH:
            continue
        length = int.from_bytes(data[at:at + 2], "big")
        yield marker, at, length
        at += length
        if marker == _JPEG_SOS:
            at = _after_entropy_coded(data, at)


def _after_entropy_coded(data: bytes, at: int) -> int:
    while True:
        at = data.find(b"\xff", at)
        if at < 0 or at + 1 >= len(data):
            return len(data)
        following = data[at + 1]
        if following == 0 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            at += 1 if following == 0xFF else 2
            continue
        return at


def _check_object_streams(pdf: pikepdf.Pdf, bounds: PdfBounds) -> None:
    containers = {entry.obj_stream_number for entry in pdf.get_xref_table().values()
                  if entry.obj_stream_number is not None}
    total = 0
    for number in containers:
        container = pdf.get_object((number, 0))  # a stream is never inside an object stream
        if not isinstance(container, pikepdf.Stream):
            continue
        total += decoded_size(container, limit=bounds.max_stream_bytes)
        if total > bounds.max_stream_bytes:
            raise _too_complex(f"the PDF's object streams decode to more than "
                               f"{bounds.max_stream_bytes} bytes")


def _check_image_stream(stream: pikepdf.Stream, bounds: PdfBounds) -> None:
    try:
        width, height = int(stream.get("/Width", 0)), int(stream.get("/Height", 0))
    except (TypeError, ValueError):
        return  # a renderer cannot draw it either
    if width * height > bounds.max_image_pixels:
        raise _too_complex(f"an image in the PDF (object {stream.objgen[0]}) is "
                           f"{width}x{height} pixels; at most {bounds.max_image_pixels} are read")


def _streams(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Stream]:
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream):
            yield obj


def _filter_names(value: object) -> list[str]:
    if isinstance(value, pikepdf.Name):
        return [str(value)]
    if isinstance(value, pikepdf.Array):
        return [str(item) for item in value if isinstance(item, pikepdf.Name)]
    return []


def _inflated_size(raw: bytes, limit: int) -> int:
    inflater = zlib.decompressobj()
    size = 0
    try:
        chunk = inflater.decompress(raw, _INFLATE_CHUNK)
        while chunk:
            size += len(chunk)
            if size > limit:
                return size
            chunk = inflater.decompress(inflater.unconsumed_tail, _INFLATE_CHUNK)
    except zlib.error:
        pass  # a renderer stops at the damage too
    return size


def _too_complex(detail: str, hint: str | None = None) -> InputTooComplex:
    return InputTooComplex(detail, hint=hint or "send the certificate or document PDF as it was "
                                                "issued or scanned, not an altered copy")
