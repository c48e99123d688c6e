"""Load the demo register and a demo staff token (only in ``env=dev``)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from issuer.auth.service import create_token
from issuer.registry import service as register
from issuer.registry.inputs import RegistrantIn
from schemas.registry import Registry

REGISTRANTS = Path(__file__).parent / "registrants.json"


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
    _row, secret = create_token(session, name="demo-registrar", role="admin", councils=["*"],
                                now=now, known_councils=set(registry.councils))
    return secret
