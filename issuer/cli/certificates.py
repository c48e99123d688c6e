"""``issuer register``, ``issuer issue`` and ``issuer show``: the register and its certificates."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic import ValidationError

from issuer.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    command,
    pdf,
    read_json,
    staff,
    token_arg,
    write_file,
)
from issuer.credentials import service as credentials
from issuer.credentials.api import CertificateOut
from issuer.registry import service as register
from issuer.registry.inputs import RegistrantIn
from issuer.state import IssuerState
from schemas.errors import InvalidData


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = command(sub, "register", _register, "add registrants from a JSON file (one or a list)")
    p.add_argument("file", type=Path)
    token_arg(p)
    p = command(sub, "issue", _issue, "issue a certificate for a registration")
    p.add_argument("--council", required=True)
    p.add_argument("--number", required=True, help="registration number")
    p.add_argument("--type", required=True, help="registration, good-standing or noc")
    for field in ("addressee", "purpose", "destination"):
        p.add_argument(f"--{field}")
    p.add_argument("--pdf", type=Path, help="also write the PDF here")
    token_arg(p)
    p = command(sub, "show", _show, "print a certificate as JSON or the vc+jwt, or write its PDF")
    p.add_argument("certificate_number")
    p.add_argument("--format", choices=["json", "jwt", "pdf"], default="json")
    p.add_argument("--out", type=Path, help="write to this file instead of printing "
                                           "(required for pdf)")
    token_arg(p)


def _register(state: IssuerState, args: argparse.Namespace) -> int:
    data = read_json(args.file)
    if not isinstance(data, list | dict):
        raise InvalidData(f"{args.file} holds neither a registrant nor a list of them")
    entries = data if isinstance(data, list) else data.get("registrants", [data])
    with state.sessions.begin() as session:
        who = staff(session, args, now=state.clock())
        for entry in entries:
            try:
                registrant = RegistrantIn.model_validate(entry)
            except ValidationError as err:
                first = err.errors()[0]
                print(f"error: {'/'.join(map(str, first['loc']))}: {first['msg']}",
                      file=sys.stderr)
                return EXIT_USAGE
            who.require("register", registrant.registration.council_id)
            row = register.register(session, registrant, registry=state.registry,
                                    actor=who.actor, now=state.clock())
            print(f"registration {row.id}: {row.council_id} {row.registration_number}")
    return EXIT_OK


def _issue(state: IssuerState, args: argparse.Namespace) -> int:
    extra = {f: getattr(args, f) for f in ("addressee", "purpose", "destination")
             if getattr(args, f) is not None}
    with state.sessions.begin() as session:
        who = staff(session, args, now=state.clock())
        who.require("issue", args.council)  # before the lookup: tells nothing of others
        registration = register.get_by_number(session, args.council, args.number)
        row = credentials.issue_in(
            state.issue_context(session), session,
            credentials.IssueRequest(registration.id, args.type, extra), staff=who,
            now=state.clock())
    print(f"issued {row.certificate_number} ({row.certificate_type}) {row.credential_id}")
    if args.pdf:
        write_file(args.pdf, pdf(state, row))
        print(f"PDF written to {args.pdf}")
    return EXIT_OK


def _show(state: IssuerState, args: argparse.Namespace) -> int:
    if args.format == "pdf" and args.out is None:
        print("error: --out FILE is required for a PDF", file=sys.stderr)
        return EXIT_USAGE
    with state.sessions() as session:
        who = staff(session, args, now=state.clock())
        row = credentials.find_for_staff(session, who, "read", args.certificate_number)
    text = row.token if args.format == "jwt" else CertificateOut.of(row).model_dump_json(indent=2)
    if args.out is None:
        print(text)
        return EXIT_OK
    write_file(args.out, pdf(state, row) if args.format == "pdf" else (text + "\n").encode())
    print(f"{args.format.upper()} written to {args.out}")
    return EXIT_OK
