"""What the registrar confirms before "Approve and issue": the certificate, whom it is issued
to, what it will say, where it goes, and what else the approval changes (a duplicate revokes
the certificate it replaces; a renewal extends the register). From the application and the
registry data; nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass

from issuer.applications.models import Application
from issuer.mail.application_mail import kind_title
from schemas.registry import Registry


@dataclass(frozen=True)
class ApprovalSummary:
    title: str
    title_hi: str
    holder: str
    registration: str
    council: str
    council_hi: str
    details: tuple[tuple[str, str], ...]
    """(field, value) as the certificate will print them."""
    email: str | None
    digilocker: bool
    effect: str
    """The page word (``i18n``) for what else approving does: ``effect.<kind>``."""


def approval_summary(application: Application, registry: Registry) -> ApprovalSummary:
    registration = application.registration
    professional = registration.professional
    council = registry.council(application.council_id)
    title, title_hi = kind_title(application, registry)
    return ApprovalSummary(
        title=title, title_hi=title_hi, holder=professional.name,
        registration=registration.registration_number,
        council=council.name, council_hi=council.name_hi,
        details=tuple((k, str(v)) for k, v in application.details.items()),
        email=professional.email, digilocker=bool(professional.digilocker_id),
        effect=f"effect.{application.kind}")
