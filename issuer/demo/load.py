"""Load the demo register and a demo staff token (only in ``env=dev``)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from issuer.auth.service import authenticate, create_token, find_active_tokens, revoke_token
from issuer.registry import service as register
from issuer.registry.inputs import RegistrantIn
from schemas.errors import Unauthenticated
from schemas.registry import Registry

REGISTRANTS = Path(__file__).parent / "registrants.json"
DEMO_TOKEN_NAME = "demo-registrar"  # noqa: S105 (a name, not a secret)
DEMO_STAFF_EMAIL, DEMO_STAFF_NAME = "registrar@demo.example.org", "Demo Registrar"


def load_demo_register(session: Session, *, registry: Registry, now: datetime) -> int:
    """Add the demo registrants that are not on the register yet; returns how many were added."""
    added = 0
    for entry in json.loads(REGISTRANTS.read_text("utf-8"))["registrants"]:
        registrant = RegistrantIn.model_validate(entry)
        data = registrant.registration
        if register.find_by_number(session, data.council_id, data.registration_number) is None:
            register.register(session, registrant, registry=registry, actor="demo-loader",
                              now=now)
            added += 1
    return added


def create_demo_token(session: Session, *, registry: Registry, now: datetime) -> str:
    _row, secret = create_token(session, name=DEMO_TOKEN_NAME, role="admin", councils=["*"],
                                now=now, known_councils=set(registry.councils))
    return secret


def renew_demo_token(session: Session, *, registry: Registry, now: datetime,
                     current: str | None) -> tuple[str, bool]:
    """The demo staff token, and whether it is new.

    ``current`` (the token file's content) is kept while it still authenticates as the demo
    token, so running ``scripts/run`` again does not pile up admin tokens; otherwise a new one is
    made and every earlier demo token revoked, so only the one in the file works.
    """
    if current and _is_demo_token(session, current, now=now):
        return current, False
    new, secret = create_token(session, name=DEMO_TOKEN_NAME, role="admin", councils=["*"],
                               now=now, known_councils=set(registry.councils))
    for row in find_active_tokens(session, name=DEMO_TOKEN_NAME):
        if row.id != new.id:
            revoke_token(session, row, now=now)
    return secret, True


def _is_demo_token(session: Session, secret: str, *, now: datetime) -> bool:
    try:
        return authenticate(session, f"Bearer {secret}", now=now).name == DEMO_TOKEN_NAME
    except Unauthenticated:
        return False


def ensure_demo_staff(session: Session, *, registry: Registry, now: datetime) -> bool:
    """A demo staff account (a registrar of every council) to sign in at /s as a person, with
    the code the demo's mail (the maildir) receives; whether it was made now."""
    from issuer.auth import accounts

    if accounts.find_account(session, email=DEMO_STAFF_EMAIL) is not None:
        return False
    accounts.create_account(session, email=DEMO_STAFF_EMAIL, name=DEMO_STAFF_NAME,
                            role="registrar", councils=["*"], now=now,
                            known_councils=set(registry.councils))
    return True
