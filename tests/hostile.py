"""Small files that ask for a lot, made in the test in well under a second each.

Issue 11 item 2: a 4.9 MB PDF of 550,000 empty pages, a content stream that inflates to hundreds
of megabytes, a 30000x30000 image; item 7: a PDF with /OpenAction JavaScript, a PDF/HTML polyglot,
a PNG with a zip appended, a 144-megapixel PNG. Written byte by byte where a library would take
seconds (pikepdf takes 4 s and 250 MB to write 100,000 pages).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pikepdf
from PIL import Image


def many_pages_pdf(pages: int) -> bytes:
    """``pages`` empty pages: the page objects and the page tree in one object stream, indexed
    by a cross-reference stream (a few bytes a page)."""
    first_page = 3
    objstm, xref = first_page + pages, first_page + pages + 1
    bodies = [b"<</Type/Pages/Count %d/Kids[" % pages
              + b" ".join(b"%d 0 R" % n for n in range(first_page, objstm)) + b"]>>"]
    bodies += [b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>"] * pages
    offsets, at = [], 0
    for body in bodies:
        offsets.append(at)
        at += len(body) + 1
    header = b" ".join(b"%d %d" % (n, off) for n, off in zip(range(2, objstm), offsets,
                                                                strict=True)) + b"\n"
    content = zlib.compress(header + b"\n".join(bodies) + b"\n")
    out = bytearray(b"%PDF-1.7\n")
    catalog_at = len(out)
    out += b"1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n"
    objstm_at = len(out)
    out += (b"%d 0 obj\n<</Type/ObjStm/N %d/First %d/Length %d/Filter/FlateDecode>>\nstream\n"
            % (objstm, pages + 1, len(header), len(content)) + content + b"\nendstream\nendobj\n")
    xref_at = len(out)
    rows = [struct.pack(">BII", 0, 0, 65535), struct.pack(">BII", 1, catalog_at, 0)]
    rows += [struct.pack(">BII", 2, objstm, i) for i in range(pages + 1)]
    rows += [struct.pack(">BII", 1, objstm_at, 0), struct.pack(">BII", 1, xref_at, 0)]
    table = zlib.compress(b"".join(rows))
    out += (b"%d 0 obj\n<</Type/XRef/Size %d/W[1 4 4]/Root 1 0 R/Length %d/Filter/FlateDecode>>"
            b"\nstream\n" % (xref, xref + 1, len(table)) + table + b"\nendstream\nendobj\n")
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def zeros_deflated(megabytes: int) -> bytes:
    """A zlib stream of ``megabytes`` MiB of zeros (about 1 KB a megabyte), made from one
    compressed megabyte repeated: after a full flush the deflater starts afresh, so each
    megabyte compresses to the same bytes."""
    deflater = zlib.compressobj(9)
    chunk = bytes(1024 * 1024)
    first = deflater.compress(chunk) + deflater.flush(zlib.Z_FULL_FLUSH)
    block = deflater.compress(chunk) + deflater.flush(zlib.Z_FULL_FLUSH)
    end = deflater.flush()[:-4]  # the last block; the checksum is for two megabytes
    checksum = ((megabytes * len(chunk)) % 65521) << 16 | 1  # Adler-32 of zeros
    return first + block * (megabytes - 1) + end + checksum.to_bytes(4, "big")


def content_stream_bomb(megabytes: int = 400) -> bytes:
    """One page whose content stream inflates to ``megabytes`` MiB of zeros."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    contents = pikepdf.Stream(pdf, b"")
    contents.write(zeros_deflated(megabytes), filter=pikepdf.Name.FlateDecode)
    pdf.pages[0].obj.Contents = pdf.make_indirect(contents)
    return _saved(pdf)


def huge_image_pdf(side: int = 30000) -> bytes:
    """One page drawing a ``side`` x ``side`` grey image (its data a small Flate stream: the
    renderer allocates for the declared size)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    image = pikepdf.Stream(pdf, b"")
    image.write(zeros_deflated(1), filter=pikepdf.Name.FlateDecode)
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = side, side, 8
    image.ColorSpace = pikepdf.Name.DeviceGray
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=pdf.make_indirect(image)))
    page.Contents = pdf.make_stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q")
    return _saved(pdf)


def javascript_pdf() -> bytes:
    """A one-page PDF that runs JavaScript when opened."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.OpenAction = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Action, S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")))
    return _saved(pdf)


def pdf_with_attached_file() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.attachments["run.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ\x90\x00", filename="run.exe")
    return _saved(pdf)


def pdf_html_polyglot() -> bytes:
    """A valid PDF that a browser sniffing it renders as a page running a script."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    return (b"%PDF-1.7\n%<html><body><script>alert(document.cookie)</script></body></html>\n"
            + _saved(pdf).split(b"\n", 1)[1])


def png(width: int = 64, height: int = 64) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height), 255).save(out, "PNG")
    return out.getvalue()


def png_header_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels and whose one IDAT holds a few
    rows: a decoder allocates for the header."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(bytes((width + 1) * 4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", rows)
            + chunk(b"IEND", b""))


def png_with_zip() -> bytes:
    """A valid PNG with a zip archive after its IEND chunk (it opens as either)."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("payload.html", "<script>alert(1)</script>")
    return png() + archive.getvalue()


def jpeg(*, trailer: bytes = b"") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 200, 200)).save(out, "JPEG", progressive=True)
    return out.getvalue() + trailer


def _saved(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()
