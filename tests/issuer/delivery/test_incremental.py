"""Incremental updates: the updated file is a valid PDF that readers see as the new revision,
the base revision's bytes are untouched, and the same update always gives the same bytes."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest

from issuer.delivery.incremental import Base, Update, name, ref, text_string
from tests.issuer.delivery.conftest import assert_valid_pdf


def base_pdf(**save: object) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 100))
    pdf.pages[0].obj.Resources = pdf.make_indirect(pikepdf.Dictionary(Font=pikepdf.Dictionary()))
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, **save)  # type: ignore[arg-type]
    return out.getvalue()


def updated(base: Base, content: bytes = b"0 0 1 rg 10 10 50 50 re f") -> bytes:
    """Draw ``content``, add a form XObject to the page's resources, and a document title."""
    with pikepdf.open(io.BytesIO(base.data)) as pdf:
        page = pdf.pages[0].obj
        contents, resources = page.Contents.objgen[0], page.Resources.objgen[0]
    update = Update(base)
    update.put_stream(contents, b"", content)
    form = update.new()
    update.put_stream(form, b"/Type /XObject /Subtype /Form /BBox [0 0 10 10]", b"0 0 5 5 re f")
    update.amend(resources, b"/XObject << /Fm %b >>" % ref(form))
    info = update.new()
    update.put(info, b"<< /Title %b >>" % text_string("Update – अद्यतन (1)"))
    return update.to_bytes(info=info)


def test_readers_see_the_new_revision() -> None:
    base = Base.read(base_pdf())
    with pikepdf.open(io.BytesIO(updated(base))) as pdf:
        page = pdf.pages[0]
        assert page.Contents.read_bytes() == b"0 0 1 rg 10 10 50 50 re f"
        assert page.Resources.XObject.Fm.read_bytes() == b"0 0 5 5 re f"
        assert "/Font" in page.Resources  # amended, not replaced
        assert str(pdf.docinfo.Title) == "Update – अद्यतन (1)"
        assert len(pdf.pages) == 1


def test_the_base_revision_is_untouched() -> None:
    data = base_pdf()
    assert updated(Base.read(data)).startswith(data)


def test_same_update_same_bytes_and_the_first_id_is_kept() -> None:
    base = Base.read(base_pdf())
    first, again, other = updated(base), updated(base), updated(base, b"0 g 0 0 9 9 re f")
    assert first == again
    ids = []
    for data in (first, other):
        with pikepdf.open(io.BytesIO(data)) as pdf:
            ids.append([bytes(part) for part in pdf.trailer.ID])
    assert ids[0][0] == ids[1][0] == base.file_id
    assert ids[0][1] != ids[1][1]


def test_the_update_is_a_valid_pdf(tmp_path: Path) -> None:
    assert_valid_pdf(updated(Base.read(base_pdf())), tmp_path)


def test_a_base_ending_in_a_cross_reference_stream_is_refused() -> None:
    data = base_pdf(object_stream_mode=pikepdf.ObjectStreamMode.generate)
    with pytest.raises(ValueError, match="cross-reference stream"):
        Base.read(data)


@pytest.mark.parametrize("text", ["credential.jwt", "a (b) c\\d", "Registration – पंजीकरण",
                                  "line\nbreak", ""])
def test_text_strings_read_back(text: str) -> None:
    assert str(pikepdf.Object.parse(text_string(text))) == text


def test_names_escape_delimiters() -> None:
    assert name("application/vc+jwt") == b"/application#2Fvc+jwt"
    assert pikepdf.Object.parse(name("application/vc+jwt")) == pikepdf.Name("/application/vc+jwt")
