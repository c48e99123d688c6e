"""Supporting documents: the type is decided by content, never by the name or the declared type.

A file is accepted only if its first bytes are a PDF, JPEG or PNG signature *and* it opens as
that format (pikepdf / Pillow), and only up to ``max_bytes``. It is stored under a random name in
a folder outside anything the service serves; the client's name is kept, cleaned, as a label.
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

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from schemas.errors import InputTooLarge, UnreadableInput, UnsupportedInput
from schemas.http import join_capped

SIGNATURES = ((b"%PDF-", "application/pdf"), (b"\xff\xd8\xff", "image/jpeg"),
              (b"\x89PNG\r\n\x1a\n", "image/png"))
_CHUNK = 64 * 1024


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
    try:
        if media_type == "application/pdf":
            import pikepdf

            with pikepdf.open(io.BytesIO(data)) as pdf:
                len(pdf.pages)
        else:
            from PIL import Image

            with Image.open(io.BytesIO(data)) as image:
                if image.format != {"image/jpeg": "JPEG", "image/png": "PNG"}[media_type]:
                    raise UnsupportedInput(f"the file starts like {media_type} but is not one")
                image.verify()
    except UnsupportedInput:
        raise
    except Exception as err:  # any parser failure means the same to the applicant
        raise UnreadableInput(f"the file starts like {media_type} but cannot be opened "
                              f"({type(err).__name__})", hint="upload an undamaged copy") from err


def clean_label(filename: str | None) -> str:
    """A display name: the last path component, printable, without path separators."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*')
    name = name.strip(" .")
    return name[:120] or "document"


def store(folder: Path, data: bytes, *, filename: str | None) -> StoredFile:
    """Sniff, then write ``data`` under a random name in ``folder`` (created 0700)."""
    media_type = sniff(data)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stored_name = secrets.token_hex(16)
    path = folder / stored_name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return StoredFile(stored_name=stored_name, media_type=media_type, size=len(data),
                      sha256=hashlib.sha256(data).hexdigest(), label=clean_label(filename))


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
