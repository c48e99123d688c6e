"""``issuer registrations show|suspend|remove|restore|correct|renew|make-permanent|due|remind``:
the register's life from the command line. Each change prints what it changed, including every
certificate it suspended, revoked, reinstated or re-issued, one per line, so scripts can rely
on it (``docs/register.md``)."""

from __future__ import annotations

import argparse
from datetime import date

from sqlalchemy.orm import Session

from issuer.auth.service import Staff
from issuer.cli.common import EXIT_OK, group, staff, token_arg
from issuer.credentials import service as credentials
from issuer.registry import corrections, eligibility, lifecycle, proceedings, reminders
from issuer.registry import service as register
from issuer.registry.lifecycle import Order
from issuer.registry.models import RegisterAction, Registration
from issuer.state import IssuerState
from issuer.status import service as status


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmds = group(sub, "registrations", "a registration's life: show, suspend, remove, "
                                        "restore, correct, renew, make-permanent, due, remind")
    p = _one(cmds, "show", _show, "the registration, its state, proceedings, certificates, "
                                  "history and what the register refuses")
    p = _one(cmds, "suspend", _suspend, "suspend; every live certificate is suspended too")
    p.add_argument("--reason", required=True, choices=sorted(lifecycle.SUSPENSION_REASONS))
    p.add_argument("--until", type=date.fromisoformat, help="last day (YYYY-MM-DD, India)")
    _order_args(p)
    p = _one(cmds, "remove", _remove, "remove from the register; its certificates are revoked")
    p.add_argument("--reason", required=True, choices=sorted(lifecycle.REMOVAL_REASONS))
    _order_args(p)
    p = _one(cmds, "restore", _restore, "restore; reinstates what the suspension suspended")
    _order_args(p)
    p = _one(cmds, "correct", _correct, "correct one particular; live certificates re-issued")
    p.add_argument("--field", required=True, choices=corrections.FIELDS)
    p.add_argument("--value", required=True,
                   help="the new value; a qualification is 'DEGREE; UNIVERSITY; YEAR'")
    _order_args(p)
    p = _one(cmds, "renew", _renew, "record a renewal: the due date moves on one period")
    _order_args(p)
    p = _one(cmds, "make-permanent", _make_permanent,
             "provisional to permanent; live certificates re-issued")
    _order_args(p)
    p = cmds.add_parser("due", help="registrations of a council due for renewal soon or overdue")
    p.add_argument("--council", required=True)
    p.add_argument("--within-days", type=int, default=reminders.RENEWAL_NOTICE_DAYS)
    token_arg(p)
    p.set_defaults(run=_due)
    p = cmds.add_parser("remind", help="enqueue the renewal and Good Standing expiry reminders "
                                       "now due (each once; run daily)")
    p.set_defaults(run=_remind)


def _one(cmds: argparse._SubParsersAction[argparse.ArgumentParser], name: str,
         run: object, help: str) -> argparse.ArgumentParser:
    p = cmds.add_parser(name, help=help, description=help)
    p.add_argument("number", help="the registration number")
    p.add_argument("--council", required=True)
    token_arg(p)
    p.set_defaults(run=run)
    return p


def _order_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--order", help="the council's order reference")
    p.add_argument("--note")


def _target(session: Session, state: IssuerState, args: argparse.Namespace,
            permission: str = "register") -> tuple[Staff, Registration]:
    who = staff(session, args, now=state.clock())
    row = register.find_by_number(session, args.council, args.number)
    return who, who.require_found(permission, row, f"registration {args.number}")


def _order(args: argparse.Namespace) -> Order:
    return Order(None, args.order, args.note)


def print_action(row: RegisterAction, registration: Registration) -> None:
    """What a register change did: the changed fields, then each certificate it touched."""
    print(f"registration {registration.registration_number} ({registration.council_id}): "
          f"{row.action.replace('_', ' ')}" + (f", order {row.order_reference}"
                                                if row.order_reference else ""))
    for name, (before, after) in row.changes.items():
        print(f"  {name}: {before} -> {after}")
    for effect in ("suspended", "revoked", "reinstated"):
        for number in row.certificates.get(effect, []):
            print(f"  {effect} certificate {number}")
    for old, new in row.certificates.get("reissued", []):
        print(f"  re-issued certificate {old} as {new} ({old} revoked as superseded)")


def _suspend(state: IssuerState, args: argparse.Namespace) -> int:
    with state.sessions.begin() as session:
        who, row = _target(session, state, args)
        action = lifecycle.suspend(session, row, staff=who, reason=args.reason,
                                   until=args.until, now=state.clock(), order=_order(args))
        print_action(action, row)
    return EXIT_OK


def _remove(state: IssuerState, args: argparse.Namespace) -> int:
    with state.sessions.begin() as session:
        who, row = _target(session, state, args)
        action = lifecycle.remove(session, row, staff=who, reason=args.reason,
                                  now=state.clock(), order=_order(args))
        print_action(action, row)
    return EXIT_OK


def _restore(state: IssuerState, args: argparse.Namespace) -> int:
    with state.sessions.begin() as session:
        who, row = _target(session, state, args)
        print_action(lifecycle.restore(session, row, staff=who, now=state.clock(),
                                       order=_order(args)), row)
    return EXIT_OK


def _correct(state: IssuerState, args: argparse.Namespace) -> int:
    with state.sessions.begin() as session:
        who, row = _target(session, state, args)
        action = corrections.correct(session, row, staff=who,
                                     context=state.issue_context(session), field=args.field,
                                     value=args.value, now=state.clock(), order=_order(args))
        print_action(action, row)
    return EXIT_OK


def _renew(state: IssuerState, args: argparse.Namespace) -> int:
    with state.sessions.begin() as session:
        who, row = _target(session, state, args)
        print_action(lifecycle.renew(session, row, staff=who, registry=state.registry,
                                     now=state.clock(), order=_order(args)), row)
    return EXIT_OK


def _make_permanent(state: IssuerState, args: argparse.Namespace) -> int:
    with state.sessions.begin() as session:
        who, row = _target(session, state, args)
        print_action(corrections.make_permanent(session, row, staff=who,
                                                context=state.issue_context(session),
                                                now=state.clock(), order=_order(args)), row)
    return EXIT_OK


def _show(state: IssuerState, args: argparse.Namespace) -> int:
    now = state.clock()
    with state.sessions() as session:
        _who, row = _target(session, state, args, "read")
        print(f"registration {row.registration_number} ({row.council_id}): "
              f"{row.professional.name}")
        print(f"  state: {eligibility.effective_state(row, eligibility.india_today(now))}"
              + (f" ({row.state_reason})" if row.state_reason else "")
              + (f", suspended {row.suspended_from} to {row.suspended_until or 'restored'}"
                 if row.state == "suspended" else ""))
        print(f"  type: {row.registration_type}; valid {row.valid_from} to {row.valid_until}"
              + (f"; renewal due {row.renewal_due}" if row.renewal_due else ""))
        for p in proceedings.for_registration(session, row):
            print(f"  proceedings {p.reference}: opened {p.opened_on}"
                  + (f", closed {p.closed_on}: {p.outcome}" if p.closed_on else ", open"))
        for cert in credentials.list_for_registration(session, row.id):
            current = status.effective_state(cert, now)
            print(f"  certificate {cert.certificate_number} {cert.certificate_type} "
                  f"{current.state}" + (f" ({current.reason})" if current.reason else ""))
        for type_id in state.registry.certificate_types:
            for refusal in eligibility.refusals(session, row, type_id, now):
                print(f"  refuses {type_id}: {refusal.code}: {refusal.detail}")
        for action in lifecycle.actions(session, row):
            print(f"  {action.at:%Y-%m-%d %H:%M} UTC {action.action} by {action.actor}"
                  + (f", order {action.order_reference}" if action.order_reference else ""))
    return EXIT_OK


def _due(state: IssuerState, args: argparse.Namespace) -> int:
    with state.sessions() as session:
        who = staff(session, args, now=state.clock())
        who.require("read", args.council)
        for row in reminders.due_for_renewal(session, args.council, now=state.clock(),
                                             within_days=args.within_days):
            print(f"{row.renewal_due} {row.registration_number} {row.professional.name}")
    return EXIT_OK


def _remind(state: IssuerState, args: argparse.Namespace) -> int:
    with state.sessions.begin() as session:
        count = reminders.enqueue_reminders(session, now=state.clock())
    print(f"enqueued {count} reminder(s)")
    return EXIT_OK
