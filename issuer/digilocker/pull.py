"""Answer one DigiLocker pull request below HTTP: parse and authenticate the XML, search the
register in one transaction (``service.pull_uri``/``pull_doc``), and build the response document.

The route reads the body and shapes the HTTP answer; everything here takes its inputs as
arguments (the sessionmaker, the configuration, the renderer, the registry and ``now``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from issuer.credentials.service import credential_of
from issuer.delivery.service import certificate_pdf
from issuer.digilocker import responses, service
from issuer.digilocker.auth import authenticate
from issuer.digilocker.xmlin import PULL_DOC, PULL_URI, RESPONSE_OF, parse_request
from issuer.registry.models import Registration
from schemas.errors import MalformedDigiLockerRequest
from schemas.registry import Registry

if TYPE_CHECKING:
    from issuer.delivery.pdf import CertificatePdfRenderer

log = logging.getLogger("pramaan.digilocker")


@dataclass(frozen=True)
class PullContext:
    """What answering a pull needs besides the request: the API key, the DocType
    configuration, and what the PDF is made with (``renderer`` is called only for a PDF)."""

    api_key: str
    config: service.DigiLockerConfig
    max_request_bytes: int
    registry: Registry
    renderer: Callable[[], CertificatePdfRenderer]
    page_url: str


def answer(sessions: sessionmaker[Session], body: bytes, hmac_header: str | None, *,
           expected: str | None, context: PullContext, now: datetime) -> bytes:
    """The XML answer to one pull request; ``expected`` is the endpoint's request kind (none:
    either). Raises ``InvalidRequest`` for a request refused before any search."""
    config = context.config
    pull = parse_request(body, max_bytes=context.max_request_bytes)
    authenticate(pull, body, hmac_header, api_key=context.api_key, issuer_id=config.issuer_id)
    if expected is not None and pull.kind != expected:
        raise MalformedDigiLockerRequest(f"this endpoint takes {expected}, not {pull.kind}")
    with sessions.begin() as session:  # commits a DigiLocker id learned by a match
        find = service.pull_uri if pull.kind == PULL_URI else service.pull_doc
        outcome = find(session, pull, config=config, now=now)
        log.info("DigiLocker %s txn=%s: Status %s (%s)", pull.kind, pull.txn[:40],
                 outcome.status, outcome.reason)
        document = None
        if outcome.credential is not None and outcome.doc_type is not None:
            document = _document(session, outcome, context, pull.format or "both",
                                 legacy=pull.kind == PULL_DOC)
    return responses.pull_response(RESPONSE_OF[pull.kind], status=outcome.status, ts=pull.ts,
                                   txn=pull.txn, document=document)


def _document(session: Session, outcome: service.PullOutcome, context: PullContext, fmt: str,
              *, legacy: bool) -> responses.Document:
    row, doc_type = outcome.credential, outcome.doc_type
    assert row is not None and doc_type is not None
    config, registry = context.config, context.registry
    person = session.get_one(Registration, row.registration_id).professional
    credential = credential_of(row)
    pdf = certificate_pdf(row, renderer=context.renderer(), registry=registry,
                          page_url=context.page_url) \
        if fmt in ("pdf", "both") else None
    data = responses.certificate_xml(
        credential, token=row.token, doc_type=doc_type.doc_type.upper(), state=row.state,
        title=registry.certificate_type(row.certificate_type).title,
        council=registry.council(row.council_id), issuer_id=config.issuer_id,
        person=person, certificate_number=row.certificate_number) \
        if fmt in ("xml", "both") or not legacy else None
    return responses.Document(uri=config.uri(doc_type.doc_type, row.certificate_number),
                              pdf=pdf, data_xml=data, person=person)
