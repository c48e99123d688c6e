"""Signed, expiring download links: ``{public_base}/d/{token}``.

The token is an itsdangerous ``URLSafeSerializer`` signature over ``[certificate number, expiry]``
with its own ``salt`` (domain separation: no other token of ours verifies as a link). Changing a
single character of the number or the expiry breaks the signature, so a link cannot be altered to
fetch another person's certificate. Keys are a list: the last signs, all verify.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

from schemas.errors import LinkExpired, LinkInvalid

SALT = "pramaan.download-link.v1"
MAX_TOKEN_LENGTH = 200


@dataclass(frozen=True)
class DownloadLink:
    url: str
    expires_at: datetime


def make_link(certificate_number: str, *, secrets: Sequence[str], public_base: str,
              now: datetime, ttl: timedelta) -> DownloadLink:
    expires = (now + ttl).astimezone(UTC).replace(microsecond=0)
    token = _serializer(secrets).dumps([certificate_number, int(expires.timestamp())])
    return DownloadLink(f"{public_base.rstrip('/')}/d/{token}", expires)


def read_link(token: str, *, secrets: Sequence[str], now: datetime) -> str:
    """The certificate number a link is for; ``LinkInvalid`` or ``LinkExpired`` otherwise."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise LinkInvalid("this download link is not valid", hint=_HINT)
    try:
        number, expires = _serializer(secrets).loads(token)
    except (BadSignature, ValueError, TypeError) as err:
        raise LinkInvalid("this download link is not valid", hint=_HINT) from err
    expires_at = datetime.fromtimestamp(expires, UTC)
    if now >= expires_at:
        raise LinkExpired(f"this download link expired on {expires_at:%Y-%m-%d %H:%M} UTC",
                          hint=_HINT, expired_at=expires_at)
    return str(number)


_HINT = "ask for a fresh link: POST /d/request with your certificate number and e-mail address"


def _serializer(secrets: Sequence[str]) -> URLSafeSerializer:
    return URLSafeSerializer(list(secrets), salt=SALT)
