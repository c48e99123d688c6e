"""What the professional's pages show of an application kind, from the registry data: the
fields it asks (and that all are required), the documents to upload, its title; and the
council's open question. Presentation only: the rules live in ``issuer.applications.service``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from issuer.applicants.service import Applicant
from issuer.applications import service
from issuer.applications.documents import CheckedFile
from issuer.applications.models import Application, ApplicationEvent
from schemas.registry import Registry


@dataclass(frozen=True)
class KindForm:
    kind: str
    """The application kind; its title is the page word of the same name (``i18n``)."""
    fields: tuple[str, ...]
    """The details this kind asks for, every one required (``service.KINDS``)."""
    documents: tuple[tuple[str, str], ...]
    """(English, Hindi): what to upload, from the certificate type's data."""


def form_for(kind: str, registry: Registry) -> KindForm:
    certificate_type, fields = service.KINDS[kind]
    return KindForm(kind, fields, registry.certificate_type(certificate_type).documents)


def kinds(registry: Registry) -> list[KindForm]:
    return [form_for(kind, registry) for kind in service.KINDS]


def open_question(application: Application,
                  history: Sequence[ApplicationEvent]) -> str | None:
    """The council's question the applicant has yet to answer, if the application waits for
    one: the latest ``queried`` event's message."""
    if application.state != service.QUERIED:
        return None
    asked = [e for e in history if e.action == "queried"]
    return asked[-1].message if asked else None


def answer_and_attach(session: Session, applicant: Applicant, application: Application, *,
                      message: str, file: CheckedFile | None, folder: Path, now: datetime,
                      max_documents: int) -> None:
    """One Send of the application page: the answer (required while the council's question is
    open) and the document (optional then; required otherwise, since it is all the form
    carries). The answer is checked first, so a missing answer stores no file."""
    answering = application.state == service.QUERIED
    if answering:
        service.checked_text(message, "message")
    elif file is None:
        service.checked_text("", "document")  # raises: an empty form
    if file is not None:
        service.add_document(session, application, file=file, folder=folder,
                             max_documents=max_documents, actor=applicant.actor, now=now)
    if answering:
        service.answer(session, applicant, application.id, message=message, now=now)
