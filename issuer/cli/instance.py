"""``issuer init``, ``issuer demo`` and ``issuer serve``: the instance's database and service.

Only ``init`` and ``demo`` create or upgrade the database. Every other command first checks that
it exists and is at the newest migration (``require_database_file``, ``require_schema``), so a
command run from the wrong directory says where it looked instead of creating an empty
``var/pramaan.db`` there and failing on a missing table.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from issuer import db
from issuer.cli.common import EXIT_OK, EXIT_USAGE, command
from issuer.keystore import service as keystore
from issuer.settings import DEMO_ENVS, IssuerSettings
from issuer.state import IssuerState
from schemas.errors import ConfigurationError

HOW_TO_CREATE = ("run `issuer init` to create it, or set PRAMAAN_HOME or PRAMAAN_DATABASE_URL "
                 "to where it is")
DEMO_TOKEN_FILE = Path("var/demo-token.txt")


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = command(sub, "init", _init, "create or upgrade the database and make the first "
                                       "signing key")
    demo = command(sub, "demo", _demo, "init, then load the demo register and write a staff "
                                       "token (kept while it works)")
    demo.add_argument("--token-file", type=Path,
                      help=f"where the token goes (default: $PRAMAAN_HOME/{DEMO_TOKEN_FILE})")
    for p in (init, demo):
        p.set_defaults(creates_database=True)
    serve = command(sub, "serve", _serve, "run the issuer HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1,
                       help="web processes (uvicorn workers); with more than one, the outbox "
                            "worker runs once, in the supervising process (docs/scale.md)")
    serve.add_argument("--no-outbox", action="store_true",
                       help="run no outbox worker here (run `issuer worker` instead)")


def require_database_file(settings: IssuerSettings) -> None:
    """Refuse a SQLite URL whose file is missing, before anything could create it."""
    url = make_url(settings.database_url)
    file = url.database
    if url.get_backend_name() == "sqlite" and file and file != ":memory:" \
            and not file.startswith("file:") and not Path(file).is_file():
        raise ConfigurationError(f"no database at {file}: {HOW_TO_CREATE}")


def require_schema(state: IssuerState) -> None:
    """Refuse a database that cannot be opened, has no tables yet, or is behind the code."""
    where = _location(state)
    try:
        with state.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except DBAPIError as err:
        first = str(err.orig).strip().splitlines()[0] if err.orig else type(err).__name__
        raise ConfigurationError(f"cannot open the database {where}: {first}") from err
    if current is None:
        raise ConfigurationError(f"the database {where} has no Pramaan tables: {HOW_TO_CREATE}")
    heads = ScriptDirectory(str(db.MIGRATIONS)).get_heads()
    if current not in heads:
        raise ConfigurationError(f"the database {where} is at schema revision {current}, this "
                                 f"issuer needs {', '.join(heads)}: run `issuer init` to upgrade")


def _location(state: IssuerState) -> str:
    url = state.engine.url
    if url.get_backend_name() == "sqlite" and url.database:
        return url.database
    return url.render_as_string(hide_password=True)


def _init(state: IssuerState, _args: argparse.Namespace) -> int:
    db.migrate(state.engine)
    with state.sessions.begin() as session:
        if keystore.active_kid(session, now=state.clock()) is None:
            key = keystore.create_key(session, alg=state.settings.signing_algorithm,
                                      passphrase=state.settings.key_passphrase.get_secret_value(),
                                      now=state.clock(), kdf_cost=state.settings.key_kdf_cost)
            print(f"created signing key {key.kid} ({key.alg})")
        if state.settings.env in DEMO_ENVS and state.settings.pdf_certificates_dir is None:
            _demo_pdf_certificates(state, session)
    print(f"database ready: {_location(state)}")
    return EXIT_OK


def _demo_pdf_certificates(state: IssuerState, session: Session) -> None:
    """Development: the demo certifying authority and each council's certificate for the
    signing key, so that every PDF is signed (production configures real ones)."""
    from issuer.delivery import signers

    passphrase = state.settings.key_passphrase.get_secret_value()
    now = state.clock()
    if signers.ensure_demo_authority(session, passphrase=passphrase, now=now,
                                     kdf_cost=state.settings.key_kdf_cost):
        print("created the demo certifying authority for PDF signatures (trusted by no one)")
    ring = state.keyring.current(session, now=now)
    made = signers.issue_certificates(session, state.registry.councils.values(), ring.signer,
                                      passphrase=passphrase, now=now)
    if made:
        print(f"issued {made} council document-signing certificates for key {ring.signer.kid}")


def _demo(state: IssuerState, args: argparse.Namespace) -> int:
    from issuer.demo.load import (
        DEMO_STAFF_EMAIL,
        ensure_demo_staff,
        load_demo_register,
        renew_demo_token,
    )

    if state.settings.env != "dev":
        print("error: demo data is only loaded with PRAMAAN_ENV=dev", file=sys.stderr)
        return EXIT_USAGE
    _init(state, args)
    token_file: Path = args.token_file or state.settings.home / DEMO_TOKEN_FILE
    current = token_file.read_text().strip() if token_file.is_file() else None
    with state.sessions.begin() as session:
        added = load_demo_register(session, registry=state.registry, now=state.clock())
        token, new = renew_demo_token(session, registry=state.registry, now=state.clock(),
                                      current=current)
        ensure_demo_staff(session, registry=state.registry, now=state.clock())
    print(f"demo register: {added} registrants added")
    print(f"demo staff account: sign in at /s as {DEMO_STAFF_EMAIL} (registrar, all councils); "
          f"the code is mailed to {_mail_location(state)}")
    if not new:
        print(f"demo staff token in {token_file} still works; kept")
        return EXIT_OK
    token_file.parent.mkdir(parents=True, exist_ok=True)
    token_file.write_text(token + "\n")
    token_file.chmod(0o600)
    print(f"demo staff token (admin, all councils) written to {token_file}; earlier demo "
          "tokens are revoked")
    return EXIT_OK


def _mail_location(state: IssuerState) -> str:
    settings = state.settings
    if settings.smtp_host:
        return f"the SMTP server {settings.smtp_host}:{settings.smtp_port}"
    return f"the maildir {settings.maildir}"


def _serve(state: IssuerState, args: argparse.Namespace) -> int:
    import uvicorn

    from issuer.app import create_app

    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    if args.workers == 1:
        if args.no_outbox:
            state.settings.outbox_worker = False
        uvicorn.run(create_app(state.settings, state=state), host=args.host, port=args.port)
        return EXIT_OK
    return _serve_many(state, args)


def _serve_many(state: IssuerState, args: argparse.Namespace) -> int:
    """N uvicorn worker processes, each building its app from the environment; none runs the
    outbox, which runs (unless ``--no-outbox``) on a thread of this supervising process: one
    outbox worker however many web processes, and several would be safe too (leases)."""
    import uvicorn

    from issuer.outbox.runner import start_worker

    os.environ["PRAMAAN_OUTBOX_WORKER"] = "false"  # inherited by the web processes
    worker = start_worker(state) if state.settings.outbox_worker and not args.no_outbox \
        else None
    try:
        uvicorn.run("issuer.app:app_from_environment", factory=True, host=args.host,
                    port=args.port, workers=args.workers)
    finally:
        if worker is not None:
            worker.stop()
    return EXIT_OK
