"""The council's register: professionals and their registrations.

Councils, professions and certificate types are registry *data* (``schemas/data``), referenced
here by id, so a new council is a data file and not a migration.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from issuer.db import Base, UtcDateTime


class Professional(Base):
    __tablename__ = "professionals"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_hi: Mapped[str | None] = mapped_column(String(200))
    father_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(1))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    digilocker_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    registrations: Mapped[list[Registration]] = relationship(back_populates="professional")


class Registration(Base):
    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("council_id", "registration_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    professional_id: Mapped[int] = mapped_column(ForeignKey("professionals.id"), index=True)
    council_id: Mapped[str] = mapped_column(String(32), index=True)
    registration_number: Mapped[str] = mapped_column(String(40))
    registration_date: Mapped[date] = mapped_column(Date)
    registration_type: Mapped[str] = mapped_column(String(16))
    qualifications: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    """``active``, ``suspended`` or ``removed`` (``issuer.registry.lifecycle``); whether it is
    provisional or permanent is ``registration_type``, which changes only one way."""
    state_reason: Mapped[str | None] = mapped_column(String(40))
    """The suspension reason or the removal reason code; None while active."""
    state_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    suspended_from: Mapped[date | None] = mapped_column(Date)
    suspended_until: Mapped[date | None] = mapped_column(Date)
    """The last day of a suspension (India time); None: until restored."""
    renewal_due: Mapped[date | None] = mapped_column(Date)
    """When the registration must next be renewed, for professions whose data gives a renewal
    period (``Profession.renewal``); None where registrations are not renewed."""

    professional: Mapped[Professional] = relationship(back_populates="registrations",
                                                      lazy="joined")


class RegisterAction(Base):
    """One change to a registration, with who, when, why and on whose order; what it changed
    and every certificate it suspended, revoked or re-issued (``certificates``: lists of
    certificate ids by effect). A restoration reinstates exactly the ids its suspension
    recorded."""

    __tablename__ = "register_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    council_id: Mapped[str] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    order_reference: Mapped[str | None] = mapped_column(String(100))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    """Field name to ``[before, after]``."""
    certificates: Mapped[dict[str, Any]] = mapped_column(JSON)


class Proceeding(Base):
    """Disciplinary proceedings against a registration: open while ``closed_on`` is None."""

    __tablename__ = "proceedings"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    council_id: Mapped[str] = mapped_column(String(32), index=True)
    opened_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(100))
    opened_by: Mapped[str] = mapped_column(String(200))
    closed_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[str | None] = mapped_column(String(200))
