"""A registration's life: suspend, remove, restore, renew. Certificates follow the register.

Each change locks the registration's row (``service.lock``, the lock issuance takes too), moves
its state, applies the change to its certificates through the certificate status machinery
(``issuer.status.service``) and records a ``RegisterAction`` (who, when, why, the order's
reference, what changed, which certificates) and an audit-chain entry, all in the caller's
transaction. Suspending suspends every live certificate (until the same day); removing revokes
them (the reason from the removal); restoring reinstates exactly the certificates the suspension
recorded, never one suspended or revoked on its own. The professional is told by e-mail and
DigiLocker by push through the outbox. States and transitions: ``docs/register.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.audit import service as audit
from issuer.auth.service import Staff
from issuer.credentials import service as credentials
from issuer.credentials.models import IssuedCredential
from issuer.outbox import hooks
from issuer.registry import service as register
from issuer.registry.eligibility import (
    ACTIVE,
    REMOVED,
    SUSPENDED,
    effective_state,
    india_today,
)
from issuer.registry.models import RegisterAction, Registration
from issuer.status import service as status
from schemas import credential as vc
from schemas.errors import InvalidData, RegisterTransition
from schemas.registry import Registry, add_period

REMOVAL_REASONS = {
    # removal reason -> the revocation reason its certificates carry
    "disciplinary": "disciplinary_action",
    "deceased": "deceased",
    "voluntary": "registration_cancelled",
    "not-renewed": "registration_cancelled",
    "entered-in-error": "error_in_data",
}
SUSPENSION_REASONS = status.SUSPENSION_REASONS


@dataclass
class Effects:
    """What one register change did to certificates: certificate numbers by effect."""

    suspended: list[str] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)
    reinstated: list[str] = field(default_factory=list)
    reissued: list[tuple[str, str]] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    """Ids of the certificates the change suspended, which a restoration reinstates."""

    def to_dict(self) -> dict[str, Any]:
        return {"suspended": self.suspended, "revoked": self.revoked,
                "reinstated": self.reinstated, "reissued": [list(p) for p in self.reissued],
                "suspended_ids": self.ids}


@dataclass(frozen=True)
class Order:
    """Why a change is made: a reason code, the council's order reference, a free note."""

    reason: str | None = None
    reference: str | None = None
    note: str | None = None


NO_ORDER = Order()


def live_certificates(session: Session, registration: Registration, now: datetime
                      ) -> list[IssuedCredential]:
    """The registration's certificates that are neither revoked nor past their validity."""
    return [row for row in credentials.list_for_registration(session, registration.id)
            if row.state != status.REVOKED and row.valid_until > now]


def suspend(session: Session, registration: Registration, *, staff: Staff, reason: str,
            until: date | None, now: datetime, order: Order = NO_ORDER) -> RegisterAction:
    """Suspend from today, optionally to the end of ``until`` (India time); every live active
    certificate is suspended to the same moment."""
    _allowed(staff, registration)
    today = india_today(now)
    if reason not in SUSPENSION_REASONS:
        raise InvalidData(f"suspension reason {reason!r} is not one of "
                          f"{', '.join(SUSPENSION_REASONS)}", field="reason")
    if until is not None and until < today:
        raise InvalidData("a suspension must end today or later (or give no end date)",
                          field="until")
    register.lock(session, registration)
    _require_state(registration, today, (ACTIVE,), "suspended")
    before = _state_fields(registration)
    registration.state, registration.state_reason = SUSPENDED, reason
    registration.state_since, registration.suspended_from = now, today
    registration.suspended_until = until
    effects = Effects()
    ends = vc.end_of_day(until) if until else None
    for row in live_certificates(session, registration, now):
        if status.effective_state(row, now).state == status.ACTIVE:
            status.suspend(session, row, reason=reason, actor=staff.actor, now=now, until=ends,
                           note=_note("registration suspended", order))
            effects.suspended.append(row.certificate_number)
            effects.ids.append(row.id)
    return _record(session, registration, "suspended", staff=staff, now=now,
                   order=Order(reason, order.reference, order.note), before=before,
                   effects=effects)


def remove(session: Session, registration: Registration, *, staff: Staff, reason: str,
           now: datetime, order: Order = NO_ORDER) -> RegisterAction:
    """Remove the name from the register; every live certificate is revoked, with the
    revocation reason that matches the removal's (``REMOVAL_REASONS``)."""
    _allowed(staff, registration)
    if reason not in REMOVAL_REASONS:
        raise InvalidData(f"removal reason {reason!r} is not one of "
                          f"{', '.join(REMOVAL_REASONS)}", field="reason")
    register.lock(session, registration)
    _require_state(registration, india_today(now), (ACTIVE, SUSPENDED), "removed")
    before = _state_fields(registration)
    registration.state, registration.state_reason, registration.state_since = (
        REMOVED, reason, now)
    registration.suspended_from = registration.suspended_until = None
    effects = Effects()
    for row in live_certificates(session, registration, now):
        status.revoke(session, row, reason=REMOVAL_REASONS[reason], actor=staff.actor, now=now,
                      note=_note(f"registration removed ({reason})", order))
        effects.revoked.append(row.certificate_number)
    return _record(session, registration, "removed", staff=staff, now=now,
                   order=Order(reason, order.reference, order.note), before=before,
                   effects=effects)


def restore(session: Session, registration: Registration, *, staff: Staff, now: datetime,
            order: Order = NO_ORDER) -> RegisterAction:
    """Back to active. After a suspension, the certificates that suspension suspended (or their
    re-issued replacements) are reinstated if they are still suspended; after a removal the
    revoked certificates stay revoked (a revocation is permanent): new ones are issued."""
    _allowed(staff, registration)
    register.lock(session, registration)
    if registration.state not in (SUSPENDED, REMOVED):
        raise RegisterTransition(
            f"registration {registration.registration_number} is {registration.state}; only a "
            "suspended or removed registration can be restored",
            hint="read the registration's state first")
    was = registration.state
    before = _state_fields(registration)
    registration.state, registration.state_reason, registration.state_since = ACTIVE, None, now
    registration.suspended_from = registration.suspended_until = None
    effects = Effects()
    if was == SUSPENDED:
        for row in _suspended_by_register(session, registration, now):
            status.reinstate(session, row, actor=staff.actor, now=now,
                             note=_note("registration restored", order))
            effects.reinstated.append(row.certificate_number)
    return _record(session, registration, "restored", staff=staff, now=now, order=order,
                   before=before, effects=effects)


def renew(session: Session, registration: Registration, *, staff: Staff, registry: Registry,
          now: datetime, order: Order = NO_ORDER) -> RegisterAction:
    """Move the renewal due date on by the profession's period (past today, if it was
    overdue by more than one period). Certificates are not touched."""
    _allowed(staff, registration)
    register.lock(session, registration)
    _require_state(registration, india_today(now), (ACTIVE,), "renewed")
    before = {"renewal_due": registration.renewal_due}
    registration.renewal_due = next_renewal_due(registration, registry, now)
    return _record(session, registration, "renewed", staff=staff, now=now, order=order,
                   before=before, effects=Effects())


def next_renewal_due(registration: Registration, registry: Registry, now: datetime) -> date:
    """The due date after a renewal made ``now``: one period on from the current due date (or,
    for a registration from before due dates were kept, from the licence's start), repeated
    until it is after today."""
    profession = registry.professions.get(registry.council(registration.council_id).profession)
    if profession is None or profession.renewal is None:
        raise RegisterTransition(f"registration {registration.registration_number} is not "
                                 "renewed: its profession's data gives no renewal period")
    due = registration.renewal_due or registration.valid_from
    due = add_period(due, profession.renewal)
    while due <= india_today(now):
        due = add_period(due, profession.renewal)
    return due


def actions(session: Session, registration: Registration) -> list[RegisterAction]:
    """The registration's history, oldest first."""
    return list(session.scalars(select(RegisterAction).where(
        RegisterAction.registration_id == registration.id).order_by(RegisterAction.id)))


def _suspended_by_register(session: Session, registration: Registration, now: datetime
                           ) -> list[IssuedCredential]:
    last = session.scalar(select(RegisterAction).where(
        RegisterAction.registration_id == registration.id, RegisterAction.action == "suspended")
        .order_by(RegisterAction.id.desc()).limit(1))
    if last is None:
        return []
    found: list[IssuedCredential] = []
    for credential_id in last.certificates.get("suspended_ids", []):
        row = session.get(IssuedCredential, credential_id)
        while row is not None and row.state == status.REVOKED and row.replaced_by_id:
            row = session.get(IssuedCredential, row.replaced_by_id)  # a re-issue carried it
        if (row is not None and status.effective_state(row, now).state == status.SUSPENDED
                and row.state_since is not None and row.state_since >= last.at):
            found.append(row)
    return found


def _allowed(staff: Staff, registration: Registration) -> None:
    staff.require("register", registration.council_id)
    staff.require("status", registration.council_id)


def _require_state(registration: Registration, today: date, allowed: tuple[str, ...],
                   to: str) -> None:
    state = effective_state(registration, today)
    if state not in allowed:
        raise RegisterTransition(
            f"registration {registration.registration_number} is {state}; only "
            f"{' or '.join(allowed)} registrations can be {to}",
            hint="read the registration's state first (issuer registrations show)")


def _state_fields(registration: Registration) -> dict[str, Any]:
    return {"state": registration.state, "state_reason": registration.state_reason,
            "suspended_from": registration.suspended_from,
            "suspended_until": registration.suspended_until}


def _note(what: str, order: Order) -> str:
    return what + (f", order {order.reference}" if order.reference else "")


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def record_action(session: Session, registration: Registration, action: str, *, actor: str,
                  now: datetime, order: Order, changes: dict[str, list[Any]],
                  effects: Effects) -> RegisterAction:
    """Write the register action and its audit-chain entry, and tell the professional."""
    row = RegisterAction(
        registration_id=registration.id, council_id=registration.council_id, action=action,
        actor=actor, at=now, reason=order.reason, note=order.note,
        order_reference=order.reference, changes=changes, certificates=effects.to_dict())
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action=f"registration.{action}", now=now,
                 subject=f"registration:{registration.id}", council=registration.council_id,
                 details={k: v for k, v in {
                     "number": registration.registration_number, "reason": order.reason,
                     "order": order.reference, "note": order.note, "changes": changes,
                     "certificates": {k: v for k, v in effects.to_dict().items()
                                      if v and k != "suspended_ids"}}.items() if v})
    hooks.registration_changed(session, registration, row.id, now=now)
    return row


def _record(session: Session, registration: Registration, action: str, *, staff: Staff,
            now: datetime, order: Order, before: dict[str, Any], effects: Effects
            ) -> RegisterAction:
    changes = {name: [_json(old), _json(getattr(registration, name))]
               for name, old in before.items() if getattr(registration, name) != old}
    return record_action(session, registration, action, actor=staff.actor, now=now,
                         order=order, changes=changes, effects=effects)
