"""Correction and re-issue: issue the replacement, then revoke the old certificate as superseded.

Both steps run in one transaction, in that order, so a crash between them rolls both back and the
professional keeps the old, still valid certificate; never neither. The replacement is built from
the register as it is now (a correction is a register edit followed by a re-issue) and keeps the
validity window of the certificate it replaces; a suspension carries over. The old certificate's
revocation is a conditional update, so two re-issue runs racing on one certificate issue it once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from issuer.auth.service import Staff
from issuer.credentials import service as credentials
from issuer.credentials.models import IssuedCredential
from issuer.credentials.service import IssueContext
from issuer.status import service as status
from schemas import credential as vc
from schemas.errors import ExpiredNotReissued, InvalidTransition, PramaanError


def reissue(session: Session, old: IssuedCredential, *, staff: Staff, context: IssueContext,
            now: datetime, note: str | None = None) -> IssuedCredential:
    """The replacement of ``old`` (already flushed), with ``old`` revoked as ``superseded``."""
    staff.require("status", old.council_id)
    if old.state == status.REVOKED:
        raise InvalidTransition(f"certificate {old.certificate_number} is revoked; a revoked "
                                "certificate is not re-issued", hint="issue a new certificate")
    valid_from, valid_until = vc.validity_window(credentials.credential_of(old))
    if valid_until is not None and valid_until <= now:
        raise ExpiredNotReissued(f"certificate {old.certificate_number} has expired; issue a new "
                                 "one instead")
    request = credentials.IssueRequest(old.registration_id, old.certificate_type,
                                       extra=dict(old.request.get("extra", {})))
    new = credentials.issue_in(context, session, request, staff=staff, now=now,
                               window=(valid_from or now, valid_until or now), replacing=True)
    current = status.effective_state(old, now)
    if current.state == status.SUSPENDED:
        status.suspend(session, new, reason=current.reason or "other", actor=staff.actor,
                       now=now, until=current.until, note="carried over from "
                       f"{old.certificate_number}")
    status.revoke(session, old, reason="superseded", actor=staff.actor, now=now, note=note,
                  replaced_by=new)
    return new


def affected_by_key(session: Session, kid: str, *, now: datetime) -> list[int]:
    """Ids of the still-valid, unrevoked credentials signed by ``kid``, oldest first."""
    return list(session.scalars(
        select(IssuedCredential.id)
        .where(IssuedCredential.kid == kid, IssuedCredential.state != status.REVOKED,
               IssuedCredential.valid_until > now)
        .order_by(IssuedCredential.id)))


@dataclass
class ReissueReport:
    reissued: int = 0
    failed: int = 0


def reissue_signed_by(sessions: sessionmaker[Session], kid: str, *, staff: Staff,
                      context_of: Callable[[Session], IssueContext], now: Callable[[], datetime],
                      progress: Callable[[int, int, str], None] = lambda *_: None
                      ) -> ReissueReport:
    """Re-issue everything ``kid`` signed that is still valid, one transaction a certificate.

    Resumable: each certificate done is revoked as superseded, so a second run (after a crash or
    Ctrl-C) finds only what is left. ``progress(done, total, message)`` reports each step.
    """
    with sessions.begin() as session:
        todo = affected_by_key(session, kid, now=now())
    report = ReissueReport()
    for done, credential_id in enumerate(todo, start=1):
        try:
            with sessions.begin() as session:
                old = session.get(IssuedCredential, credential_id)
                if old is None or old.state == status.REVOKED:
                    continue  # done by a concurrent run
                new = reissue(session, old, staff=staff, context=context_of(session),
                              now=now(), note=f"re-signed: key {kid} is compromised")
                message = f"{old.certificate_number} -> {new.certificate_number}"
            report.reissued += 1
        except PramaanError as err:
            report.failed += 1
            message = f"{credential_id}: not re-issued: {err.detail}"
        progress(done, len(todo), message)
    return report
