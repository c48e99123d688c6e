"""Revocation and suspension: the W3C Bitstring Status List check (§3.2), online or from a bundle.

For each ``BitstringStatusListEntry`` of a verified credential the list URL must lie on the trusted
issuer's origin (``TrustedIssuer.covers_status_list``); the list credential is fetched (size cap,
timeout, no redirects, no content-encoding) and verified as a vc+jwt with the same issuer's
published keys: allow-listed ``alg``, ``typ``, known ``kid``, the key's signing window, the
signature; its issuer must be the credential's, its ``validFrom``/``validUntil`` must hold, its
purpose must be the entry's and it must have at least 131,072 entries. The bit is then read
MSB-first. Lists are cached for their ``ttl`` (bounded, ``schemas.status_list.ttl_seconds_of``) on
an injectable monotonic clock, like the JWKS in ``trust.py``.

The verdict is the signed list's alone. When a bit is set, the issuer's public, unsigned
``{credential id}/status`` adds the reason and dates a bitstring cannot carry.

A credential without entries is the one advisory case (``status.none``); a status that could not be
established (a list error, or no way to fetch lists) always makes the credential unverified.
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
from schemas.http import join_capped
from verifier.cache import TTLCache
from verifier.settings import TrustedIssuer, VerifierSettings
from verifier.trust import RETRY_HINT, Clock, TrustStore, guard_fetch

MAX_LIST_BYTES = 2 * 1024 * 1024
"""A list token is at most this long: a 1 Mi-entry list of random bits, base64url, fits."""
MAX_DETAILS_BYTES = 16 * 1024
NO_STATUS = "status.none"
STATUS_UNKNOWN = "status.unknown"
STATUS_STALE = "status.stale"
REVOKED_CODE = "credential.revoked"
SUSPENDED_CODE = "credential.suspended"
LIST_MEDIA_TYPES = "application/vc+jwt, application/vc"
CLOCK_SKEW = timedelta(minutes=5)
"""A list signed on request can carry a ``validFrom`` a moment after the verifier read its clock,
or the issuer's clock may run ahead: tolerated this much."""
EVALUATED = {"revocation": "revoked", "suspension": "suspended"}
"""The purposes whose set bit invalidates a credential; ``refresh``/``message`` are not read."""


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
class StatusReport:
    """The status check's outcome and its facts: what was found, from where, and how old."""

    ok: bool | None
    code: str
    detail: str
    state: str
    """``active``, ``revoked``, ``suspended``, ``unknown`` (not established) or ``none``."""
    reason: str | None = None
    reason_text: str | None = None
    since: str | None = None
    until: str | None = None
    replaced_by: str | None = None
    source: str | None = None
    """``online`` or ``bundle``: where the status lists came from."""
    as_of: datetime | None = None
    """When the oldest list used was issued (its signed ``validFrom``, else when fetched)."""
    fetched_at: datetime | None = None
    age_seconds: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "reason": self.reason, "reasonText": self.reason_text,
                "since": self.since, "until": self.until, "replacedBy": self.replaced_by,
                "source": self.source,
                "asOf": self.as_of.isoformat() if self.as_of else None,
                "fetchedAt": self.fetched_at.isoformat() if self.fetched_at else None,
                "ageSeconds": self.age_seconds}


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
                                             f"only from {start.isoformat()}")
        if end is not None and moment > end:
            raise sl.StatusVerificationError(f"the status list at {status_list.url} expired at "
                                             f"{end.isoformat()}", hint=RETRY_HINT)

    def _read(self, url: str, max_bytes: int, accept: str, *, what: str) -> bytes:
        return read_capped(self._http, url, max_bytes=max_bytes, accept=accept, what=what)


def check_status(credential: Mapping[str, Any], *, trusted: TrustedIssuer,
                 lists: StatusLists | None, now: datetime) -> StatusReport:
    """The credential's status per its ``BitstringStatusListEntry`` entries (W3C §3.2).

    Revoked beats suspended, and a set bit beats a list error (it is definitive); otherwise any
    list error decides, with its W3C code. Never ``ok=True`` unless every entry was read.
    """
    try:
        entries = _entries(credential)
    except sl.StatusError as err:
        return StatusReport(False, err.code, err.detail, "unknown")
    if not entries:
        return StatusReport(None, NO_STATUS, "the credential carries no status list entry, so "
                            "its issuer offers no revocation check", "none")
    if lists is None:
        return StatusReport(False, STATUS_UNKNOWN, "the status could not be checked: offline "
                            "without a trust bundle (run `verifier sync` while online)",
                            "unknown")
    issuer = vc.issuer_of(credential)
    found: set[str] = set()
    used: list[StatusList] = []
    errors: list[sl.StatusError] = []
    for purpose, url, index in entries:
        try:
            status_list = lists.get(url, trusted=trusted, now=now)
            if status_list.issuer != issuer:
                raise sl.StatusVerificationError(
                    f"the status list at {url} is issued by {status_list.issuer}, not by the "
                    f"credential's issuer {issuer}")
            if sl.read_list_bit(status_list.credential, purpose=purpose, index=index):
                found.add(EVALUATED[purpose])
            used.append(status_list)
        except sl.StatusError as err:
            errors.append(err)
    return _report(credential, found, used, errors, trusted=trusted, lists=lists, now=now)


def _entries(credential: Mapping[str, Any]) -> list[tuple[str, str, int]]:
    status = credential.get("credentialStatus")
    if status is None:
        return []
    items = status if isinstance(status, list) else [status]
    if not all(isinstance(item, dict) for item in items):
        raise sl.MalformedStatus("credentialStatus must be an object or a list of objects")
    read = [sl.read_entry(item) for item in items if item.get("type") == sl.ENTRY_TYPE]
    return [entry for entry in read if entry[0] in EVALUATED]


def _report(credential: Mapping[str, Any], found: set[str], used: list[StatusList],
            errors: list[sl.StatusError], *, trusted: TrustedIssuer, lists: StatusLists,
            now: datetime) -> StatusReport:
    fetched_at = min((s.fetched_at for s in used), default=None)
    as_of = min((s.issued_at or s.fetched_at for s in used), default=None)
    age = max(0, int((now - as_of).total_seconds())) if as_of else None
    facts: dict[str, Any] = {"source": lists.source, "as_of": as_of, "fetched_at": fetched_at,
                             "age_seconds": age}
    freshness = _freshness(lists, as_of, age, fetched_at)
    state = "revoked" if "revoked" in found else "suspended" if found else None
    if state is not None:
        details = lists.details(credential.get("id"), trusted=trusted, now=now)
        if details is not None and details.state != state:
            details = None  # the signed bit decides; a disagreeing courtesy note is dropped
        code = REVOKED_CODE if state == "revoked" else SUSPENDED_CODE
        told = details or StatusDetails(state)
        return StatusReport(False, code, _why(state, details) + freshness, state,
                            reason=told.reason, reason_text=told.reason_text, since=told.since,
                            until=told.until, replaced_by=told.replaced_by, **facts)
    if errors:
        first = errors[0]
        return StatusReport(False, first.code, first.detail, "unknown", **facts)
    if lists.max_age_seconds is not None and age is not None and age > lists.max_age_seconds:
        limit = describe_age(lists.max_age_seconds)
        return StatusReport(False, STATUS_STALE, "the status data is too old to rely on: "
                            f"{freshness.strip('; ')}, over the {limit} allowed; run "
                            "`verifier sync` again", "unknown", **facts)
    return StatusReport(True, "ok", "neither revoked nor suspended" + freshness, "active",
                        **facts)


def _why(state: str, details: StatusDetails | None) -> str:
    text = f"the council has {state} this certificate"
    if details is None:
        return text + " (its reason is not available here)"
    if details.since:
        text += f" since {details.since}"
    if details.until:
        text += f", until {details.until}"
    reason = details.reason_text or details.reason
    text += f": {reason}" if reason else ""
    return text + (f"; replaced by {details.replaced_by}" if details.replaced_by else "")


def _freshness(lists: StatusLists, as_of: datetime | None, age: int | None,
               fetched_at: datetime | None) -> str:
    if as_of is None or age is None:
        return ""
    if lists.source == "bundle":
        synced = fetched_at.isoformat(timespec="seconds") if fetched_at else "?"
        return (f"; from the offline bundle (synced {synced}), status as of "
                f"{as_of.isoformat(timespec='seconds')}, {describe_age(age)} old")
    return f"; status list as of {as_of.isoformat(timespec='seconds')}, {describe_age(age)} old"


def describe_age(seconds: float) -> str:
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    count = int(seconds)
    return f"{count} second{'s' if count != 1 else ''}"


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


def read_capped(http: httpx.Client, url: str, *, max_bytes: int, accept: str, what: str) -> bytes:
    """GET ``url``: 200 only, no redirect, no content-encoding (a compressed body could inflate
    past any cap before we count it), at most ``max_bytes``; failures are
    ``STATUS_RETRIEVAL_ERROR``."""
    try:
        with http.stream("GET", url, headers={"Accept": accept,
                                              "Accept-Encoding": "identity"}) as response:
            if response.status_code != 200:
                raise sl.StatusRetrievalError(f"{what} at {url} cannot be retrieved: HTTP "
                                              f"{response.status_code}", hint=RETRY_HINT)
            if response.headers.get("content-encoding", "identity") != "identity":
                raise sl.StatusRetrievalError(f"{what} at {url} came with a content-encoding; "
                                              "this verifier accepts identity only")
            return join_capped(response.iter_raw(), limit=max_bytes, error=lambda: (
                sl.StatusRetrievalError(f"{what} at {url} is larger than {max_bytes} bytes")))
    except httpx.HTTPError as err:
        raise sl.StatusRetrievalError(f"{what} at {url} cannot be reached "
                                      f"({type(err).__name__})", hint=RETRY_HINT) from err
