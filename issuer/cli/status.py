"""``issuer revoke``, ``suspend``, ``reinstate`` and ``reissue``: a certificate's status."""

from __future__ import annotations

import argparse
from datetime import date, datetime

from sqlalchemy.orm import Session

from issuer.auth.service import Staff
from issuer.cli.common import EXIT_ERROR, EXIT_OK, command, staff, token_arg
from issuer.credentials import service as credentials
from issuer.credentials.models import IssuedCredential
from issuer.state import IssuerState
from issuer.status import reissue
from issuer.status import service as status
from schemas import credential as vc


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = command(sub, "revoke", _revoke, "revoke a certificate (permanent)")
    p.add_argument("certificate_number")
    p.add_argument("--reason", required=True, choices=sorted(status.REVOCATION_REASONS))
    p.add_argument("--note")
    token_arg(p)
    p = command(sub, "suspend", _suspend, "suspend a certificate, optionally until a date")
    p.add_argument("certificate_number")
    p.add_argument("--reason", default="other", choices=sorted(status.SUSPENSION_REASONS))
    p.add_argument("--until", type=_moment, help="ISO date or date-time; lifts itself then "
                                                 "(a date means the end of that day in India)")
    p.add_argument("--note")
    token_arg(p)
    p = command(sub, "reinstate", _reinstate, "end a suspension")
    p.add_argument("certificate_number")
    p.add_argument("--note")
    token_arg(p)
    p = command(sub, "reissue", _reissue, "re-issue certificates (a correction, or everything a "
                                          "compromised key signed); the old ones are revoked as "
                                          "superseded")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("certificate_number", nargs="?")
    which.add_argument("--key", metavar="KID", help="every still-valid certificate signed by "
                                                    "this key (resumable)")
    p.add_argument("--note")
    token_arg(p)


def _moment(text: str) -> datetime:
    try:
        if len(text) == 10:
            return vc.end_of_day(date.fromisoformat(text))
        moment = datetime.fromisoformat(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date or date-time") from err
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a time zone offset, e.g. +05:30")
    return moment


def _revoke(state: IssuerState, args: argparse.Namespace) -> int:
    with state.sessions.begin() as session:
        who, row = _staff_and_certificate(session, args, now=state.clock())
        status.revoke(session, row, reason=args.reason, actor=who.actor, now=state.clock(),
                      note=args.note)
    print(f"revoked {row.certificate_number} ({args.reason})")
    return EXIT_OK


def _suspend(state: IssuerState, args: argparse.Namespace) -> int:
    with state.sessions.begin() as session:
        who, row = _staff_and_certificate(session, args, now=state.clock())
        status.suspend(session, row, reason=args.reason, actor=who.actor, now=state.clock(),
                       until=args.until, note=args.note)
    until = f" until {args.until.isoformat()}" if args.until else ""
    print(f"suspended {row.certificate_number}{until}")
    return EXIT_OK


def _reinstate(state: IssuerState, args: argparse.Namespace) -> int:
    with state.sessions.begin() as session:
        who, row = _staff_and_certificate(session, args, now=state.clock())
        status.reinstate(session, row, actor=who.actor, now=state.clock(), note=args.note)
    print(f"reinstated {row.certificate_number}")
    return EXIT_OK


def _reissue(state: IssuerState, args: argparse.Namespace) -> int:
    if args.key is None:
        with state.sessions.begin() as session:
            who, row = _staff_and_certificate(session, args, now=state.clock())
            new = reissue.reissue(session, row, staff=who, context=state.issue_context(session),
                                  now=state.clock(), note=args.note)
        print(f"issued {new.certificate_number}; {row.certificate_number} revoked as superseded")
        return EXIT_OK
    with state.sessions() as session:
        who = staff(session, args, now=state.clock())

    def progress(done: int, total: int, message: str) -> None:
        print(f"[{done}/{total}] {message}", flush=True)

    report = reissue.reissue_signed_by(state.sessions, args.key, staff=who,
                                       context_of=state.issue_context, now=state.clock,
                                       progress=progress)
    print(f"re-issued {report.reissued}, failed {report.failed}")
    return EXIT_OK if report.failed == 0 else EXIT_ERROR


def _staff_and_certificate(session: Session, args: argparse.Namespace, *, now: datetime
                           ) -> tuple[Staff, IssuedCredential]:
    who = staff(session, args, now=now)
    return who, credentials.find_for_staff(session, who, "status", args.certificate_number)
