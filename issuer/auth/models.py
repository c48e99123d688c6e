"""Staff API tokens, stored only as SHA-256 hashes (the tokens are 256-bit random strings), and
the sessions of the pages, stored the same way."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base, UtcDateTime


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    councils: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class WebSession(Base):
    """A signed-in session: a professional's (``kind`` applicant, ``subject`` their e-mail, used
    as a cookie or a bearer token) or a staff member's on the pages (``kind`` staff, ``token_id``
    the API token they signed in with). Ending one sets ``ended_at``; it never works again."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(254), index=True)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class StaffAccount(Base):
    """A person on the council's staff, signing in on the pages with a one-time code mailed to
    ``email``. Role and councils live on ``principal``, an ``api_tokens`` row that holds no usable
    secret (its hash is of a random value nobody keeps): issuance records and the audit trail
    point at it exactly as they point at a machine's token, and its actor names the person."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(240), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
