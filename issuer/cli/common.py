"""What the ``issuer`` commands share: exit codes, the staff token argument, the PDF, reading
and writing the user's files, and the helpers that add commands to the parser."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from issuer.auth.service import Staff, authenticate
from issuer.credentials.models import IssuedCredential
from issuer.delivery.service import certificate_pdf
from issuer.state import IssuerState
from schemas.errors import InvalidData, InvalidRequest, UnreadableInput

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


def staff(session: Session, args: argparse.Namespace, *, now: datetime) -> Staff:
    return authenticate(session, f"Bearer {args.token}" if args.token else None, now=now)


def pdf(state: IssuerState, row: IssuedCredential) -> bytes:
    return certificate_pdf(row, renderer=state.renderer, registry=state.registry,
                           page_url=state.settings.verify_page_url)


def group(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help: str
          ) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """A command with actions (``issuer keys rotate``); alone, it prints its own help."""
    p = sub.add_parser(name, help=help, description=help)
    p.set_defaults(group=p)
    return p.add_subparsers(metavar="ACTION")


def read_json(path: Path) -> Any:
    """A JSON file's content; a missing, unreadable or malformed file is the user's to fix."""
    try:
        return json.loads(path.read_text("utf-8"))
    except OSError as err:
        raise UnreadableInput(f"{path} cannot be read: {err.strerror}") from err
    except UnicodeDecodeError as err:
        raise UnreadableInput(f"{path} is not UTF-8 text") from err
    except json.JSONDecodeError as err:
        raise InvalidData(f"{path} is not JSON: {err.msg} at line {err.lineno}, "
                          f"column {err.colno}") from err


def write_file(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as err:
        raise InvalidRequest(f"{path} cannot be written: {err.strerror}") from err
