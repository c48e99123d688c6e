"""Supporting documents: the type is decided by content, never by the name or the declared type.

A file is accepted only if its first bytes are a PDF, JPEG or PNG signature *and* it opens as
that format (pikepdf / Pillow), and only up to ``max_bytes``. It is stored under a random name in
a folder outside anything the service serves; the client's name is kept, cleaned, as a label.

Reviewers open these files, so a document is refused (never stored, never flattened) when it
carries active content: HTML anywhere in it (a PDF/HTML polyglot), PDF JavaScript, launch, form
or open actions, additional actions or embedded files, or bytes after an image's end (a PNG with
a zip appended); and when it asks for more than a document needs: pages, objects, inflated bytes
or pixels over ``UPLOAD_PDF_BOUNDS`` / ``UPLOAD_MAX_IMAGE_PIXELS`` (``docs/applications.md``).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pikepdf
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from schemas.errors import ActiveContent, InputTooLarge, UnreadableInput, UnsupportedInput
from schemas.file_bounds import (
    PdfBounds,
    check_image_pixels,
    check_pdf_streams,
    image_end,
    open_pdf,
)
from schemas.http import join_capped

SIGNATURES = ((b"%PDF-", "application/pdf"), (b"\xff\xd8\xff", "image/jpeg"),
              (b"\x89PNG\r\n\x1a\n", "image/png"))
_CHUNK = 64 * 1024
UPLOAD_PDF_BOUNDS = PdfBounds(max_pages=200, max_objects=20_000)
"""A 200-page scan at most; the other bounds (decoded bytes, image pixels) are the defaults."""
UPLOAD_MAX_IMAGE_PIXELS = 40_000_000
"""An A4 page scanned at 600 dpi is 35 megapixels; a phone photo 12 to 50."""

_HTML = re.compile(rb"<(?:!doctype\s+html|html|head|body|script|iframe|object|embed|svg|meta|"
                   rb"form|img|a\s)[\s/>]", re.IGNORECASE)
_ACTIVE_KEYS = frozenset({"/JavaScript", "/JS", "/AA", "/Launch", "/EmbeddedFile",
                          "/EmbeddedFiles", "/EF", "/XFA", "/RichMedia"})
_ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/GoToE",
                             "/GoToR", "/RichMediaExecute", "/Rendition"})


@dataclass(frozen=True)
class CheckedFile:
    """An upload read within its cap and checked by content, not yet stored."""

    data: bytes
    media_type: str
    label: str


def check(stream: BinaryIO, *, max_bytes: int, filename: str | None) -> CheckedFile:
    """Read and check an upload. The slow part of an upload (parsing a PDF, reading an image's
    structure) lives here so a request can do it before it touches the database: on SQLite a
    writing request holds the database's one write lock from its first query."""
    data = read_capped(stream, max_bytes)
    return CheckedFile(data=data, media_type=sniff(data), label=clean_label(filename))


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    media_type: str
    size: int
    sha256: str
    label: str


def read_capped(stream: BinaryIO, max_bytes: int) -> bytes:
    """Read at most ``max_bytes``; a longer stream is refused without reading it all."""
    return join_capped(iter(lambda: stream.read(_CHUNK), b""), limit=max_bytes,
                       error=lambda: InputTooLarge(
                           f"a document may be at most {max_bytes} bytes",
                           hint="scan at a lower resolution or split the file"))


def sniff(data: bytes) -> str:
    """The media type the content really is, or ``UnsupportedInput``."""
    for magic, media_type in SIGNATURES:
        if data.startswith(magic):
            _confirm(data, media_type)
            return media_type
    raise UnsupportedInput("a document must be a PDF, JPEG or PNG file (checked by content, "
                           "not by its name)", hint="save or scan it as PDF, JPEG or PNG")


def _confirm(data: bytes, media_type: str) -> None:
    if media_type == "application/pdf":
        _confirm_pdf(data)
    else:
        _confirm_image(data, media_type)
    html = _HTML.search(data)  # in a file that opens as what it claims: a polyglot
    if html:
        raise ActiveContent(f"the file holds HTML ({html.group().decode('latin-1')!r} at byte "
                            f"{html.start()}): a browser could run it",
                            hint="print or scan the document to a plain PDF, JPEG or PNG")


def _confirm_pdf(data: bytes) -> None:
    try:
        with open_pdf(data, UPLOAD_PDF_BOUNDS) as pdf:
            found = sorted(_active_content(pdf))
            if found:
                raise ActiveContent(f"the PDF has active content ({', '.join(found)})",
                                    hint="print the document to a new PDF, or scan it, and "
                                         "upload that")
            check_pdf_streams(pdf, UPLOAD_PDF_BOUNDS)
    except (ActiveContent, InputTooLarge):
        raise
    except Exception as err:  # any parser failure means the same to the applicant
        raise UnreadableInput(f"the file starts like application/pdf but cannot be opened "
                              f"({type(err).__name__})", hint="upload an undamaged copy") from err


def _confirm_image(data: bytes, media_type: str) -> None:
    check_image_pixels(data, UPLOAD_MAX_IMAGE_PIXELS)
    end = image_end(data)
    if end is not None and data[end:].strip(b"\x00"):
        raise ActiveContent(f"the file has {len(data) - end} bytes after the end of the "
                            f"{media_type} image (another file hidden in it)",
                            hint="save the image again, or scan the page, and upload that")
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data), formats=["JPEG", "PNG"]) as image:
            if image.format != {"image/jpeg": "JPEG", "image/png": "PNG"}[media_type]:
                raise UnsupportedInput(f"the file starts like {media_type} but is not one")
            image.verify()
    except UnsupportedInput:
        raise
    except Exception as err:  # any parser failure means the same to the applicant
        raise UnreadableInput(f"the file starts like {media_type} but cannot be opened "
                              f"({type(err).__name__})", hint="upload an undamaged copy") from err
    if end is None:
        raise UnreadableInput(f"the {media_type} image has no end (truncated)",
                              hint="upload an undamaged copy")


def _active_content(pdf: pikepdf.Pdf) -> set[str]:
    """The names of active content anywhere in the PDF: keys that run or carry something, and
    actions of those kinds. An /OpenAction that only opens a page (a destination, /GoTo) is
    not active; any other is."""
    found: set[str] = set()
    for obj in pdf.objects:
        _walk(obj, found, depth=0)
    return found


def _walk(obj: pikepdf.Object, found: set[str], *, depth: int) -> None:
    if depth > 64:
        return  # qpdf refuses deeper nesting when it parses
    if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
        for key, value in obj.items():
            if key in _ACTIVE_KEYS or (key == "/OpenAction" and not _opens_a_page(value)):
                found.add(key)
            elif key == "/S" and isinstance(value, pikepdf.Name) and str(value) in _ACTIVE_ACTIONS:
                found.add(f"/S {value}")
            elif key == "/Type" and value == pikepdf.Name.EmbeddedFile:
                found.add("/EmbeddedFile")
            if isinstance(value, pikepdf.Object) and not value.is_indirect:
                _walk(value, found, depth=depth + 1)
    elif isinstance(obj, pikepdf.Array):
        for item in obj:
            if isinstance(item, pikepdf.Object) and not item.is_indirect:
                _walk(item, found, depth=depth + 1)


def _opens_a_page(value: pikepdf.Object | None) -> bool:
    if isinstance(value, pikepdf.Array):
        return True  # an explicit destination
    return isinstance(value, pikepdf.Dictionary) and value.get("/S") == pikepdf.Name.GoTo \
        and "/Next" not in value


def clean_label(filename: str | None) -> str:
    """A display name: the last path component, printable, without path separators."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*')
    name = name.strip(" .")
    return name[:120] or "document"


def store(folder: Path, file: CheckedFile) -> StoredFile:
    """Write a checked file under a random name in ``folder`` (created 0700)."""
    data = file.data
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stored_name = secrets.token_hex(16)
    path = folder / stored_name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return StoredFile(stored_name=stored_name, media_type=file.media_type, size=len(data),
                      sha256=hashlib.sha256(data).hexdigest(), label=file.label)


def discard_on_rollback(session: Session, path: Path) -> None:
    """Delete ``path`` if the transaction that records it rolls back, so a failed upload
    leaves no orphan file behind; once that transaction commits, the file stays. (Sessions live
    for one request, so the two small listeners go with it.)"""
    written_in = session.get_nested_transaction() or session.get_transaction()
    enclosing = _with_ancestors(written_in)  # taken now: a closed savepoint forgets its parent
    pending = [True]

    def rolled_back(_session: Session, previous: SessionTransaction) -> None:
        if pending[0] and (not enclosing or any(previous is t for t in enclosing)):
            path.unlink(missing_ok=True)
            pending[0] = False

    def committed(_session: Session) -> None:
        # fired for released savepoints too: only the outermost transaction's commit keeps it
        if not enclosing or not enclosing[-1].is_active:
            pending[0] = False

    event.listen(session, "after_soft_rollback", rolled_back)
    event.listen(session, "after_commit", committed)


def _with_ancestors(transaction: SessionTransaction | None) -> list[SessionTransaction]:
    chain = []
    while transaction is not None:
        chain.append(transaction)
        transaction = transaction.parent
    return chain


def load(folder: Path, stored_name: str) -> bytes:
    if not re.fullmatch(r"[0-9a-f]{32}", stored_name):  # our own names only
        raise UnreadableInput("stored document name is not one of ours")
    return (folder / stored_name).read_bytes()
