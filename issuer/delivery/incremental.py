"""Append an incremental update to a finished PDF (ISO 32000-1 §7.5.6).

An update is written after the file's end: new objects and new versions of existing ones, then a
cross-reference section for just those and a trailer pointing back to the previous one (``/Prev``).
The original bytes stay as they are, so a document made from a template costs a copy of the
template plus its own few kilobytes, instead of a PDF library parsing and writing the whole file
again (the embedded fonts are ~120 KB of a certificate; re-saving them cost ~2 ms a document).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import pikepdf

_DELIMITERS = frozenset(b"()<>[]{}/%#")


@dataclass(frozen=True)
class Base:
    """A finished PDF with a cross-reference table, and what an update needs to know of it."""

    data: bytes
    xref: int  # offset of its cross-reference table (its startxref)
    size: int  # its trailer's /Size: the first object number not in use
    root: int
    file_id: bytes  # the first /ID element, which stays the same in every revision (§14.4)
    dictionaries: dict[int, bytes]  # object number -> serialised dictionary, for ``amend``

    @classmethod
    def read(cls, data: bytes) -> Base:
        """Read the trailer and the plain (non-stream) dictionaries of ``data``. Its last
        cross-reference section must be a table: an update written as a table may not follow
        a cross-reference stream (§7.5.8.4)."""
        with pikepdf.open(io.BytesIO(data)) as pdf:
            root = pdf.Root.objgen[0]
            size = int(pdf.trailer.Size)
            file_id = bytes(pdf.trailer.ID[0])
            dictionaries = {obj.objgen[0]: obj.unparse(resolved=True) for obj in pdf.objects
                            if isinstance(obj, pikepdf.Dictionary)
                            and not isinstance(obj, pikepdf.Stream) and obj.objgen[1] == 0}
        xref = int(data[data.rindex(b"startxref") + len(b"startxref"):].split()[0])
        if not data.startswith(b"xref", xref):
            raise ValueError("the base PDF ends with a cross-reference stream, not a table")
        if not data.endswith(b"\n"):
            data += b"\n"
        return cls(data, xref, size, root, file_id, dictionaries)


class Update:
    """One revision appended to ``base``; ``to_bytes`` gives the whole updated file."""

    def __init__(self, base: Base) -> None:
        self._base = base
        self._chunks: list[bytes] = []
        self._offsets: dict[int, int] = {}
        self._end = len(base.data)
        self._next = base.size

    def new(self) -> int:
        """A fresh object number."""
        self._next += 1
        return self._next - 1

    def put(self, num: int, body: bytes) -> None:
        """Object ``num`` is ``body`` (one serialised object) from this revision on."""
        chunk = b"%d 0 obj\n%b\nendobj\n" % (num, body)
        self._offsets[num] = self._end
        self._chunks.append(chunk)
        self._end += len(chunk)

    def put_stream(self, num: int, entries: bytes, data: bytes) -> None:
        """A stream object; ``entries`` are its dictionary's entries except ``/Length``."""
        self.put(num, b"<< %b /Length %d >>\nstream\n%b\nendstream" % (entries, len(data), data))

    def amend(self, num: int, entries: bytes) -> None:
        """Base dictionary ``num`` with ``entries`` added (keys it does not have yet)."""
        dictionary = self._base.dictionaries[num]
        self.put(num, dictionary[:-2].rstrip() + b" " + entries + b" >>")

    def to_bytes(self, *, info: int | None = None) -> bytes:
        """The base file followed by this revision. The second /ID element is a digest of the
        revision, so the same objects always give the same bytes."""
        body = b"".join(self._chunks)
        trailer = b"/Size %d /Root %d 0 R /Prev %d /ID [<%b> <%b>]" % (
            self._next, self._base.root, self._base.xref, self._base.file_id.hex().encode(),
            hashlib.md5(body, usedforsecurity=False).hexdigest().encode())
        if info is not None:
            trailer += b" /Info %d 0 R" % info
        return b"".join((self._base.data, body, _xref_table(self._offsets),
                         b"trailer\n<< %b >>\nstartxref\n%d\n%%%%EOF\n" % (trailer, self._end)))


def _xref_table(offsets: dict[int, int]) -> bytes:
    """One subsection per run of consecutive object numbers; 20-byte entries (§7.5.4)."""
    parts = [b"xref\n"]
    nums = sorted(offsets)
    start = 0
    for i in range(1, len(nums) + 1):
        if i == len(nums) or nums[i] != nums[i - 1] + 1:
            parts.append(b"%d %d\n" % (nums[start], i - start))
            parts += [b"%010d 00000 n \n" % offsets[num] for num in nums[start:i]]
            start = i
    return b"".join(parts)


def ref(num: int) -> bytes:
    return b"%d 0 R" % num


def name(value: str) -> bytes:
    """A name object; bytes outside the printable ASCII range and delimiters as ``#xx``."""
    return b"/" + b"".join(bytes([c]) if 0x21 <= c <= 0x7E and c not in _DELIMITERS
                           else b"#%02X" % c for c in value.encode("utf-8"))


def text_string(value: str) -> bytes:
    """A text string (§7.9.2.2): printable ASCII as a literal, anything else as UTF-16BE."""
    if value.isascii() and value.isprintable():
        escaped = value.encode("ascii").replace(b"\\", b"\\\\")
        return b"(" + escaped.replace(b"(", b"\\(").replace(b")", b"\\)") + b")"
    return b"<feff" + value.encode("utf-16-be").hex().encode("ascii") + b">"
