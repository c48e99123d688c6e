"""``issuer init``, ``issuer demo`` and ``issuer serve``: the instance's database and service."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from issuer import db
from issuer.cli.common import EXIT_OK, EXIT_USAGE, command
from issuer.keystore import service as keystore
from issuer.state import IssuerState


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command(sub, "init", _init, "create or upgrade the database and make the first signing key")
    demo = command(sub, "demo", _demo, "init, then load the demo register and print a staff token")
    demo.add_argument("--token-file", type=Path, default=Path("var/demo-token.txt"))
    serve = command(sub, "serve", _serve, "run the issuer HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)


def _init(state: IssuerState, _args: argparse.Namespace) -> int:
    db.migrate(state.engine)
    with state.sessions.begin() as session:
        if keystore.active_kid(session) is None:
            key = keystore.create_key(session, alg=state.settings.signing_algorithm,
                                      passphrase=state.settings.key_passphrase.get_secret_value(),
                                      now=state.clock(), kdf_cost=state.settings.key_kdf_cost)
            print(f"created signing key {key.kid} ({key.alg})")
    print(f"database ready: {state.engine.url.render_as_string(hide_password=True)}")
    return EXIT_OK


def _demo(state: IssuerState, args: argparse.Namespace) -> int:
    from issuer.demo.load import create_demo_token, load_demo_register

    if state.settings.env != "dev":
        print("error: demo data is only loaded with PRAMAAN_ENV=dev", file=sys.stderr)
        return EXIT_USAGE
    _init(state, args)
    with state.sessions.begin() as session:
        added = load_demo_register(session, registry=state.registry, now=state.clock())
        token = create_demo_token(session, registry=state.registry, now=state.clock())
    args.token_file.parent.mkdir(parents=True, exist_ok=True)
    args.token_file.write_text(token + "\n")
    args.token_file.chmod(0o600)
    print(f"demo register: {added} registrants added")
    print(f"demo staff token (admin, all councils) written to {args.token_file}")
    return EXIT_OK


def _serve(state: IssuerState, args: argparse.Namespace) -> int:
    import uvicorn

    from issuer.app import create_app

    uvicorn.run(create_app(state.settings, state=state), host=args.host, port=args.port)
    return EXIT_OK
