"""Supporting documents: type by content, size caps, names never used as paths."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pikepdf
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from issuer.applications import documents
from issuer.settings import IssuerSettings
from schemas.errors import ActiveContent, InputTooLarge, UnreadableInput, UnsupportedInput
from tests import hostile
from tests.issuer.applications.conftest import PDF, Person, gsc, jpeg, png

MakePerson = Callable[..., Person]


@pytest.fixture
def upload(client: TestClient, person: MakePerson) -> Callable[..., object]:
    someone = person()
    application = client.post("/me/applications", json=gsc(someone),
                              headers=someone.headers).json()["id"]

    def _upload(name: str, data: bytes, content_type: str = "application/pdf") -> object:
        return client.post(f"/me/applications/{application}/documents",
                           files={"file": (name, data, content_type)}, headers=someone.headers)
    return _upload


@pytest.mark.parametrize(("make", "media_type"), [(lambda: PDF, "application/pdf"),
                                                   (png, "image/png"), (jpeg, "image/jpeg")])
def test_pdf_png_and_jpeg_are_accepted_by_content(upload: Callable[..., object],
                                                  make: Callable[[], bytes],
                                                  media_type: str) -> None:
    response = upload("scan.bin", make(), "application/octet-stream")
    assert response.status_code == 201, response.text  # type: ignore[attr-defined]
    assert response.json()["media_type"] == media_type  # type: ignore[attr-defined]


@pytest.mark.parametrize("data", [b"MZ\x90\x00\x03 a Windows program", b"<html><script>",
                                  b"GIF89a\x01\x00\x01\x00", b""])
def test_other_content_renamed_to_pdf_is_refused(upload: Callable[..., object],
                                                 data: bytes) -> None:
    response = upload("certificate.pdf", data, "application/pdf")
    assert response.status_code == 415  # type: ignore[attr-defined]
    assert response.json()["error"] == "input.unsupported_type"  # type: ignore[attr-defined]


def test_a_fake_header_that_does_not_open_is_refused(upload: Callable[..., object]) -> None:
    for data in (b"%PDF-1.7\n<script>alert(1)</script>", b"\x89PNG\r\n\x1a\nnot really",
                 b"\xff\xd8\xff\xe0 not a jpeg"):
        response = upload("x.pdf", data)
        assert response.status_code == 422, data  # type: ignore[attr-defined]
        assert response.json()["error"] == "input.unreadable"  # type: ignore[attr-defined]


def test_oversize_uploads_are_refused(upload: Callable[..., object],
                                      settings: IssuerSettings) -> None:
    padded = PDF + b"%" + b"x" * (settings.upload_max_bytes + 20 * 1024)
    response = upload("big.pdf", padded)
    assert response.status_code == 413  # type: ignore[attr-defined]
    assert response.json()["error"] == "request.too_large"  # type: ignore[attr-defined]
    just_over = PDF + b"%" + b"x" * (settings.upload_max_bytes - len(PDF))
    response = upload("over.pdf", just_over)
    assert response.status_code == 413  # type: ignore[attr-defined]
    with pytest.raises(InputTooLarge):
        documents.read_capped(io.BytesIO(b"x" * 1001), 1000)
    uploads = settings.data_dir / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir()), "nothing oversize is stored"


def test_an_upload_without_a_length_is_refused(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"--x\r\n"
    response = client.post("/me/applications/1/documents", content=chunks(),
                           headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert (response.status_code, response.json()["error"]) == (413, "request.length_required")


@pytest.mark.parametrize("name", ["../../../../etc/passwd.pdf", "..\\..\\boot.ini.pdf",
                                  "/etc/cron.d/evil.pdf", "a\x00b.pdf", "....//x.pdf", ".."])
def test_path_traversal_names_are_only_labels(upload: Callable[..., object],
                                              settings: IssuerSettings, name: str) -> None:
    response = upload(name, PDF)
    assert response.status_code == 201, response.text  # type: ignore[attr-defined]
    label = response.json()["label"]  # type: ignore[attr-defined]
    assert "/" not in label and "\\" not in label and "\x00" not in label
    assert not label.startswith(".")
    stored = list((settings.data_dir / "uploads").iterdir())
    assert len(stored) == 1 and stored[0].read_bytes() == PDF
    assert len(stored[0].name) == 32 and stored[0].parent == settings.data_dir / "uploads"


def test_sniff_and_store_directly(tmp_path: Path) -> None:
    assert documents.sniff(PDF) == "application/pdf"
    with pytest.raises(UnsupportedInput) as err:
        documents.sniff(b"hello")
    assert err.value.code == "input.unsupported_type"
    with pytest.raises(UnreadableInput):
        documents.sniff(b"%PDF-garbage")
    stored = documents.store(tmp_path / "u", _checked(png(), "../me.png"))
    assert stored.label == "me.png" and stored.media_type == "image/png"
    assert (tmp_path / "u" / stored.stored_name).stat().st_mode & 0o077 == 0
    with pytest.raises(UnreadableInput):
        documents.load(tmp_path / "u", "../../etc/passwd")


def test_documents_only_while_open_and_capped_in_number(
        client: TestClient, person: MakePerson, settings: IssuerSettings,
        staff: Callable[..., dict[str, str]]) -> None:
    someone = person()
    application = client.post("/me/applications", json=gsc(someone),
                              headers=someone.headers).json()["id"]
    url = f"/me/applications/{application}/documents"
    for _ in range(settings.upload_max_per_application):
        assert client.post(url, files={"file": ("a.pdf", PDF)},
                           headers=someone.headers).status_code == 201
    full = client.post(url, files={"file": ("a.pdf", PDF)}, headers=someone.headers)
    assert full.json()["error"] == "application.too_many_documents"
    client.post(f"/review/applications/{application}/reject", json={"reason": "no"},
                headers=staff("reviewer"))
    closed = client.post(url, files={"file": ("a.pdf", PDF)}, headers=someone.headers)
    assert closed.json()["error"] == "application.invalid_transition"
    review = client.get(f"/review/applications/{application}", headers=staff("reviewer"))
    [first, *_] = review.json()["documents"]
    fetched = client.get(f"/review/applications/{application}/documents/{first['id']}",
                         headers=staff("reviewer"))
    assert fetched.status_code == 200 and fetched.content == PDF


def test_a_rolled_back_upload_leaves_no_file(session: Session, tmp_path: Path) -> None:
    """The file is written before its row commits: a rollback must take the file with it, and
    a commit must keep it through later rollbacks of the same session."""
    folder = tmp_path / "u"
    doomed = documents.store(folder, _checked(PDF, "a.pdf"))
    documents.discard_on_rollback(session, folder / doomed.stored_name)
    session.execute(text("SELECT 1"))
    session.rollback()
    assert not (folder / doomed.stored_name).exists()

    kept = documents.store(folder, _checked(PDF, "b.pdf"))
    documents.discard_on_rollback(session, folder / kept.stored_name)
    session.execute(text("SELECT 1"))
    session.commit()
    session.execute(text("SELECT 1"))
    session.rollback()
    assert (folder / kept.stored_name).read_bytes() == PDF

    with session.begin_nested():
        nested = documents.store(folder, _checked(PDF, "c.pdf"))
        documents.discard_on_rollback(session, folder / nested.stored_name)
    session.rollback()  # the savepoint was released, the enclosing transaction rolls back
    assert not (folder / nested.stored_name).exists()


ACTIVE = {
    "PDF with /OpenAction JavaScript": hostile.javascript_pdf,
    "PDF with an embedded file": hostile.pdf_with_attached_file,
    "PDF/HTML polyglot": hostile.pdf_html_polyglot,
    "PNG with a zip appended": hostile.png_with_zip,
    "JPEG with a zip appended": lambda: hostile.jpeg(trailer=hostile.png_with_zip()[-150:]),
}
TOO_COMPLEX = {
    "144-megapixel PNG": lambda: hostile.png_header_claiming(12_000, 12_000),
    "201 pages": lambda: hostile.many_pages_pdf(201),
    "content stream inflating to 40 MB": lambda: hostile.content_stream_bomb(40),
    "30000x30000 image in a PDF": hostile.huge_image_pdf,
}


@pytest.mark.parametrize("make", ACTIVE.values(), ids=ACTIVE.keys())
def test_active_content_is_refused_and_not_stored(upload: Callable[..., object],
                                                  settings: IssuerSettings,
                                                  make: Callable[[], bytes]) -> None:
    response = upload("evidence.pdf", make())
    assert response.status_code == 422, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["error"] == "input.active_content" and body["hint"]
    uploads = settings.data_dir / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


@pytest.mark.parametrize("make", TOO_COMPLEX.values(), ids=TOO_COMPLEX.keys())
def test_bombs_are_refused_and_not_stored(upload: Callable[..., object],
                                          settings: IssuerSettings,
                                          make: Callable[[], bytes]) -> None:
    response = upload("scan.pdf", make())
    assert response.status_code == 413, response.text  # type: ignore[attr-defined]
    assert response.json()["error"] == "input.too_complex"  # type: ignore[attr-defined]
    uploads = settings.data_dir / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_what_is_found_is_named() -> None:
    with pytest.raises(ActiveContent) as err:
        documents.sniff(hostile.javascript_pdf())
    assert "/OpenAction" in err.value.detail and "/JS" in err.value.detail
    with pytest.raises(ActiveContent) as err:
        documents.sniff(hostile.png_with_zip())
    assert "bytes after the end" in err.value.detail


def test_plain_documents_still_pass(tmp_path: Path) -> None:
    """What scanners and word processors write: an /OpenAction that only opens page 1, a
    progressive JPEG, a multi-page PDF, an image padded with zeros after its end."""
    pdf = pikepdf.open(io.BytesIO(hostile.many_pages_pdf(3)))
    pdf.Root.OpenAction = pikepdf.Array([pdf.pages[0].obj, pikepdf.Name.Fit])
    out = io.BytesIO()
    pdf.save(out)
    assert documents.sniff(out.getvalue()) == "application/pdf"
    assert documents.sniff(hostile.jpeg()) == "image/jpeg"
    assert documents.sniff(hostile.png() + bytes(16)) == "image/png"


def _checked(data: bytes, filename: str) -> documents.CheckedFile:
    return documents.check(io.BytesIO(data), max_bytes=len(data), filename=filename)
