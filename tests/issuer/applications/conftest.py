"""Applicants signed in through the real code mail (a maildir the test reads), and staff."""

from __future__ import annotations

import itertools
import mailbox
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from issuer.registry.models import Registration
from issuer.settings import IssuerSettings
from tests.conftest import make_settings

_people = itertools.count(1)


@pytest.fixture
def settings(engine: Engine, tmp_path: Path) -> IssuerSettings:
    return make_settings(engine.url.render_as_string(hide_password=False),
                         maildir=tmp_path / "mail", data_dir=tmp_path / "data",
                         upload_max_bytes=64 * 1024)


def mailed_code(maildir: Path, email: str) -> str:
    """The code in the sign-in mail to ``email``, which is then taken out of the maildir (a
    maildir has no order, so the next call must find only the next mail)."""
    box = mailbox.Maildir(maildir, create=True)
    found = []
    for key, message in list(box.items()):
        code = re.search(r"sign-in code (\d{6})", str(message["Subject"]))
        if message["To"] == email and code:
            found.append(code.group(1))
            box.remove(key)
    assert len(found) == 1, f"expected one sign-in mail to {email}, found {len(found)}"
    return found[0]


def mails_to(maildir: Path, email: str) -> int:
    return sum(1 for m in mailbox.Maildir(maildir, create=True) if m["To"] == email)


def sign_in(client: TestClient, settings: IssuerSettings, email: str) -> dict[str, str]:
    assert client.post("/me/sign-in", json={"email": email}).status_code == 202
    code = mailed_code(settings.maildir, email)
    response = client.post("/me/sign-in/verify", json={"email": email, "code": code})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@dataclass
class Person:
    registration: Registration
    email: str
    headers: dict[str, str]


@pytest.fixture
def person(client: TestClient, settings: IssuerSettings,
           make_registration: Callable[..., Registration]) -> Callable[..., Person]:
    """A registrant with an address of their own, signed in."""
    def _person(**registration: Any) -> Person:
        email = f"doctor{next(_people)}@example.org"
        row = make_registration(professional={"email": email, "digilocker_id": None},
                                registration=registration)
        return Person(row, email, sign_in(client, settings, email))
    return _person


@pytest.fixture
def staff(token_factory: Callable[..., str]) -> Callable[..., dict[str, str]]:
    def _staff(role: str = "registrar", councils: tuple[str, ...] = ("hmc",)) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_factory(role=role, councils=councils)}"}
    return _staff


def gsc(person: Person) -> dict[str, Any]:
    return {"registration_id": person.registration.id, "kind": "good-standing",
            "addressee": "General Medical Council, United Kingdom",
            "purpose": "Registration abroad"}


PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


def png(size: int = 8) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (size, size), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 30, 200)).save(out, "JPEG")
    return out.getvalue()
