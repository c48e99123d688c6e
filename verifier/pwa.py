"""The installable, offline verifier page (``docs/offline.md``): its manifest, service worker,
in-browser checking modules and the data a browser caches to verify with no network.

The browser can reach only this verifier (the page's CSP allows ``connect-src 'self'``), so
``GET /v/offline-data`` hands it what ``verifier sync`` writes for ``verifier check --offline``:
each trusted issuer's JWKS and its status lists, still signed, and the anchor's signed trust list
with the anchor's public key when one is configured. The browser checks every signature again
(``static/offline/verify.js``); the JWKS are a pinned copy, exactly as in the CLI's bundle. The
answer is built at most once per the shortest status-list ``ttl`` and shared by every client.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from keys.signing import MAX_TOKEN_LENGTH
from schemas import qr_payload
from schemas import status_list as sl
from schemas.errors import NotFound
from schemas.registry import Registry
from verifier.bundle import Bundle, sync
from verifier.checks import read_unverified_payload
from verifier.http import get_state, json_response
from verifier.settings import TrustedIssuer, VerifierSettings
from verifier.trust_list import ListedTrustStore
from verifier.web import ASSETS, PAGE, SECURITY_HEADERS, STATIC, asset

OFFLINE_FORMAT = "pramaan-offline/1"
_JS = "text/javascript; charset=utf-8"
OFFLINE_FILES = {
    "qr.js": ("offline/qr.js", _JS),
    "jws.js": ("offline/jws.js", _JS),
    "verify.js": ("offline/verify.js", _JS),
    "credential.js": ("offline/credential.js", _JS),
    "status.js": ("offline/status.js", _JS),
    "verdict.js": ("offline/verdict.js", _JS),
    "store.js": ("offline/store.js", _JS),
    "page.js": ("offline/page.js", _JS),
    "fflate.js": ("vendor/fflate.js", _JS),
    "icon-192.png": ("icons/icon-192.png", "image/png"),
    "icon-512.png": ("icons/icon-512.png", "image/png"),
}
"""``/v/offline/{name}``: the offline modules, fflate and the icons, an allow-list of files
under ``static/`` (as ``web.ASSETS``), so no path ever reaches the file system."""

router = APIRouter(include_in_schema=False)


@cache
def _read(name: str) -> bytes:
    return (STATIC / name).read_bytes()


def _headers(cache_control: str) -> dict[str, str]:
    return {**SECURITY_HEADERS, "Cache-Control": cache_control}


@router.get("/v/sw.js")
def service_worker() -> Response:
    """The service worker, scoped to ``/v`` (the page itself, its assets and nothing of the
    issuer's); ``no-cache`` so that a new version is seen on the next visit."""
    return Response(service_worker_body(), media_type="text/javascript; charset=utf-8",
                    headers={**_headers("no-cache"), "Service-Worker-Allowed": "/v"})


def shell_paths() -> list[str]:
    """What the installed app keeps at once: the page and every file it may load, from the same
    allow-lists that serve them, so a file added to the page is never missing offline; but the
    fonts, which it keeps on first use (``on_first_use_paths``)."""
    return ["/v", "/v/manifest.webmanifest",
            *(f"/v/assets/{name}" for name in ASSETS if not name.startswith("fonts/")),
            *(f"/v/offline/{name}" for name in OFFLINE_FILES), "/v/offline/qr-dictionary-v1.txt"]


def on_first_use_paths() -> list[str]:
    """The Devanagari fonts: two thirds of the page's bytes, loaded only for Hindi text."""
    return [f"/v/assets/{name}" for name in ASSETS if name.startswith("fonts/")]


@cache
def service_worker_body() -> bytes:
    """``sw.js`` with its shell list and a version that changes whenever one of those files
    does (a browser installs a new worker when the worker's bytes change)."""
    digest = hashlib.sha256(asset(PAGE).body + _read("manifest.webmanifest"))
    for name in ASSETS:
        digest.update(asset(name).body)
    for path, _ in OFFLINE_FILES.values():
        digest.update(_read(path))
    return (_read("sw.js").replace(b"__VERSION__", digest.hexdigest()[:16].encode())
            .replace(b"__SHELL__", json.dumps(shell_paths()).encode())
            .replace(b"__ON_FIRST_USE__", json.dumps(on_first_use_paths()).encode()))


@router.get("/v/manifest.webmanifest")
def manifest() -> Response:
    return Response(_read("manifest.webmanifest"), media_type="application/manifest+json",
                    headers=_headers("public, max-age=300"))


@router.get("/v/offline/qr-dictionary-v1.txt")
def dictionary() -> Response:
    """The v1 preset dictionary (``docs/qr-format.md`` §5), byte for byte (its SHA-256 checked
    by ``qr_payload.dictionary``)."""
    return Response(qr_payload.dictionary(1), media_type="text/plain; charset=utf-8",
                    headers=_headers("public, max-age=86400"))


@router.get("/v/offline/{name}")
def offline_file(name: str) -> Response:
    found = OFFLINE_FILES.get(name)
    if found is None:
        raise NotFound(f"the page has no offline file {name!r}",
                       hint="the files are listed in verifier.pwa.OFFLINE_FILES")
    path, media_type = found
    return Response(_read(path), media_type=media_type, headers=_headers("public, max-age=300"))


@router.get("/v/offline-data")
async def offline_data(request: Request) -> Response:
    """What the browser caches to verify offline, built at most once per status-list ttl."""
    state = get_state(request)
    source: OfflineData = request.app.state.pramaan_offline
    document = source.current()
    if document is None:
        document = await run_in_threadpool(source.refresh, state.clock)
    return json_response(document)


@dataclass
class _Built:
    document: dict[str, Any]
    until: float


class OfflineData:
    """The offline document, rebuilt when its shortest status-list ttl has passed."""

    def __init__(self, settings: VerifierSettings, trust_list: Callable[[datetime], tuple[
            list[TrustedIssuer], str | None]], *, registry: Registry,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.registry = registry
        self._issuers = trust_list
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._built: _Built | None = None

    def current(self) -> dict[str, Any] | None:
        built = self._built
        return built.document if built and self._monotonic() < built.until else None

    def refresh(self, clock: Callable[[], datetime]) -> dict[str, Any]:
        with self._lock:
            document = self.current()
            if document is not None:
                return document
            issuers, token = self._issuers(clock())
            bundle, problems = sync(issuers, algorithms=self.settings.algorithms,
                                    timeout=self.settings.http_timeout_seconds, clock=clock,
                                    trust_list=token)
            refresh = refresh_seconds(bundle, default=self.settings.status_default_ttl_seconds)
            document = build_document(bundle, problems, settings=self.settings,
                                      registry=self.registry, refresh=refresh)
            self._built = _Built(document, self._monotonic() + refresh)
            return document


def refresh_seconds(bundle: Bundle, *, default: float) -> float:
    """The shortest ``ttl`` of the bundle's lists (W3C Bitstring Status List §2.2): how long a
    client, and this server, may keep the data before asking again."""
    ttls = [sl.ttl_seconds_of(read_unverified_payload(item.token), default=default)
            for item in bundle.lists.values()]
    return min(ttls, default=default)


def build_document(bundle: Bundle, problems: list[str], *, settings: VerifierSettings,
                   registry: Registry, refresh: float) -> dict[str, Any]:
    """The offline document: the bundle, the anchor's key, the limits and the registry's words,
    so that the browser judges exactly as ``verifier check --offline`` does."""
    return {
        "format": OFFLINE_FORMAT,
        "bundle": bundle.to_json(),
        "anchor": _anchor(settings),
        "algorithms": list(settings.algorithms),
        "maxAgeSeconds": settings.bundle_max_age_seconds,
        "refreshSeconds": refresh,
        "limits": {"qrText": qr_payload.MAX_QR_TEXT, "inflated": qr_payload.MAX_INFLATED,
                   "token": MAX_TOKEN_LENGTH},
        "registry": {
            "certificateTypes": [{"id": t.id, "vcType": t.vc_type, "title": t.title,
                                  "titleHi": t.title_hi}
                                 for t in registry.certificate_types.values()],
            "professions": {p.id: {"name": p.name, "nameHi": p.name_hi}
                            for p in registry.professions.values()}},
        "problems": problems,
    }


def _anchor(settings: VerifierSettings) -> Mapping[str, Any] | None:
    value = settings.trust_anchor_jwks
    if not value or not settings.trust_list_url:
        return None
    text = value.strip()
    document = json.loads(text if text.startswith("{") else Path(text).read_text("utf-8"))
    return document if "keys" in document else {"keys": [document]}


def issuers_of(settings: VerifierSettings, trust: object
               ) -> Callable[[datetime], tuple[list[TrustedIssuer], str | None]]:
    """Where the offline data's issuers come from: the verified trust list when one is in use
    (carried signed, for the browser to verify again), else the configured issuers."""
    def issuers(now: datetime) -> tuple[list[TrustedIssuer], str | None]:
        if isinstance(trust, ListedTrustStore):
            loaded = trust.source.current(now)
            return list(loaded.entries), loaded.token
        return list(settings.trusted_issuers), None
    return issuers
