"""Signed download links: tampering, expiry, key rotation; fresh links by e-mail."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeSerializer
from sqlalchemy.orm import Session

from issuer.credentials.models import IssuedCredential
from issuer.mail.links import SALT, make_link, read_link
from issuer.outbox import service as outbox
from issuer.outbox.models import OutboxMessage
from schemas.errors import LinkExpired, LinkInvalid
from tests.clock import NOW

Issue = Callable[..., IssuedCredential]
BASE = "https://pramaan.hr.gov.in"
SECRETS = ["link-secret-for-tests-only"]
WEEK = timedelta(days=7)


def _token(url: str) -> str:
    return url.rsplit("/d/", 1)[1]


def test_a_link_names_its_certificate_until_it_expires() -> None:
    link = make_link("HMC-RC-7K3M-Q9PX", secrets=SECRETS, public_base=BASE, now=NOW, ttl=WEEK)
    assert link.url.startswith(f"{BASE}/d/") and link.expires_at == NOW + WEEK
    assert read_link(_token(link.url), secrets=SECRETS, now=NOW + WEEK - timedelta(seconds=1)
                     ) == "HMC-RC-7K3M-Q9PX"
    with pytest.raises(LinkExpired) as err:
        read_link(_token(link.url), secrets=SECRETS, now=NOW + WEEK)
    assert err.value.code == "link.expired" and err.value.http_status == 410


def test_a_link_altered_to_name_another_certificate_is_refused() -> None:
    token = _token(make_link("HMC-RC-7K3M-Q9PX", secrets=SECRETS, public_base=BASE, now=NOW,
                             ttl=WEEK).url)
    payload, signature = token.rsplit(".", 1)
    number, expires = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    for forged_payload in ([number.replace("7K3M", "7K3N"), expires], [number, expires + 86400]):
        forged = base64.urlsafe_b64encode(json.dumps(forged_payload, separators=(",", ":"))
                                          .encode()).decode().rstrip("=")
        with pytest.raises(LinkInvalid) as err:
            read_link(f"{forged}.{signature}", secrets=SECRETS, now=NOW)
        assert err.value.code == "link.invalid"
    for mangled in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 300, "", "a.b"):
        with pytest.raises(LinkInvalid):
            read_link(mangled, secrets=SECRETS, now=NOW)


def test_a_link_signed_with_another_key_or_salt_is_refused() -> None:
    other_salt = URLSafeSerializer(SECRETS, salt="another-purpose").dumps(
        ["HMC-RC-7K3M-Q9PX", int((NOW + WEEK).timestamp())])
    with pytest.raises(LinkInvalid):
        read_link(other_salt, secrets=SECRETS, now=NOW)
    other_key = make_link("HMC-RC-7K3M-Q9PX", secrets=["another-secret-of-16+"],
                          public_base=BASE, now=NOW, ttl=WEEK)
    with pytest.raises(LinkInvalid):
        read_link(_token(other_key.url), secrets=SECRETS, now=NOW)
    assert URLSafeSerializer(SECRETS, salt=SALT)  # the salt the links use is a named constant


def test_links_survive_key_rotation() -> None:
    old = make_link("HMC-RC-7K3M-Q9PX", secrets=SECRETS, public_base=BASE, now=NOW, ttl=WEEK)
    rotated = [*SECRETS, "the-newer-link-secret"]
    assert read_link(_token(old.url), secrets=rotated, now=NOW) == "HMC-RC-7K3M-Q9PX"


def test_download_over_http_refuses_altered_and_expired_links(
        client: TestClient, issue_for: Issue) -> None:
    mine, theirs = issue_for(), issue_for()
    secrets = ["dev-only-link-secret-change-me"]  # the settings' default in tests
    link = make_link(mine.certificate_number, secrets=secrets, public_base=BASE, now=NOW,
                     ttl=WEEK)
    ok = client.get(f"/d/{_token(link.url)}")
    assert ok.status_code == 200 and mine.token.encode() in ok.content
    assert theirs.token.encode() not in ok.content

    forged = _token(link.url).replace(*_swap(_token(link.url)))
    refused = client.get(f"/d/{forged}")
    assert refused.status_code == 403 and refused.json()["error"] == "link.invalid"

    stale = make_link(mine.certificate_number, secrets=secrets, public_base=BASE,
                      now=NOW - timedelta(days=30), ttl=WEEK)
    gone = client.get(f"/d/{_token(stale.url)}")
    assert gone.status_code == 410 and gone.json()["error"] == "link.expired"
    assert "POST /d/request" in gone.json()["hint"]


def _swap(token: str) -> tuple[str, str]:
    first = token[0]
    return first, "B" if first != "B" else "C"


def test_a_fresh_link_is_mailed_only_to_the_registered_address(
        session: Session, client: TestClient, issue_for: Issue) -> None:
    row = issue_for(email="asha.rani@example.org")
    session.query(OutboxMessage).delete()
    session.commit()
    wrong = client.post("/d/request", json={"certificate_number": row.certificate_number,
                                            "email": "someone.else@example.org"})
    unknown = client.post("/d/request", json={"certificate_number": "HMC-RC-0000-0000",
                                              "email": "asha.rani@example.org"})
    assert outbox.pending(session) == []
    right = client.post("/d/request", json={"certificate_number": row.certificate_number.lower(),
                                            "email": "Asha.Rani@example.org"})
    assert wrong.status_code == unknown.status_code == right.status_code == 202
    assert wrong.json() == unknown.json() == right.json()  # nothing to learn from the answer
    [message] = outbox.pending(session)
    assert (message.kind, message.payload) == ("mail.link", {"credential": row.id})
