"""``issuer keys …`` and ``issuer tokens …``: signing keys and staff API tokens."""

from __future__ import annotations

import argparse
from datetime import timedelta

from sqlalchemy.orm import Session

from issuer.audit import service as audit
from issuer.auth.service import (
    DEFAULT_TOKEN_DAYS,
    MAX_TOKEN_DAYS,
    create_token,
    find_tokens,
    list_tokens,
    revoke_token,
)
from issuer.cli.common import EXIT_OK, group
from issuer.delivery.models import DocumentAuthority
from issuer.keystore import service as keystore
from issuer.state import IssuerState
from issuer.status import reissue
from keys.signing import SigningKey
from schemas.errors import NotFound


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = group(sub, "keys", "signing keys: rotate, list, compromise")
    p = keys.add_parser("rotate", help="publish a new signing key now; it signs after "
                                       "PRAMAAN_KEY_PREPUBLISH_SECONDS, and the old one stays "
                                       "published")
    p.add_argument("--alg", choices=["ES256", "ES384", "EdDSA"])
    p.add_argument("--emergency", "--now", action="store_true", dest="emergency",
                   help="sign with the new key at once (after a compromise): verifiers that "
                        "have not refetched the keys cannot check what it signs until they do")
    p.set_defaults(run=_keys_rotate)
    keys.add_parser("list", help="list keys: state (next, active, retired, compromised) and "
                                 "dates (never private parts)").set_defaults(run=_keys_list)
    p = keys.add_parser("compromise", help="distrust a key: everything it signed fails "
                                           "verification (then run `issuer reissue --key`)")
    p.add_argument("kid")
    p.set_defaults(run=_keys_compromise)

    tokens = group(sub, "tokens", "staff API tokens: create, list, revoke")
    p = tokens.add_parser("create", help="create a staff token; it is shown once")
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True,
                   choices=["viewer", "reviewer", "registrar", "admin"])
    p.add_argument("--council", action="append", required=True, dest="councils",
                   help="council id this token acts for (repeat; '*' for all)")
    p.add_argument("--days", type=int, default=DEFAULT_TOKEN_DAYS,
                   help=f"days until it expires (default {DEFAULT_TOKEN_DAYS}, "
                        f"at most {MAX_TOKEN_DAYS})")
    p.set_defaults(run=_tokens_create)
    tokens.add_parser("list", help="list tokens: id, name, role, councils, expiry, revocation "
                                   "(never the secrets)").set_defaults(run=_tokens_list)
    p = tokens.add_parser("revoke", help="stop a token (and its page sessions) working at once")
    p.add_argument("token", metavar="NAME|ID",
                   help="a token's id, or a name: every token of that name")
    p.set_defaults(run=_tokens_revoke)


def _certify_for_pdfs(state: IssuerState, session: Session, key: SigningKey) -> None:
    """With the demo authority (dev, test), the councils' PDF certificates for the new key, made
    now rather than by the first PDF it signs. In production the certifying authority certifies
    the new key before it activates (docs/credential.md)."""
    from issuer.delivery import signers

    if session.get(DocumentAuthority, signers.DEMO_AUTHORITY) is None:
        return
    made = signers.issue_certificates(session, state.registry.councils.values(), key,
                                      passphrase=state.settings.key_passphrase.get_secret_value(),
                                      now=state.clock())
    print(f"issued {made} council document-signing certificates for key {key.kid}")


def _keys_rotate(state: IssuerState, args: argparse.Namespace) -> int:
    now = state.clock()
    with state.sessions.begin() as session:
        done = keystore.rotate(
            session, alg=args.alg or state.settings.signing_algorithm,
            passphrase=state.settings.key_passphrase.get_secret_value(), now=now,
            prepublish=timedelta(seconds=state.settings.key_prepublish_seconds),
            emergency=args.emergency, kdf_cost=state.settings.key_kdf_cost)
        key = done.key
        audit.record(session, actor="cli:keys", action="key.rotated", subject=f"key:{key.kid}",
                     now=now, details={"alg": key.alg, "at_once": done.at_once,
                                       "activates_at": done.activates_at.isoformat()})
        _certify_for_pdfs(state, session, key)
    if done.at_once:
        print(f"new signing key {key.kid} ({key.alg}) signs from now, without the "
              f"pre-publication wait; earlier keys stay published")
        print("verifiers that fetched the keys before now may call certificates signed by it "
              "Not genuine or Cannot check until they fetch them again")
    else:
        print(f"new key {key.kid} ({key.alg}) is published now and signs from "
              f"{done.activates_at:%Y-%m-%d %H:%M:%S} UTC; until then the current key signs, "
              f"and earlier keys stay published")
    return EXIT_OK


def _keys_list(state: IssuerState, _args: argparse.Namespace) -> int:
    now = state.clock()
    with state.sessions() as session:
        for row in keystore.list_keys(session):
            key_state = keystore.state_of(row, now)
            dates = f"created {row.created_at:%Y-%m-%d %H:%M}"
            if row.activates_at != row.created_at or key_state == keystore.NEXT:
                dates += f"  signs from {row.activates_at:%Y-%m-%d %H:%M}"
            if row.retired_at is not None:
                verb = "retires" if row.retired_at > now else "retired"
                dates += f"  {verb} {row.retired_at:%Y-%m-%d %H:%M}"
            if row.compromised_at is not None:
                dates += f"  COMPROMISED {row.compromised_at:%Y-%m-%d %H:%M}"
            print(f"{row.kid}  {row.alg:6} {key_state:11} {dates}")
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
        signer = keystore.active_kid(session, now=now)
    print(f"key {row.kid} is marked compromised; {signer} signs from now on")
    print(f"{affected} still-valid certificates were signed by it: run "
          f"`issuer reissue --key {row.kid}` to re-issue them")
    return EXIT_OK


def _tokens_create(state: IssuerState, args: argparse.Namespace) -> int:
    now = state.clock()
    with state.sessions.begin() as session:
        row, secret = create_token(session, name=args.name, role=args.role,
                                   councils=args.councils, now=now, days=args.days,
                                   known_councils=set(state.registry.councils))
        audit.record(session, actor="cli:tokens", action="token.created",
                     subject=f"token:{row.id}", now=now,
                     details={"name": row.name, "role": row.role, "councils": row.councils,
                              "expires_at": row.expires_at.isoformat()})
    print(f"token {row.id} for {row.name} ({row.role}; councils {', '.join(row.councils)}; "
          f"expires {row.expires_at:%Y-%m-%d %H:%M} UTC):")
    print(secret)
    return EXIT_OK


def _tokens_list(state: IssuerState, _args: argparse.Namespace) -> int:
    now = state.clock()
    with state.sessions() as session:
        for row in list_tokens(session):
            if row.revoked_at is not None:
                standing = f"REVOKED {row.revoked_at:%Y-%m-%d %H:%M}"
            elif row.expires_at <= now:
                standing = f"EXPIRED {row.expires_at:%Y-%m-%d %H:%M}"
            else:
                standing = f"expires {row.expires_at:%Y-%m-%d %H:%M}"
            print(f"{row.id}  {row.name}  {row.role}  {','.join(row.councils)}  "
                  f"created {row.created_at:%Y-%m-%d}  {standing}")
    return EXIT_OK


def _tokens_revoke(state: IssuerState, args: argparse.Namespace) -> int:
    now = state.clock()
    with state.sessions.begin() as session:
        rows = find_tokens(session, name_or_id=args.token)
        if not rows:
            raise NotFound(f"no token has the id or name {args.token!r}",
                           hint="see `issuer tokens list`")
        for row in rows:
            if row.revoked_at is None:
                revoke_token(session, row, now=now)
                audit.record(session, actor="cli:tokens", action="token.revoked",
                             subject=f"token:{row.id}", now=now, details={"name": row.name})
            print(f"token {row.id} ({row.name}) revoked {row.revoked_at:%Y-%m-%d %H:%M} UTC")
    return EXIT_OK
