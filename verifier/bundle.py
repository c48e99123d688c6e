"""Offline verification from a trust bundle: each trusted issuer's JWKS and status lists, dated.

``verifier sync`` writes the bundle while online (``sync``); ``verifier check --offline`` then
verifies with it alone (``offline_sources``), with no network at all. The status list tokens stay
signed and are verified again when used, so the bundle's lists cannot be altered unnoticed; the
JWKS it carries are trusted as a pinned copy, like ``--jwks-file``. Offline, a list is judged at
the time it was fetched (its ``validUntil`` is usually soon after), and every result says how old
the status data is; beyond ``bundle_max_age_seconds`` it no longer counts (``status.stale``).

The file (JSON, ``"format": "pramaan-verifier-bundle/1"``)::

    {"format": "pramaan-verifier-bundle/1", "created_at": "<ISO datetime>",
     "issuers": [{"issuer", "jwks_uri", "name", "status_index_uri", "jwks": {...},
                  "fetched_at": "<ISO datetime>"}],
     "status_lists": {"<list URL>": {"token": "<vc+jwt>", "fetched_at": "<ISO datetime>"}},
     "trust_list": "<trust-list+jwt>"}

``trust_list`` is present when the bundle was synced from the anchor's signed list
(``docs/trust.md``): offline, with ``PRAMAAN_VERIFIER_TRUST_ANCHOR_JWKS`` set, the list is verified
again and decides who is trusted (within its ``exp``), as online.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from pydantic import ValidationError

from keys.jwk import VerificationKey, parse_jwks
from schemas import credential as vc
from schemas import status_list as sl
from schemas.errors import (
    InvalidRequest,
    TrustListInvalid,
    TrustListStale,
    UnknownKey,
    UnreadableInput,
    UpstreamUnavailable,
)
from verifier.settings import TrustedIssuer, VerifierSettings
from verifier.status_lists import (
    MAX_LIST_BYTES,
    StatusDetails,
    StatusList,
    StatusLists,
    read_status,
)
from verifier.trust import TrustStore, fetch_jwks
from verifier.trust_list import (
    LoadedList,
    check_not_expired,
    listed_entry,
    load_anchor_keys,
    verify_trust_list,
)

BUNDLE_FORMAT = "pramaan-verifier-bundle/1"
MAX_BUNDLE_BYTES = 256 * 1024 * 1024
MAX_INDEX_BYTES = 1024 * 1024
MAX_LISTS_PER_ISSUER = 10_000
SYNC_HINT = "run `verifier sync --out FILE` while online"


@dataclass(frozen=True)
class BundledIssuer:
    entry: TrustedIssuer
    jwks: Mapping[str, Any]
    fetched_at: datetime


@dataclass(frozen=True)
class BundledList:
    token: str
    fetched_at: datetime


@dataclass(frozen=True)
class Bundle:
    created_at: datetime
    issuers: tuple[BundledIssuer, ...]
    lists: Mapping[str, BundledList]
    trust_list: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": BUNDLE_FORMAT, "created_at": self.created_at.isoformat(),
            "issuers": [{**i.entry.model_dump(mode="json"), "jwks": i.jwks,
                         "fetched_at": i.fetched_at.isoformat()} for i in self.issuers],
            "status_lists": {url: {"token": item.token, "fetched_at": item.fetched_at.isoformat()}
                             for url, item in self.lists.items()},
        } | ({"trust_list": self.trust_list} if self.trust_list else {})

    @classmethod
    def from_json(cls, document: Any) -> Bundle:
        """Read a bundle; any deviation from the format is ``UnreadableInput``."""
        if not isinstance(document, dict) or document.get("format") != BUNDLE_FORMAT:
            raise UnreadableInput(f"not a trust bundle ({BUNDLE_FORMAT})", hint=SYNC_HINT)
        try:
            issuers = tuple(
                BundledIssuer(TrustedIssuer(**{k: v for k, v in item.items()
                                               if k not in ("jwks", "fetched_at")}),
                              item["jwks"], _time(item["fetched_at"]))
                for item in document["issuers"])
            lists = {str(url): BundledList(str(item["token"]), _time(item["fetched_at"]))
                     for url, item in document["status_lists"].items()}
            trust_list = document.get("trust_list")
            if trust_list is not None and not isinstance(trust_list, str):
                raise TypeError("trust_list")
            return cls(_time(document["created_at"]), issuers, lists, trust_list)
        except (KeyError, TypeError, AttributeError, ValueError, ValidationError) as err:
            raise UnreadableInput(f"the trust bundle is damaged ({type(err).__name__})",
                                  hint=SYNC_HINT) from err


def _time(value: Any) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("a bundle time without a time zone")
    return moment


def load_bundle(path: Path) -> Bundle:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_BUNDLE_BYTES + 1)
    except OSError as err:
        raise UnreadableInput(f"the trust bundle {path} cannot be read: {err.strerror}",
                              hint=SYNC_HINT) from err
    if len(data) > MAX_BUNDLE_BYTES:
        raise UnreadableInput(f"the trust bundle {path} is larger than {MAX_BUNDLE_BYTES} bytes")
    try:
        return Bundle.from_json(json.loads(data))
    except (UnicodeDecodeError, ValueError) as err:
        raise UnreadableInput(f"the trust bundle {path} is not JSON", hint=SYNC_HINT) from err


def write_bundle(bundle: Bundle, path: Path) -> None:
    """Write atomically: a reader never sees half a bundle."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(bundle.to_json(), indent=1), "utf-8")
    os.replace(partial, path)


class BundleTrustStore(TrustStore):
    """Keys from the bundle (or a ``file://`` JWKS); never the network."""

    def __init__(self, issuers: Iterable[TrustedIssuer], *, documents: Mapping[str, Any],
                 listed: LoadedList | None = None) -> None:
        super().__init__(issuers)
        self._bundled = {uri: parse_jwks(document) for uri, document in documents.items()}
        self.listed = listed

    def trusted_issuer(self, issuer: str, *, now: datetime | None = None) -> TrustedIssuer:
        if self.listed is None:
            return super().trusted_issuer(issuer, now=now)
        if now is None:
            raise TrustListStale("the trust list is judged at a moment, and none was given")
        return listed_entry(check_not_expired(self.listed, now), issuer)

    def _keys(self, uri: str, *, max_age: float) -> Mapping[str, VerificationKey]:
        if uri in self._bundled:
            return self._bundled[uri]
        if uri.startswith("file:"):
            return super()._keys(uri, max_age=max_age)
        raise UpstreamUnavailable(f"offline, and the trust bundle holds no keys from {uri}",
                                  hint=SYNC_HINT + ", or give --jwks-file")

    def _refetched(self, uri: str, kid: str, *, asked: int) -> Mapping[str, VerificationKey]:
        if uri.startswith("file:") and uri not in self._bundled:
            return super()._refetched(uri, kid, asked=asked)  # a local file is read again
        return self._keys(uri, max_age=0)  # offline, the bundle is all there is


class BundleLists(StatusLists):
    """Status lists from the bundle, judged as of when they were fetched, never refetched."""

    source = "bundle"

    def __init__(self, trust: TrustStore, bundle: Bundle, *, algorithms: tuple[str, ...],
                 max_age_seconds: float | None) -> None:
        super().__init__(trust, algorithms=algorithms, max_lists=max(len(bundle.lists), 1))
        self.bundle = bundle
        self.max_age_seconds = max_age_seconds

    def _fetch(self, url: str) -> tuple[str, datetime]:
        item = self.bundle.lists.get(url)
        if item is None:
            raise sl.StatusRetrievalError(
                f"the status list at {url} is not in the trust bundle of "
                f"{vc.time_for_people(self.bundle.created_at)}", hint=SYNC_HINT)
        return item.token, item.fetched_at

    def _judged_at(self, status_list: StatusList, now: datetime) -> datetime:
        return status_list.fetched_at

    def _ttl(self, credential: Mapping[str, Any]) -> float:
        return math.inf

    def details(self, credential_id: object, *, trusted: TrustedIssuer, now: datetime
                ) -> StatusDetails | None:
        return None  # offline: the reason stays with the issuer


def offline_sources(settings: VerifierSettings) -> tuple[TrustStore, StatusLists | None]:
    """The trust store and status lists for ``settings.offline``: the bundle's, or, without a
    bundle, ``file://`` keys only and no status lists (status then ``status.unknown``)."""
    if settings.bundle is None:
        return BundleTrustStore(settings.trusted_issuers, documents={}), None
    bundle = load_bundle(settings.bundle)
    issuers = settings.trusted_issuers or [i.entry for i in bundle.issuers]
    listed = None
    if bundle.trust_list and settings.trust_anchor_jwks:
        try:
            listed = verify_trust_list(bundle.trust_list,
                                       anchor=load_anchor_keys(settings.trust_anchor_jwks),
                                       algorithms=tuple(settings.algorithms),
                                       now=bundle.created_at)
        except TrustListInvalid as err:
            raise UnreadableInput(f"the trust bundle's trust list does not verify: "
                                  f"{err.detail}", hint=SYNC_HINT) from err
    trust = BundleTrustStore(issuers, documents={i.entry.jwks_uri: i.jwks
                                                 for i in bundle.issuers}, listed=listed)
    return trust, BundleLists(trust, bundle, algorithms=tuple(settings.algorithms),
                              max_age_seconds=settings.bundle_max_age_seconds)


def sync(issuers: Sequence[TrustedIssuer], *, algorithms: Sequence[str], timeout: float,
         clock: Callable[[], datetime], trust_list: str | None = None
         ) -> tuple[Bundle, list[str]]:
    """Fetch each issuer's JWKS and every list its status index names; keep only lists that
    verify now. Returns the bundle and what went wrong (one line each). ``trust_list``, the
    verified signed list the issuers came from, is carried as is."""
    if not issuers:
        raise InvalidRequest("no trusted issuers to sync: set PRAMAAN_VERIFIER_TRUSTED_ISSUERS "
                             "or give --issuer with --jwks")
    problems: list[str] = []
    bundled: list[BundledIssuer] = []
    fetched: dict[str, tuple[BundledList, list[TrustedIssuer]]] = {}
    with httpx.Client(timeout=timeout, follow_redirects=False) as http:
        for entry in issuers:
            try:
                bundled.append(BundledIssuer(entry, fetch_jwks(entry.jwks_uri, http), clock()))
                urls = _index(entry, http)
            except (UpstreamUnavailable, sl.StatusError) as err:
                problems.append(f"{entry.name}: {err.detail}")
                continue
            for url in urls:
                if url in fetched:
                    fetched[url][1].append(entry)
                    continue
                try:
                    body = read_status(http, url, max_bytes=MAX_LIST_BYTES,
                                       accept="application/vc+jwt", what="the status list")
                    fetched[url] = (BundledList(body.decode("ascii").strip(), clock()), [entry])
                except (sl.StatusError, UnicodeDecodeError) as err:
                    problems.append(f"{entry.name}: {_detail(err)}")
    draft = Bundle(clock(), tuple(bundled), {url: item for url, (item, _) in fetched.items()},
                   trust_list)
    return _verified(draft, fetched, algorithms, problems), problems


def _index(entry: TrustedIssuer, http: httpx.Client) -> list[str]:
    url = entry.status_index()
    body = read_status(http, url, max_bytes=MAX_INDEX_BYTES, accept="application/json",
                       what="the status list index")
    try:
        urls = json.loads(body).get("statusLists")
    except (UnicodeDecodeError, ValueError, AttributeError) as err:
        raise sl.MalformedStatus(f"the status list index at {url} is not a JSON object") from err
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        raise sl.MalformedStatus(f"the status list index at {url} has no statusLists list")
    if len(urls) > MAX_LISTS_PER_ISSUER:
        raise sl.MalformedStatus(f"the status list index at {url} names more than "
                                 f"{MAX_LISTS_PER_ISSUER} lists")
    return [u for u in urls if entry.covers_status_list(u)]


def _verified(draft: Bundle, fetched: Mapping[str, tuple[BundledList, list[TrustedIssuer]]],
              algorithms: Sequence[str], problems: list[str]) -> Bundle:
    """Keep the lists that verify with the bundled keys, as they will be checked offline."""
    trust = BundleTrustStore([i.entry for i in draft.issuers],
                             documents={i.entry.jwks_uri: i.jwks for i in draft.issuers})
    lists = BundleLists(trust, draft, algorithms=tuple(algorithms), max_age_seconds=None)
    kept: dict[str, BundledList] = {}
    try:
        for url, (item, entries) in fetched.items():
            failure = ""
            for entry in entries:
                try:
                    lists.verify(url, item.token, trusted=entry, fetched_at=item.fetched_at)
                except (sl.StatusError, UnknownKey) as err:
                    failure = err.detail
                    continue
                kept[url] = item
                break
            else:
                problems.append(f"left out {url}: {failure}")
    finally:
        lists.close()
        trust.close()
    return Bundle(draft.created_at, draft.issuers, kept, draft.trust_list)


def _detail(err: Exception) -> str:
    return getattr(err, "detail", None) or f"not a compact JWS ({type(err).__name__})"
