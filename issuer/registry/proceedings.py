"""Disciplinary proceedings: records of their own, opened (date, reference) and closed (date,
outcome). While one is open, Good Standing Certificates and NOCs are refused
(``issuer.registry.eligibility``); certificates already issued are not touched, since they
state the facts on their date of issue. Each step is a register action and an audit entry.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.auth.service import Staff
from issuer.registry import service as register
from issuer.registry.lifecycle import Effects, Order, record_action
from issuer.registry.models import Proceeding, Registration
from schemas.errors import InvalidData, NotFound, RegisterTransition


def open_proceeding(session: Session, registration: Registration, *, staff: Staff,
                    opened_on: date, reference: str, now: datetime,
                    note: str | None = None) -> Proceeding:
    staff.require("register", registration.council_id)
    reference = _text(reference, "reference")
    register.lock(session, registration)
    row = Proceeding(registration_id=registration.id, council_id=registration.council_id,
                     opened_on=opened_on, reference=reference, opened_by=staff.actor)
    session.add(row)
    session.flush()
    record_action(session, registration, "proceedings_opened", actor=staff.actor, now=now,
                  order=Order(None, reference, note),
                  changes={"proceedings": [None, {"id": row.id,
                                                  "opened_on": opened_on.isoformat()}]},
                  effects=Effects())
    return row


def close_proceeding(session: Session, proceeding: Proceeding, *, staff: Staff,
                     closed_on: date, outcome: str, now: datetime) -> Proceeding:
    staff.require("register", proceeding.council_id)
    registration = register.lock(session, session.get_one(Registration,
                                                          proceeding.registration_id))
    session.refresh(proceeding)
    if proceeding.closed_on is not None:
        raise RegisterTransition(f"proceedings {proceeding.reference} were closed on "
                                 f"{proceeding.closed_on}")
    if closed_on < proceeding.opened_on:
        raise InvalidData("proceedings cannot close before they opened", field="closed_on")
    proceeding.closed_on, proceeding.outcome = closed_on, _text(outcome, "outcome")
    proceeding.closed_by = staff.actor
    record_action(session, registration, "proceedings_closed", actor=staff.actor, now=now,
                  order=Order(None, proceeding.reference, proceeding.outcome),
                  changes={"proceedings": [{"id": proceeding.id}, {
                      "id": proceeding.id, "closed_on": closed_on.isoformat(),
                      "outcome": proceeding.outcome}]}, effects=Effects())
    return proceeding


def for_registration(session: Session, registration: Registration) -> list[Proceeding]:
    return list(session.scalars(select(Proceeding).where(
        Proceeding.registration_id == registration.id).order_by(Proceeding.id)))


def get_for_staff(session: Session, staff: Staff, permission: str, proceeding_id: int
                  ) -> Proceeding:
    staff.require(permission)
    return staff.require_found(permission, session.get(Proceeding, proceeding_id),
                               f"proceedings {proceeding_id}")


def find_open(session: Session, registration: Registration, reference: str
              ) -> Proceeding:
    row = session.scalar(select(Proceeding).where(
        Proceeding.registration_id == registration.id, Proceeding.reference == reference,
        Proceeding.closed_on.is_(None)))
    if row is None:
        raise NotFound(f"no open proceedings {reference!r} against registration "
                       f"{registration.registration_number}")
    return row


def _text(value: str, field: str) -> str:
    value = value.strip()
    if not value or len(value) > 1000 or (field == "reference" and len(value) > 100):
        raise InvalidData(f"{field} must be 1 to {100 if field == 'reference' else 1000} "
                          "characters", field=field)
    return value
