"""Whether the register lets a certificate be issued: one answer for issuance, the review desk
and the professional's application page.

A certificate states facts about the register on the day it is issued; the Good Standing
wording says the practitioner "holds current registration" and that "no disciplinary
proceedings had been taken or were in progress", the NOC that no complaint or disciplinary
action is pending. So issuance is refused, each with its own 409 code, when that would be
untrue (``docs/register.md``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.registry.models import Proceeding, Registration
from schemas import credential as vc
from schemas.errors import (
    InvalidTransition,
    ProceedingsOpen,
    RegistrationNotCurrent,
    RegistrationNotPermanent,
    RegistrationRemoved,
    RegistrationSuspended,
    RenewalOverdue,
)

ACTIVE, SUSPENDED, REMOVED = "active", "suspended", "removed"
STATEMENT_TYPES = frozenset({"good-standing", "noc"})
"""Certificate types that attest standing (no proceedings, renewal kept up), not just entry."""


@dataclass(frozen=True)
class Refusal:
    """One reason a certificate cannot be issued, in English and Hindi, and its catalogue
    error, which issuance raises."""

    error: type[InvalidTransition]
    detail: str
    detail_hi: str
    hint: str

    @property
    def code(self) -> str:
        return self.error.code

    def text(self, lang: str) -> str:
        return self.detail_hi if lang == "hi" else self.detail

    def exception(self) -> InvalidTransition:
        return self.error(self.detail, hint=self.hint)


def india_today(now: datetime) -> date:
    return now.astimezone(vc.INDIA).date()


def effective_state(registration: Registration, today: date) -> str:
    """The state on ``today``: a suspension whose last day has passed reads as active."""
    ends = registration.suspended_until
    if registration.state == SUSPENDED and ends is not None and ends < today:
        return ACTIVE
    return registration.state


def with_open_proceedings(session: Session, registration_ids: Collection[int]) -> set[int]:
    """Those of ``registration_ids`` with disciplinary proceedings open: one query for a page
    that judges many registrations at once (the review queue)."""
    if not registration_ids:
        return set()
    return set(session.scalars(select(Proceeding.registration_id).distinct().where(
        Proceeding.registration_id.in_(registration_ids), Proceeding.closed_on.is_(None))))


def refusals(session: Session, registration: Registration, certificate_type: str,
             now: datetime, *, replacing: bool = False,
             proceedings_open: bool | None = None) -> list[Refusal]:
    """Every reason the register gives to refuse a ``certificate_type`` now, most serious
    first; empty when it may be issued. ``replacing``: a re-issue of an existing certificate,
    which carries that certificate's suspension, so a suspension does not refuse it.
    ``proceedings_open``: already known (``with_open_proceedings``), else read here."""
    today = india_today(now)
    state = effective_state(registration, today)
    number = registration.registration_number
    found: list[Refusal] = []
    if state == REMOVED:
        found.append(Refusal(
            RegistrationRemoved, f"registration {number} has been removed from the register",
            f"पंजीकरण {number} रजिस्टर से हटा दिया गया है",
            "no certificate is issued for a removed registration"))
    if not registration.valid_from <= today <= registration.valid_until:
        found.append(Refusal(
            RegistrationNotCurrent,
            f"registration {number} is not current ({registration.valid_from} to "
            f"{registration.valid_until})",
            f"पंजीकरण {number} वर्तमान में वैध नहीं है ({registration.valid_from} से "
            f"{registration.valid_until})", "renew the registration first"))
    if state == SUSPENDED and not replacing:
        until = registration.suspended_until
        found.append(Refusal(
            RegistrationSuspended,
            f"registration {number} is suspended" + (f" until {until}" if until else ""),
            f"पंजीकरण {number} निलंबित है" + (f" ({until} तक)" if until else ""),
            "no certificate is issued while the registration is suspended"))
    if certificate_type in STATEMENT_TYPES:
        if proceedings_open is None:
            proceedings_open = bool(with_open_proceedings(session, [registration.id]))
        found += _standing(registration, certificate_type, today, proceedings_open)
    return found


def _standing(registration: Registration, certificate_type: str, today: date,
              proceedings_open: bool) -> list[Refusal]:
    number = registration.registration_number
    found: list[Refusal] = []
    if proceedings_open:
        found.append(Refusal(
            ProceedingsOpen, f"disciplinary proceedings are open against registration {number}",
            f"पंजीकरण {number} के विरुद्ध अनुशासनात्मक कार्यवाही लंबित है",
            "apply once the proceedings are closed"))
    due = registration.renewal_due
    if due is not None and due < today:
        found.append(Refusal(
            RenewalOverdue, f"registration {number} was due for renewal on {due}",
            f"पंजीकरण {number} का नवीनीकरण {due} को देय था",
            "renew the registration first"))
    if certificate_type == "noc" and registration.registration_type != "permanent":
        found.append(Refusal(
            RegistrationNotPermanent,
            "a No-Objection Certificate needs a permanent registration",
            "अनापत्ति प्रमाणपत्र के लिए स्थायी पंजीकरण आवश्यक है",
            "apply once the registration is permanent"))
    return found


def check(session: Session, registration: Registration, certificate_type: str, now: datetime,
          *, replacing: bool = False) -> None:
    """Raise the first refusal's catalogue error, if there is one."""
    found = refusals(session, registration, certificate_type, now, replacing=replacing)
    if found:
        raise found[0].exception()
