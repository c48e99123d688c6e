"""``issuer keys …`` and ``issuer tokens …``: signing keys and staff API tokens."""

from __future__ import annotations

import argparse

from issuer.audit import service as audit
from issuer.auth.service import create_token
from issuer.cli.common import EXIT_OK, group
from issuer.keystore import service as keystore
from issuer.state import IssuerState
from issuer.status import reissue


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = group(sub, "keys", "signing keys: rotate, list, compromise")
    p = keys.add_parser("rotate", help="make a new signing key; the old one stays published")
    p.add_argument("--alg", choices=["ES256", "ES384", "EdDSA"])
    p.set_defaults(run=_keys_rotate)
    keys.add_parser("list", help="list keys (never private parts)").set_defaults(run=_keys_list)
    p = keys.add_parser("compromise", help="distrust a key: everything it signed fails "
                                           "verification (then run `issuer reissue --key`)")
    p.add_argument("kid")
    p.set_defaults(run=_keys_compromise)

    tokens = group(sub, "tokens", "staff API tokens: create")
    p = tokens.add_parser("create", help="create a staff token; it is shown once")
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True,
                   choices=["viewer", "reviewer", "registrar", "admin"])
    p.add_argument("--council", action="append", required=True, dest="councils",
                   help="council id this token acts for (repeat; '*' for all)")
    p.set_defaults(run=_tokens_create)


def _keys_rotate(state: IssuerState, args: argparse.Namespace) -> int:
    now = state.clock()
    with state.sessions.begin() as session:
        key = keystore.rotate(session, alg=args.alg or state.settings.signing_algorithm,
                              passphrase=state.settings.key_passphrase.get_secret_value(),
                              now=now, kdf_cost=state.settings.key_kdf_cost)
        audit.record(session, actor="cli:keys", action="key.rotated", subject=f"key:{key.kid}",
                     now=now, details={"alg": key.alg})
    print(f"new signing key {key.kid} ({key.alg}); earlier keys stay published")
    return EXIT_OK


def _keys_list(state: IssuerState, _args: argparse.Namespace) -> int:
    with state.sessions() as session:
        for row in keystore.list_keys(session):
            retired = f" retired {row.retired_at:%Y-%m-%d}" if row.retired_at else ""
            if row.compromised_at:
                retired += f" COMPROMISED {row.compromised_at:%Y-%m-%d %H:%M}"
            print(f"{row.kid}  {row.alg:6} {row.status:8} created {row.created_at:%Y-%m-%d}"
                  f"{retired}")
    return EXIT_OK


def _keys_compromise(state: IssuerState, args: argparse.Namespace) -> int:
    now = state.clock()
    with state.sessions.begin() as session:
        row = keystore.compromise(session, args.kid, now=now,
                                  passphrase=state.settings.key_passphrase.get_secret_value(),
                                  alg=state.settings.signing_algorithm,
                                  kdf_cost=state.settings.key_kdf_cost)
        affected = len(reissue.affected_by_key(session, args.kid, now=now))
        audit.record(session, actor="cli:keys", action="key.compromised",
                     subject=f"key:{row.kid}", now=now, details={"affected": affected})
        signer = keystore.active_kid(session)
    print(f"key {row.kid} is marked compromised; {signer} signs from now on")
    print(f"{affected} still-valid certificates were signed by it: run "
          f"`issuer reissue --key {row.kid}` to re-issue them")
    return EXIT_OK


def _tokens_create(state: IssuerState, args: argparse.Namespace) -> int:
    with state.sessions.begin() as session:
        row, secret = create_token(session, name=args.name, role=args.role,
                                   councils=args.councils, now=state.clock(),
                                   known_councils=set(state.registry.councils))
    print(f"token {row.id} for {row.name} ({row.role}; councils {', '.join(row.councils)}):")
    print(secret)
    return EXIT_OK
