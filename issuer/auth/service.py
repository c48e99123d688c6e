"""Staff authentication by bearer API token, and what each role may do for which councils.

Tokens are 256-bit random strings shown once at creation; only their SHA-256 is stored, so a
database leak yields no usable token. Every failure to authenticate looks the same to the caller.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from issuer.auth.models import ApiToken
from schemas.errors import Forbidden, InvalidData, Unauthenticated

TOKEN_PREFIX = "prm_"  # noqa: S105 (a prefix, not a secret)
ALL_COUNCILS = "*"
# What each role may do. A registrar issues, revokes, suspends and approves applications; a
# reviewer reads and reviews applications (asks the applicant, rejects) but cannot approve; a
# viewer reads; an admin does all of it for any council and reads the audit trail.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"read"}),
    "reviewer": frozenset({"read", "review"}),
    "registrar": frozenset({"read", "issue", "register", "status", "review", "approve"}),
    "admin": frozenset({"read", "issue", "register", "status", "review", "approve", "audit"}),
}


@dataclass(frozen=True)
class Staff:
    token_id: int
    name: str
    role: str
    councils: tuple[str, ...]

    @property
    def actor(self) -> str:
        return f"staff:{self.token_id}:{self.name}"

    def can(self, permission: str, council_id: str | None = None) -> bool:
        if permission not in ROLE_PERMISSIONS.get(self.role, frozenset()):
            return False
        return council_id is None or ALL_COUNCILS in self.councils or council_id in self.councils

    def require(self, permission: str, council_id: str | None = None) -> None:
        if not self.can(permission, council_id):
            where = f" for council {council_id!r}" if council_id else ""
            raise Forbidden(f"this token ({self.role}) may not {permission}{where}",
                            hint="ask an administrator for a token of that council and role")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(session: Session, *, name: str, role: str, councils: list[str],
                 now: datetime, known_councils: set[str]) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the secret, which is never stored or shown again."""
    if role not in ROLE_PERMISSIONS:
        raise InvalidData(f"role {role!r} is unknown", hint=f"use {', '.join(ROLE_PERMISSIONS)}")
    unknown = [c for c in councils if c != ALL_COUNCILS and c not in known_councils]
    if not councils or unknown:
        raise InvalidData(f"councils must name known councils (unknown: {unknown or 'none given'})",
                          hint="use council ids from the registry, or '*' for all")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, token_hash=_hash(secret), role=role, councils=list(councils),
                   created_at=now)
    session.add(row)
    session.flush()
    return row, secret


def revoke_token(session: Session, row: ApiToken, *, now: datetime) -> None:
    """Stop ``row`` authenticating from ``now`` on. The row stays, so the audit trail's actor
    names (``staff:ID:NAME``) still resolve; revoking twice keeps the first time."""
    if row.revoked_at is None:
        row.revoked_at = now
        session.flush()


def find_active_tokens(session: Session, *, name: str) -> list[ApiToken]:
    """The tokens called ``name`` that still authenticate, oldest first."""
    return list(session.scalars(select(ApiToken).where(
        ApiToken.name == name, ApiToken.revoked_at.is_(None)).order_by(ApiToken.id)))


_TOKEN_BY_HASH = (select(ApiToken.id, ApiToken.name, ApiToken.role, ApiToken.councils)
                  .where(ApiToken.token_hash == bindparam("hash"), ApiToken.revoked_at.is_(None)))
"""Built once and run on the connection: every staff request authenticates."""


def authenticate(session: Session, authorization: str | None) -> Staff:
    scheme, _, secret = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise Unauthenticated("a valid staff token is required",
                              hint="send Authorization: Bearer prm_…")
    row = session.connection().execute(_TOKEN_BY_HASH, {"hash": _hash(secret.strip())}).first()
    if row is None:
        raise Unauthenticated("a valid staff token is required",
                              hint="send Authorization: Bearer prm_…")
    return Staff(token_id=row.id, name=row.name, role=row.role, councils=tuple(row.councils))
