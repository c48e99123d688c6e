"""Revoke, suspend and reinstate certificates; read their current state.

A certificate is ``active``, ``suspended`` (reversible, optionally until a date, after which it
lifts itself) or ``revoked`` (permanent, with a reason from a fixed list). Each change updates the
credential row, bumps its status list's version (so published copies are rebuilt) and writes an
audit event (who, when, why) in the same transaction.

Transitions are conditional ``UPDATE``s on the state the change starts from: of two staff acting at
once, or two re-issue runs, exactly one wins; the other gets a clear ``InvalidTransition``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from issuer.audit import service as audit
from issuer.auth.service import Staff
from issuer.credentials import service as credentials
from issuer.credentials.models import IssuedCredential
from issuer.outbox import hooks
from issuer.status.models import StatusList
from schemas.errors import InvalidData, InvalidTransition

ACTIVE, SUSPENDED, REVOKED = "active", "suspended", "revoked"
REVOCATION_REASONS = {
    "disciplinary_action": "removed from the register by disciplinary action",
    "error_in_data": "issued with an error in its data",
    "superseded": "replaced by a newer certificate",
    "deceased": "the practitioner has died",
    "fraud": "obtained by fraud or on false documents",
    "registration_cancelled": "the registration was cancelled or not renewed",
}
SUSPENSION_REASONS = {
    "disciplinary_inquiry": "suspended during a disciplinary inquiry",
    "court_order": "suspended by a court order",
    "non_renewal": "suspended pending renewal of the registration",
    "other": "suspended by the council",
}
SYSTEM_ACTOR = "system"


@dataclass(frozen=True)
class CurrentStatus:
    """What the public status endpoint tells: the bitstring says only 0 or 1."""

    state: str
    reason: str | None
    since: datetime | None
    until: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "reason": self.reason,
                "reasonText": (REVOCATION_REASONS | SUSPENSION_REASONS).get(self.reason or ""),
                "since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None}


def effective_state(row: IssuedCredential, now: datetime) -> CurrentStatus:
    """The state as of ``now``: a suspension whose end date has passed reads as active."""
    ends = row.suspended_until
    if row.state == SUSPENDED and ends is not None and ends <= now:
        return CurrentStatus(ACTIVE, None, ends, None)
    return CurrentStatus(row.state, row.state_reason, row.state_since,
                         row.suspended_until if row.state == SUSPENDED else None)


def get_for_staff(session: Session, staff: Staff, certificate_number: str) -> IssuedCredential:
    """The certificate, if ``staff`` may change the status of its council's certificates."""
    return credentials.find_for_staff(session, staff, "status", certificate_number)


def replacement_of(session: Session, row: IssuedCredential) -> IssuedCredential | None:
    """The certificate that superseded ``row``, if any."""
    return session.get(IssuedCredential, row.replaced_by_id) if row.replaced_by_id else None


def revoke(session: Session, row: IssuedCredential, *, reason: str, actor: str, now: datetime,
           note: str | None = None, replaced_by: IssuedCredential | None = None) -> None:
    """Permanent. Allowed from active or suspended; a revoked certificate stays revoked."""
    if reason not in REVOCATION_REASONS:
        raise InvalidData(f"revocation reason {reason!r} is not one of "
                          f"{', '.join(REVOCATION_REASONS)}", field="reason")
    _transition(session, row, allowed_from=(ACTIVE, SUSPENDED), to=REVOKED, reason=reason,
                until=None, now=now, replaced_by=replaced_by,
                refusal=f"certificate {row.certificate_number} is already revoked")
    _record(session, row, "credential.revoked", actor=actor, now=now, reason=reason, note=note,
            replaced_by=replaced_by.certificate_number if replaced_by else None)
    hooks.credential_status_changed(session, row, valid=False, now=now)  # DigiLocker push D


def suspend(session: Session, row: IssuedCredential, *, reason: str, actor: str,
            now: datetime, until: datetime | None = None, note: str | None = None) -> None:
    """Reversible; with ``until`` it lifts itself at that moment."""
    if reason not in SUSPENSION_REASONS:
        raise InvalidData(f"suspension reason {reason!r} is not one of "
                          f"{', '.join(SUSPENSION_REASONS)}", field="reason")
    if until is not None and until.tzinfo is None:
        raise InvalidData("until needs a time zone offset, e.g. 2026-12-31T23:59:59+05:30",
                          field="until")
    if until is not None and until <= now:
        raise InvalidData("a suspension must end in the future (or give no end date)",
                          field="until")
    _lift_if_ended(session, row, now)
    _transition(session, row, allowed_from=(ACTIVE,), to=SUSPENDED, reason=reason, until=until,
                now=now, refusal=f"certificate {row.certificate_number} is {row.state}; only an "
                                 "active certificate can be suspended")
    _record(session, row, "credential.suspended", actor=actor, now=now, reason=reason,
            note=note, until=until.isoformat() if until else None)
    hooks.credential_status_changed(session, row, valid=False, now=now)  # DigiLocker push D


def reinstate(session: Session, row: IssuedCredential, *, actor: str, now: datetime,
              note: str | None = None) -> None:
    """End a suspension early. A revoked certificate cannot be reinstated: issue a new one."""
    _lift_if_ended(session, row, now)
    _transition(session, row, allowed_from=(SUSPENDED,), to=ACTIVE, reason=None, until=None,
                now=now, refusal=f"certificate {row.certificate_number} is {row.state}; only a "
                                 "suspended certificate can be reinstated"
                                 + (" (a revocation is permanent: issue a new certificate)"
                                    if row.state == REVOKED else ""))
    _record(session, row, "credential.reinstated", actor=actor, now=now, note=note)
    hooks.credential_status_changed(session, row, valid=True, now=now)  # DigiLocker push A


def lift_ended_suspensions(session: Session, *, now: datetime,
                           status_list_id: int | None = None) -> int:
    """Record the end of every suspension whose date has passed (audited as the system's act),
    each once: a row another process lifted or changed meanwhile is skipped. Reads do not need
    this (``effective_state``); the background job runs it (``issuer.outbox.runner``)."""
    query = session.query(IssuedCredential).filter(
        IssuedCredential.state == SUSPENDED, IssuedCredential.suspended_until.is_not(None),
        IssuedCredential.suspended_until <= now)
    if status_list_id is not None:
        query = query.filter(IssuedCredential.status_list_id == status_list_id)
    lifted = 0
    for row in query.all():
        try:
            with session.begin_nested():
                _lift_if_ended(session, row, now)
        except InvalidTransition:
            continue
        lifted += 1
    return lifted


def _lift_if_ended(session: Session, row: IssuedCredential, now: datetime) -> None:
    if effective_state(row, now).state == ACTIVE and row.state == SUSPENDED:
        ended = row.suspended_until
        _transition(session, row, allowed_from=(SUSPENDED,), to=ACTIVE, reason=None, until=None,
                    now=ended or now, refusal="the suspension was changed meanwhile")
        _record(session, row, "credential.suspension_ended", actor=SYSTEM_ACTOR, now=now,
                ended_at=ended.isoformat() if ended else None)
        hooks.credential_status_changed(session, row, valid=True, now=now)


def _transition(session: Session, row: IssuedCredential, *, allowed_from: tuple[str, ...],
                to: str, reason: str | None, until: datetime | None, now: datetime,
                refusal: str, replaced_by: IssuedCredential | None = None) -> None:
    values: dict[str, Any] = {"state": to, "state_reason": reason, "state_since": now,
                              "suspended_until": until}
    if replaced_by is not None:
        values["replaced_by_id"] = replaced_by.id
    changed = session.connection().execute(
        update(IssuedCredential)
        .where(IssuedCredential.id == row.id, IssuedCredential.state.in_(allowed_from))
        .values(**values)).rowcount
    if changed != 1:
        session.refresh(row)
        raise InvalidTransition(refusal, hint="read the certificate's current status first")
    for name, value in values.items():
        setattr(row, name, value)
    if row.status_list_id is not None:
        session.connection().execute(update(StatusList)
                                     .where(StatusList.id == row.status_list_id)
                                     .values(version=StatusList.version + 1))


def _record(session: Session, row: IssuedCredential, action: str, *, actor: str, now: datetime,
            **details: Any) -> None:
    audit.record(session, actor=actor, action=action, now=now,
                 subject=f"credential:{row.certificate_number}", council=row.council_id,
                 details={k: v for k, v in details.items() if v is not None})
