"""The issuer's key ring: the newest active key signs, every published key verifies.

Modelled on ``MultiFernet`` and itsdangerous' ``secret_keys``: rotation adds a key and retires the
previous signer without removing it, so everything it signed still verifies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from keys.jwk import KeyWindow, public_jwk
from keys.signing import SigningKey
from schemas.errors import ConfigurationError


@dataclass(frozen=True)
class KeyRing:
    signer: SigningKey
    published: tuple[SigningKey, ...]
    windows: Mapping[str, KeyWindow] = field(default_factory=dict)
    """Each key's signing window, published with it (a key without one is unbounded)."""

    @classmethod
    def of(cls, keys: Iterable[SigningKey], *, signer_kid: str,
           windows: Mapping[str, KeyWindow] | None = None) -> KeyRing:
        keys = tuple(keys)
        signer = next((k for k in keys if k.kid == signer_kid), None)
        if signer is None:
            raise ConfigurationError(f"the signing key {signer_kid} is not in the key ring")
        return cls(signer=signer, published=keys, windows=dict(windows or {}))

    def jwks(self) -> dict[str, list[dict[str, object]]]:
        """The public JWKS document (RFC 7517 §5) with each key's window; private members never
        appear."""
        return {"keys": [public_jwk(k.key.public_key(), self.windows.get(k.kid))
                         for k in self.published]}
