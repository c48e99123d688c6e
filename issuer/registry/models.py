"""The council's register: professionals and their registrations.

Councils, professions and certificate types are registry *data* (``schemas/data``), referenced
here by id, so a new council is a data file and not a migration.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint
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

    professional: Mapped[Professional] = relationship(back_populates="registrations",
                                                      lazy="joined")
