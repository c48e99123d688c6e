"""Server-side sessions for people signed in on the pages (and professionals' bearer tokens).

A session secret is a prefix and 256 random bits; only its SHA-256 is stored, with whose session
it is, when it expires and when it was ended. Signing out ends the row, so the secret (and every
CSRF token derived from it) stops working at once, wherever a copy of it is.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.auth.models import WebSession

MAX_SECRET_LENGTH = 200


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def start(session: Session, *, kind: str, prefix: str, subject: str, ttl: timedelta,
          now: datetime, token_id: int | None = None) -> tuple[WebSession, str]:
    """A new session; returns the row and the secret, which is never stored."""
    secret = prefix + secrets.token_urlsafe(32)
    row = WebSession(secret_hash=_hash(secret), kind=kind, subject=subject, token_id=token_id,
                     created_at=now, expires_at=now + ttl)
    session.add(row)
    session.flush()
    return row, secret


def find_live(session: Session, *, kind: str, prefix: str, secret: str | None,
              now: datetime) -> WebSession | None:
    """The session ``secret`` opens: of ``kind``, not ended, not expired; None otherwise."""
    if not secret or not secret.startswith(prefix) or len(secret) > MAX_SECRET_LENGTH:
        return None
    return session.scalar(select(WebSession).where(
        WebSession.secret_hash == _hash(secret), WebSession.kind == kind,
        WebSession.ended_at.is_(None), WebSession.expires_at > now))


def end(session: Session, *, kind: str, prefix: str, secret: str | None, now: datetime) -> bool:
    """End the session ``secret`` opens; whether there was one to end."""
    row = find_live(session, kind=kind, prefix=prefix, secret=secret, now=now)
    if row is None:
        return False
    row.ended_at = now
    session.flush()
    return True
