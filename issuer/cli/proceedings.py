"""``issuer proceedings open|close``: disciplinary proceedings against a registration. While
any are open, Good Standing Certificates and NOCs are refused."""

from __future__ import annotations

import argparse
from datetime import date

from issuer.cli.common import EXIT_OK, group, staff, token_arg
from issuer.cli.registrations import print_action
from issuer.registry import eligibility, lifecycle, proceedings
from issuer.registry import service as register
from issuer.state import IssuerState


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmds = group(sub, "proceedings", "disciplinary proceedings: open, close")
    p = cmds.add_parser("open", help="open proceedings against a registration")
    p.add_argument("number", help="the registration number")
    p.add_argument("--council", required=True)
    p.add_argument("--reference", required=True, help="the council's case reference")
    p.add_argument("--opened-on", type=date.fromisoformat, help="YYYY-MM-DD (default today)")
    p.add_argument("--note")
    token_arg(p)
    p.set_defaults(run=_open)
    p = cmds.add_parser("close", help="close open proceedings, with their outcome")
    p.add_argument("number", help="the registration number")
    p.add_argument("--council", required=True)
    p.add_argument("--reference", required=True)
    p.add_argument("--outcome", required=True)
    p.add_argument("--closed-on", type=date.fromisoformat, help="YYYY-MM-DD (default today)")
    token_arg(p)
    p.set_defaults(run=_close)


def _open(state: IssuerState, args: argparse.Namespace) -> int:
    now = state.clock()
    with state.sessions.begin() as session:
        who = staff(session, args, now=now)
        row = who.require_found("register", register.find_by_number(
            session, args.council, args.number), f"registration {args.number}")
        proceedings.open_proceeding(session, row, staff=who,
                                    opened_on=args.opened_on or eligibility.india_today(now),
                                    reference=args.reference, now=now, note=args.note)
        print_action(lifecycle.actions(session, row)[-1], row)
    return EXIT_OK


def _close(state: IssuerState, args: argparse.Namespace) -> int:
    now = state.clock()
    with state.sessions.begin() as session:
        who = staff(session, args, now=now)
        row = who.require_found("register", register.find_by_number(
            session, args.council, args.number), f"registration {args.number}")
        proceeding = proceedings.find_open(session, row, args.reference)
        proceedings.close_proceeding(session, proceeding, staff=who,
                                     closed_on=args.closed_on or eligibility.india_today(now),
                                     outcome=args.outcome, now=now)
        print_action(lifecycle.actions(session, row)[-1], row)
    return EXIT_OK
