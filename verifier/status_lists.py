"""Status lists, fetched and verified: the W3C Bitstring Status List retrieval (§3.2 steps 1-2).

A list URL must lie on the trusted issuer's origin (``TrustedIssuer.covers_status_list``); the
list credential is fetched (size cap, timeout, no redirects, no content-encoding) and verified as
a vc+jwt with the same issuer's published keys: allow-listed ``alg``, ``typ``, known ``kid``, the
key's signing window, the signature; its issuer must be the trusted one and its
``validFrom``/``validUntil`` must hold. Lists are cached for their ``ttl`` (bounded,
``schemas.status_list.ttl_seconds_of``) on an injectable monotonic clock, like the JWKS in
``trust.py``. ``bundle.BundleLists`` serves the same lists offline.

The issuer's public, unsigned ``{credential id}/status`` (``StatusLists.details``) adds the reason
and dates a bitstring cannot carry; it is informative only.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from keys.signing import parse_payload, verify_jws
from schemas import credential as vc
from schemas import status_list as sl
from schemas.errors import CredentialRejected, UpstreamUnavailable
from verifier.cache import TTLCache
from verifier.fetch import read_capped
from verifier.settings import TrustedIssuer, VerifierSettings
from verifier.trust import RETRY_HINT, Clock, TrustStore, guard_fetch

MAX_LIST_BYTES = 2 * 1024 * 1024
"""A list token is at most this long: a 1 Mi-entry list of random bits, base64url, fits."""
MAX_DETAILS_BYTES = 16 * 1024
LIST_MEDIA_TYPES = "application/vc+jwt, application/vc"
CLOCK_SKEW = timedelta(minutes=5)
"""A list signed on request can carry a ``validFrom`` a moment after the verifier read its clock,
or the issuer's clock may run ahead: tolerated this much."""


@dataclass(frozen=True)
class StatusDetails:
    """What the issuer says about one certificate beyond its bit: unsigned, informative only."""

    state: str
    reason: str | None = None
    """The issuer's reason code (e.g. ``disciplinary_action``)."""
    reason_text: str | None = None
    since: str | None = None
    until: str | None = None
    replaced_by: str | None = None


@dataclass(frozen=True)
class StatusList:
    """A fetched list credential whose signature and key window held."""

    url: str
    credential: Mapping[str, Any]
    issuer: str
    fetched_at: datetime
    issued_at: datetime | None


class StatusLists:
    """Fetches, verifies and caches status lists; safe to share between request threads."""

    source = "online"
    max_age_seconds: float | None = None
    """Status data older than this is stale (only a bundle sets it; online data is current)."""

    def __init__(self, trust: TrustStore, *, algorithms: tuple[str, ...],
                 default_ttl: float = 300, max_lists: int = 256, timeout: float = 5.0,
                 retry_seconds: float = 10.0, now: Clock = time.monotonic,
                 wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.trust = trust
        self.algorithms = algorithms
        self.default_ttl = default_ttl
        self.max_lists = max_lists
        self.retry_seconds = retry_seconds
        self._wall = wall_clock
        self._http = httpx.Client(timeout=timeout, follow_redirects=False,
                                  headers={"Accept-Encoding": "identity"})
        self._lists: TTLCache[StatusList] = TTLCache(clock=now, max_entries=max_lists)
        self._details: TTLCache[StatusDetails] = TTLCache(clock=now, max_entries=max_lists)

    @classmethod
    def from_settings(cls, settings: VerifierSettings, trust: TrustStore, *,
                      now: Clock = time.monotonic) -> StatusLists:
        return cls(trust, algorithms=tuple(settings.algorithms),
                   default_ttl=settings.status_default_ttl_seconds,
                   max_lists=settings.status_cache_lists,
                   timeout=settings.http_timeout_seconds, now=now)

    def close(self) -> None:
        self._http.close()

    def get(self, url: str, *, trusted: TrustedIssuer, now: datetime) -> StatusList:
        """The verified list at ``url``, from the cache while its ``ttl`` lasts and its
        ``validUntil`` holds; raises a ``StatusError`` carrying the W3C code."""
        if not trusted.covers_status_list(url):
            raise sl.StatusVerificationError(
                f"the status list {url} is not on {trusted.origin}, where {trusted.name} "
                "publishes; this verifier fetches lists only from the trusted issuer's origin")
        status_list = self._cached(url, now)
        if status_list is None:
            guard_fetch(url)
            with self._lists.lock(url):
                status_list = self._cached(url, now) or self._load(url, trusted)
        self._check_current(status_list, now)
        return status_list

    def details(self, credential_id: object, *, trusted: TrustedIssuer, now: datetime
                ) -> StatusDetails | None:
        """The issuer's ``{credential id}/status``, or None if it cannot be had."""
        if not isinstance(credential_id, str) or not trusted.covers_status_list(credential_id):
            return None
        url = credential_id.rstrip("/") + "/status"
        details = self._details.get(url)
        if details is not None or self._details.failure(url) is not None:
            return details
        guard_fetch(url)
        try:
            details = _parse_details(self._read(url, MAX_DETAILS_BYTES, "application/json",
                                                what="the certificate's status"))
        except sl.StatusError as err:  # the reason is a courtesy; the signed list has given
            self._details.put_failure(url, err, retry=self.retry_seconds)  # the verdict
            return None
        self._details.put(url, details, ttl=self.default_ttl)
        return details

    # -- hooks a bundle overrides --------------------------------------------------------------
    def _fetch(self, url: str) -> tuple[str, datetime]:
        """The list token at ``url`` and when it was fetched."""
        body = self._read(url, MAX_LIST_BYTES, LIST_MEDIA_TYPES, what="the status list")
        try:
            return body.decode("ascii").strip(), self._wall()
        except UnicodeDecodeError as err:
            raise sl.StatusVerificationError(f"the status list at {url} is not a compact JWS "
                                             "(vc+jwt)") from err

    def _judged_at(self, status_list: StatusList, now: datetime) -> datetime:
        return now

    def _ttl(self, credential: Mapping[str, Any]) -> float:
        return sl.ttl_seconds_of(credential, default=self.default_ttl)

    # -- internals -------------------------------------------------------------------------------
    def _cached(self, url: str, now: datetime) -> StatusList | None:
        """The cached list while fresh, else None; a failure still remembered is raised again."""
        status_list = self._lists.get(url)  # past its validUntil, a fresh copy may be current
        if status_list is not None and not _expired(status_list,
                                                    self._judged_at(status_list, now)):
            return status_list
        failure = self._lists.failure(url)
        if failure is not None:
            raise type(failure)(failure.detail, hint=failure.hint)
        return None

    def _load(self, url: str, trusted: TrustedIssuer) -> StatusList:
        try:
            token, fetched_at = self._fetch(url)
            status_list = self.verify(url, token, trusted=trusted, fetched_at=fetched_at)
        except sl.StatusError as err:
            self._lists.put_failure(url, err, retry=self.retry_seconds)
            raise
        self._lists.put(url, status_list, ttl=self._ttl(status_list.credential))
        return status_list

    def verify(self, url: str, token: str, *, trusted: TrustedIssuer, fetched_at: datetime
               ) -> StatusList:
        """Verify a list token as a vc+jwt of ``trusted`` (W3C §3.2 step 2)."""
        try:
            verified = verify_jws(
                token, algorithms=self.algorithms, max_length=MAX_LIST_BYTES,
                resolve_key=lambda header: self.trust.signing_key(trusted, header.get("kid")))
            credential = parse_payload(verified.payload)
            verified.key.window.check(verified.key.kid, credential.get("iat"))
        except UpstreamUnavailable as err:
            raise sl.StatusRetrievalError(f"the keys to check the status list at {url} cannot "
                                          f"be fetched: {err.detail}", hint=RETRY_HINT) from err
        except CredentialRejected as err:
            raise sl.StatusVerificationError(f"the status list at {url} does not verify as "
                                             f"{trusted.name}'s: {err.detail}") from err
        try:
            vc.check_data_model(credential)
            issued_at, _until = vc.validity_window(credential)
        except CredentialRejected as err:
            raise sl.MalformedStatus(f"the status list at {url} is not a valid VC 2.0 "
                                     f"credential: {err.detail}") from err
        issuer = vc.issuer_of(credential)
        if not trusted.matches(issuer):
            raise sl.StatusVerificationError(f"the status list at {url} is issued by {issuer}, "
                                             f"not by {trusted.name}")
        return StatusList(url, credential, issuer, fetched_at, issued_at)

    def _check_current(self, status_list: StatusList, now: datetime) -> None:
        moment = self._judged_at(status_list, now)
        start, end = vc.validity_window(status_list.credential)
        if start is not None and moment < start - CLOCK_SKEW:
            raise sl.StatusVerificationError(f"the status list at {status_list.url} is valid "
                                             f"only from {vc.time_for_people(start)}")
        if end is not None and moment > end:
            raise sl.StatusVerificationError(f"the status list at {status_list.url} expired at "
                                             f"{vc.time_for_people(end)}", hint=RETRY_HINT)

    def _read(self, url: str, max_bytes: int, accept: str, *, what: str) -> bytes:
        return read_status(self._http, url, max_bytes=max_bytes, accept=accept, what=what)


def _expired(status_list: StatusList, now: datetime) -> bool:
    _start, end = vc.validity_window(status_list.credential)
    return end is not None and now > end


def _parse_details(body: bytes) -> StatusDetails:
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError) as err:
        raise sl.MalformedStatus("the certificate's status document is not JSON") from err
    if not isinstance(document, dict) or document.get("state") not in (
            "active", "revoked", "suspended"):
        raise sl.MalformedStatus("the certificate's status document has no known state")

    def text(name: str) -> str | None:
        value = document.get(name)
        return value[:500] if isinstance(value, str) and value else None

    return StatusDetails(document["state"], text("reason"), text("reasonText"), text("since"),
                         text("until"), text("replacedBy"))


def read_status(http: httpx.Client, url: str, *, max_bytes: int, accept: str, what: str
                ) -> bytes:
    """A status list or status document; every failure is ``STATUS_RETRIEVAL_ERROR``."""
    return read_capped(http, url, max_bytes=max_bytes, what=what, accept=accept,
                       error=sl.StatusRetrievalError, hint=RETRY_HINT)
