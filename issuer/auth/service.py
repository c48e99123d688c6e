"""Staff authentication by bearer API token, and what each role may do for which councils.

Tokens are 256-bit random strings shown once at creation; only their SHA-256 is stored, so a
database leak yields no usable token. A token expires (``DEFAULT_TOKEN_DAYS`` unless made with
another lifetime) and can be revoked. Every failure to authenticate looks the same to the caller.

What a token may reach, one rule for every route (``docs/errors.md``, "Staff and other
councils"): the role's permission is checked before anything is looked up, and a record of a
council the token does not act for answers exactly as a record that does not exist, so a token
learns nothing about other councils' registers.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from issuer.auth import sessions
from issuer.auth.models import ApiToken
from issuer.db import UtcDateTime
from schemas.errors import Forbidden, InvalidData, NotFound, Unauthenticated

TOKEN_PREFIX = "prm_"  # noqa: S105 (a prefix, not a secret)
ALL_COUNCILS = "*"
DEFAULT_TOKEN_DAYS = 90
PAGE_SESSION_PREFIX, PAGE_SESSION_KIND = "sts_", "staff"
MAX_TOKEN_DAYS = 730
# What each role may do. A registrar issues, revokes, suspends and approves applications; a
# reviewer reads and reviews applications (asks the applicant, rejects) but cannot approve; a
# viewer reads; an admin does all of it for any council and reads the audit trail.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"read"}),
    "reviewer": frozenset({"read", "review"}),
    "registrar": frozenset({"read", "issue", "register", "status", "review", "approve"}),
    "admin": frozenset({"read", "issue", "register", "status", "review", "approve", "audit"}),
}


class OfCouncil(Protocol):
    @property
    def council_id(self) -> str: ...


R = TypeVar("R", bound=OfCouncil)


@dataclass(frozen=True)
class Staff:
    token_id: int
    name: str
    role: str
    councils: tuple[str, ...]

    @property
    def actor(self) -> str:
        return f"staff:{self.token_id}:{self.name}"

    @property
    def all_councils(self) -> bool:
        return ALL_COUNCILS in self.councils

    def can(self, permission: str, council_id: str | None = None) -> bool:
        if permission not in ROLE_PERMISSIONS.get(self.role, frozenset()):
            return False
        return council_id is None or self.all_councils or council_id in self.councils

    def require(self, permission: str, council_id: str | None = None) -> None:
        if not self.can(permission, council_id):
            where = f" for council {council_id!r}" if council_id else ""
            raise Forbidden(f"this token ({self.role}) may not {permission}{where}",
                            hint="ask an administrator for a token of that council and role")

    def require_found(self, permission: str, row: R | None, what: str) -> R:
        """``row``, looked up by an id that does not name its council, if this token may
        ``permission`` in its council; one and the same 404 whether ``what`` does not exist
        (``row`` None) or belongs to a council this token does not act for. Call
        ``require(permission)`` before the lookup, so a role without it gets 403 for any id."""
        self.require(permission)
        if row is None or not self.can(permission, row.council_id):
            scope = "" if self.all_councils else f" in the register of {', '.join(self.councils)}"
            raise NotFound(f"{what} does not exist{scope}",
                           hint="check the identifier, or use a token of its council")
        return row


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(session: Session, *, name: str, role: str, councils: list[str],
                 now: datetime, known_councils: set[str],
                 days: int = DEFAULT_TOKEN_DAYS) -> tuple[ApiToken, str]:
    """Create a token that works for ``days``; returns the row and the secret, which is never
    stored or shown again."""
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise InvalidData(f"a token lives 1 to {MAX_TOKEN_DAYS} days, not {days}", field="days",
                          hint="make a new token when it expires")
    if role not in ROLE_PERMISSIONS:
        raise InvalidData(f"role {role!r} is unknown", hint=f"use {', '.join(ROLE_PERMISSIONS)}")
    unknown = [c for c in councils if c != ALL_COUNCILS and c not in known_councils]
    if not councils or unknown:
        raise InvalidData(f"councils must name known councils (unknown: {unknown or 'none given'})",
                          hint="use council ids from the registry, or '*' for all")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, token_hash=_hash(secret), role=role, councils=list(councils),
                   created_at=now, expires_at=now + timedelta(days=days))
    session.add(row)
    session.flush()
    return row, secret


def revoke_token(session: Session, row: ApiToken, *, now: datetime) -> None:
    """Stop ``row`` authenticating from ``now`` on. The row stays, so the audit trail's actor
    names (``staff:ID:NAME``) still resolve; revoking twice keeps the first time."""
    if row.revoked_at is None:
        row.revoked_at = now
        session.flush()


def find_tokens(session: Session, *, name_or_id: str) -> list[ApiToken]:
    """The tokens ``name_or_id`` names: the one with that id if it is a number and such a
    token exists, otherwise every token of that name (revoked and expired ones too)."""
    if name_or_id.isdigit():
        row = session.get(ApiToken, int(name_or_id))
        if row is not None:
            return [row]
    return list(session.scalars(select(ApiToken).where(ApiToken.name == name_or_id)
                                .order_by(ApiToken.id)))


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


def find_active_tokens(session: Session, *, name: str) -> list[ApiToken]:
    """The tokens called ``name`` that still authenticate, oldest first."""
    return list(session.scalars(select(ApiToken).where(
        ApiToken.name == name, ApiToken.revoked_at.is_(None)).order_by(ApiToken.id)))


_TOKEN_BY_HASH = (select(ApiToken.id, ApiToken.name, ApiToken.role, ApiToken.councils)
                  .where(ApiToken.token_hash == bindparam("hash"), ApiToken.revoked_at.is_(None),
                         ApiToken.expires_at > bindparam("now", type_=UtcDateTime)))
"""Built once and run on the connection: every staff request authenticates."""


def authenticate(session: Session, authorization: str | None, *, now: datetime) -> Staff:
    scheme, _, secret = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise Unauthenticated("a valid staff token is required",
                              hint="send Authorization: Bearer prm_…")
    row = session.connection().execute(_TOKEN_BY_HASH, {"hash": _hash(secret.strip()),
                                                        "now": now}).first()
    if row is None:
        raise Unauthenticated("a valid staff token is required",
                              hint="send Authorization: Bearer prm_…, a token that is neither "
                                   "expired nor revoked")
    return Staff(token_id=row.id, name=row.name, role=row.role, councils=tuple(row.councils))


def start_page_session(session: Session, token: str, *, ttl: timedelta,
                       now: datetime) -> tuple[Staff, str]:
    """Sign in on the staff pages with an API token: a server-side session of its own (the
    cookie never holds the API token), ending at sign-out, after ``ttl``, or when the token
    expires or is revoked, whichever comes first."""
    staff = authenticate(session, f"Bearer {token.strip()}", now=now)
    _row, secret = sessions.start(session, kind=PAGE_SESSION_KIND, prefix=PAGE_SESSION_PREFIX,
                                  subject=str(staff.token_id), token_id=staff.token_id,
                                  ttl=ttl, now=now)
    return staff, secret


def authenticate_page(session: Session, secret: str | None, *, now: datetime) -> Staff:
    row = sessions.find_live(session, kind=PAGE_SESSION_KIND, prefix=PAGE_SESSION_PREFIX,
                             secret=secret, now=now)
    token = session.get(ApiToken, row.token_id) if row and row.token_id else None
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        raise Unauthenticated("a valid staff session is required",
                              hint="sign in again with a staff token")
    return Staff(token_id=token.id, name=token.name, role=token.role,
                 councils=tuple(token.councils))


def end_page_session(session: Session, secret: str | None, *, now: datetime) -> bool:
    return sessions.end(session, kind=PAGE_SESSION_KIND, prefix=PAGE_SESSION_PREFIX,
                        secret=secret, now=now)
