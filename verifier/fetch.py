"""Reading what issuers and the trust anchor publish: one capped reader for every document the
verifier fetches (JWKS, status lists, status details, the trust list).

GET only a 200, never follow a redirect, refuse any content-encoding (a compressed body could
inflate past the cap before it is counted) and read at most ``max_bytes``; a ``file:`` URL is read
from disk with the same cap (offline set-ups and tests). Each caller names its own error class,
so a failure lands where its verdict belongs (an unreachable JWKS is ``UpstreamUnavailable``, a
status list ``STATUS_RETRIEVAL_ERROR``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from schemas.errors import PramaanError
from schemas.http import join_capped

ErrorClass = Callable[..., PramaanError]


def read_capped(http: httpx.Client, url: str, *, max_bytes: int, what: str,
                error: ErrorClass, too_large: ErrorClass | None = None,
                not_found: ErrorClass | None = None, accept: str = "*/*",
                hint: str | None = None) -> bytes:
    """The body at ``url``, or ``error``: unreachable, not 200, encoded; ``too_large`` (default
    ``error``) past ``max_bytes``; ``not_found`` (default ``error``) for a 404, where a caller
    tells "there is no such document" from "the publisher could not be reached"."""
    oversized = too_large or error
    if url.startswith("file:"):
        return _read_file(url, max_bytes=max_bytes, what=what, error=error,
                          too_large=oversized)
    try:
        with http.stream("GET", url, headers={"Accept": accept,
                                              "Accept-Encoding": "identity"}) as response:
            if response.status_code == 404 and not_found is not None:
                raise not_found(f"{what} at {url} does not exist (HTTP 404)", hint=hint)
            if response.status_code != 200:
                raise error(f"{what} at {url} cannot be retrieved: HTTP "
                            f"{response.status_code}", hint=hint)
            if response.headers.get("content-encoding", "identity") != "identity":
                raise error(f"{what} at {url} came compressed (content-encoding "
                            f"{response.headers['content-encoding']}); this verifier accepts "
                            "identity only")
            return join_capped(response.iter_raw(), limit=max_bytes, error=lambda: oversized(
                f"{what} at {url} is larger than {max_bytes} bytes"))
    except httpx.HTTPError as err:
        raise error(f"{what} at {url} cannot be reached ({type(err).__name__})",
                    hint=hint) from err


def _read_file(url: str, *, max_bytes: int, what: str, error: ErrorClass,
               too_large: ErrorClass) -> bytes:
    path = Path(unquote(urlsplit(url).path))
    try:
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)
    except OSError as err:
        raise error(f"{what} {path} cannot be read: {err.strerror}") from err
    if len(data) > max_bytes:
        raise too_large(f"{what} {path} is larger than {max_bytes} bytes")
    return data
