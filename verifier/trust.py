"""Who the verifier trusts, and their public keys, fetched from each issuer's JWKS and cached.

Like PyJWT's ``PyJWKClient`` + ``JWKSetCache`` (``jwt/jwks_client.py:get_signing_key``): keys are
cached per ``jwks_uri`` for ``cache_seconds``; a ``kid`` the cached set lacks triggers a refetch at
once (the issuer may have just rotated). Refetches are coalesced, one in flight per ``jwks_uri``
with the other lookups waiting for its answer, and spaced at least ``refetch_spacing`` apart, so
random ``kid`` values cannot make us hammer the issuer. A ``kid`` is only ever *unknown*
(``UnknownKey``, Not genuine) when a JWKS fetch begun after the lookup started lacks it; when the
refetch fails or is held back by the spacing the answer is ``KeyNotYetKnown`` (Cannot check). A
failed fetch is remembered for ``refresh_seconds``. Keys embedded in a token (``jwk``, ``x5c``) are
never used (VC-JOSE-COSE §3.3, RFC 8725 §3.10).

Inside ``cache_only()`` the store answers from fresh cached keys or raises ``FetchNeeded``, never
blocking, so the service can verify on its event loop and hop to a thread only to fetch.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from keys.jwk import VerificationKey, parse_jwks
from schemas.errors import KeyNotYetKnown, UnknownKey, UntrustedIssuer, UpstreamUnavailable
from verifier.cache import TTLCache
from verifier.fetch import read_capped
from verifier.settings import TrustedIssuer, VerifierSettings

MAX_JWKS_BYTES = 256 * 1024
RETRY_HINT = "try again later; the certificate has not been judged either way"
NEW_KEY_HINT = ("send it again in a moment: the issuer may have just published this key; the "
                "certificate has not been judged either way")
Clock = Callable[[], float]
"""Seconds on a monotonic scale; tests pass a clock they can move forward."""
_cache_only: ContextVar[bool] = ContextVar("pramaan_trust_cache_only", default=False)


class FetchNeeded(Exception):
    """The answer needs a fetch (blocking I/O), refused inside ``cache_only()``; not a
    ``PramaanError``, so it is never reported as a check's outcome."""


@contextmanager
def cache_only() -> Iterator[None]:
    """Answer from fresh cached keys only, raising ``FetchNeeded`` instead of fetching or waiting
    on another thread's fetch."""
    token = _cache_only.set(True)
    try:
        yield
    finally:
        _cache_only.reset(token)


def guard_fetch(uri: str) -> None:
    """Call before any blocking fetch: raises ``FetchNeeded`` inside ``cache_only()``."""
    if _cache_only.get():
        raise FetchNeeded(uri)


@dataclass(frozen=True)
class _KeySet:
    keys: Mapping[str, VerificationKey]
    fetch: int
    """The number of the fetch (of its ``jwks_uri``) that read it, counting from 1."""


class TrustStore:
    """The trusted issuers and their cached JWKS; safe to share between request threads."""

    def __init__(self, issuers: Iterable[TrustedIssuer], *, cache_seconds: float = 300,
                 refresh_seconds: float = 30, refetch_spacing: float = 1.0,
                 timeout: float = 5.0, now: Clock = time.monotonic) -> None:
        # Longest prefix first, so a more specific entry wins over a broader one.
        self.issuers = tuple(sorted(issuers, key=lambda i: len(i.issuer), reverse=True))
        self.cache_seconds = cache_seconds
        self.refresh_seconds = refresh_seconds
        self.refetch_spacing = refetch_spacing
        self._http = httpx.Client(timeout=timeout, follow_redirects=False,
                                  headers={"Accept": "application/jwk-set+json, application/json",
                                           "Accept-Encoding": "identity"})
        self._cache: TTLCache[_KeySet] = TTLCache(clock=now)
        self._now = now
        self._fetches: dict[str, int] = {}  # fetches begun per jwks_uri, counted under its lock
        self._refetched_at: dict[str, float] = {}  # the last refetch for an unknown kid, per uri

    @classmethod
    def from_settings(cls, settings: VerifierSettings, *, now: Clock = time.monotonic
                      ) -> TrustStore:
        return cls(settings.trusted_issuers, cache_seconds=settings.jwks_cache_seconds,
                   refresh_seconds=settings.jwks_refresh_seconds,
                   refetch_spacing=settings.jwks_refetch_spacing_seconds,
                   timeout=settings.http_timeout_seconds, now=now)

    def close(self) -> None:
        self._http.close()

    def trusted_issuer(self, issuer: str, *, now: datetime | None = None) -> TrustedIssuer:
        """The configuration entry covering ``issuer``, else ``UntrustedIssuer``. ``now`` is for
        a store whose issuers change over time (``verifier.trust_list.ListedTrustStore``)."""
        for entry in self.issuers:
            if entry.matches(issuer):
                return entry
        raise UntrustedIssuer(f"issuer {issuer} is not on this verifier's list of trusted "
                              "issuers", issuer=issuer,
                              hint="only certificates of the councils this verifier is "
                                   "configured for can be checked here")

    def signing_key(self, issuer: TrustedIssuer, kid: object) -> VerificationKey:
        """The issuer's published key named ``kid``; if the cached set lacks it, the set as a fetch
        begun since this lookup started reads it (``KeyNotYetKnown`` when there is none)."""
        if not isinstance(kid, str) or not kid:
            raise UnknownKey("the token's header names no key (kid)", kid=None)
        asked = self._fetches.get(issuer.jwks_uri, 0)
        keys = self._keys(issuer.jwks_uri, max_age=self.cache_seconds)
        if kid not in keys:  # perhaps rotated since we cached the set
            keys = self._refetched(issuer.jwks_uri, kid, asked=asked)
        if kid not in keys:
            raise UnknownKey(f"{issuer.name} publishes no key {kid}", kid=kid,
                             hint="the certificate was not signed by a key this issuer "
                                  "publishes; it may be forged")
        return keys[kid]

    def _keys(self, uri: str, *, max_age: float) -> Mapping[str, VerificationKey]:
        cached = self._cache.get(uri, max_age=max_age)
        if cached is not None:
            return cached.keys
        guard_fetch(uri)
        with self._cache.lock(uri):  # one fetch at a time; a waiting thread may find it done
            cached = self._cache.get(uri, max_age=max_age)
            if cached is not None:
                return cached.keys
            failure = self._cache.failure(uri)
            if failure is not None:
                raise UpstreamUnavailable(failure.detail, hint=RETRY_HINT)
            return self._fetch(uri).keys

    def _refetched(self, uri: str, kid: str, *, asked: int) -> Mapping[str, VerificationKey]:
        """The keys as read by a fetch of ``uri`` numbered above ``asked`` (so begun after the
        lookup for ``kid`` started): this one's, or the one in flight it waits for, coalesced.

        Only such a set may say that ``kid`` does not exist. Without one (the fetch failed, or
        the last refetch for an unknown ``kid`` was less than ``refetch_spacing`` ago) it raises
        ``KeyNotYetKnown``.
        Inside ``cache_only()`` it answers without blocking or raises ``FetchNeeded``.
        """
        lock = self._cache.lock(uri)
        if _cache_only.get():
            # a fetch in flight is waited for on a thread
            settled = None if lock.locked() else self._refetch_settled(uri, kid, asked=asked)
            if settled is None:
                raise FetchNeeded(uri)
            return settled
        with lock:  # bounded by the HTTP timeout of the fetch in flight, if any
            settled = self._refetch_settled(uri, kid, asked=asked)
            if settled is not None:
                return settled
            self._refetched_at[uri] = self._now()
            try:
                return self._fetch(uri).keys
            except UpstreamUnavailable as err:
                raise KeyNotYetKnown(f"key {kid} is not among the keys cached from {uri}, "
                                     f"and fetching them again failed: {err.detail}",
                                     kid=kid, hint=NEW_KEY_HINT) from err

    def _refetch_settled(self, uri: str, kid: str, *, asked: int
                         ) -> Mapping[str, VerificationKey] | None:
        """The refetch's answer without fetching, or ``None`` when a fetch is to be made."""
        cached = self._cache.get(uri)
        if cached is not None and (cached.fetch > asked or kid in cached.keys):
            return cached.keys  # fetched since the lookup began, or since it read the cache
        failure = self._cache.failure(uri)
        if failure is not None:
            raise KeyNotYetKnown(f"key {kid} is not among the keys cached from {uri}, and "
                                 f"fetching them again failed: {failure.detail}", kid=kid,
                                 hint=NEW_KEY_HINT)
        if self._now() - self._refetched_at.get(uri, -math.inf) < self.refetch_spacing:
            raise KeyNotYetKnown(f"key {kid} is not among the keys fetched from {uri} a moment "
                                 "ago; they are fetched again for an unknown key at most once "
                                 f"every {self.refetch_spacing:g} s", kid=kid, hint=NEW_KEY_HINT)
        return None

    def _fetch(self, uri: str) -> _KeySet:
        """Fetch and cache ``uri``'s keys; the caller holds ``uri``'s lock."""
        number = self._fetches[uri] = self._fetches.get(uri, 0) + 1
        try:
            keys = _KeySet(parse_jwks(fetch_jwks(uri, self._http)), number)
        except UpstreamUnavailable as err:
            self._cache.put_failure(uri, err, retry=self.refresh_seconds)
            raise
        self._cache.put(uri, keys, ttl=self.cache_seconds)
        return keys


def fetch_jwks(uri: str, http: httpx.Client) -> Any:
    """The JSON document at ``uri``, at most ``MAX_JWKS_BYTES``; every failure is upstream's."""
    data = read_capped(http, uri, max_bytes=MAX_JWKS_BYTES, what="the issuer's JWKS",
                       error=UpstreamUnavailable, accept="application/json", hint=RETRY_HINT)
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, ValueError) as err:
        raise UpstreamUnavailable(f"the JWKS at {uri} is not JSON") from err
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise UpstreamUnavailable(f"the JWKS at {uri} is not an object with a 'keys' list")
    return document
