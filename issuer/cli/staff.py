"""``issuer staff …``: staff accounts, the people who sign in on the staff pages with a code
mailed to their address (``issuer.auth.accounts``). API tokens (``issuer tokens``) are for
machines."""

from __future__ import annotations

import argparse

from issuer.audit import service as audit
from issuer.auth import accounts
from issuer.cli.common import EXIT_OK, group
from issuer.state import IssuerState


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    staff = group(sub, "staff", "staff accounts (people): add, list, disable")
    p = staff.add_parser("add", help="give a person a staff account; they sign in at /s with a "
                                     "code mailed to EMAIL")
    p.add_argument("email", metavar="EMAIL")
    p.add_argument("--name", help="the person's name, shown on the pages and in the audit "
                                  "trail (default: the part of EMAIL before the @)")
    p.add_argument("--role", required=True, choices=["viewer", "reviewer", "registrar", "admin"])
    p.add_argument("--council", action="append", required=True, dest="councils",
                   help="council id the person acts for (repeat; '*' for all)")
    p.set_defaults(run=_add)
    staff.add_parser("list", help="list accounts: address, name, role, councils, "
                                  "standing").set_defaults(run=_list)
    p = staff.add_parser("disable", help="stop an account signing in; its sessions end at once")
    p.add_argument("email", metavar="EMAIL")
    p.set_defaults(run=_disable)


def _add(state: IssuerState, args: argparse.Namespace) -> int:
    now = state.clock()
    name = args.name or args.email.split("@")[0]
    with state.sessions.begin() as session:
        row = accounts.create_account(session, email=args.email, name=name, role=args.role,
                                      councils=args.councils, now=now,
                                      known_councils=set(state.registry.councils))
        audit.record(session, actor="cli:staff", action="staff.added",
                     subject=f"staff-account:{row.id}", now=now,
                     details={"email": row.email, "name": row.name, "role": args.role,
                              "councils": args.councils})
    print(f"staff account {row.id}: {row.name} <{row.email}> ({args.role}; councils "
          f"{', '.join(args.councils)}); they sign in at /s with a code mailed to that address")
    return EXIT_OK


def _list(state: IssuerState, _args: argparse.Namespace) -> int:
    with state.sessions() as session:
        for row, principal in accounts.list_accounts(session):
            standing = f"DISABLED {row.disabled_at:%Y-%m-%d}" if row.disabled_at else "active"
            print(f"{row.id}  {row.email}  {row.name}  {principal.role}  "
                  f"{','.join(principal.councils)}  {standing}")
    return EXIT_OK


def _disable(state: IssuerState, args: argparse.Namespace) -> int:
    now = state.clock()
    with state.sessions.begin() as session:
        row = accounts.disable_account(session, email=args.email, now=now)
        audit.record(session, actor="cli:staff", action="staff.disabled",
                     subject=f"staff-account:{row.id}", now=now, details={"email": row.email})
    print(f"staff account {row.id} ({row.email}) disabled")
    return EXIT_OK
