"""The ``issuer`` command: set up, run, manage keys and tokens, register and issue.

Commands that act as staff (``register``, ``issue``, ``show``) authenticate with a staff token
(``--token`` or ``PRAMAAN_TOKEN``), exactly as the HTTP API does, so the audit trail names who
acted. Errors print what was wrong and what to do, and exit non-zero; a user's mistake (bad
settings, no database, an unreadable file, an unknown number) never prints a traceback.

Where the data lives: relative paths in the settings (the SQLite file of ``PRAMAAN_DATABASE_URL``,
default ``var/pramaan.db``; ``PRAMAAN_MAILDIR``; ``PRAMAAN_DATA_DIR``) resolve against
``PRAMAAN_HOME``, by default the current directory, when the settings are loaded (see
``issuer.settings``). Only ``issuer init`` and ``issuer demo`` create or upgrade a database; every
other command refuses a missing or unmigrated one, naming its absolute location.

One module per domain: ``instance`` (init, demo, serve), ``access`` (keys, tokens),
``certificates`` (register, issue, show), ``status`` (revoke, suspend, reinstate, reissue),
``registrations`` and ``proceedings`` (the register's life) and ``audit``; this module builds
the parser and is the one place errors become exit codes.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence

from pydantic import ValidationError
from pydantic_settings import SettingsError

from issuer.cli import (
    access,
    audit,
    bulk,
    certificates,
    imports,
    instance,
    proceedings,
    registrations,
    staff,
    status,
    trust,
)
from issuer.cli.common import EXIT_ERROR, EXIT_USAGE
from issuer.settings import IssuerSettings
from issuer.state import Clock, IssuerState, build_state, system_clock
from schemas.errors import PramaanError

EXIT_PIPE = 141
"""A closed stdout (``issuer show … | head -1``): 128 + SIGPIPE, as a shell tool would exit."""


def main(argv: Sequence[str] | None = None, *, clock: Clock = system_clock) -> int:
    try:
        try:
            return _main(argv, clock)
        finally:
            sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away: say nothing, and keep the interpreter's final flush quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PIPE


def _main(argv: Sequence[str] | None, clock: Clock) -> int:
    parser = _parser()
    args = parser.parse_args(_two_word_commands(list(sys.argv[1:] if argv is None else argv)))
    if hasattr(args, "standalone"):  # the trust anchor's commands: no settings, no database
        try:
            standalone: int = args.standalone(args, clock)
            return standalone
        except PramaanError as err:
            return _report(err)
    if not hasattr(args, "run"):
        getattr(args, "group", parser).print_help(sys.stderr)
        return EXIT_USAGE
    try:
        settings = IssuerSettings()
    except (ValidationError, SettingsError) as err:
        print(f"error: settings: {_settings_problem(err)}", file=sys.stderr)
        return EXIT_USAGE
    state: IssuerState | None = None
    try:
        if not args.creates_database:
            instance.require_database_file(settings)
        state = build_state(settings, clock=clock)
        if not args.creates_database:
            instance.require_schema(state)
        result: int = args.run(state, args)
        return result
    except PramaanError as err:
        return _report(err)
    finally:
        if state is not None:
            state.engine.dispose()


def _report(err: PramaanError) -> int:
    print(f"error: {err.detail}", file=sys.stderr)
    if err.hint:
        print(f"hint: {err.hint}", file=sys.stderr)
    return EXIT_USAGE if err.http_status < 500 else EXIT_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="issuer", description="Pramaan issuer: set up, run, manage keys and tokens, "
                                   "register and issue certificates.")
    parser.set_defaults(creates_database=False)
    sub = parser.add_subparsers(metavar="COMMAND")
    instance.add_commands(sub)
    access.add_commands(sub)
    audit.add_commands(sub)
    certificates.add_commands(sub)
    imports.add_commands(sub)
    bulk.add_commands(sub)
    status.add_commands(sub)
    registrations.add_commands(sub)
    proceedings.add_commands(sub)
    trust.add_commands(sub)
    staff.add_commands(sub)
    return parser


def _two_word_commands(argv: list[str]) -> list[str]:
    """``issuer register import FILE`` is the parser's ``register-import FILE``: ``register``
    keeps taking a JSON file as its one argument (a file named ``import`` is ``./import``)."""
    if argv[:2] == ["register", "import"]:
        return [imports.COMMAND, *argv[2:]]
    return argv


def _settings_problem(err: ValidationError | SettingsError) -> str:
    """One line naming the variable, without the value (it may be a secret)."""
    if isinstance(err, SettingsError):
        field = re.search(r'field "(\w+)"', str(err))
        name = f"PRAMAAN_{field.group(1).upper()}" if field else "a PRAMAAN_ variable"
        return f"{name} cannot be parsed: lists and objects are JSON, e.g. [\"first\", \"second\"]"
    first = err.errors()[0]
    message = first["msg"].removeprefix("Value error, ")
    if first["loc"]:
        return f"PRAMAAN_{str(first['loc'][0]).upper()}: {message}"
    return message
