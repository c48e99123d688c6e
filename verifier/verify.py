"""Verify a certificate credential (vc+jwt), reporting every check separately.

The order follows the verifier checklist (VC-JOSE-COSE §3.1, RFC 7519 §7.2, VC 2.0 §4 and its
validation appendix): the token's form and JOSE header are checked before any key is looked up, the
issuer is read from the *unverified* payload only to choose which trusted JWKS to consult, and the
claims are judged only once the signature holds. A failed check makes the checks that depend on it
``skipped``. The outcome is data (``VerificationResult``), not an exception: a forged or expired
certificate is an answer, not an error.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import replace
from datetime import UTC, datetime

from schemas.errors import CredentialRejected, UpstreamUnavailable
from schemas.registry import Registry, load_registry
from verifier import bundle
from verifier.checks import SKIPPED, STEPS, Outcome, Scratch
from verifier.pdf_signature import check_pdf_signature
from verifier.result import Check, VerificationResult, is_verified
from verifier.settings import VerifierSettings
from verifier.status_lists import StatusLists
from verifier.trust import Clock, TrustStore
from verifier.trust_list import ListedTrustStore
from verifier.verdict import judge

__all__ = ["Check", "VerificationResult", "Verifier", "check_token", "is_verified",
           "verify_credential"]


def verify_credential(token: str, *, trust: TrustStore, algorithms: Collection[str],
                      registry: Registry, now: datetime,
                      status: StatusLists | None = None) -> VerificationResult:
    """Verify a compact vc+jwt against the trusted issuers' keys at time ``now``.

    Pure apart from the trust store's cached JWKS and the status lists' cached retrieval.
    ``algorithms`` is the configured allow-list (RFC 8725 §2.1), never the token's word. Without
    ``status`` a credential that has status entries cannot be verified (``status.unknown``).
    """
    scratch = Scratch(token, trust, tuple(algorithms), registry, now, status_lists=status)
    results: dict[str, Check] = {}
    cause: dict[str, str] = {}  # a skipped check -> the failed check it waits on
    for name, step, needs in STEPS:
        blocked = [d for d in needs if results[d].ok is not True]
        if blocked:
            cause[name] = cause.get(blocked[0], blocked[0])
            results[name] = Check(name, None, SKIPPED, f"not checked, as {cause[name]} failed")
            continue
        try:
            outcome = step(scratch)
        except (CredentialRejected, UpstreamUnavailable) as err:
            outcome = Outcome(False, err.code, err.detail)
        results[name] = Check(name, *outcome)
    checks = tuple(results.values())
    well_formed = results["format"].ok is True
    result = VerificationResult(is_verified(checks), checks, scratch.credential if
                                results["signature"].ok else None,
                                token if well_formed else None, scratch.status)
    verdict = judge(result, registry, checked_at=now)
    listed = scratch.trusted
    if verdict.holder is not None and listed is not None and listed.name_hi is not None:
        # the page names the issuer as the anchor's trust list does (docs/trust.md)
        verdict = replace(verdict, holder=replace(verdict.holder, council=listed.name,
                                                  council_hi=listed.name_hi))
    return replace(result, verdict=verdict)



class Verifier:
    """A configured verifier: trusted issuers, algorithm allow-list, certificate registry."""

    def __init__(self, trust: TrustStore, *, algorithms: Collection[str],
                 registry: Registry, status: StatusLists | None = None) -> None:
        self.trust = trust
        self.algorithms = tuple(algorithms)
        self.registry = registry
        self.status = status

    @classmethod
    def from_settings(cls, settings: VerifierSettings, *, clock: Clock = time.monotonic
                      ) -> Verifier:
        """Online, or with ``settings.offline`` from the trust bundle alone (no network)."""
        registry = load_registry(settings.registry_files)
        if settings.offline:
            trust, status = bundle.offline_sources(settings)
        else:
            trust = (ListedTrustStore.from_settings(settings, now=clock)
                     if settings.trust_list_url else TrustStore.from_settings(settings, now=clock))
            status = StatusLists.from_settings(settings, trust, now=clock)
        return cls(trust, algorithms=settings.algorithms, registry=registry, status=status)

    def verify(self, token: str, *, now: datetime, pdf: bytes | None = None
               ) -> VerificationResult:
        """The credential's verification; with ``pdf``, the uploaded PDF it came from, whose own
        signature is reported beside it (``pdfSignature``)."""
        result = verify_credential(token, trust=self.trust, algorithms=self.algorithms,
                                   registry=self.registry, now=now, status=self.status)
        if pdf is None:
            return result
        return replace(result, pdf_signature=check_pdf_signature(
            pdf, credential=result.credential, trust=self.trust, now=now))

    def close(self) -> None:
        self.trust.close()
        if self.status is not None:
            self.status.close()


def check_token(token: str, *, settings: VerifierSettings | None = None,
                now: datetime | None = None, pdf: bytes | None = None) -> VerificationResult:
    """One-shot facade for scripts and the CLI: settings from the environment, clock read here."""
    verifier = Verifier.from_settings(settings or VerifierSettings())
    try:
        return verifier.verify(token, now=now or datetime.now(UTC), pdf=pdf)
    finally:
        verifier.close()
