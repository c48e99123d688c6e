"""What the ``issuer`` commands share: exit codes, the staff token argument, the PDF, and the
small helper that adds a command to the parser."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

from sqlalchemy.orm import Session

from issuer.auth.service import Staff, authenticate
from issuer.credentials.models import IssuedCredential
from issuer.delivery.service import certificate_pdf
from issuer.state import IssuerState

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2

Run = Callable[[IssuerState, argparse.Namespace], int]


def command(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, run: Run,
            help: str) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help, description=help)
    p.set_defaults(run=run)
    return p


def token_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--token", default=os.environ.get("PRAMAAN_TOKEN"),
                   help="staff token (default: $PRAMAAN_TOKEN)")


def staff(session: Session, args: argparse.Namespace) -> Staff:
    return authenticate(session, f"Bearer {args.token}" if args.token else None)


def pdf(state: IssuerState, row: IssuedCredential) -> bytes:
    return certificate_pdf(row, renderer=state.renderer, registry=state.registry,
                           page_url=state.settings.verify_page_url)
