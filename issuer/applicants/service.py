"""Sign professionals in by a one-time code mailed to their registered address, and keep them
signed in with a signed session token.

- A code is 6 digits, kept only as an HMAC under the session key (a bare SHA-256 of a 6-digit
  code is reversed by trying all million), valid ``code_ttl``, single use, and dead after
  ``max_attempts`` wrong guesses. A new code replaces any earlier unused one.
- Requests are limited per address and per client address per hour. The same row is written and
  the same answer given whether or not the address is on the register: the sign-in form cannot be
  used to find out who is registered.
- The session is server-side (``issuer.auth.sessions``): the token, prefixed ``aps_``, is a
  random secret whose hash names a row with the address and the expiry, so signing out ends it
  for the cookie and for any bearer copy alike. The clock is an input, not read inside.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from issuer.applicants.models import SignInCode
from issuer.auth import sessions
from issuer.registry.models import Professional, Registration
from schemas.errors import RateLimited, Unauthenticated

SESSION_PREFIX = "aps_"
SESSION_KIND = "applicant"


@dataclass(frozen=True)
class Applicant:
    """A signed-in professional, known by the e-mail address on the register."""

    email: str

    @property
    def actor(self) -> str:
        return f"applicant:{self.email}"


@dataclass(frozen=True)
class SignInPolicy:
    secrets: Sequence[str]
    code_ttl: timedelta = timedelta(minutes=10)
    max_attempts: int = 5
    per_email_per_hour: int = 5
    per_client_per_hour: int = 30
    session_ttl: timedelta = timedelta(hours=12)


@dataclass(frozen=True)
class SignedIn:
    token: str
    email: str
    expires_at: datetime


def normalise_email(email: str) -> str:
    return email.strip().lower()


def is_registered(session: Session, email: str) -> bool:
    return session.scalar(select(func.count()).select_from(Professional).where(
        func.lower(Professional.email) == normalise_email(email))) != 0


def request_code(session: Session, *, email: str, client: str, policy: SignInPolicy,
                 now: datetime, known: Callable[[Session, str], bool] = is_registered,
                 scope: str = "") -> str | None:
    """Record a new code; return it when the address is on the register (the caller mails it),
    None when not. The rows written are the same either way.

    ``known`` and ``scope`` let staff accounts use the same codes (``issuer.auth.accounts``):
    the row is kept under ``scope + address`` and the code's HMAC covers it, so a code asked
    for one kind of sign-in never works for the other."""
    address = normalise_email(email)
    email = scope + address
    hour_ago = now - timedelta(hours=1)
    if _count(session, SignInCode.email == email, since=hour_ago) >= policy.per_email_per_hour:
        raise RateLimited("too many sign-in codes were asked for this address in the last hour",
                          hint="use the latest code you received, or try again later")
    if _count(session, SignInCode.client == client[:64],
              since=hour_ago) >= policy.per_client_per_hour:
        raise RateLimited("too many sign-in codes were asked from this network in the last hour",
                          hint="try again later")
    session.execute(update(SignInCode).where(SignInCode.email == email,
                                             SignInCode.used_at.is_(None))
                    .values(used_at=now))  # a new code replaces earlier ones
    code = f"{secrets.randbelow(10**6):06d}"
    session.add(SignInCode(email=email, client=client[:64], created_at=now, attempts=0,
                           expires_at=now + policy.code_ttl,
                           code_hash=_code_hash(policy.secrets[-1], email, code)))
    session.flush()
    return code if known(session, address) else None


def start_sign_in(session: Session, *, email: str, client: str, policy: SignInPolicy,
                  now: datetime, send: Callable[[EmailMessage], None], sender: str,
                  known: Callable[[Session, str], bool] = is_registered,
                  scope: str = "") -> None:
    """``request_code`` and, for a registered address, mail the code (in the same request, so a
    mail server that refuses it fails the request and no usable code is left behind)."""
    from issuer.applicants.mail import sign_in_message

    code = request_code(session, email=email, client=client, policy=policy, now=now,
                        known=known, scope=scope)
    if code is not None:
        send(sign_in_message(to=normalise_email(email), code=code, sender=sender, now=now,
                             minutes=int(policy.code_ttl.total_seconds() // 60)))


def verify_code(session: Session, *, email: str, code: str, policy: SignInPolicy,
                now: datetime) -> SignedIn | None:
    """The session for a right, live, unused code; None otherwise (every failure looks alike).
    A wrong guess is counted, so the caller must commit also when this returns None."""
    email = normalise_email(email)
    if not consume_code(session, email=email, code=code, policy=policy, now=now):
        return None
    if not is_registered(session, email):  # removed from the register meanwhile
        return None
    return issue_session(session, email, policy=policy, now=now)


def consume_code(session: Session, *, email: str, code: str, policy: SignInPolicy,
                 now: datetime, scope: str = "") -> bool:
    """Whether ``code`` is the live, unused code of ``scope + email``; a right one is used up,
    a wrong one counted (so the caller commits either way)."""
    email = scope + normalise_email(email)
    row = session.scalar(select(SignInCode).where(
        SignInCode.email == email, SignInCode.used_at.is_(None), SignInCode.expires_at > now)
        .order_by(SignInCode.id.desc()).limit(1).with_for_update())
    if row is None or row.attempts >= policy.max_attempts:
        return False
    row.attempts += 1
    code = code.strip()
    if not (len(code) == 6 and code.isdigit() and any(
            hmac.compare_digest(row.code_hash, _code_hash(k, email, code))
            for k in policy.secrets)):
        session.flush()
        return False
    row.used_at = now
    session.flush()
    return True


@dataclass(frozen=True)
class CodeState:
    """Where the latest code for an address stands, to tell a person who typed a wrong one
    what to do: try again (``tries_left``), or ask for a new one (``expired``, ``used_up``).
    Codes are recorded alike for registered and unknown addresses, so this tells nothing
    about the register."""

    expired: bool
    used_up: bool
    tries_left: int


def code_state(session: Session, *, email: str, policy: SignInPolicy, now: datetime,
               scope: str = "") -> CodeState | None:
    """The state of the latest code asked for ``email``; None when none was asked."""
    row = session.scalar(select(SignInCode).where(
        SignInCode.email == scope + normalise_email(email))
                         .order_by(SignInCode.id.desc()).limit(1))
    if row is None:
        return None
    tries_left = max(0, policy.max_attempts - row.attempts)
    return CodeState(expired=row.used_at is not None or row.expires_at <= now,
                     used_up=tries_left == 0, tries_left=tries_left)


def issue_session(session: Session, email: str, *, policy: SignInPolicy,
                  now: datetime) -> SignedIn:
    row, token = sessions.start(session, kind=SESSION_KIND, prefix=SESSION_PREFIX,
                                subject=normalise_email(email), ttl=policy.session_ttl, now=now)
    return SignedIn(token=token, email=row.subject, expires_at=row.expires_at)


def authenticate(session: Session, token: str | None, *, now: datetime) -> Applicant:
    """The applicant a live session token (bearer or cookie) names; one opaque error
    otherwise (unknown, expired or signed out)."""
    row = sessions.find_live(session, kind=SESSION_KIND, prefix=SESSION_PREFIX, secret=token,
                             now=now)
    if row is None:
        raise Unauthenticated("a valid applicant session is required",
                              hint="sign in with the one-time code mailed to you")
    return Applicant(email=row.subject)


def sign_out(session: Session, token: str | None, *, now: datetime) -> bool:
    """End the session ``token`` opens (cookie or bearer: the same token); whether there was
    one. Its CSRF tokens die with it, as every form post needs a live session first."""
    return sessions.end(session, kind=SESSION_KIND, prefix=SESSION_PREFIX, secret=token, now=now)


def registrations_of(session: Session, applicant: Applicant) -> list[Registration]:
    return list(session.scalars(
        select(Registration).join(Professional)
        .where(func.lower(Professional.email) == applicant.email)
        .order_by(Registration.id)))


def owns(registration: Registration, applicant: Applicant) -> bool:
    email = registration.professional.email
    return email is not None and normalise_email(email) == applicant.email


def _code_hash(key: str, email: str, code: str) -> str:
    message = f"sign-in-code\x00{email}\x00{code}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def _count(session: Session, condition: object, *, since: datetime) -> int:
    return session.scalar(select(func.count()).select_from(SignInCode).where(
        condition, SignInCode.created_at > since)) or 0  # type: ignore[arg-type]
