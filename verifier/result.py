"""The outcome of a verification as data: each check's result, the status facts and the verdict.

A forged or expired certificate is an answer, not an error: ``VerificationResult`` says which
checks passed, failed or were skipped, and ``to_dict`` is the ``POST /verify`` answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from verifier.pdf_signature import PdfSignatureReport
from verifier.status import NO_STATUS, StatusReport
from verifier.verdict import Verdict, judge


@dataclass(frozen=True)
class Check:
    check: str
    ok: bool | None
    code: str
    detail: str


@dataclass(frozen=True)
class VerificationResult:
    verified: bool
    checks: tuple[Check, ...]
    credential: dict[str, Any] | None
    """The decoded payload, present only when the signature verified (even if a later check
    failed), so nothing unauthenticated is ever shown as the issuer's words."""
    token: str | None
    status: StatusReport | None = None
    """The status check's facts (state, reason, dates, age of the lists), when it ran."""
    verdict: Verdict | None = None
    """The one-word verdict for people (``verifier.verdict``); judged on demand when absent."""
    pdf_signature: PdfSignatureReport | None = None
    """For an uploaded PDF, its own signature (``verifier.pdf_signature``), reported beside the
    credential's checks: it never changes the verdict, which is about the credential."""

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.check == name)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.ok is False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON answer, built field by field (``dataclasses.asdict`` deep-copies: 30x
        slower)."""
        return {"verified": self.verified,
                "checks": [{"check": c.check, "ok": c.ok, "code": c.code, "detail": c.detail}
                           for c in self.checks],
                "credential": self.credential,
                "status": self.status.to_dict() if self.status else None,
                "verdict": (self.verdict or judge(self)).to_dict(),
                "pdfSignature": self.pdf_signature.to_dict() if self.pdf_signature else None}



def is_verified(checks: Iterable[Check]) -> bool:
    """Every check passed, except that a credential with no status entry at all
    (``status.none``) is still verifiable; a status not established never is."""
    return all(c.ok is True or (c.check == "status" and c.ok is None and c.code == NO_STATUS)
               for c in checks)
