"""``issuer trust keygen`` and ``issuer trust sign``: the trust anchor's key and signed list.

These are the state health department's commands, not a council's: they need no database and no
issuer settings, only the anchor's sealed key file and its passphrase
(``PRAMAAN_TRUST_ANCHOR_PASSPHRASE``). Adding an issuer (the nursing council) is an edit of the
list file and one ``issuer trust sign`` (``docs/trust.md``).
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from issuer.cli.common import group
from keys.jwk import public_jwk
from keys.signing import SigningKey, sign_credential
from keys.storage import decrypt_private_key, encrypt_private_key, generate_private_key
from schemas import trust_list as tl
from schemas.errors import ConfigurationError, InvalidData, TrustListInvalid, UnreadableInput
from schemas.registry import default_registry

PASSPHRASE_ENV = "PRAMAAN_TRUST_ANCHOR_PASSPHRASE"  # noqa: S105 (a variable name)
DEFAULT_DAYS = 30
Clock = Callable[[], datetime]


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    commands = group(sub, "trust", "the trust anchor's signed list of issuers: keygen, sign "
                                   "(no database needed)")
    p = commands.add_parser("keygen", help="make the anchor's key: a sealed private key file "
                                           f"(passphrase from ${PASSPHRASE_ENV}) and its "
                                           "public JWKS for verifiers")
    p.add_argument("--out", required=True, type=Path, help="the sealed private key file")
    p.add_argument("--public-out", required=True, type=Path, help="the public JWKS (JSON)")
    p.add_argument("--alg", choices=["ES256", "ES384", "EdDSA"], default="ES256")
    p.set_defaults(standalone=_keygen)
    p = commands.add_parser("sign", help="sign a trust list file as a trust-list+jwt")
    p.add_argument("file", type=Path, help='the list: {"iss": ..., "issuers": [...]}')
    p.add_argument("--key", required=True, type=Path, help="the anchor's sealed key file")
    p.add_argument("--out", required=True, type=Path, help="where to write the signed list")
    p.add_argument("--days", type=int, default=DEFAULT_DAYS,
                   help=f"days the list is valid (its exp; default {DEFAULT_DAYS})")
    p.set_defaults(standalone=_sign)


def _passphrase() -> str:
    passphrase = os.environ.get(PASSPHRASE_ENV, "")
    if not passphrase:
        raise ConfigurationError(f"{PASSPHRASE_ENV} is not set",
                                 hint="set it to the anchor key's passphrase")
    return passphrase


def _keygen(args: argparse.Namespace, clock: Clock) -> int:
    passphrase = _passphrase()
    if args.out.exists():
        raise InvalidData(f"{args.out} exists; an anchor key is never overwritten")
    key = generate_private_key(args.alg)
    fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(encrypt_private_key(key, passphrase))
    jwks = {"keys": [public_jwk(key.public_key())]}
    args.public_out.write_text(json.dumps(jwks, indent=1) + "\n", "utf-8")
    print(f"anchor key {jwks['keys'][0]['kid']} written to {args.out}; give verifiers "
          f"{args.public_out} (PRAMAAN_VERIFIER_TRUST_ANCHOR_JWKS)")
    return 0


def _sign(args: argparse.Namespace, clock: Clock) -> int:
    try:
        document = json.loads(args.file.read_text("utf-8"))
        blob = args.key.read_bytes()
    except OSError as err:
        raise UnreadableInput(f"{err.filename} cannot be read: {err.strerror}") from err
    except ValueError as err:
        raise InvalidData(f"{args.file} is not JSON: {err}") from err
    key = SigningKey.from_private_key(decrypt_private_key(blob, _passphrase()))
    try:
        listed = tl.build_payload(document, now=clock(), valid_for=timedelta(days=args.days))
        known = set(default_registry().certificate_types)
        for entry in listed.issuers:
            unknown = set(entry.certificate_types) - known
            if unknown:
                raise TrustListInvalid(f"{entry.id} names unknown certificate types: "
                                       f"{', '.join(sorted(unknown))} (known: "
                                       f"{', '.join(sorted(known))})")
    except TrustListInvalid as err:
        raise InvalidData(f"{args.file}: {err.detail}") from err
    payload = json.dumps(listed.to_json(), ensure_ascii=False, separators=(",", ":"))
    token = sign_credential(payload.encode("utf-8"), key, typ=tl.TRUST_LIST_TYP, cty=None)
    args.out.write_text(token + "\n", "ascii")
    print(f"signed {len(listed.issuers)} issuer(s) with anchor key {key.kid}, valid until "
          f"{listed.expires_at.isoformat()}, to {args.out}")
    return 0
