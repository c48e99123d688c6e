"""Issued credentials. The signed token is the record; the PDF is re-rendered from it on demand."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base, UtcDateTime


class IssuedCredential(Base):
    __tablename__ = "credentials"
    __table_args__ = (UniqueConstraint("issued_by", "idempotency_key"),
                      UniqueConstraint("status_list_id", "status_index",
                                       name="uq_credentials_status_list_id"),
                      # publishing a list reads the set entries of one state: index-only
                      Index("ix_credentials_list_state", "status_list_id", "state",
                            "status_index"),
                      # /stats counts the current month per council and type from this
                      # index alone (issuer.applications.reports.ClosedMonths)
                      Index("ix_credentials_stats", "issued_at", "council_id",
                            "certificate_type"))

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_number: Mapped[str] = mapped_column(String(32), unique=True)
    credential_id: Mapped[str] = mapped_column(String(300), unique=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    council_id: Mapped[str] = mapped_column(String(32), index=True)
    certificate_type: Mapped[str] = mapped_column(String(32))
    token: Mapped[str] = mapped_column(Text)
    kid: Mapped[str] = mapped_column(String(100), index=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime)
    valid_until: Mapped[datetime] = mapped_column(UtcDateTime)
    issued_by: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    status_list_id: Mapped[int | None] = mapped_column(ForeignKey("status_lists.id"))
    status_index: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    """``active``, ``suspended`` or ``revoked``; a suspension past ``suspended_until`` reads as
    active (``issuer.status.service.effective_state``) until the sweep records its end."""
    state_reason: Mapped[str | None] = mapped_column(String(40))
    state_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    suspended_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("credentials.id"))


class BulkIssued(Base):
    """Which registrations a bulk run (``issuer issue-bulk --run``) has issued to. The primary
    key is the guarantee that a run issues one certificate a registration: a second process
    that somehow issued to the same registration in the same run fails its whole batch on it
    and rolls back (``issuer.credentials.bulk``)."""

    __tablename__ = "bulk_issued"

    run: Mapped[str] = mapped_column(String(64), primary_key=True)
    certificate_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"),
                                                 primary_key=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("credentials.id"))
