"""Correct the register's particulars, and make a provisional registration permanent; the
certificates that print what changed are re-issued.

A certificate prints the register's record, so a change to it re-issues every live certificate
through the supersede path (``issuer.status.reissue``): the replacement keeps the validity
window of the one it replaces (and a suspension carries over), and the old one is revoked as
``superseded`` with a pointer to its replacement, in the same transaction; never both live.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from issuer.auth.service import Staff
from issuer.credentials.service import IssueContext
from issuer.delivery.printable import printable
from issuer.registry import service as register
from issuer.registry.eligibility import REMOVED
from issuer.registry.lifecycle import (
    NO_ORDER,
    Effects,
    Order,
    live_certificates,
    record_action,
)
from issuer.registry.models import RegisterAction, Registration
from issuer.status import reissue
from schemas.errors import InvalidData, RegisterTransition

FIELDS = ("name", "name_hi", "father_name", "date_of_birth", "qualification")
"""The particulars a correction may change; ``qualification`` adds one ("DEGREE; UNIVERSITY;
YEAR")."""
NOT_PRINTED = frozenset({"date_of_birth"})
"""Corrected on the register only: no certificate prints it, so none is re-issued."""


def correct(session: Session, registration: Registration, *, staff: Staff,
            context: IssueContext, field: str, value: str, now: datetime,
            order: Order = NO_ORDER) -> RegisterAction:
    """Change one particular and re-issue every live certificate that prints it."""
    _allowed(staff, registration)
    if field not in FIELDS:
        raise InvalidData(f"field {field!r} cannot be corrected; use one of {', '.join(FIELDS)}",
                          field="field")
    scripts = context.registry.council(registration.council_id).scripts
    register.lock(session, registration)
    _not_removed(registration, "corrected")
    before, after = _values(registration, field, value, scripts)
    if before == after:
        raise InvalidData(f"{field} is already {after!r}: nothing to correct", field="value")
    if field == "qualification":
        registration.qualifications = after
    elif field == "date_of_birth":
        registration.professional.date_of_birth = date.fromisoformat(after)
    else:
        setattr(registration.professional, field, after)
    session.flush()
    effects = Effects() if field in NOT_PRINTED else _reissue_live(
        session, registration, staff=staff, context=context, now=now,
        note=f"correction of {field}")
    return record_action(session, registration, "corrected", actor=staff.actor, now=now,
                         order=Order(order.reason or field, order.reference, order.note),
                         changes={field: [before, after]}, effects=effects)


def make_permanent(session: Session, registration: Registration, *, staff: Staff,
                   context: IssueContext, now: datetime, order: Order = NO_ORDER
                   ) -> RegisterAction:
    """Provisional to permanent (one way only); live certificates print the type, so they are
    re-issued."""
    _allowed(staff, registration)
    register.lock(session, registration)
    _not_removed(registration, "made permanent")
    if registration.registration_type != "provisional":
        raise RegisterTransition(f"registration {registration.registration_number} is already "
                                 "permanent", hint="read the registration's state first")
    registration.registration_type = "permanent"
    session.flush()
    effects = _reissue_live(session, registration, staff=staff, context=context, now=now,
                            note="registration made permanent")
    return record_action(session, registration, "made_permanent", actor=staff.actor, now=now,
                         order=order, changes={"registration_type": ["provisional",
                                                                     "permanent"]},
                         effects=effects)


def _reissue_live(session: Session, registration: Registration, *, staff: Staff,
                  context: IssueContext, now: datetime, note: str) -> Effects:
    effects = Effects()
    for old in live_certificates(session, registration, now):
        new = reissue.reissue(session, old, staff=staff, context=context, now=now, note=note)
        effects.reissued.append((old.certificate_number, new.certificate_number))
    return effects


def _values(registration: Registration, field: str, value: str, scripts: tuple[str, ...]
            ) -> tuple[Any, Any]:
    """The particular as it is and as it would be, checked as the register checks it."""
    person = registration.professional
    if field == "qualification":
        added = _qualification(value, scripts)
        before = list(registration.qualifications)
        return before, before if added in before else [*before, added]
    if field == "date_of_birth":
        return _iso(person.date_of_birth), _date(value)
    after = printable(value.strip(), field=field, scripts=scripts)
    if not after or len(after) > 200:
        raise InvalidData(f"{field} must be 1 to 200 characters", field="value")
    return getattr(person, field), after


def _allowed(staff: Staff, registration: Registration) -> None:
    staff.require("register", registration.council_id)
    staff.require("status", registration.council_id)


def _not_removed(registration: Registration, to: str) -> None:
    if registration.state == REMOVED:
        raise RegisterTransition(f"registration {registration.registration_number} is removed "
                                 f"and cannot be {to}", hint="restore it first")


def _qualification(value: str, scripts: tuple[str, ...]) -> dict[str, Any]:
    parts = [p.strip() for p in value.split(";")]
    if len(parts) != 3 or not all(parts) or not parts[2].isdigit():
        raise InvalidData("a qualification is given as 'DEGREE; UNIVERSITY; YEAR'",
                          field="value")
    year = int(parts[2])
    if not 1900 <= year <= 2200:
        raise InvalidData(f"year {year} is out of range", field="value")
    return {"degree": printable(parts[0], field="qualification.degree", scripts=scripts),
            "university": printable(parts[1], field="qualification.university",
                                    scripts=scripts), "year": year}


def _date(value: str) -> str:
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError as err:
        raise InvalidData("date_of_birth must be a date (YYYY-MM-DD)", field="value") from err


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
