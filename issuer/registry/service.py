"""The council's register: add professionals with their registrations, look them up."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload

from issuer.audit import service as audit
from issuer.auth.service import Staff
from issuer.delivery.printable import plain, printable
from issuer.registry.inputs import RegistrantIn
from issuer.registry.models import Professional, Registration
from schemas.credential import PractitionerRecord, Qualification
from schemas.errors import Conflict, NotFound
from schemas.registry import Council, Registry, add_period


def register(session: Session, registrant: RegistrantIn, *, registry: Registry, actor: str,
             now: datetime) -> Registration:
    """Add a professional and their registration with one council. Text the certificate prints
    is stored NFC-normalised, and refused if the council's certificates cannot print it as
    stored (``issuer.delivery.printable``)."""
    council = registry.council(registrant.registration.council_id)  # NotFound if unknown
    registrant = _printable(registrant, council.scripts)
    data = registrant.registration
    if find_by_number(session, data.council_id, data.registration_number) is not None:
        raise Conflict(f"registration {data.registration_number} already exists in "
                       f"{data.council_id}", hint="look it up instead of adding it again")
    person = Professional(**registrant.professional.model_dump(), created_at=now)
    row = Registration(
        professional=person, council_id=data.council_id,
        registration_number=data.registration_number, registration_date=data.registration_date,
        registration_type=data.registration_type, valid_from=data.valid_from,
        valid_until=data.valid_until, created_at=now, state="active",
        renewal_due=renewal_due(registry, data.council_id, data.valid_from),
        qualifications=[q.model_dump(exclude_none=True) for q in data.qualifications])
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as err:
        raise Conflict(f"registration {data.registration_number} already exists") from err
    audit.record(session, actor=actor, action="registration.created", now=now,
                 subject=f"registration:{row.id}", council=row.council_id,
                 details={"council": row.council_id, "number": row.registration_number})
    return row


def renewal_due(registry: Registry, council_id: str, start: date) -> date | None:
    """The first renewal date of a registration starting on ``start``, if its profession's
    registrations are renewed (``Profession.renewal``)."""
    profession = registry.professions.get(registry.council(council_id).profession)
    return add_period(start, profession.renewal) if profession and profession.renewal else None


def lock(session: Session, registration: Registration) -> Registration:
    """Lock the registration's row for this transaction and read it afresh. Issuance and every
    register change take this lock first, so they run one after the other per registration
    (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's write transactions are serial anyway)."""
    # The row must be read into the object: populate_existing refreshes only rows consumed.
    return session.execute(select(Registration).where(Registration.id == registration.id)
                           .options(lazyload(Registration.professional))
                           .with_for_update().execution_options(populate_existing=True)
                           ).scalar_one()


def normalised(registrant: RegistrantIn, council: Council) -> RegistrantIn:
    """The registrant as ``register`` would store it (NFC text), or ``InvalidData`` naming a field
    the council's certificates cannot print: the bulk import checks rows exactly as
    ``register`` does."""
    return _printable(registrant, council.scripts)


def _printable(registrant: RegistrantIn, scripts: Sequence[str]) -> RegistrantIn:
    def text(value: str, field: str) -> str:
        return printable(value, field=field, scripts=scripts)

    def optional(value: str | None, field: str, *, printed: bool = True) -> str | None:
        if value is None:
            return None
        return text(value, field) if printed else plain(value, field=field)

    person, data = registrant.professional, registrant.registration
    person = person.model_copy(update={
        "name": text(person.name, "professional.name"),
        "name_hi": optional(person.name_hi, "professional.name_hi"),
        "father_name": text(person.father_name, "professional.father_name"),
        "phone": optional(person.phone, "professional.phone", printed=False),
        "digilocker_id": optional(person.digilocker_id, "professional.digilocker_id",
                                  printed=False)})
    qualifications = [q.model_copy(update={
        "degree": text(q.degree, f"registration.qualifications.{i}.degree"),
        "university": text(q.university, f"registration.qualifications.{i}.university"),
        "college": optional(q.college, f"registration.qualifications.{i}.college")})
        for i, q in enumerate(data.qualifications)]
    data = data.model_copy(update={
        "registration_number": text(data.registration_number, "registration.registration_number"),
        "qualifications": qualifications})
    return registrant.model_copy(update={"professional": person, "registration": data})


def get(session: Session, registration_id: int) -> Registration:
    row = session.get(Registration, registration_id)
    if row is None:
        raise NotFound(f"registration {registration_id} does not exist")
    return row


def get_for_staff(session: Session, staff: Staff, permission: str,
                  registration_id: int) -> Registration:
    """The registration, if ``staff`` may ``permission`` in its council; the same 404 when it
    does not exist and when it is another council's (``Staff.require_found``)."""
    staff.require(permission)
    row = session.get(Registration, registration_id)
    return staff.require_found(permission, row, f"registration {registration_id}")


def find_by_number(session: Session, council_id: str, number: str) -> Registration | None:
    return session.scalar(select(Registration).where(
        Registration.council_id == council_id, Registration.registration_number == number))


def get_by_number(session: Session, council_id: str, number: str) -> Registration:
    row = find_by_number(session, council_id, number)
    if row is None:
        raise NotFound(f"registration {number} is not on the register of {council_id}")
    return row


def practitioner_record(row: Registration) -> PractitionerRecord:
    person = row.professional
    return PractitionerRecord(
        name=person.name, name_hi=person.name_hi, father_name=person.father_name,
        registration_number=row.registration_number, registration_date=row.registration_date,
        registration_type=row.registration_type,
        qualifications=tuple(Qualification(q["degree"], q["university"], int(q["year"]))
                             for q in row.qualifications))
