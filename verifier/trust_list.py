"""Trust from the anchor's signed list of issuers (``docs/trust.md``), instead of configuration.

The verifier knows only the list's URL and the anchor's public key. ``TrustListSource`` fetches
the list, verifies it (``trust-list+jwt`` signed by the anchor, within its ``iat``..``exp``, not
older than the last good one) and, when the anchor cannot be reached or sends something that does
not verify, keeps the last good list until that list's own ``exp``, saying how old it is. With no
usable list at all the issuer check fails ``trust_list.stale``: *cannot check*, never Not genuine.

``ListedTrustStore`` is a ``TrustStore`` whose issuers are the list's entries; ``check_may_issue``
applies an entry's standing and certificate types to a credential.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from keys.jwk import VerificationKey, parse_jwks
from keys.signing import parse_payload, verify_jws
from schemas import trust_list as tl
from schemas.errors import (
    ConfigurationError,
    CredentialRejected,
    IssuerNotListed,
    IssuerRetired,
    IssuerSuspended,
    IssuerTypeNotAllowed,
    TrustListInvalid,
    TrustListStale,
    UnknownKey,
    UpstreamUnavailable,
)
from schemas.registry import Registry
from verifier.fetch import read_capped
from verifier.settings import TrustedIssuer, VerifierSettings
from verifier.status import describe_age
from verifier.trust import Clock, TrustStore, guard_fetch


@dataclass(frozen=True)
class LoadedList:
    """A verified trust list, its token (for the offline bundle) and its entries as the
    verifier's ``TrustedIssuer``, most specific first."""

    token: str
    trust_list: tl.TrustList
    entries: tuple[TrustedIssuer, ...]

    def age_text(self, now: datetime) -> str:
        return describe_age(max(0.0, (now - self.trust_list.issued_at).total_seconds()))


def describe_list(loaded: LoadedList, *, now: datetime, url: str) -> list[str]:
    """``verifier trust show``: the list's signer, dates and age, then one block per issuer."""
    listed = loaded.trust_list
    lines = [f"trust list {url}",
             (f"  signed by {listed.iss} on {listed.issued_at.isoformat()} "
              f"({loaded.age_text(now)} old), valid until {listed.expires_at.isoformat()}"),
             f"  {len(listed.issuers)} issuer(s):"]
    for issuer in listed.issuers:
        standing = issuer.standing + (f" from {issuer.retired_from.isoformat()}"
                                      if issuer.retired_from else "")
        lines += [f"  - {issuer.id}", f"    {issuer.name} / {issuer.name_hi}",
                  f"    standing: {standing}; may issue: {', '.join(issuer.certificate_types)}",
                  f"    keys: {issuer.jwks_uri}; status lists: {issuer.status_origin}"]
    return lines


def load_anchor_keys(value: str) -> Mapping[str, VerificationKey]:
    """The anchor's keys from inline JSON (a JWK or a JWKS) or from a file holding one."""
    text = value.strip()
    if not text.startswith("{"):
        try:
            text = Path(text).read_text("utf-8")
        except OSError as err:
            raise ConfigurationError(f"the trust anchor key file {value} cannot be read: "
                                     f"{err.strerror}") from err
    try:
        document = json.loads(text)
    except ValueError as err:
        raise ConfigurationError("PRAMAAN_VERIFIER_TRUST_ANCHOR_JWKS is not JSON") from err
    if isinstance(document, dict) and "keys" not in document:
        document = {"keys": [document]}
    try:
        keys = parse_jwks(document)
    except UnknownKey as err:
        raise ConfigurationError("PRAMAAN_VERIFIER_TRUST_ANCHOR_JWKS is not a JWK or JWKS") from err
    if not keys:
        raise ConfigurationError("PRAMAAN_VERIFIER_TRUST_ANCHOR_JWKS holds no usable public key",
                                 hint="give the anchor's public JWK (ES256, ES384 or EdDSA)")
    return keys


def verify_trust_list(token: str, *, anchor: Mapping[str, VerificationKey],
                      algorithms: tuple[str, ...], now: datetime) -> LoadedList:
    """Verify a trust list token against the anchor's keys at ``now``; ``TrustListInvalid``
    names what failed."""
    def resolve(header: Mapping[str, Any]) -> VerificationKey:
        key = anchor.get(str(header.get("kid")))
        if key is None:
            raise UnknownKey(f"the trust list is signed with key {header.get('kid')}, not the "
                             "anchor's", kid=header.get("kid"))
        return key

    try:
        verified = verify_jws(token, resolve_key=resolve, algorithms=algorithms,
                              types=(tl.TRUST_LIST_TYP,), cty=None,
                              max_length=tl.MAX_TRUST_LIST_BYTES)
        payload = parse_payload(verified.payload)
    except CredentialRejected as err:
        raise TrustListInvalid(f"the trust list does not verify: {err.detail}") from err
    trust_list = tl.parse_trust_list(payload)
    if now >= trust_list.expires_at:
        raise TrustListInvalid(f"the trust list expired at {trust_list.expires_at.isoformat()}")
    return LoadedList(token, trust_list, _entries(trust_list))


def _entries(trust_list: tl.TrustList) -> tuple[TrustedIssuer, ...]:
    try:
        entries = [TrustedIssuer(
            issuer=e.id, jwks_uri=e.jwks_uri, name=e.name, name_hi=e.name_hi,
            status_origin=e.status_origin, certificate_types=e.certificate_types,
            standing=e.standing, retired_from=e.retired_from) for e in trust_list.issuers]
    except ValueError as err:
        raise TrustListInvalid(f"the trust list has an unusable entry ({err})") from err
    return tuple(sorted(entries, key=lambda i: len(i.issuer), reverse=True))


class TrustListSource:
    """The current trust list: fetched at most every ``refresh_seconds`` (also after a
    failure), the last good one kept while it is within its ``exp``."""

    def __init__(self, url: str, *, anchor: Mapping[str, VerificationKey],
                 algorithms: tuple[str, ...], refresh_seconds: float = 300,
                 timeout: float = 5.0, clock: Clock = time.monotonic) -> None:
        self.url = url
        self.anchor = anchor
        self.algorithms = algorithms
        self.refresh_seconds = refresh_seconds
        self._clock = clock
        self._http = httpx.Client(timeout=timeout, follow_redirects=False, headers={
            "Accept": "application/jwt, */*", "Accept-Encoding": "identity"})
        self._lock = threading.Lock()
        self._attempted: float | None = None
        self.good: LoadedList | None = None
        self.failure: str | None = None

    @classmethod
    def from_settings(cls, settings: VerifierSettings, *, clock: Clock = time.monotonic
                      ) -> TrustListSource:
        assert settings.trust_list_url is not None and settings.trust_anchor_jwks is not None
        return cls(settings.trust_list_url, anchor=load_anchor_keys(settings.trust_anchor_jwks),
                   algorithms=tuple(settings.algorithms),
                   refresh_seconds=settings.trust_list_refresh_seconds,
                   timeout=settings.http_timeout_seconds, clock=clock)

    def close(self) -> None:
        self._http.close()

    def current(self, now: datetime) -> LoadedList:
        """The list to judge by at ``now``, refreshed if due; ``TrustListStale`` if none."""
        if self._due():
            guard_fetch(self.url)
            with self._lock:
                if self._due():
                    self._refresh(now)
        good = self.good
        if good is None:
            raise TrustListStale(f"no trust list could be loaded from {self.url}: {self.failure}",
                                 hint="try again later; the certificate has not been judged")
        if now >= good.trust_list.expires_at:
            raise TrustListStale(
                f"the last good trust list expired at {good.trust_list.expires_at.isoformat()} "
                f"and a new one could not be loaded: {self.failure}",
                hint="try again later; the certificate has not been judged")
        return good

    def _due(self) -> bool:
        return self._attempted is None or self._clock() - self._attempted >= self.refresh_seconds

    def _refresh(self, now: datetime) -> None:
        self._attempted = self._clock()
        try:
            loaded = verify_trust_list(self._read(), anchor=self.anchor,
                                       algorithms=self.algorithms, now=now)
            if self.good is not None and loaded.trust_list.issued_at < (
                    self.good.trust_list.issued_at):
                raise TrustListInvalid("the fetched trust list is older than the last good one "
                                       "(a replayed list)")
        except UpstreamUnavailable as err:
            self.failure = err.detail
            return
        self.good, self.failure = loaded, None

    def _read(self) -> str:
        data = read_capped(self._http, self.url, max_bytes=tl.MAX_TRUST_LIST_BYTES,
                           what="the trust list", error=UpstreamUnavailable,
                           too_large=TrustListInvalid)
        try:
            return data.decode("ascii").strip()
        except UnicodeDecodeError as err:
            raise TrustListInvalid("the trust list is not a compact JWS") from err


class ListedTrustStore(TrustStore):
    """A trust store whose issuers are the trust list's entries, not configuration."""

    def __init__(self, source: TrustListSource, **options: Any) -> None:
        super().__init__((), **options)
        self.source = source

    @classmethod
    def from_settings(cls, settings: VerifierSettings, *, now: Clock = time.monotonic
                      ) -> ListedTrustStore:
        return cls(TrustListSource.from_settings(settings, clock=now),
                   cache_seconds=settings.jwks_cache_seconds,
                   refresh_seconds=settings.jwks_refresh_seconds,
                   timeout=settings.http_timeout_seconds, now=now)

    def close(self) -> None:
        super().close()
        self.source.close()

    def trusted_issuer(self, issuer: str, *, now: datetime | None = None) -> TrustedIssuer:
        if now is None:
            raise TrustListStale("the trust list is judged at a moment, and none was given")
        return listed_entry(self.source.current(now), issuer)


def listed_entry(loaded: LoadedList, issuer: str) -> TrustedIssuer:
    """The list's entry covering ``issuer`` (most specific first), else ``IssuerNotListed``."""
    for entry in loaded.entries:
        if entry.matches(issuer):
            return entry
    listed = loaded.trust_list
    raise IssuerNotListed(f"issuer {issuer} is not on the trust list signed by {listed.iss} "
                          f"on {listed.issued_at.date().isoformat()}", issuer=issuer,
                          hint="do not accept it; the state's list of trusted issuers does "
                               "not name this issuer")


def check_not_expired(loaded: LoadedList, now: datetime) -> LoadedList:
    if now >= loaded.trust_list.expires_at:
        raise TrustListStale(f"the trust list expired at "
                             f"{loaded.trust_list.expires_at.isoformat()}",
                             hint="sync a new trust bundle, or check online")
    return loaded


def check_may_issue(entry: TrustedIssuer, credential: Mapping[str, Any], registry: Registry
                    ) -> None:
    """A listed issuer's standing and allowed types applied to ``credential`` (its unverified
    payload: only ever a reason to refuse, and the signature is checked after)."""
    if entry.standing == tl.SUSPENDED:
        raise IssuerSuspended(f"the trust list marks {entry.name} suspended", issuer=entry.issuer)
    if entry.certificate_types is not None:
        types = credential.get("type")
        cert_type = registry.certificate_type_by_vc_type(
            t for t in types if isinstance(t, str)) if isinstance(types, list) else None
        if cert_type is not None and cert_type.id not in entry.certificate_types:
            raise IssuerTypeNotAllowed(
                f"the trust list does not allow {entry.name} to issue {cert_type.title} "
                f"certificates (only {', '.join(entry.certificate_types)})",
                issuer=entry.issuer, certificate_type=cert_type.id)
    if entry.standing == tl.RETIRED and entry.retired_from is not None:
        issued = credential.get("iat")
        if (isinstance(issued, bool) or not isinstance(issued, (int, float))
                or issued >= entry.retired_from.timestamp()):
            raise IssuerRetired(
                f"{entry.name} was retired from the trust list on "
                f"{entry.retired_from.isoformat()}, and this certificate was issued "
                + ("then or later" if isinstance(issued, (int, float)) else "at no stated time"),
                issuer=entry.issuer, retired_from=entry.retired_from)


def listing_note(trust: TrustStore, now: datetime) -> str:
    """What the issuer check adds about the list it judged by: its date and age, and that it is
    the last good one when the anchor could not be reached."""
    if not isinstance(trust, ListedTrustStore) or trust.source.good is None:
        return ""
    good, failure = trust.source.good, trust.source.failure
    note = (f" on the trust list of {good.trust_list.issued_at.isoformat()} "
            f"({good.age_text(now)} old)")
    if failure:
        note += f", the last good one: a new list could not be loaded ({failure})"
    return note
