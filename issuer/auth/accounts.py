"""Staff accounts: council staff sign in on the pages as people, with a one-time code mailed to
their address (the professionals' machinery, ``issuer.applicants.service``, under a scope of its
own), not by pasting an API token; API tokens stay for machines.

Each account's role and councils live on its principal (``StaffAccount``), so ``Staff`` and every
permission check are the same for a person and a machine, while the actor the audit trail and
the application history record names the person: ``staff:ID:Name <address>``. Disabling an
account revokes its principal, which ends its page sessions at their next request.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer.applicants import service as codes
from issuer.applicants.service import SignInPolicy, normalise_email
from issuer.auth import sessions
from issuer.auth.models import ApiToken, StaffAccount
from issuer.auth.service import ALL_COUNCILS, ROLE_PERMISSIONS, Staff
from schemas.errors import Conflict, InvalidData, NotFound, Unauthenticated

CODE_SCOPE = "staff:"
"""Staff codes are kept and keyed under this prefix: a professional's code never opens a staff
session, nor the other way round, even for one and the same address."""
SESSION_PREFIX, SESSION_KIND = "stp_", "staff-person"
PRINCIPAL_YEARS = 100
"""A principal does not expire by itself (it has no secret to leak); disabling ends it."""


def create_account(session: Session, *, email: str, name: str, role: str, councils: list[str],
                   now: datetime, known_councils: set[str]) -> StaffAccount:
    """A new staff account with its principal; ``Conflict`` if the address has one already."""
    address = normalise_email(email)
    if "@" not in address or len(address) > 240:
        raise InvalidData(f"{email!r} is not an e-mail address of at most 240 characters",
                          field="email")
    if role not in ROLE_PERMISSIONS:
        raise InvalidData(f"role {role!r} is unknown", field="role",
                          hint=f"use {', '.join(ROLE_PERMISSIONS)}")
    unknown = [c for c in councils if c != ALL_COUNCILS and c not in known_councils]
    if not councils or unknown:
        raise InvalidData(f"councils must name known councils (unknown: {unknown or 'none given'})",
                          field="councils", hint="use council ids from the registry, or '*'")
    if find_account(session, email=address) is not None:
        raise Conflict(f"{address} has a staff account already",
                       hint="an address has one account: see `issuer staff list`")
    principal = ApiToken(name=f"{name} <{address}>"[:100], role=role, councils=list(councils),
                         token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
                         created_at=now, expires_at=now + timedelta(days=365 * PRINCIPAL_YEARS))
    session.add(principal)
    session.flush()
    row = StaffAccount(email=address, name=name, token_id=principal.id, created_at=now)
    session.add(row)
    session.flush()
    return row


def find_account(session: Session, *, email: str) -> StaffAccount | None:
    return session.scalar(select(StaffAccount).where(
        func.lower(StaffAccount.email) == normalise_email(email)))


def list_accounts(session: Session) -> list[tuple[StaffAccount, ApiToken]]:
    return [(a, session.get_one(ApiToken, a.token_id)) for a in
            session.scalars(select(StaffAccount).order_by(StaffAccount.id))]


def disable_account(session: Session, *, email: str, now: datetime) -> StaffAccount:
    row = find_account(session, email=email)
    if row is None:
        raise NotFound(f"{normalise_email(email)} has no staff account",
                       hint="see `issuer staff list`")
    if row.disabled_at is None:
        row.disabled_at = now
        principal = session.get_one(ApiToken, row.token_id)
        principal.revoked_at = principal.revoked_at or now
        session.flush()
    return row


def is_active(session: Session, email: str) -> bool:
    row = find_account(session, email=email)
    return row is not None and row.disabled_at is None


def start_sign_in(session: Session, *, email: str, client: str, policy: SignInPolicy,
                  now: datetime, send: Callable[[EmailMessage], None], sender: str) -> None:
    """Mail a code to an active account's address; the same rows and answer for any other
    address, so the form tells nobody who is on the staff."""
    codes.start_sign_in(session, email=email, client=client, policy=policy, now=now, send=send,
                        sender=sender, known=is_active, scope=CODE_SCOPE)


def verify_code(session: Session, *, email: str, code: str, policy: SignInPolicy,
                now: datetime) -> tuple[Staff, str] | None:
    """The staff member and a new page-session secret for a right code; None otherwise (the
    counted attempt must be committed)."""
    if not codes.consume_code(session, email=email, code=code, policy=policy, now=now,
                              scope=CODE_SCOPE):
        return None
    row = find_account(session, email=email)
    if row is None or row.disabled_at is not None:
        return None
    _row, secret = sessions.start(session, kind=SESSION_KIND, prefix=SESSION_PREFIX,
                                  subject=str(row.id), token_id=row.token_id,
                                  ttl=policy.session_ttl, now=now)
    return staff_of(session, row), secret


def code_state(session: Session, *, email: str, policy: SignInPolicy,
               now: datetime) -> codes.CodeState | None:
    return codes.code_state(session, email=email, policy=policy, now=now, scope=CODE_SCOPE)


def authenticate_page(session: Session, secret: str | None, *, now: datetime) -> Staff:
    """The person a live ``stp_`` page session names, while their account is enabled."""
    live = sessions.find_live(session, kind=SESSION_KIND, prefix=SESSION_PREFIX, secret=secret,
                              now=now)
    row = session.get(StaffAccount, int(live.subject)) if live else None
    if row is None or row.disabled_at is not None:
        raise Unauthenticated("a valid staff session is required",
                              hint="sign in again with a code mailed to your address")
    return staff_of(session, row)


def staff_of(session: Session, row: StaffAccount) -> Staff:
    principal = session.get_one(ApiToken, row.token_id)
    if principal.revoked_at is not None:
        raise Unauthenticated("this staff account is disabled",
                              hint="ask an administrator")
    return Staff(token_id=principal.id, name=f"{row.name} <{row.email}>", role=principal.role,
                 councils=tuple(principal.councils))


def end_page_session(session: Session, secret: str | None, *, now: datetime) -> bool:
    return sessions.end(session, kind=SESSION_KIND, prefix=SESSION_PREFIX, secret=secret,
                        now=now)
