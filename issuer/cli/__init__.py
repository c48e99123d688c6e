"""The ``issuer`` command: set up, run, manage keys and tokens, register and issue.

Commands that act as staff (``register``, ``issue``, ``show``) authenticate with a staff token
(``--token`` or ``PRAMAAN_TOKEN``), exactly as the HTTP API does, so the audit trail names who
acted. Errors print what was wrong and what to do, and exit non-zero.

One module per domain: ``instance`` (init, demo, serve), ``access`` (keys, tokens),
``certificates`` (register, issue, show), ``status`` (revoke, suspend, reinstate, reissue) and
``audit``; this module builds the parser and is the one place errors become exit codes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from issuer.cli import access, audit, certificates, instance, status
from issuer.cli.common import EXIT_ERROR, EXIT_USAGE
from issuer.settings import IssuerSettings
from issuer.state import build_state
from schemas.errors import PramaanError


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_USAGE
    try:
        settings = IssuerSettings()
    except ValidationError as err:
        print(f"error: settings: {err.errors()[0]['msg']}", file=sys.stderr)
        return EXIT_USAGE
    state = build_state(settings)
    try:
        result: int = args.run(state, args)
        return result
    except PramaanError as err:
        print(f"error: {err.detail}", file=sys.stderr)
        if err.hint:
            print(f"hint: {err.hint}", file=sys.stderr)
        return EXIT_USAGE if err.http_status < 500 else EXIT_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="issuer", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(metavar="COMMAND")
    instance.add_commands(sub)
    access.add_commands(sub)
    audit.add_commands(sub)
    certificates.add_commands(sub)
    status.add_commands(sub)
    return parser
